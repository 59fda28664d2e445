"""The monthly management report: key figures against the month before, findings, the head's proposals,
exports, and the e-mail to the head roles sent once per month."""

import datetime as dt
import io

import openpyxl
import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from abonent.reports import monthly, tasks
from abonent.reports.filters import ReportFilter
from abonent.reports.models import MonthlyReport, ReportDispatch
from abonent.reports.periods import Period
from abonent.reports.tests.conftest import NOW
from abonent.reports.tests.test_exports import pdf_text, sheet_table

pytestmark = pytest.mark.django_db
OCTOBER = Period.month(dt.date(2026, 10, 1))


@pytest.fixture
def heads(sales_head, reception_head, audit_head):
    """Two heads with e-mail addresses and one without."""
    return sales_head, reception_head, audit_head


def test_summary_of_the_month_and_the_month_before(october):
    assert monthly.summary(ReportFilter(OCTOBER)) == {
        "registered": 8, "extended": 1, "complaints": 2, "answered": 5, "on_time_share": 0.6, "reply_days": 12.4,
        "late": 2, "overdue_open": 2, "non_considered": 2, "calls_offered": 5, "calls_within_12s_share": 0.6,
        "calls_waits_over_2min": 1, "calls_abandoned": 1, "calls_talk_average": 225, "notices_sent": 4,
        "notices_delivered_share": 0.75, "surveys_answered": 4, "survey_rating": 3.25, "survey_resolved_share": 0.6667}
    september = monthly.summary(ReportFilter(OCTOBER.previous()))
    assert (september["registered"], september["answered"], september["on_time_share"], september["reply_days"],
            september["calls_offered"], september["calls_within_12s_share"]) == (3, 2, 1.0, 3.0, 1, 1.0)


def test_findings(october):
    texts = [f["text"] for f in monthly.build(ReportFilter(OCTOBER)).findings]
    assert "Поступило обращений: 8 — на 5 (166,7\u00a0%) больше, чем в сентябре" in texts
    assert "Доля ответов в срок снизилась на 40,0\u00a0п.п.: 100,0\u00a0% в сентябре, 60,0\u00a0% сейчас" in texts
    assert "Среднее время ответа выросло на 9,4\u00a0дн.: 3,0\u00a0дн. в сентябре, 12,4\u00a0дн. сейчас" in texts
    assert "Доля ответов на звонки за 12 с снизилась на 40,0\u00a0п.п.: 100,0\u00a0% в сентябре, " \
           "60,0\u00a0% сейчас" in texts
    assert "Средний разговор вырос на 2\u00a0мин\u00a005\u00a0с: 1\u00a0мин\u00a040\u00a0с в сентябре, " \
           "3\u00a0мин\u00a045\u00a0с сейчас" in texts
    assert any(t.startswith("На конец периода не отвечено в срок: 2 обращ.") for t in texts)
    assert "Доля доставленных уведомлений снизилась на 25,0\u00a0п.п.: 100,0\u00a0% в сентябре, " \
           "75,0\u00a0% сейчас" in texts
    assert "Средняя оценка клиентов (1–5) снизилась на 1,75: 5,00 в сентябре, 3,25 сейчас" in texts
    assert "Жалоб без категории срочности, установленной руководством: 1." in texts


def test_comparison_table(october):
    table = monthly.build(ReportFilter(OCTOBER)).summary
    assert [c.title for c in table.columns] == ["Показатель", "Сентябрь 2026", "Октябрь 2026", "Изменение"]
    on_time = table.value("Доля ответов в срок", "change")
    assert on_time == -0.4
    assert table.value("Поступило обращений", "change") == 5


def test_head_writes_proposals(client, sales_head, october):
    client.force_login(sales_head)
    response = client.post(reverse("reports:proposals"), {"month": "2026-10", "text": "  Ввести дежурство.  "})
    assert response.status_code == 302 and response["Location"] == "/reports/monthly/?month=2026-10"
    report = MonthlyReport.objects.get(month=dt.date(2026, 10, 1))
    assert (report.proposals, report.proposals_by) == ("Ввести дежурство.", sales_head)
    page = client.get(reverse("reports:monthly"), {"month": "2026-10"}).content.decode()
    assert "Ввести дежурство." in page


def test_proposals_refused_for_a_future_month_and_too_long(client, sales_head, october):
    client.force_login(sales_head)
    client.post(reverse("reports:proposals"), {"month": "2027-01", "text": "x"})
    client.post(reverse("reports:proposals"), {"month": "2026-10", "text": "x" * 10_001})
    assert not MonthlyReport.objects.exists()
    page = client.get(reverse("reports:monthly"), {"month": "2026-10"}).content.decode()
    assert "Не длиннее 10000 знаков (сейчас 10001)." in page


def test_monthly_page_defaults_to_the_month_before(client, sales_head, october):
    client.force_login(sales_head)
    response = client.get(reverse("reports:monthly"))
    assert response.context["filter"].period == OCTOBER
    html = response.content.decode()
    assert "Отчёт о работе с клиентами за октябрь 2026" in html
    assert "Доля ответов в срок снизилась на 40,0" in html


def test_monthly_xlsx_and_pdf(client, sales_head, october):
    MonthlyReport.objects.create(month=dt.date(2026, 10, 1), proposals="Усилить линию в 11:00.")
    client.force_login(sales_head)
    response = client.get(reverse("reports:monthly_export", args=["xlsx"]), {"month": "2026-10"})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:2] == ["Сводка", "Обращения"]
    summary = sheet_table(book["Сводка"], "Основные показатели")
    assert summary["Доля ответов в срок"][:3] == [1.0, 0.6, -40.0]
    assert summary["Поступило обращений"][:3] == [3, 8, 5]
    texts = [row[0] for row in book["Сводка"].iter_rows(values_only=True) if row[0]]
    assert "Усилить линию в 11:00." in texts
    assert any(str(t).startswith("Доля ответов в срок снизилась на 40,0") for t in texts)
    pdf = client.get(reverse("reports:monthly_export", args=["pdf"]), {"month": "2026-10"})
    text = pdf_text(pdf.content).replace("\u00a0", " ")
    assert "Отчёт о работе с клиентами за октябрь 2026" in text
    assert "Усилить линию в 11:00." in text
    assert "Доля ответов в срок снизилась на 40,0 п.п." in text


def test_scheduled_report_is_sent_once_with_both_attachments(heads, october):
    mail.outbox.clear()
    assert tasks.send_previous_month_report.call() == "2026-10: queued"
    assert tasks.send_previous_month_report.call() == "2026-10: already recorded"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Отчёт о работе с клиентами за октябрь 2026"
    assert sorted(message.to) == ["reception.head@bges.ru", "sales.head@bges.ru"]
    names = [(name, mimetype) for name, _, mimetype in message.attachments]
    assert names == [("otchet_2026-10.pdf", "application/pdf"),
                     ("otchet_2026-10.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    assert "Доля ответов в срок: 100,0\u00a0% → 60,0\u00a0% (−40,0\u00a0п.п.)" in message.body
    book = openpyxl.load_workbook(io.BytesIO(message.attachments[1][1]))
    assert sheet_table(book["Сводка"], "Основные показатели")["Поступило обращений"][:2] == [3, 8]
    assert "Соколова М. Т." in pdf_text(message.attachments[0][1])
    dispatch = ReportDispatch.objects.get()
    assert (dispatch.key, dispatch.status, dispatch.trigger) == ("scheduled:2026-10", "sent", "scheduled")
    assert dispatch.recipients == "reception.head@bges.ru, sales.head@bges.ru"


def test_a_sent_dispatch_is_not_sent_again(heads, october):
    tasks.send_previous_month_report.call()
    dispatch = ReportDispatch.objects.get()
    mail.outbox.clear()
    assert tasks.send_report.call(dispatch.pk) == "skipped"
    assert mail.outbox == []


def test_sweep_sends_a_dispatch_left_pending(heads, october):
    # Recorded, but the on-commit enqueue was lost in a crash.
    report = monthly.report_for(dt.date(2026, 10, 1))
    ReportDispatch.objects.create(report=report, key="scheduled:2026-10", trigger="scheduled")
    ReportDispatch.objects.update(created_at=october.a1.registered_at)
    mail.outbox.clear()
    assert tasks.sweep_report_dispatches.call() == 1
    assert len(mail.outbox) == 1 and ReportDispatch.objects.get().status == "sent"


def test_a_mail_server_failure_is_tried_again_by_the_sweep(heads, october, monkeypatch):
    import smtplib

    from django.core.mail import EmailMessage

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    mail.outbox.clear()
    with monkeypatch.context() as patch:
        patch.setattr(EmailMessage, "send", refuse)
        tasks.send_previous_month_report.call()
    dispatch = ReportDispatch.objects.get()
    assert (dispatch.status, dispatch.attempts, dispatch.error) == ("pending", 1, "Connection unexpectedly closed")
    assert tasks.sweep_report_dispatches.call() == 0  # not before RETRY_AFTER
    with time_machine.travel(NOW + dt.timedelta(minutes=11), tick=False):
        assert tasks.sweep_report_dispatches.call() == 1
    dispatch.refresh_from_db()
    assert (dispatch.status, dispatch.attempts, len(mail.outbox)) == ("sent", 2, 1)


def test_no_recipients_is_a_failed_dispatch_with_a_reason(audit_head, october):
    mail.outbox.clear()
    tasks.send_previous_month_report.call()
    dispatch = ReportDispatch.objects.get()
    assert dispatch.status == "failed"
    assert dispatch.error.startswith("Некому отправить")
    assert mail.outbox == []


def test_head_sends_on_demand_once_per_request(client, heads, october):
    sales_head = heads[0]
    client.force_login(sales_head)
    page = client.get(reverse("reports:monthly"), {"month": "2026-10"})
    token = page.context["send_form"].initial["token"]
    mail.outbox.clear()
    for _ in range(2):
        response = client.post(reverse("reports:send"), {"month": "2026-10", "token": token}, follow=True)
    assert len(mail.outbox) == 1
    assert "Этот запрос на рассылку уже принят" in response.content.decode()
    dispatch = ReportDispatch.objects.get()
    assert (dispatch.trigger, dispatch.requested_by, dispatch.status) == ("manual", sales_head, "sent")


def test_the_schedule_is_the_first_of_the_month(now):
    from crontask import scheduler

    job = next(j for j in scheduler.get_jobs() if j.name.endswith("send_previous_month_report"))
    fire = job.trigger.get_next_fire_time(None, now)
    assert (fire.day, fire.hour, fire.minute, fire.month) == (1, 8, 0, 12)
    assert fire.utcoffset() == dt.timedelta(hours=7)


def test_demo_proposals_are_seeded_once(now):
    from abonent.reports import demo

    first = demo.seed()
    assert demo.seed() == first
    assert first.month == dt.date(2026, 10, 1) and first.proposals.startswith("1. В часы пиковой нагрузки")
    assert MonthlyReport.objects.count() == 1
