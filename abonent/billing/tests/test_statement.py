import datetime as dt
from decimal import Decimal

import pytest

from abonent.billing.models import Balance, Charge, Payment
from abonent.billing.statement import (
    MonthFigures,
    build_schedule,
    fill_details,
    history,
    latest_balance,
    latest_balances,
    month_schedule,
    schedules_for,
)
from abonent.customers.models import Customer
from abonent.customers.tests.factories import BillingAccountFactory

pytestmark = pytest.mark.django_db

LEGAL = Customer.Kind.LEGAL_ENTITY
HOUSING = Customer.Kind.HOUSING_ASSOCIATION
D = Decimal


def rows(schedule, today):
    return [(i.label.split(" ")[0], i.period.strftime("%m.%Y"), i.due.strftime("%d.%m.%Y"), i.amount, i.paid,
             i.state(today)) for i in schedule.instalments]


def test_march_2026_example_of_the_domain_notes():
    # Planned 144 204,00: 30 % = 43 261,20 by 10.03, 40 % = 57 681,60 by 25.03; the actual 149 972,16 less
    # the advances paid is 49 029,36 by 20.04 (18.04.2026 is a Saturday).
    figures = {
        dt.date(2026, 3, 1): MonthFigures(actual=D("149972.16"), planned=D("144204.00"), payments=(
            (dt.date(2026, 3, 6), D("43261.20")), (dt.date(2026, 3, 24), D("57681.60")))),
        dt.date(2026, 4, 1): MonthFigures(planned=D("150000.00"), payments=(
            (dt.date(2026, 4, 9), D("45000.00")), (dt.date(2026, 4, 17), D("49029.36")))),
    }
    today = dt.date(2026, 4, 20)
    schedule = build_schedule(customer_kind=LEGAL, month=today, figures=figures)
    assert rows(schedule, today) == [
        ("30", "04.2026", "10.04.2026", D("45000.00"), D("45000.00"), "paid"),
        ("окончательный", "03.2026", "20.04.2026", D("49029.36"), D("49029.36"), "paid"),
        ("40", "04.2026", "27.04.2026", D("60000.00"), D("0.00"), "due"),
        ("окончательный", "04.2026", "18.05.2026", None, D("0.00"), "unknown"),
    ]
    assert schedule.paid_in_month == D("94029.36")
    assert schedule.paid_for_month == D("45000.00")
    final = schedule.instalments[1]
    assert final.basis == "фактическая стоимость за март 2026 149\xa0972,16\xa0₽ − оплачено за месяц 100\xa0942,80\xa0₽"
    assert schedule.instalments[0].basis == "30 % от стоимости объёма, подлежащего оплате: 150\xa0000,00\xa0₽"
    assert "будет известна после начисления за апрель 2026; оплачено за месяц 45\xa0000,00" in \
        schedule.instalments[3].basis
    assert schedule.next_due(today) is schedule.instalments[2]


def test_without_planned_amount_the_advances_are_shares_of_the_previous_months_actual_cost():
    figures = {dt.date(2026, 3, 1): MonthFigures(actual=D("149972.16"))}
    schedule = build_schedule(customer_kind=LEGAL, month=dt.date(2026, 4, 2), figures=figures)
    advances = [i for i in schedule.instalments if not i.is_final]
    assert [i.amount for i in advances] == [D("44991.65"), D("59988.86")]  # 44 991,648 and 59 988,864
    assert advances[0].basis.startswith("30 % от фактической стоимости за март 2026: 149")


def test_payments_are_allocated_in_due_date_order_and_a_shortfall_is_overdue():
    figures = {
        dt.date(2026, 3, 1): MonthFigures(actual=D("100000.00"), planned=D("100000.00"), payments=(
            (dt.date(2026, 3, 10), D("70000.00")),)),
        dt.date(2026, 4, 1): MonthFigures(planned=D("100000.00"), payments=(
            (dt.date(2026, 4, 14), D("20000.00")), (dt.date(2026, 4, 16), D("25000.00")))),
    }
    today = dt.date(2026, 4, 21)
    schedule = build_schedule(customer_kind=LEGAL, month=today, figures=figures)
    # 20 000 go to the 30 % (due 10.04), the rest 10 000 + 15 000 to the 30 % and then the March balance.
    assert rows(schedule, today)[:3] == [
        ("30", "04.2026", "10.04.2026", D("30000.00"), D("30000.00"), "paid"),
        ("окончательный", "03.2026", "20.04.2026", D("30000.00"), D("15000.00"), "overdue"),
        ("40", "04.2026", "27.04.2026", D("40000.00"), D("0.00"), "due"),
    ]
    assert schedule.instalments[1].remaining == D("15000.00")
    assert schedule.instalments[1].state_text(today) == "просрочено"
    assert schedule.next_due(today) is schedule.instalments[2]


def test_an_overpaid_month_is_credited_to_the_next_one():
    figures = {
        dt.date(2026, 3, 1): MonthFigures(actual=D("90000.00"), planned=D("140000.00"), payments=(
            (dt.date(2026, 3, 5), D("42000.00")), (dt.date(2026, 3, 20), D("56000.00")))),
        dt.date(2026, 4, 1): MonthFigures(planned=D("100000.00")),
    }
    schedule = build_schedule(customer_kind=LEGAL, month=dt.date(2026, 4, 1), figures=figures)
    today = dt.date(2026, 4, 1)
    # March was overpaid by 8 000: its final payment is nil, and the 8 000 go to April's 30 %.
    assert rows(schedule, today)[:2] == [
        ("30", "04.2026", "10.04.2026", D("30000.00"), D("8000.00"), "partly"),
        ("окончательный", "03.2026", "20.04.2026", D("0.00"), D("0.00"), "paid"),
    ]
    assert schedule.paid_for_month == D("8000.00") and schedule.carried_in == D("8000.00")
    assert schedule.paid_in_month == D("0.00")


def test_january_schedule_moves_past_the_new_year_holidays():
    figures = {
        dt.date(2025, 12, 1): MonthFigures(actual=D("120000.00"), planned=D("100000.00"), payments=(
            (dt.date(2025, 12, 10), D("30000.00")), (dt.date(2025, 12, 25), D("40000.00")))),
        dt.date(2026, 1, 1): MonthFigures(planned=D("110000.00"), payments=((dt.date(2026, 1, 12), D("33000.00")),)),
    }
    today = dt.date(2026, 1, 5)  # a holiday
    schedule = build_schedule(customer_kind=LEGAL, month=today, figures=figures)
    assert rows(schedule, today) == [
        ("30", "01.2026", "12.01.2026", D("33000.00"), D("33000.00"), "paid"),  # 10.01 is a Saturday
        ("окончательный", "12.2025", "19.01.2026", D("50000.00"), D("0.00"), "due"),  # 18.01 is a Sunday
        ("40", "01.2026", "26.01.2026", D("44000.00"), D("0.00"), "due"),  # 25.01 is a Sunday
        ("окончательный", "01.2026", "18.02.2026", None, D("0.00"), "unknown"),
    ]
    assert schedule.next_due(today).due == dt.date(2026, 1, 19)


def test_may_schedule_moves_past_the_may_holidays():
    figures = {dt.date(2026, 4, 1): MonthFigures(actual=D("10000.00"), planned=D("10000.00"))}
    schedule = build_schedule(customer_kind=LEGAL, month=dt.date(2026, 5, 4), figures=figures)
    assert [i.due for i in schedule.instalments] == [
        dt.date(2026, 5, 12),  # 10.05 is a Sunday and 11.05 the day off moved from Saturday 09.05
        dt.date(2026, 5, 18), dt.date(2026, 5, 25), dt.date(2026, 6, 18)]
    assert [i.amount for i in schedule.instalments] == [D("3000.00"), D("10000.00"), D("4000.00"), None]


def test_housing_association_pays_the_month_by_the_15th_of_the_next():
    figures = {
        dt.date(2025, 12, 1): MonthFigures(actual=D("80000.00")),
        dt.date(2026, 1, 1): MonthFigures(actual=D("90000.00"), payments=((dt.date(2026, 1, 14), D("80000.00")),)),
        dt.date(2026, 2, 1): MonthFigures(payments=((dt.date(2026, 2, 3), D("50000.00")),)),
    }
    today = dt.date(2026, 2, 10)
    schedule = build_schedule(customer_kind=HOUSING, month=today, figures=figures)
    assert rows(schedule, today) == [
        ("оплата", "01.2026", "16.02.2026", D("90000.00"), D("50000.00"), "partly"),  # 15.02 is a Sunday
        ("оплата", "02.2026", "16.03.2026", None, D("0.00"), "unknown"),  # 15.03 is a Sunday
    ]
    assert schedule.instalments[0].basis == "стоимость за январь 2026 90\xa0000,00\xa0₽"
    assert schedule.is_residential


def test_housing_association_paying_ahead_has_it_counted_for_the_month():
    figures = {
        dt.date(2026, 1, 1): MonthFigures(actual=D("90000.00")),
        dt.date(2026, 2, 1): MonthFigures(actual=D("70000.00"), payments=((dt.date(2026, 2, 3), D("100000.00")),)),
    }
    schedule = build_schedule(customer_kind=Customer.Kind.MANAGING_COMPANY, month=dt.date(2026, 3, 2),
                              figures=figures)
    # 90 000 pay January; the 10 000 over it count for February, whose cost is 70 000.
    february, march = schedule.instalments
    assert (february.due, february.amount, february.paid) == (dt.date(2026, 3, 16), D("60000.00"), D("0.00"))
    assert february.basis == "стоимость за февраль 2026 70\xa0000,00\xa0₽ − оплачено заранее 10\xa0000,00\xa0₽"
    assert (march.due, march.amount) == (dt.date(2026, 4, 15), None)


def test_the_current_months_charges_do_not_make_its_final_payment_known():
    figures = {dt.date(2026, 4, 1): MonthFigures(actual=D("5000.00"), planned=D("10000.00"))}
    schedule = build_schedule(customer_kind=LEGAL, month=dt.date(2026, 4, 15), figures=figures)
    assert [i.amount for i in schedule.instalments] == [D("3000.00"), None, D("4000.00"), None]


def test_no_data_gives_no_amounts():
    schedule = build_schedule(customer_kind=LEGAL, month=dt.date(2026, 4, 1), figures={})
    assert not schedule.has_data
    assert all(i.amount is None for i in schedule.instalments)
    assert schedule.instalments[0].state_text(dt.date(2026, 4, 1)) == "сумма определится после начисления"
    assert "нет данных для расчёта" in schedule.instalments[0].basis


# --- From the database ---------------------------------------------------------------------------------


def charge(account, period, amount, planned=None, n=[0]):  # noqa: B006 - a counter for external ids
    n[0] += 1
    return Charge.objects.create(account=account, external_id=f"c-{account.pk}-{n[0]}", period=period,
                                 amount=D(amount), planned_amount=D(planned) if planned else None)


def pay(account, paid_on, amount, n=[0]):  # noqa: B006
    n[0] += 1
    return Payment.objects.create(account=account, external_id=f"p-{account.pk}-{n[0]}", paid_on=paid_on,
                                  amount=D(amount))


def test_schedules_for_many_accounts_take_the_same_queries_as_for_one_of_each_group(django_assert_num_queries):
    legal = BillingAccountFactory()
    housing = BillingAccountFactory(contract__customer__kind=HOUSING)
    more = [BillingAccountFactory(), BillingAccountFactory(contract__customer__kind=HOUSING)]
    charge(legal, dt.date(2026, 3, 1), "149972.16", planned="144204.00")
    charge(legal, dt.date(2026, 4, 1), "0.00", planned="100000.00")
    charge(legal, dt.date(2026, 4, 1), "0.00", planned="50000.00")  # a second service in the month
    pay(legal, dt.date(2026, 3, 6), "43261.20")
    pay(legal, dt.date(2026, 3, 24), "57681.60")
    pay(legal, dt.date(2026, 4, 9), "45000.00")
    charge(housing, dt.date(2026, 3, 1), "30000.00")
    pay(housing, dt.date(2026, 4, 2), "10000.00")
    pay(housing, dt.date(2026, 5, 2), "10000.00")  # after the ledger's months: not counted
    accounts = list(type(legal).objects.select_related("contract__customer").filter(pk__in=[legal.pk, housing.pk]))
    today = dt.date(2026, 4, 15)
    # Two for the billing data, and the production calendar read once per process (calendar.services keeps it).
    with django_assert_num_queries(2 + 1):
        schedules = schedules_for(accounts, today)
    more = list(type(legal).objects.select_related("contract__customer").filter(pk__in=[m.pk for m in more]))
    with django_assert_num_queries(2):
        schedules_for([*accounts, *more], today)
    first = schedules[legal.pk].instalments
    # April's charges carry the plan; their amount is not April's actual cost while April lasts.
    assert [(i.amount, i.paid) for i in first[:3]] == [
        (D("45000.00"), D("45000.00")), (D("49029.36"), D("0.00")), (D("60000.00"), D("0.00"))]
    second = schedules[housing.pk].instalments
    assert [(i.due, i.amount, i.paid) for i in second] == [
        (dt.date(2026, 4, 15), D("30000.00"), D("10000.00")), (dt.date(2026, 5, 15), None, D("0.00"))]
    assert month_schedule(housing, today).instalments[0].paid == D("10000.00")


def test_latest_balance_per_account_in_one_query(django_assert_num_queries):
    a, b, c = BillingAccountFactory(), BillingAccountFactory(), BillingAccountFactory()
    Balance.objects.create(account=a, as_of=dt.date(2026, 3, 31), amount=D("100"))
    newest = Balance.objects.create(account=a, as_of=dt.date(2026, 4, 30), amount=D("-50"))
    other = Balance.objects.create(account=b, as_of=dt.date(2026, 2, 28), amount=D("10"), overdue=D("10"))
    with django_assert_num_queries(1):
        balances = latest_balances([a, b, c])
    assert balances == {a.pk: newest, b.pk: other}
    assert latest_balance(a) == newest and latest_balance(c) is None
    assert not newest.is_debt and other.is_debt


def test_history_by_month_with_details_for_a_page():
    account = BillingAccountFactory()
    other = BillingAccountFactory()
    for year in (2023, 2024, 2025):
        for month in range(1, 13):
            charge(account, dt.date(year, month, 1), "1000.00")
            pay(account, dt.date(year, month, 15), "600.00")
            pay(account, dt.date(year, month, 28), "400.00")
    pay(account, dt.date(2026, 1, 5), "99.00")  # a month with a payment and no charge
    charge(other, dt.date(2025, 12, 1), "5.00")
    months = history(account)
    assert len(months) == 37
    assert (months[0].period, months[0].charged, months[0].paid) == (dt.date(2026, 1, 1), None, D("99.00"))
    assert (months[1].period, months[1].charged, months[1].paid) == (dt.date(2025, 12, 1), D("1000.00"),
                                                                     D("1000.00"))
    assert months[-1].period == dt.date(2023, 1, 1) and months[1].name == "декабрь 2025"
    page = months[1:13]
    fill_details(account, page)
    assert [p.paid_on.day for p in page[0].payments] == [15, 28]
    assert [c.amount for c in page[0].charges] == [D("1000.00")]
    assert months[0].payments == [] and months[13].charges == []


def test_a_months_rows_are_counted_in_words():
    from abonent.billing.statement import MonthRow

    row = MonthRow(period=dt.date(2026, 3, 1), charged=None, paid=None)
    assert row.rows_text == "начислений нет, оплат нет"
    row.charges, row.payments = [object()] * 21, [object()] * 5
    assert row.rows_text == "21 начисление, 5 оплат"
    row.charges, row.payments = [object()] * 2, [object()]
    assert row.rows_text == "2 начисления, 1 оплата"
