"""Builders for notification tests: portal logins with links, billing rows, EDO history."""

import datetime as dt
import itertools
from decimal import Decimal

from abonent.billing.models import Balance, Charge, FinancialDocument, Payment
from abonent.customers.models import PortalAccess
from abonent.customers.tests.factories import BillingAccountFactory, ContractFactory, CustomerFactory
from abonent.users.models import User

_seq = itertools.count(1)


def account_of(customer=None, **kwargs):
    customer = customer or CustomerFactory()
    contract = ContractFactory(customer=customer, **kwargs)
    return BillingAccountFactory(contract=contract)


def portal_user(*accounts, role=PortalAccess.Role.MANAGER, username: str | None = None) -> User:
    n = next(_seq)
    user = User.objects.create_user(
        username=username or f"nportal{n}", password="pass",  # noqa: S106 - test login
        kind=User.Kind.CUSTOMER, last_name="Клиентов", first_name="Иван", email=f"np{n}@example.ru")
    for account in accounts:
        grant(user, account, role)
    return user


def grant(user, account, role=PortalAccess.Role.MANAGER) -> PortalAccess:
    return PortalAccess.objects.create(user=user, account=account, role=role, status=PortalAccess.Status.ACTIVE,
                                       granted_via=PortalAccess.GrantedVia.STAFF)


def charge(account, period: dt.date, amount, planned=None) -> Charge:
    return Charge.objects.create(account=account, external_id=f"ch-{next(_seq)}", period=period,
                                 amount=Decimal(amount), planned_amount=Decimal(planned) if planned else None)


def payment(account, paid_on: dt.date, amount) -> Payment:
    return Payment.objects.create(account=account, external_id=f"pay-{next(_seq)}", paid_on=paid_on,
                                  amount=Decimal(amount))


def balance(account, as_of: dt.date, amount, overdue=0) -> Balance:
    return Balance.objects.create(account=account, as_of=as_of, amount=Decimal(amount), overdue=Decimal(overdue))


def document(account, issued_on: dt.date, amount="1000.00", kind=FinancialDocument.Kind.INVOICE):
    n = next(_seq)
    return FinancialDocument.objects.create(account=account, external_id=f"doc-{n}", kind=kind, number=f"С-{n}",
                                            issued_on=issued_on, period=issued_on.replace(day=1),
                                            amount=Decimal(amount))


def edo_history(customer, box_id="client-box-1"):
    """The customer has written to us by EDO, so its box is known."""
    from abonent.channels.edo.models import EdoBox, EdoIncoming

    box = EdoBox.objects.first() or EdoBox.objects.create(
        operator="diadoc", title="Диадок", box_id="our-box", base_url="http://127.0.0.1:9", login="robot")
    return EdoIncoming.objects.create(box=box, document_id=f"in-{next(_seq)}", sender_inn=customer.inn,
                                      sender_kpp=customer.kpp, sender_name=customer.name, sender_box=box_id)
