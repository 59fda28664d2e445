"""The calendar in the admin: heads correct days, and their edits win over the package."""

import datetime as dt

import pytest

from abonent.calendar.models import CalendarDay
from abonent.calendar.seed import seed_years

pytestmark = pytest.mark.django_db


def test_changelist_filters_and_search(admin_client):
    query = {"kind": "holiday", "year": "2026", "q": "Победы"}
    response = admin_client.get("/admin/calendar/calendarday/", query)
    assert response.status_code == 200
    assert list(response.context["cl"].queryset.values_list("date", flat=True)) == [dt.date(2026, 5, 9)]
    assert admin_client.get("/admin/calendar/calendarday/", {"date__year": "2025"}).status_code == 200
    assert admin_client.get("/admin/calendar/calendaryear/").status_code == 200


def test_saving_from_admin_marks_the_day_manual(admin_client):
    day = CalendarDay.objects.get(date=dt.date(2026, 12, 31))
    response = admin_client.post(f"/admin/calendar/calendarday/{day.pk}/change/", {
        "date": "31.12.2026", "kind": "transferred_day_off", "name": "Выходной по решению руководства",
        "replaces": "", "source": "приказ № 1",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    day.refresh_from_db()
    assert day.is_manual and day.name == "Выходной по решению руководства"
    seed_years([2026])
    day.refresh_from_db()
    assert day.name == "Выходной по решению руководства"


def test_adding_a_working_saturday(admin_client):
    response = admin_client.post("/admin/calendar/calendarday/add/", {
        "date": "12.12.2026", "kind": "working_weekend", "name": "Рабочая суббота", "replaces": "14.12.2026",
        "source": "",
    })
    assert response.status_code == 302
    assert CalendarDay.objects.get(date=dt.date(2026, 12, 12)).is_manual
