"""Retention: what each kind destroys after its period, what is never destroyed (appeals, open appeals' files,
reply letters, anything under a legal hold), the dry run, the act and the audit entries, idempotency, the
command and the daily task."""

import datetime
import io
import itertools

import pytest
from auditlog.models import LogEntry
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from abonent.appeals.files import IncomingFile
from abonent.appeals.models import Appeal, AppealEvent, Attachment
from abonent.appeals.tests.factories import register
from abonent.channels.email.models import InboundEmail, MailboxConnection
from abonent.channels.phone.models import Call
from abonent.organisation.models import Mailbox
from abonent.privacy import retention, services
from abonent.privacy.models import DestroyedItem, LegalHold, RetentionPolicy, RetentionRun
from abonent.privacy.tasks import apply_retention

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
PDF = b"%PDF-1.4 test document"
CLOSED = datetime.datetime(2026, 1, 20, 10, 0, tzinfo=UTC)
# 60 months after CLOSED: the customers' files of appeals closed then are past their default period.
LATER = datetime.datetime(2031, 3, 1, 12, 0, tzinfo=UTC)
_uids = itertools.count(1)


def closed_appeal(operator, *, channel="email", closed_at=CLOSED, status="closed", files=("Акт сверки.pdf",),
                  **fields) -> Appeal:
    appeal = register(registered_by=operator, channel=channel, files=[IncomingFile(n, PDF) for n in files], **fields)
    Attachment.objects.filter(appeal=appeal).update(uploaded_at=closed_at - datetime.timedelta(days=5))
    Appeal.objects.filter(pk=appeal.pk).update(status=status, answered_at=closed_at,
                                               closed_at=closed_at if status == "closed" else None)
    return Appeal.objects.get(pk=appeal.pk)


def files_of(appeal) -> list[str]:
    return list(appeal.attachments.values_list("original_name", flat=True))


# --- months and defaults ---


@pytest.mark.parametrize(("moment", "months", "expected"), [
    (datetime.datetime(2031, 3, 31, tzinfo=UTC), 1, datetime.datetime(2031, 2, 28, tzinfo=UTC)),
    (datetime.datetime(2031, 3, 15, tzinfo=UTC), 60, datetime.datetime(2026, 3, 15, tzinfo=UTC)),
    (datetime.datetime(2028, 2, 29, tzinfo=UTC), 12, datetime.datetime(2027, 2, 28, tzinfo=UTC)),
    (datetime.datetime(2031, 1, 10, tzinfo=UTC), 13, datetime.datetime(2029, 12, 10, tzinfo=UTC)),
])
def test_months_before_counts_calendar_months(moment, months, expected):
    assert retention.months_before(moment, months) == expected


def test_every_kind_has_a_default_period_from_the_data_migration():
    assert dict(RetentionPolicy.objects.values_list("kind", "months")) == {
        "call_recordings": 36, "appeal_attachments": 60, "reception_scans": 60, "mail_raw": 12, "task_results": 3,
        "access_logs": 12}


# --- appeal files ---


def test_customer_files_of_a_closed_appeal_are_destroyed_after_the_period_the_appeal_stays(operator):
    appeal = closed_appeal(operator)
    name = appeal.attachments.get().file.name
    assert default_storage.exists(name)

    act = retention.run(now=LATER)

    assert Appeal.objects.filter(pk=appeal.pk).exists()
    assert files_of(appeal) == []
    assert not default_storage.exists(name)
    assert act.counts == {"appeal_attachments": 1}
    item = act.items.get()
    assert (item.kind, item.object_type) == ("appeal_attachments", "appeals.Attachment")
    assert item.description == f"Файл «Акт сверки.pdf» обращения № {appeal.number} ({len(PDF)} байт)"
    assert item.detail["sha256"] and item.detail["appeal"] == appeal.number
    note = appeal.events.filter(kind=AppealEvent.Kind.NOTE).last()
    assert note.data["text"] == (f"Файл «Акт сверки.pdf» уничтожен по истечении срока хранения "
                                 f"(акт уничтожения № {act.pk}).")


def test_files_are_kept_until_the_period_is_over(operator):
    appeal = closed_appeal(operator)
    assert retention.run(now=datetime.datetime(2030, 12, 1, tzinfo=UTC)) is None  # 59 months: nothing to do
    assert files_of(appeal) == ["Акт сверки.pdf"]
    assert not RetentionRun.objects.exists()


def test_files_of_an_open_appeal_are_never_destroyed(operator):
    appeal = register(registered_by=operator, files=[IncomingFile("Акт.pdf", PDF)])
    Attachment.objects.filter(appeal=appeal).update(uploaded_at=CLOSED)
    assert retention.run(now=LATER) is None
    assert files_of(appeal) == ["Акт.pdf"]


def test_an_appeal_with_a_decision_under_control_keeps_its_files(operator):
    from abonent.appeals.models import ControlItem

    appeal = closed_appeal(operator)
    ControlItem.objects.create(appeal=appeal, decision="Пересчитать", owner=operator,
                               due_date=datetime.date(2031, 12, 1))
    retention.run(now=LATER)
    assert files_of(appeal) == ["Акт сверки.pdf"]


def test_reply_letters_and_stamps_stay_with_the_appeal(operator):
    appeal = closed_appeal(operator)
    for role in (Attachment.Role.REPLY, Attachment.Role.STAMP):
        Attachment.objects.create(appeal=appeal, role=role, file=ContentFile(PDF, name="x.pdf"),
                                  original_name=f"{role}.pdf", content_type="application/pdf", size=len(PDF),
                                  sha256="0" * 64, uploaded_at=CLOSED)
    retention.run(now=LATER)
    assert sorted(files_of(appeal)) == ["reply.pdf", "stamp.pdf"]


def test_reception_desk_scans_follow_their_own_period(operator):
    desk = closed_appeal(operator, channel="in_person", files=("Паспорт прибора.pdf",))
    mailed = closed_appeal(operator, files=("Письмо.pdf",), sender_email="other@example.ru")
    RetentionPolicy.objects.filter(kind="appeal_attachments").update(months=120)

    act = retention.run(now=LATER)

    assert act.counts == {"reception_scans": 1}
    assert files_of(desk) == [] and files_of(mailed) == ["Письмо.pdf"]


def test_a_switched_off_kind_destroys_nothing(operator):
    appeal = closed_appeal(operator)
    RetentionPolicy.objects.filter(kind="appeal_attachments").update(is_active=False)
    assert retention.run(now=LATER) is None
    assert files_of(appeal) == ["Акт сверки.pdf"]


# --- legal holds ---


def test_a_hold_on_the_appeal_or_its_customer_keeps_the_files(operator, audit_head, customer):
    held_appeal = closed_appeal(operator, sender_email="a@example.ru")
    held_customer = closed_appeal(operator, customer=customer, sender_email="b@example.ru")
    free = closed_appeal(operator, sender_email="c@example.ru")
    services.place_hold(hold_target=services.target("appeal", held_appeal.number), reason="Иск в арбитраже",
                        by=audit_head)
    services.place_hold(hold_target=services.target("customer", customer.inn), reason="Запрос прокуратуры",
                        by=audit_head)

    act = retention.run(now=LATER)

    assert act.counts == {"appeal_attachments": 1}
    assert files_of(held_appeal) == files_of(held_customer) == ["Акт сверки.pdf"]
    assert files_of(free) == []


def test_a_released_hold_no_longer_protects(operator, audit_head):
    appeal = closed_appeal(operator)
    hold = services.place_hold(hold_target=services.target("appeal", appeal.number), reason="Спор с клиентом",
                               by=audit_head)
    services.release_hold(hold=hold, reason="Спор урегулирован", by=audit_head)
    retention.run(now=LATER)
    assert files_of(appeal) == []


def test_a_second_active_hold_on_the_same_record_is_refused(operator, audit_head):
    appeal = closed_appeal(operator)
    services.place_hold(hold_target=services.target("appeal", appeal.number), reason="Спор с клиентом", by=audit_head)
    with pytest.raises(services.PrivacyError, match="запрет уже установлен"):
        services.place_hold(hold_target=services.target("appeal", appeal.number), reason="Ещё спор", by=audit_head)
    assert LegalHold.objects.count() == 1


def test_hold_targets_are_named_as_staff_know_them(operator, customer):
    with pytest.raises(services.PrivacyError, match="Обращение № 2099-000001 не найдено"):
        services.target("appeal", "№ 2099-000001")
    with pytest.raises(services.PrivacyError, match="не найден"):
        services.target("customer", "0000000000")
    assert services.target("customer", f"{customer.inn}/{customer.kpp}").instance == customer


# --- call recordings ---


def make_call(call_id: str, *, ended_at, recording_ref="", **fields) -> Call:
    return Call.objects.create(call_id=call_id, from_number="+79131112233", to_number="101",
                               started_at=ended_at - datetime.timedelta(minutes=5), ended_at=ended_at,
                               recording_ref=recording_ref, **fields)


def test_call_recordings_are_destroyed_after_three_years_files_and_links(audit_head):
    stored = default_storage.save("recordings/call-1.wav", ContentFile(b"RIFF....WAVE"))
    old_file = make_call("c-1", ended_at=CLOSED, recording_ref=stored)
    old_link = make_call("c-2", ended_at=CLOSED, recording_ref="https://pbx.local/rec/c-2.wav")
    recent = make_call("c-3", ended_at=datetime.datetime(2028, 6, 1, tzinfo=UTC), recording_ref="rec/c-3.wav")
    held = make_call("c-4", ended_at=CLOSED, recording_ref="rec/c-4.wav")
    services.place_hold(hold_target=services.target("call", "c-4"), reason="Жалоба на оператора", by=audit_head)

    act = retention.run(now=datetime.datetime(2029, 3, 1, tzinfo=UTC))

    refs = dict(Call.objects.values_list("call_id", "recording_ref"))
    assert refs == {"c-1": "", "c-2": "", "c-3": "rec/c-3.wav", "c-4": "rec/c-4.wav"}
    assert not default_storage.exists(stored)
    assert act.counts == {"call_recordings": 2}
    kinds = dict(act.items.values_list("object_id", "detail__reference_kind"))
    assert kinds == {str(old_file.pk): "файл в хранилище", str(old_link.pk): "ссылка на запись в АТС"}
    assert recent.pk and held.pk


def test_a_recording_of_a_call_tied_to_an_open_appeal_is_kept(operator):
    appeal = register(registered_by=operator)
    make_call("c-open", ended_at=CLOSED, recording_ref="rec/open.wav", appeal=appeal)
    retention.run(now=datetime.datetime(2029, 3, 1, tzinfo=UTC))
    assert Call.objects.get(call_id="c-open").recording_ref == "rec/open.wav"


# --- mail ---


@pytest.fixture
def mailbox_connection(organisation):
    mailbox = Mailbox.objects.get_or_create(organisation=organisation, address="meter@bges.ru")[0]
    return MailboxConnection.objects.create(mailbox=mailbox, host="127.0.0.1", port=143, security="plain",
                                            username="u", password="p")


def mail(connection, status, *, fetched_at=CLOSED) -> InboundEmail:
    return InboundEmail.objects.create(connection=connection, folder="INBOX", uidvalidity=1, uid=next(_uids),
                                       raw=b"From: a@b.ru\r\n\r\ntext", size=22, status=status, fetched_at=fetched_at)


def test_raw_mail_that_is_no_appeal_is_erased_after_a_year_the_rest_is_kept(mailbox_connection):
    S = InboundEmail.Status
    rows = {status: mail(mailbox_connection, status) for status in S.values}
    fresh = mail(mailbox_connection, S.IGNORED, fetched_at=datetime.datetime(2026, 12, 1, tzinfo=UTC))

    act = retention.run(now=datetime.datetime(2027, 6, 1, tzinfo=UTC))

    erased = {s for s, row in rows.items() if bytes(InboundEmail.objects.get(pk=row.pk).raw) == b""}
    assert erased == {S.RESOLVED, S.IGNORED, S.DUPLICATE}
    assert bytes(InboundEmail.objects.get(pk=fresh.pk).raw) != b""
    assert act.counts == {"mail_raw": 3}
    assert InboundEmail.objects.count() == len(S.values) + 1  # the rows stay: a re-fetch stays a no-op


# --- technical rows ---


def test_task_results_and_login_attempts_are_deleted_and_counted(audit_head, portal_login):
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_tasks_db.models import DBTaskResult

    def task_result(status, finished_at):
        return DBTaskResult.objects.create(status=status, finished_at=finished_at, args_kwargs={}, priority=0,
                                           task_path="x.y", queue_name="default", backend_name="default",
                                           run_after=finished_at)

    old, new = CLOSED, datetime.datetime(2027, 5, 20, tzinfo=UTC)
    task_result("SUCCESSFUL", old), task_result("FAILED", old), task_result("SUCCESSFUL", new)
    task_result("READY", old)
    for model in (AccessLog, AccessFailureLog, AccessAttempt):
        extra = {"failures_since_start": 1} if model is AccessAttempt else {}
        model.objects.create(username="stranger", ip_address="10.0.0.1", user_agent="x", **extra)
        model.objects.create(username=portal_login.username, ip_address="10.0.0.1", user_agent="x", **extra)
        model.objects.update(attempt_time=old)
    services.place_hold(hold_target=services.target("login", portal_login.username), reason="Расследование входа",
                        by=audit_head)

    act = retention.run(now=datetime.datetime(2027, 6, 1, tzinfo=UTC))

    assert act.counts == {"task_results": 2, "access_logs": 3}
    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == ["READY", "SUCCESSFUL"]
    for model in (AccessLog, AccessFailureLog, AccessAttempt):
        assert list(model.objects.values_list("username", flat=True)) == [portal_login.username]
    assert not act.items.exists()


# --- the act, the audit, idempotency ---


def test_each_destruction_is_audited_and_the_act_too(operator):
    appeal = closed_appeal(operator)
    attachment = appeal.attachments.get()
    act = retention.run(now=LATER)
    entry = LogEntry.objects.get(content_type__model="attachment", object_pk=str(attachment.pk))
    assert entry.action == LogEntry.Action.DELETE
    assert entry.additional_data == {"retention": "file", "act": act.pk}
    act_entry = LogEntry.objects.get(content_type__model="retentionrun", object_pk=str(act.pk))
    assert act_entry.additional_data["counts"] == {"appeal_attachments": 1}


def test_a_second_run_destroys_nothing_twice(operator):
    closed_appeal(operator)
    first = retention.run(now=LATER)
    assert retention.run(now=LATER) is None
    assert DestroyedItem.objects.count() == 1 and RetentionRun.objects.get() == first


def test_a_failing_kind_is_recorded_and_the_others_still_run(operator, monkeypatch):
    appeal = closed_appeal(operator)

    def broken(cutoff, holds):
        raise RuntimeError("хранилище недоступно")

    monkeypatch.setattr(retention.HANDLERS["call_recordings"], "candidates", broken)
    act = retention.run(now=LATER)
    assert act.counts == {"appeal_attachments": 1}
    assert act.errors == "записи телефонных разговоров: RuntimeError: хранилище недоступно"
    assert files_of(appeal) == []


# --- the dry run, the command, the task ---


def test_the_plan_lists_what_would_go_and_changes_nothing(operator):
    appeal = closed_appeal(operator)
    lines = {line.kind: line for line in retention.plan(LATER)}
    assert lines["appeal_attachments"].count == 1
    assert lines["appeal_attachments"].examples == [
        f"Файл «Акт сверки.pdf» обращения № {appeal.number} ({len(PDF)} байт)"]
    assert lines["call_recordings"].count == 0
    assert files_of(appeal) == ["Акт сверки.pdf"]
    assert not RetentionRun.objects.exists()


def test_command_dry_run_lists_and_keeps(operator, time_machine):
    appeal = closed_appeal(operator)
    time_machine.move_to(LATER, tick=False)
    out = io.StringIO()
    call_command("retention", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "Проверка без уничтожения (--dry-run)" in text
    assert "- файлы клиентов в обращениях (срок 60 мес., старше 01.03.2026): 1" in text
    assert f"Файл «Акт сверки.pdf» обращения № {appeal.number}" in text
    assert files_of(appeal) == ["Акт сверки.pdf"]


def test_command_destroys_and_reports_the_act(operator, time_machine):
    appeal = closed_appeal(operator)
    time_machine.move_to(LATER, tick=False)
    out = io.StringIO()
    call_command("retention", stdout=out)
    act = RetentionRun.objects.get()
    assert act.trigger == "command"
    assert out.getvalue().splitlines() == [f"{act}: уничтожено 1 объект.", "  файлы клиентов в обращениях: 1"]
    assert files_of(appeal) == []
    out = io.StringIO()
    call_command("retention", stdout=out)
    assert out.getvalue().strip() == "Данных с истёкшим сроком хранения нет: ничего не уничтожено."


def test_the_daily_task_runs_the_job(operator, time_machine):
    closed_appeal(operator)
    time_machine.move_to(LATER, tick=False)
    result = apply_retention.enqueue()
    act = RetentionRun.objects.get()
    assert result.return_value == {"act": act.pk, "counts": {"appeal_attachments": 1}}
    assert act.trigger == "schedule"


def test_the_demo_hook_holds_the_first_claim_once(organisation):
    from abonent.demo.staff import seed_staff
    from abonent.privacy import demo

    seed_staff()
    claim = register(kind="claim", subject="Претензия по счёту")
    first = demo.seed()
    assert demo.seed() == first
    assert (first.object_id, first.placed_by.username) == (claim.pk, "audit_head")
    assert LegalHold.objects.count() == 1
