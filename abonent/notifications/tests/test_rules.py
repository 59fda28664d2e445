"""The daily debt and documents rules: who gets a notice, with what, and that running them again sends nothing
new; the 40 % instalment's reminder across a weekend and the calendar-day variant of the due-date rule."""

import datetime as dt

import pytest
import time_machine

from abonent.billing.models import FinancialDocument
from abonent.notifications import tasks
from abonent.notifications.models import Notification, NotificationRule
from abonent.notifications.tests.factories import account_of, balance, charge, document, payment

pytestmark = pytest.mark.django_db
D = dt.date


def run(trigger: str, day: dt.date) -> None:
    rule = NotificationRule.objects.get(trigger=trigger)
    with time_machine.travel(dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=dt.UTC), tick=False):
        tasks.start_rule(rule.pk, day.isoformat())


def emails(account, kind: str):
    return list(Notification.objects.filter(account=account, kind=kind, channel="email").order_by("pk"))


def test_debt_rule_notifies_by_the_latest_balance_only(organisation):
    debtor, settled = account_of(), account_of()
    balance(debtor, D(2026, 5, 1), "1200.00", overdue="200.00")
    balance(settled, D(2026, 4, 1), "900.00")
    balance(settled, D(2026, 5, 1), "0.00")
    run("debt", D(2026, 5, 4))
    [notice] = emails(debtor, "debt")
    assert notice.subject == f"Задолженность по лицевому счёту № {debtor.number}"
    assert ("По данным на 01.05.2026 по лицевому счёту № " f"{debtor.number} ({debtor.address}) за Вами числится "
            "задолженность 1\u00a0200,00\u00a0₽, в том числе просроченная 200,00\u00a0₽.") in notice.body
    assert notice.rule.trigger == "debt"
    assert emails(settled, "debt") == []


def test_debt_rule_respects_its_threshold(organisation):
    small, large = account_of(), account_of()
    balance(small, D(2026, 5, 1), "499.99")
    balance(large, D(2026, 5, 1), "500.01")
    NotificationRule.objects.filter(trigger="debt").update(min_amount="500.00")
    run("debt", D(2026, 5, 4))
    assert emails(small, "debt") == [] and len(emails(large, "debt")) == 1


def test_debt_rule_twice_sends_nothing_new_and_repeats_only_after_repeat_days(organisation):
    account = account_of()
    balance(account, D(2026, 5, 1), "1000.00")
    run("debt", D(2026, 5, 4))
    run("debt", D(2026, 5, 4))
    assert len(emails(account, "debt")) == 1
    balance(account, D(2026, 5, 5), "1100.00")  # a new import, the same debt a day later
    run("debt", D(2026, 5, 5))
    run("debt", D(2026, 5, 10))
    assert len(emails(account, "debt")) == 1  # within the rule's 7 days
    run("debt", D(2026, 5, 11))
    first, second = emails(account, "debt")
    assert "1\u00a0100,00\u00a0₽" in second.body and "по данным на 05.05.2026".lower() in second.body.lower()
    run("debt", D(2026, 5, 11))
    assert len(emails(account, "debt")) == 2


def test_documents_rule_lists_the_periods_documents_once_and_again_when_one_is_added(organisation):
    account = account_of()
    old = document(account, D(2026, 3, 20), "500.00")
    invoice = document(account, D(2026, 5, 2), "56000.00")
    run("documents", D(2026, 5, 4))
    run("documents", D(2026, 5, 4))
    [notice] = emails(account, "documents_ready")
    assert notice.subject == "Документы за май 2026 г. готовы"
    assert f"— счёт на оплату № {invoice.number} от 02.05.2026 на 56\u00a0000,00\u00a0₽" in notice.body
    assert old.number not in notice.body
    act = document(account, D(2026, 5, 6), "1000.00", kind=FinancialDocument.Kind.ACT)
    run("documents", D(2026, 5, 6))
    run("documents", D(2026, 5, 7))
    first, second = emails(account, "documents_ready")
    assert invoice.number in second.body and act.number in second.body


def test_documents_older_than_the_lookback_are_not_announced(organisation):
    account = account_of()
    document(account, D(2026, 5, 2))
    run("documents", D(2026, 5, 13))
    assert emails(account, "documents_ready") == []


def test_business_reminder_of_the_40_percent_moved_past_a_saturday(organisation):
    account = account_of()
    charge(account, D(2026, 4, 1), "0.00", planned="10000.00")
    payment(account, D(2026, 4, 9), "3000.00")  # the 30 % of 10.04 paid
    # 25.04.2026 is a Saturday → 27.04; three working days before: 22.04.
    run("due_date", D(2026, 4, 21))
    assert emails(account, "payment_due") == []
    run("due_date", D(2026, 4, 22))
    [notice] = emails(account, "payment_due")
    assert notice.subject == f"Срок оплаты 27.04.2026: лицевой счёт № {account.number}"
    assert "(40 % стоимости объёма, подлежащего оплате).\nК оплате: 4\u00a0000,00\u00a0₽." in notice.body


def test_due_date_rule_in_calendar_days(organisation):
    account = account_of()
    charge(account, D(2026, 4, 1), "0.00", planned="10000.00")
    payment(account, D(2026, 4, 9), "3000.00")
    NotificationRule.objects.filter(trigger="due_date").update(working_days=False)
    run("due_date", D(2026, 4, 23))
    assert emails(account, "payment_due") == []
    run("due_date", D(2026, 4, 24))  # 27.04 − 3 calendar days
    assert len(emails(account, "payment_due")) == 1
