"""Variables for the preview of a template: the sample customer's real data where it exists (the latest
balance, the next due date), plausible values otherwise. Plain values only, as in sending."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from abonent.billing.models import Balance, FinancialDocument
from abonent.billing.schedule import upcoming_due_dates
from abonent.notifications.rules import period_text


def sample_context(type_code: str, customer, account) -> dict:
    today = timezone.localdate()
    balance = Balance.objects.filter(account=account).order_by("-as_of").first() if account else None
    debt = {"debt": balance.amount if balance and balance.amount > 0 else Decimal("12345.67"),
            "overdue": balance.overdue if balance else Decimal("0.00"),
            "as_of": balance.as_of if balance else today}
    if type_code in ("debt", "debt_limitation"):
        return {**debt, "limitation_date": today + dt.timedelta(days=15)}
    if type_code == "payment_due":
        due = upcoming_due_dates(customer.kind, today)[0]
        return {"due_date": due.due, "nominal_date": due.nominal, "amount_due": Decimal("30000.00"),
                "instalment": Decimal("30000.00"), "label": due.label, "period": period_text(due.period),
                "days_left": (due.due - today).days}
    if type_code == "documents_ready":
        docs = list(FinancialDocument.objects.filter(account=account).order_by("-issued_on")[:3]) if account else []
        period = docs[0].period if docs else today.replace(day=1)
        documents = [{"kind": d.get_kind_display(), "number": d.number, "issued_on": d.issued_on, "amount": d.amount,
                      "due_on": d.due_on} for d in docs] or [
            {"kind": "счёт на оплату", "number": "1234", "issued_on": today, "amount": Decimal("56000.00"),
             "due_on": None}]
        return {"period": period_text(period), "period_date": period, "documents": documents}
    if type_code == "rules_change":
        return {"subject": "Изменение порядка приёма показаний",
                "text": "С 1 июля показания приборов учёта принимаются с 23 по 26 число месяца."}
    if type_code.startswith("appeal_"):
        return {"appeal": {"number": f"{today.year}-000123", "registered_at": today,
                           "due_at": today + dt.timedelta(days=30), "reply_channel": "электронная почта",
                           "reply_sent_at": today},
                "reason": "Необходима дополнительная проверка."}
    return {}
