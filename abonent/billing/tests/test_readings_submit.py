"""submit_reading: validation, rollover, unusual jumps, repeated submissions, audit, concurrency."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.db import IntegrityError, connections, transaction

from abonent.billing.models import MeterReading
from abonent.billing.readings import (
    ReadingError,
    ReadingNeedsConfirmation,
    number_text,
    parse_value,
    submit_reading,
)
from abonent.billing.tests.test_readings_support import (
    add_history,
    add_reading,
    apartment_group,
    make_meter,
    portal_user,
)

pytestmark = pytest.mark.django_db
D = dt.date
IN_WINDOW = D(2026, 11, 24)
NOV, OCT = D(2026, 11, 1), D(2026, 10, 1)


@pytest.fixture
def meter():
    m = make_meter(group=apartment_group())
    add_history(m, OCT, months=7)  # 10 000 … 16 000, 1 000 kWh a month
    return m


@pytest.fixture
def user(meter):
    return portal_user(meter.account)


def submit(meter, value, user=None, **kwargs):
    kwargs.setdefault("today", IN_WINDOW)
    return submit_reading(meter=meter, value=value, user=user, **kwargs)


def audit(reading):
    return list(LogEntry.objects.get_for_object(reading).order_by("pk"))


# --- the value as typed ---

@pytest.mark.parametrize(("raw", "expected"), [
    ("17000", Decimal("17000")), ("17 000,5", Decimal("17000.5")), ("17000.25", Decimal("17000.25")),
    ("\u00a017\u00a0000,125 ", Decimal("17000.125")), (Decimal("12.5"), Decimal("12.5")), (0, Decimal(0)),
])
def test_values_are_read_as_people_type_them(raw, expected):
    assert parse_value(raw) == expected


@pytest.mark.parametrize(("raw", "message"), [
    ("", "Укажите показание"), ("-5", "не может быть отрицательным"), (Decimal("-1"), "не может быть отрицательным"),
    ("12a", "должно быть числом"), ("1e5", "должно быть числом"), ("12,3,4", "должно быть числом"),
    ("NaN", "должно быть числом"), (Decimal("Infinity"), "должно быть числом"),
    ("1,2345", "не более чем с 3 знаками после запятой"),
])
def test_malformed_values_are_refused_in_russian(meter, raw, message):
    with pytest.raises(ReadingError, match=message):
        submit(meter, raw)
    assert not meter.readings.filter(period=NOV).exists()


def test_a_value_past_the_register_is_refused(meter):
    with pytest.raises(ReadingError) as refused:
        submit(meter, "1000000")
    assert str(refused.value) == ("Показание 1\u00a0000\u00a0000 не помещается на шкалу прибора: у него 6 знаков "
                                  "до запятой, наибольшее показание 999\u00a0999,999.")


def test_inactive_meter_is_refused(meter):
    meter.is_active = False
    meter.save()
    with pytest.raises(ReadingError, match="снят с учёта"):
        submit(meter, "17000")
    assert not meter.readings.filter(period=NOV).exists()


# --- consumption, lower values, rollover ---

def test_consumption_is_the_difference_times_the_ratio(user):
    meter = make_meter(group=apartment_group(), ratio="40")
    add_reading(meter, OCT, "1200.5")
    result = submit(meter, "1210,75", user)
    r = result.reading
    assert result.created
    assert (r.period, r.taken_on, r.value, r.consumption) == (NOV, IN_WINDOW, Decimal("1210.75"), Decimal("410"))
    assert (r.source, r.submitted_by, r.rolled_over, r.jump_confirmed) == ("portal", user, False, False)
    r.refresh_from_db()
    assert r.consumption == Decimal("410.000")


def test_first_reading_of_a_meter_has_no_consumption():
    meter = make_meter(group=apartment_group())
    assert submit(meter, "500").reading.consumption is None


def test_a_value_lower_than_the_previous_one_is_refused(meter):
    with pytest.raises(ReadingError) as refused:
        submit(meter, "1600")  # a digit lost from 16 000 → «16 00»
    assert str(refused.value).startswith("Показание 1\u00a0600 меньше предыдущего — 16\u00a0000 за октябрь 2026.")
    assert "расход составил бы 985\u00a0600 кВт·ч" in str(refused.value)
    assert not meter.readings.filter(period=NOV).exists()


def test_rollover_past_the_register_capacity_is_accepted_and_counted():
    meter = make_meter(group=apartment_group(), digits=6)
    add_reading(meter, OCT, "999800")
    r = submit(meter, "150").reading
    assert (r.value, r.consumption, r.rolled_over) == (Decimal("150"), Decimal("350"), True)


def test_rollover_with_a_ratio_and_a_five_digit_register():
    meter = make_meter(group=apartment_group(), digits=5, ratio="30")
    add_reading(meter, OCT, "99990.5")
    r = submit(meter, "10.5").reading
    assert (r.consumption, r.rolled_over) == (Decimal("600"), True)  # (10.5 + 100000 − 99990.5) × 30


def test_a_large_rollover_is_refused_as_a_probable_typo():
    meter = make_meter(group=apartment_group(), digits=6)
    add_reading(meter, OCT, "500000")
    with pytest.raises(ReadingError, match="неправдоподобно много"):
        submit(meter, "400000")


# --- unusual jumps ---

def test_an_unusual_jump_needs_confirmation_with_the_figures(meter):
    with pytest.raises(ReadingNeedsConfirmation) as asked:
        submit(meter, "19500")  # 3 500 kWh against 1 000 a month
    assert str(asked.value) == (
        "Расход за ноябрь 2026 составит 3\u00a0500 кВт·ч, что более чем в 3 раза превышает средний расход "
        "за последние 6 месяцев (1\u00a0000 кВт·ч в месяц). Проверьте показание; если оно верное, подтвердите его.")
    assert (asked.value.consumption, asked.value.average, asked.value.months) == (Decimal(3500), Decimal(1000), 6)
    assert not meter.readings.filter(period=NOV).exists()


def test_a_confirmed_jump_is_accepted_and_recorded(meter, user):
    r = submit(meter, "19500", user, confirm_jump=True).reading
    assert (r.consumption, r.jump_confirmed) == (Decimal(3500), True)
    (entry,) = audit(r)
    assert entry.additional_data["jump_confirmed"] is True


def test_three_times_the_average_is_still_usual(meter):
    assert submit(meter, "19000").reading.jump_confirmed is False


def test_confirmation_is_not_recorded_when_nothing_was_unusual(meter):
    assert submit(meter, "17000", confirm_jump=True).reading.jump_confirmed is False


def test_average_uses_the_months_known_when_fewer_than_six():
    meter = make_meter(group=apartment_group())
    add_history(meter, OCT, months=3, monthly=2000)  # two months of consumption
    with pytest.raises(ReadingNeedsConfirmation, match="за последние 2 месяца \\(2\u00a0000 кВт·ч в месяц\\)"):
        submit(meter, str(14000 + 6500))


def test_a_new_meter_has_a_floor_before_it_is_asked():
    meter = make_meter(group=apartment_group(), ratio="10")
    add_reading(meter, OCT, "100")  # the installation reading: no consumption history
    assert submit(meter, "1099").reading.consumption == Decimal("9990")  # the floor is 1 000 × the ratio
    with pytest.raises(ReadingNeedsConfirmation) as asked:
        submit(meter, "1101")
    assert str(asked.value).startswith("Расход за ноябрь 2026 составит 10\u00a0010 кВт·ч — больше 10\u00a0000 "
                                       "кВт·ч, а истории расхода по прибору ещё нет.")


def test_floor_keeps_small_consumers_from_being_asked():
    meter = make_meter(group=apartment_group())
    add_history(meter, OCT, months=4, monthly=50)
    assert submit(meter, str(10150 + 900)).reading.consumption == Decimal(900)  # 18× the average, under the floor


# --- a second submission in the window ---

def test_a_second_submission_replaces_the_first_and_keeps_it_in_the_audit(meter, user):
    first = submit(meter, "17000", user).reading
    again = submit(meter, "17100", user)
    assert not again.created and again.replaced_value == Decimal("17000")
    assert again.reading.pk == first.pk
    assert meter.readings.filter(period=NOV).count() == 1
    first.refresh_from_db()
    assert (first.value, first.consumption) == (Decimal("17100"), Decimal("1100"))
    created, updated = audit(first)
    assert created.action == LogEntry.Action.CREATE and created.actor == user
    assert updated.action == LogEntry.Action.UPDATE and updated.actor == user
    assert updated.changes_dict["value"] == ["17000.000", "17100.000"]
    assert updated.additional_data["replaced_value"] == "17000.000"
    assert "принято вместо переданного ранее 17\u00a0000" in again.message


def test_the_same_value_twice_changes_nothing(meter, user):
    first = submit(meter, "17000", user)
    again = submit(meter, "17 000,0", user)
    assert not again.created and again.replaced_value is None and again.reading.pk == first.reading.pk
    assert len(audit(first.reading)) == 1
    assert "уже было принято" in again.message


def test_a_lower_replacement_is_checked_against_the_previous_month_not_itself(meter):
    submit(meter, "17500")
    r = submit(meter, "17200").reading
    assert r.consumption == Decimal("1200")


def test_staff_entry_replaces_a_portal_one_and_keeps_the_note(meter, user, operator):
    submit(meter, "17000", user)
    r = submit(meter, "17050", operator, source=MeterReading.Source.STAFF, note="со слов Иванова И. И.").reading
    assert (r.source, r.submitted_by) == ("staff", operator)
    entry = audit(r)[-1]
    assert entry.additional_data["note"] == "со слов Иванова И. И."
    assert entry.changes_dict["source"] == ["portal", "staff"]


def test_a_month_already_billed_is_not_overwritten(meter):
    add_reading(meter, NOV, "17000", 1000)
    with pytest.raises(ReadingError, match="уже учтено расчётной системой \\(17\u00a0000\\)"):
        submit(meter, "17100")
    assert meter.readings.get(period=NOV).value == Decimal("17000")


def test_number_text():
    assert [number_text(Decimal(v)) for v in ("0", "1234567.890", "-1500", "0.5")] == [
        "0", "1\u00a0234\u00a0567,89", "-1\u00a0500", "0,5"]


# --- concurrency ---

@pytest.mark.django_db(transaction=True)
def test_parallel_submissions_for_one_meter_leave_one_reading():
    meter = make_meter(group=apartment_group())
    add_reading(meter, OCT, "10000")
    errors: list[Exception] = []

    def worker(value: int):
        try:
            submit(meter, str(value))
        except Exception as exc:  # noqa: BLE001 - the assertion below shows it
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(10100 + i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    (reading,) = meter.readings.filter(period=NOV)
    assert reading.consumption == reading.value - Decimal(10000)
    entries = audit(reading)
    assert [e.action for e in entries] == [LogEntry.Action.CREATE] + [LogEntry.Action.UPDATE] * 5
    assert entries[-1].changes_dict["value"][1] == str(reading.value)


def test_the_database_holds_one_submission_per_meter_and_month(meter):
    add_reading(meter, NOV, "17000", source=MeterReading.Source.PORTAL)
    with pytest.raises(IntegrityError), transaction.atomic():
        add_reading(meter, NOV, "17100", source=MeterReading.Source.STAFF)
    add_reading(meter, NOV, "17000", 1000)  # the billing system's own reading of the month may sit beside it
    assert meter.readings.filter(period=NOV).count() == 2
