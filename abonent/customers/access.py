"""Scoped selectors for the portal (ARCHITECTURE rule 4): everything a customer's login reaches goes
through these functions, so a portal URL with someone else's id finds nothing and answers 404."""

from django.db.models import QuerySet
from django.http import Http404

from abonent.customers.models import ROLE_CAPABILITIES, BillingAccount, Customer, PortalAccess


def live_accesses(user) -> QuerySet[PortalAccess]:
    if not user.is_authenticated or user.kind != user.Kind.CUSTOMER or not user.is_active:
        return PortalAccess.objects.none()
    return PortalAccess.objects.filter(
        user=user, status=PortalAccess.Status.ACTIVE, account__is_active=True
    ).select_related("account__contract__customer")


def accounts_for_user(user, capability: str | None = None) -> QuerySet[BillingAccount]:
    """The billing accounts the login may see; with `capability`, only those whose role allows it."""
    accesses = live_accesses(user)
    if capability is not None:
        roles = [role for role, caps in ROLE_CAPABILITIES.items() if capability in caps]
        accesses = accesses.filter(role__in=roles)
    return BillingAccount.objects.filter(pk__in=accesses.values("account_id")).select_related("contract__customer")


def customers_for_user(user) -> QuerySet[Customer]:
    return Customer.objects.filter(contracts__accounts__in=accounts_for_user(user)).distinct()


def account_for_user(user, account_id, capability: str | None = None) -> BillingAccount:
    """One account the login may reach with `capability`, or 404: never 403, which would confirm the id."""
    try:
        return accounts_for_user(user, capability).get(pk=account_id)
    except (BillingAccount.DoesNotExist, ValueError, TypeError):
        raise Http404("Лицевой счёт не найден.") from None


def access_for(user, account: BillingAccount) -> PortalAccess | None:
    return live_accesses(user).filter(account=account).first()
