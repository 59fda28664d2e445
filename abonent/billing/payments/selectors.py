"""Online payments a portal login reaches: those of the accounts it may pay for (customers.access)."""

from django.db.models import QuerySet

from abonent.billing.payments.models import OnlinePayment
from abonent.customers.access import accounts_for_user

PAY = "pay"


def payments_for_user(user) -> QuerySet[OnlinePayment]:
    return (OnlinePayment.objects.filter(account__in=accounts_for_user(user, PAY))
            .select_related("account__contract__customer", "started_by"))
