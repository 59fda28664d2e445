from django.urls import reverse

from abonent.core.dashboard import Tile
from abonent.notifications.models import Campaign, Notification
from abonent.notifications.permissions import APPROVE, VIEW


def tiles(user) -> list[Tile]:
    if not user.has_perm(VIEW):
        return []
    failed = Notification.objects.filter(status=Notification.Status.FAILED, updated_at__gte=_week_ago()).count()
    result = [Tile("уведомлений не доставлено за неделю", failed, f"{reverse('notifications:journal')}?status=failed",
                   "bad" if failed else "")]
    if user.has_perm(APPROVE):
        waiting = Campaign.objects.filter(status=Campaign.Status.DRAFT, dry_run_at__isnull=False).count()
        result.append(Tile("рассылок ждут утверждения", waiting, reverse("notifications:campaigns"),
                           "warn" if waiting else ""))
    return result


def _week_ago():
    import datetime

    from django.utils import timezone

    return timezone.now() - datetime.timedelta(days=7)
