"""Seeding from the holidays package, the management command, the audit and the system check."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core import checks
from django.core.management import CommandError, call_command

from abonent.calendar.management.commands.seed_calendar import parse_years
from abonent.calendar.models import CalendarDay, CalendarYear
from abonent.calendar.seed import check_next_year_seeded, seed_years
from abonent.calendar.tests.conftest import local

pytestmark = pytest.mark.django_db
D = dt.date
NOTHING_CHANGED = {"created": 0, "updated": 0, "deleted": 0}


def _changes(stats: dict) -> dict:
    return {key: stats[key] for key in NOTHING_CHANGED}


def test_migration_seeded_2024_to_2027():
    years = CalendarYear.objects.order_by("year")
    assert [year.year for year in years] == [2024, 2025, 2026, 2027]
    assert "№ 1335" in years.get(year=2025).source
    assert "cons_doc_LAW_515170" in years.get(year=2026).source
    assert all(year.source.startswith("holidays 0.109") and year.seeded_at for year in years)
    assert CalendarDay.objects.filter(date__year=2026, kind=CalendarDay.Kind.HOLIDAY).count() == 14
    assert not CalendarDay.objects.filter(is_manual=True).exists()


def test_seeding_twice_changes_nothing():
    count = CalendarDay.objects.count()
    seeded_at = CalendarYear.objects.get(year=2026).seeded_at
    assert _changes(seed_years(range(2024, 2028))) == NOTHING_CHANGED
    assert _changes(seed_years(range(2024, 2028))) == NOTHING_CHANGED
    assert CalendarDay.objects.count() == count
    assert CalendarYear.objects.get(year=2026).seeded_at == seeded_at


def test_manual_edits_survive_and_stray_rows_are_corrected():
    CalendarDay.objects.create(  # a head shortened the day before New Year
        date=D(2026, 12, 30), kind=CalendarDay.Kind.SHORTENED, name="Решение руководителя", is_manual=True
    )
    CalendarDay.objects.filter(date=D(2026, 1, 9)).update(name="испорчено")
    CalendarDay.objects.create(date=D(2026, 7, 1), kind=CalendarDay.Kind.HOLIDAY, name="не из пакета")
    CalendarDay.objects.create(date=D(2026, 7, 2), kind=CalendarDay.Kind.HOLIDAY, name="свой", is_manual=True)
    stats = seed_years([2026])
    assert _changes(stats) == {"created": 0, "updated": 1, "deleted": 1}
    assert stats["manual_kept"] == 0  # 30.12.2026 is not a row the package yields
    assert CalendarDay.objects.get(date=D(2026, 12, 30)).name == "Решение руководителя"
    assert CalendarDay.objects.get(date=D(2026, 1, 9)).name == "Выходной день, перенесённый с 03.01.2026"
    assert not CalendarDay.objects.filter(date=D(2026, 7, 1)).exists()
    assert CalendarDay.objects.filter(date=D(2026, 7, 2), is_manual=True).exists()


def test_manual_edit_of_a_seeded_day_is_kept():
    seeded = CalendarDay.objects.filter(date=D(2026, 11, 3))
    seeded.update(kind=CalendarDay.Kind.WORKING_WEEKEND, is_manual=True)
    stats = seed_years([2026])
    assert stats["manual_kept"] == 1 and _changes(stats) == NOTHING_CHANGED
    assert CalendarDay.objects.get(date=D(2026, 11, 3)).kind == CalendarDay.Kind.WORKING_WEEKEND


def test_year_without_a_decree_in_the_package_is_not_confirmed():
    stats = seed_years([2028])
    assert stats["unconfirmed"] == [2028]
    assert not CalendarYear.objects.filter(year=2028).exists()
    assert CalendarDay.objects.get(date=D(2028, 1, 1)).kind == CalendarDay.Kind.HOLIDAY


def test_command():
    out = StringIO()
    call_command("seed_calendar", "--years", "2024-2027", stdout=out)
    assert "добавлено 0, изменено 0, удалено 0" in out.getvalue()
    call_command("seed_calendar", "--years", "2028", stdout=out)
    assert "2028: в пакете holidays нет постановления" in out.getvalue()


def test_parse_years():
    assert parse_years("2024-2027") == [2024, 2025, 2026, 2027]
    assert parse_years("2027, 2025") == [2025, 2027]
    with pytest.raises(CommandError):
        parse_years("двадцать шестой")
    with pytest.raises(CommandError):
        parse_years("1900")


def test_calendar_edits_are_audited():
    day = CalendarDay.objects.get(date=D(2026, 12, 31))
    day.name = "Новое название"
    day.save()
    assert LogEntry.objects.get_for_object(day).filter(action=LogEntry.Action.UPDATE).exists()
    year = CalendarYear.objects.get(year=2026)
    year.note = "проверено"
    year.save()
    assert LogEntry.objects.get_for_object(year).exists()


def test_system_check_is_registered():
    assert check_next_year_seeded in checks.registry.registry.get_checks()


@pytest.mark.parametrize(("today", "warned"), [
    (local(2027, 9, 30, 23, 0), False),  # before 1 October
    (local(2026, 10, 2, 12, 0), False),  # 2027 is in the table
    (local(2027, 10, 1, 0, 30), True),  # 2028 is missing (17:30 UTC on 30.09 is already 1 October locally)
])
def test_system_check_warns_about_next_year(today, warned):
    with time_machine.travel(today, tick=False):
        messages = check_next_year_seeded()
    assert [message.id for message in messages] == (["calendar.W001"] if warned else [])
    if warned:
        assert messages[0].level == checks.WARNING
        assert "нет 2028 года" in messages[0].msg
