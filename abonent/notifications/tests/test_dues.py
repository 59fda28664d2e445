"""The payment-date reminder rule across holidays for both customer groups, with the unpaid part of each
instalment as the portal's schedule computes it from the imported charges and payments."""

import datetime as dt

import pytest
import time_machine

from abonent.core.text import money
from abonent.customers.models import Customer
from abonent.customers.tests.factories import CustomerFactory
from abonent.notifications import dues, tasks
from abonent.notifications.models import Notification, NotificationRule
from abonent.notifications.tests.factories import account_of, charge, payment

pytestmark = pytest.mark.django_db
D = dt.date
BUSINESS = Customer.Kind.LEGAL_ENTITY
HOUSING = Customer.Kind.HOUSING_ASSOCIATION


def at(day: dt.date):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=dt.UTC), tick=False)


def due_rule() -> NotificationRule:
    return NotificationRule.objects.get(trigger=NotificationRule.Trigger.DUE_DATE)


def run_rules(day: dt.date) -> None:
    with at(day):
        tasks.start_rule(due_rule().pk, day.isoformat())


def notices(account):
    return Notification.objects.filter(account=account, kind="payment_due", channel="email").order_by("pk")


def test_working_days_before_skips_weekends_and_holidays():
    # 12.05.2026 (the 10th moved past Sunday and the transferred day off 11.05); 09.05 is a holiday.
    assert dues.working_days_before(D(2026, 5, 12), 3) == D(2026, 5, 6)
    # New Year holidays 01–08.01, 09.01 transferred, 31.12.2025 transferred: 5 working days before 15.01.
    assert dues.working_days_before(D(2026, 1, 15), 5) == D(2025, 12, 29)
    assert dues.working_days_before(D(2026, 3, 16), 5) == D(2026, 3, 6)  # 09.03.2026 is a day off


def test_business_reminder_three_working_days_before_the_10th_moved_past_holidays(organisation):
    account = account_of()
    charge(account, D(2026, 5, 1), "0.00", planned="10000.00")
    run_rules(D(2026, 5, 5))
    assert not notices(account).exists()
    run_rules(D(2026, 5, 6))
    [notice] = notices(account)
    assert notice.subject == f"Срок оплаты 12.05.2026: лицевой счёт № {account.number}"
    assert (f"12.05.2026 — срок оплаты по лицевому счёту № {account.number} ({account.address}) за май 2026 г. "
            "(30 % стоимости объёма, подлежащего оплате).\nК оплате: 3\u00a0000,00\u00a0₽.") in notice.body


def test_business_final_settlement_by_the_18th_of_the_next_month(organisation):
    account = account_of()
    charge(account, D(2025, 12, 1), "5000.00", planned="4000.00")
    payment(account, D(2025, 12, 9), "1200.00")
    payment(account, D(2025, 12, 24), "1600.00")
    # 18.01.2026 is a Sunday → 19.01; three working days before: 14.01.
    run_rules(D(2026, 1, 13))
    assert not notices(account).filter(body__contains="19.01.2026").exists()
    run_rules(D(2026, 1, 14))
    [notice] = notices(account).filter(body__contains="19.01.2026")
    assert "окончательный расчёт за фактическое потребление" in notice.body
    assert "2\u00a0200,00\u00a0₽" in notice.body  # 5000 − 1200 − 1600


def test_housing_association_pays_by_the_15th_moved_past_a_sunday(organisation):
    account = account_of(CustomerFactory(kind=HOUSING))
    charge(account, D(2026, 1, 1), "8000.00")
    # 15.02.2026 is a Sunday → 16.02; three working days before: 11.02. No 30/40 % instalments.
    run_rules(D(2026, 2, 10))
    assert not notices(account).exists()
    run_rules(D(2026, 2, 11))
    [notice] = notices(account)
    assert "16.02.2026 — срок оплаты" in notice.body and "(оплата за месяц)" in notice.body
    assert "К оплате: 8\u00a0000,00\u00a0₽." in notice.body
    assert "30 %" not in notice.body


def test_housing_association_reminder_across_a_transferred_day_off(organisation):
    account = account_of(CustomerFactory(kind=Customer.Kind.MANAGING_COMPANY))
    charge(account, D(2026, 2, 1), "700.00")
    rule = due_rule()
    rule.days_before = 5
    rule.save()
    # 15.03.2026 is a Sunday → 16.03; five working days before, skipping 09.03 (a day off): 06.03.
    run_rules(D(2026, 3, 5))
    assert not notices(account).exists()
    run_rules(D(2026, 3, 6))
    [notice] = notices(account)
    assert "16.03.2026 — срок оплаты" in notice.body and "К оплате: 700,00\u00a0₽." in notice.body


def test_reminder_amount_is_the_one_the_portal_shows(organisation):
    from abonent.billing.statement import month_schedule

    account = account_of()
    charge(account, D(2026, 4, 1), "12000.00", planned="10000.00")
    charge(account, D(2026, 5, 1), "0.00", planned="20000.00")
    payment(account, D(2026, 4, 9), "3000.00")
    payment(account, D(2026, 5, 5), "2500.00")
    run_rules(D(2026, 5, 6))
    [notice] = notices(account)
    with at(D(2026, 5, 6)):
        item = month_schedule(account, D(2026, 5, 6)).next_due(D(2026, 5, 6))
    assert item.due == D(2026, 5, 12)
    assert f"К оплате: {money(item.remaining)}." in notice.body


def test_paid_instalment_gets_no_reminder(organisation):
    account = account_of()
    charge(account, D(2026, 5, 1), "0.00", planned="10000.00")
    payment(account, D(2026, 5, 4), "3000.00")
    run_rules(D(2026, 5, 6))
    assert not notices(account).exists()


def test_missed_run_is_caught_up_before_the_due_date_but_not_after(organisation):
    account = account_of()
    charge(account, D(2026, 5, 1), "0.00", planned="10000.00")
    run_rules(D(2026, 5, 13))  # after the 12th: the first instalment is past, the 25th is not near yet
    assert not notices(account).exists()
    run_rules(D(2026, 5, 8))
    assert notices(account).count() == 1


def test_running_the_daily_rule_twice_sends_nothing_new(organisation):
    account = account_of()
    charge(account, D(2026, 5, 1), "0.00", planned="10000.00")
    run_rules(D(2026, 5, 6))
    first = list(Notification.objects.values_list("pk", "dedupe_key"))
    assert first
    run_rules(D(2026, 5, 6))
    run_rules(D(2026, 5, 7))
    assert list(Notification.objects.values_list("pk", "dedupe_key")) == first
