"""Staff-side reads of imported billing data. Every read of a customer's money is put on record
(`record_access`), one entry per billing account shown."""

import datetime as dt
from dataclasses import dataclass

from abonent.billing.models import Balance, Charge, ImportBatch, Payment
from abonent.core.audit import record_access
from abonent.customers.models import BillingAccount, Customer

CONFIDENTIAL = "customers.view_confidential"
IMPORT = "billing.import_billing_data"
RECENT = 6


@dataclass(frozen=True)
class AccountBilling:
    """What a staff card shows of one billing account: the latest balance, recent charges and payments."""

    account: BillingAccount
    balance: Balance | None
    charges: list[Charge]
    payments: list[Payment]

    @property
    def has_data(self) -> bool:
        return bool(self.balance or self.charges or self.payments)


@dataclass(frozen=True)
class CustomerBilling:
    allowed: bool  # the user may see the figures
    has_data: bool  # anything imported for the customer's accounts at all
    accounts: list[AccountBilling]


def _accounts(customer: Customer):
    return BillingAccount.objects.filter(contract__customer=customer).select_related("contract").order_by("number")


def has_billing_data(customer: Customer) -> bool:
    accounts = _accounts(customer).values("pk")
    return any(model.objects.filter(account__in=accounts).exists() for model in (Balance, Charge, Payment))


def customer_billing(user, customer: Customer | None, *, recent: int = RECENT) -> CustomerBilling:
    """The billing panel of the customer card and the call card, for staff with the confidential-data
    permission; for others only whether there is anything (which discloses no figure)."""
    if customer is None:
        return CustomerBilling(allowed=False, has_data=False, accounts=[])
    if not user.has_perm(CONFIDENTIAL):
        return CustomerBilling(allowed=False, has_data=has_billing_data(customer), accounts=[])
    shown = []
    for account in _accounts(customer):
        item = AccountBilling(
            account=account,
            balance=account.balances.order_by("-as_of").first(),
            charges=list(account.charges.order_by("-period", "-pk")[:recent]),
            payments=list(account.payments.order_by("-paid_on", "-pk")[:recent]),
        )
        if item.has_data:
            record_access(account, "расчёты: сальдо, начисления и платежи из биллинга")
            shown.append(item)
    return CustomerBilling(allowed=True, has_data=bool(shown), accounts=shown)


def recent_batches():
    return ImportBatch.objects.select_related("imported_by").order_by("-created_at", "-pk")


def rejected_since(moment: dt.datetime) -> int:
    return ImportBatch.objects.filter(status=ImportBatch.Status.REJECTED, updated_at__gte=moment).count()
