"""Who sees which notices. The portal reaches notices only through these functions (ARCHITECTURE rule 4):
a notice about an account needs a live link to that account (and, for billing notices — debt, due dates,
documents — the finance capability); a notice about the customer as a whole needs a link to any of its
accounts. Anything else is a 404."""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from abonent.customers.access import accounts_for_user, customers_for_user
from abonent.customers.models import PortalAccess
from abonent.notifications.models import Channel, Notification, NotificationType

N = Notification.Status


def notices_for_user(user) -> QuerySet[Notification]:
    finance = accounts_for_user(user, PortalAccess.Capability.FINANCE).values("pk")
    any_account = accounts_for_user(user).values("pk")
    customers = customers_for_user(user).values("pk")
    billing = NotificationType.Source.BILLING
    return (Notification.objects.filter(
        Q(account__isnull=False, account__in=finance)
        | Q(account__isnull=False, account__in=any_account) & ~Q(type__source=billing)
        | Q(account__isnull=True, customer__in=customers))
        .select_related("type", "customer", "account").order_by("-created_at", "-pk"))


def notice_for_user(user, notice_id) -> Notification:
    try:
        return notices_for_user(user).get(pk=notice_id)
    except (Notification.DoesNotExist, ValueError, TypeError):
        raise Http404("Уведомление не найдено.") from None


def mark_read(notice: Notification) -> Notification:
    """A portal notice opened by the customer becomes read (once; the first time is the proof)."""
    if notice.channel == Channel.PORTAL and notice.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notice.pk, read_at__isnull=True).update(status=N.READ, read_at=now,
                                                                                updated_at=now)
        notice.status, notice.read_at = N.READ, now
    return notice


def unread_count(user) -> int:
    return notices_for_user(user).filter(channel=Channel.PORTAL, read_at__isnull=True).count()


def notices_for_customer(customer) -> QuerySet[Notification]:
    """Every notice of a customer, for staff (the customer card)."""
    return (Notification.objects.filter(customer=customer).select_related("type", "account", "campaign")
            .order_by("-created_at", "-pk"))
