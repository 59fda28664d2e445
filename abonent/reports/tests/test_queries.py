"""Report figures on the constructed October (see conftest): every count, share and average exactly."""

import datetime as dt

import pytest

from abonent.reports.filters import ReportFilter
from abonent.reports.periods import Period
from abonent.reports.queries import appeals, calls, complaints, deadlines, non_consideration, notices, surveys

pytestmark = pytest.mark.django_db
OCTOBER = Period.month(dt.date(2026, 10, 1))


def rows(table, *keys):
    first = table.columns[0].key
    return {row[first]: tuple(row[k] for k in keys) for row in table.rows}


def test_received_by_channel_counts_local_dates(october):
    table = appeals.by_channel(ReportFilter(OCTOBER))
    # a5 (00:30 on 1 October local, still September in UTC) is in; a8 (00:10 on 1 November local) is out.
    assert rows(table, "registered", "share") == {
        "электронная почта": (3, 0.375), "телефон": (2, 0.25), "интернет-приёмная": (2, 0.25), "почта": (1, 0.125)}
    assert table.total["registered"] == 8


def test_received_by_kind_topic_department(october):
    f = ReportFilter(OCTOBER)
    assert rows(appeals.by_kind(f), "registered") == {
        "вопрос / запрос информации": (5,), "жалоба": (2,), "претензия": (1,)}
    assert rows(appeals.by_topic(f), "registered") == {
        "тема не указана": (5,), "Расчёты, счета и оплата": (2,), "Показания приборов учёта": (1,)}
    assert rows(appeals.by_department(f), "registered") == {
        "Отдел продаж электроэнергии юридическим лицам": (3,), "Отдел технического аудита": (3,),
        "Группа по приёму потребителей ОПЭЮЛ": (2,)}


def test_by_day_in_local_time(october):
    table = appeals.by_period(ReportFilter(OCTOBER))
    assert len(table.rows) == 31
    by_day = {row["period"]: (row["registered"], row["answered"], row["on_time"]) for row in table.rows}
    assert by_day[dt.date(2026, 10, 1)] == (2, 0, 0)  # a1 and a5
    assert by_day[dt.date(2026, 10, 2)] == (1, 1, 1)  # a2; a7 answered at 23:30 local
    assert by_day[dt.date(2026, 10, 5)] == (1, 1, 0)  # a3; a9 answered late
    assert by_day[dt.date(2026, 10, 20)] == (0, 1, 0)  # a3 answered late
    assert by_day[dt.date(2026, 10, 31)] == (1, 0, 0)  # a6 at 23:30
    assert (table.total["registered"], table.total["answered"], table.total["on_time"]) == (8, 5, 3)


def test_long_period_is_by_month(october):
    table = appeals.by_period(ReportFilter(Period(dt.date(2026, 8, 1), dt.date(2026, 10, 31))))
    assert [(r["period"], r["registered"], r["answered"]) for r in table.rows] == [
        ("август 2026", 2, 0), ("сентябрь 2026", 3, 2), ("октябрь 2026", 8, 5)]


def test_on_time_share_and_average_reply_time(october):
    # Replies in October: a1 2 days, a2 4, a7 2 (on time); a3 15, a9 39 (late).
    assert appeals.timeliness_totals(ReportFilter(OCTOBER)) == {
        "answered": 5, "on_time": 3, "late": 2, "on_time_share": 0.6, "reply_days": 12.4}


def test_timeliness_by_department_and_kind(october):
    f = ReportFilter(OCTOBER)
    keys = ("answered", "on_time", "late", "on_time_share", "reply_days")
    assert rows(appeals.timeliness_by_department(f), *keys) == {
        "Отдел продаж электроэнергии юридическим лицам": (4, 3, 1, 0.75, 5.75),
        "Отдел технического аудита": (1, 0, 1, 0.0, 39.0)}
    assert rows(appeals.timeliness_by_kind(f), *keys) == {
        "вопрос / запрос информации": (4, 3, 1, 0.75, 11.75), "жалоба": (1, 0, 1, 0.0, 15.0)}


def test_deadlines_by_department_and_executor(october):
    section = deadlines.section(ReportFilter(OCTOBER))
    keys = ("registered", "answered", "late", "overdue_open", "extended")
    by_executor = {(r["department"], r["executor"]): tuple(r[k] for k in keys)
                   for r in section.table("deadlines_by_executor").rows}
    assert by_executor == {
        ("Группа по приёму потребителей ОПЭЮЛ", "исполнитель не назначен"): (2, 0, 0, 0, 0),
        ("Отдел продаж электроэнергии юридическим лицам", "Петров П. Т."): (3, 4, 1, 0, 0),
        ("Отдел технического аудита", "Волков Д. Т."): (3, 1, 1, 1, 1),
        ("Отдел технического аудита", "исполнитель не назначен"): (0, 0, 0, 1, 0),
    }
    assert rows(section.table("deadlines_by_department"), *keys)["Отдел технического аудита"] == (3, 1, 1, 2, 1)
    assert section.table("deadlines_by_department").total == {
        "department": "Итого", "registered": 8, "answered": 5, "late": 2, "overdue_open": 2, "extended": 1}


def test_complaints_by_urgency_with_decisions(october):
    table = complaints.by_urgency(ReportFilter(OCTOBER))
    keys = ("complaints", "answered", "on_time", "overdue_open", "apologies", "conflicts", "controlled")
    assert rows(table, *keys) == {"Срочная": (1, 1, 0, 0, 1, 1, 1),
                                  "категория не установлена": (1, 0, 0, 0, 0, 0, 0)}
    assert (table.total["complaints"], table.total["apologies"]) == (2, 1)


def test_control_items(october):
    table = complaints.control_items(ReportFilter(OCTOBER))
    assert rows(table, "total", "of_complaints", "done", "open", "overdue") == {
        "Отдел продаж электроэнергии юридическим лицам": (1, 1, 1, 0, 0),
        "Отдел технического аудита": (1, 0, 0, 1, 1)}


def test_non_consideration_by_ground(october):
    table = non_consideration.by_ground(ReportFilter(OCTOBER))
    assert rows(table, "decisions", "share", "told") == {
        "нецензурные либо оскорбительные выражения": (1, 0.5, 1), "не указаны контактные данные": (1, 0.5, 0)}


def test_call_centre_service_levels(october):
    section = calls.section(ReportFilter(OCTOBER))
    summary = {row["figure"]: row["value"] for row in section.table("calls_summary").rows}
    assert summary["Поступило звонков (в часы работы линии)"] == 5
    assert summary["Отвечено за 12 с (не позже 4-го сигнала)"] == 3
    assert summary["Доля ответов за 12 с"] == 0.6
    assert summary["Ожидание дольше 2 мин"] == 1
    assert summary["Сброшено в очереди"] == 1
    assert summary["Средняя продолжительность разговора (норма — не более 4–5 мин)"] == 225
    assert summary["Разговоров дольше 5 мин"] == 1
    assert summary["Звонков в нерабочее время"] == 1
    keys = ("offered", "answered", "answered_within_12s", "answered_within_12s_share", "talk_average_seconds")
    assert rows(section.table("calls_by_operator"), *keys) == {
        "Соколова М. Т.": (2, 2, 2, 1.0, 290), "Егоров И. Т.": (2, 2, 1, 0.5, 160)}
    by_day = rows(section.table("calls_by_day"), "offered", "answered_within_12s", "waits_over_2min")
    assert by_day[dt.date(2026, 10, 5)] == (4, 2, 1)
    assert by_day[dt.date(2026, 10, 6)] == (1, 1, 0)
    assert rows(section.table("calls_by_hour"), "offered", "abandoned") == {
        "09:00": (1, 0), "10:00": (2, 0), "11:00": (2, 1), "20:00": (0, 0)}


def test_department_filter(october):
    f = ReportFilter(OCTOBER, department=october.departments["sales"])
    assert appeals.by_channel(f).total["registered"] == 3
    assert appeals.timeliness_totals(f)["answered"] == 4
    assert non_consideration.total(f) == 0
    assert rows(complaints.by_urgency(f), "complaints") == {"Срочная": (1,)}


def test_channel_filter(october):
    f = ReportFilter(OCTOBER, channel="phone")
    assert rows(appeals.by_kind(f), "registered") == {"жалоба": (2,)}
    assert appeals.timeliness_totals(f) == {"answered": 1, "on_time": 0, "late": 1, "on_time_share": 0.0,
                                            "reply_days": 15.0}
    assert calls.section(ReportFilter(OCTOBER, channel="email")) is None


def test_empty_period_has_no_shares(october):
    f = ReportFilter(Period.month(dt.date(2025, 1, 1)))
    assert appeals.timeliness_totals(f) == {"answered": 0, "on_time": 0, "late": 0, "on_time_share": None,
                                            "reply_days": None}
    assert appeals.by_channel(f).rows == []


def test_notices_sent_and_delivered(october):
    section = notices.section(ReportFilter(OCTOBER))
    keys = ("created", "sent", "delivered", "delivered_share", "read", "failed", "waiting")
    assert rows(section.table("notices_by_channel"), *keys) == {
        "электронная почта": (2, 2, 1, 0.5, 0, 1, 0), "ЭДО": (1, 1, 1, 1.0, 1, 0, 0),
        "автоинформирование по телефону": (1, 0, 0, None, 0, 0, 1), "личный кабинет": (1, 1, 1, 1.0, 0, 0, 0)}
    total = section.table("notices_by_channel").total
    assert tuple(total[k] for k in keys) == (5, 4, 3, 0.75, 1, 1, 1)
    assert list(rows(section.table("notices_by_type"), "created").values()) == [(5,)]
    assert notices.section(ReportFilter(OCTOBER, channel="edo")).table("notices_by_channel").total["created"] == 1


def test_survey_results(october):
    f = ReportFilter(OCTOBER)
    assert surveys.totals(f) == {"sent": 5, "answered": 4, "rating": 3.25, "resolved_share": 0.6667, "low": 1,
                                 "controlled": 1, "resolved": 2, "resolved_known": 3}
    by_department = rows(surveys.by_department(f), "answered", "rating", "resolved_share", "low", "controlled")
    assert by_department == {"Отдел продаж электроэнергии юридическим лицам": (3, 3.33, 0.6667, 1, 1),
                             "Отдел технического аудита": (1, 3.0, None, 0, 0)}
    assert rows(surveys.ratings(f), "answers", "share") == {
        "5": (1, 0.25), "4": (1, 0.25), "3": (1, 0.25), "2": (0, 0.0), "1": (1, 0.25)}
    sales = ReportFilter(OCTOBER, department=october.departments["sales"])
    assert (surveys.totals(sales)["answered"], surveys.totals(sales)["sent"]) == (3, 4)


def test_settled_call_figures_are_read_once(october):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    f = ReportFilter(OCTOBER)
    first = calls.levels(f)
    with CaptureQueriesContext(connection) as captured:
        assert calls.levels(f) == first
    assert not [q for q in captured.captured_queries if "phone_call" in q["sql"]]


def test_call_figures_of_a_period_not_settled_are_always_fresh(october):
    from abonent.channels.phone.models import Call

    f = ReportFilter(Period(dt.date(2026, 11, 1), dt.date(2026, 11, 10)))
    assert calls.levels(f)["total"]["offered"] == 0
    Call.objects.create(call_id="late-1", started_at=october.a1.registered_at.replace(month=11, day=9),
                        wait_seconds=3, outcome=Call.Outcome.MISSED)
    assert calls.levels(f)["total"]["offered"] == 1
