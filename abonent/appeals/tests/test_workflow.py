import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from abonent.appeals import tasks
from abonent.appeals.errors import AppealError
from abonent.appeals.models import Appeal, AppealEvent, ControlItem, UrgencyCategory
from abonent.appeals.services import (
    add_control_item,
    add_message,
    assign_appeal,
    complete_control_item,
    extend_deadline,
    flag_conflict,
    record_apology,
    set_urgency,
    take_appeal,
)
from abonent.appeals.tests.factories import register
from abonent.organisation.models import Department

BARNAUL = ZoneInfo("Asia/Barnaul")
E = AppealEvent.Kind


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=BARNAUL)


@pytest.fixture
def appeal(operator):
    return register(registered_by=operator)


def kinds(appeal: Appeal) -> list[str]:
    return list(appeal.events.values_list("kind", flat=True))


def test_head_reassigns_to_a_department_and_executor(appeal, supervisor, executor):
    audit = Department.objects.get(code="audit")
    appeal = assign_appeal(appeal=appeal, department=audit, executor=executor, assigned_by=supervisor,
                           reason="Вопрос по прибору учёта")
    assert (appeal.department, appeal.executor, appeal.status) == (audit, executor, Appeal.Status.IN_PROGRESS)
    event = appeal.events.get(kind=E.REASSIGNED)
    assert event.actor == supervisor
    assert event.data["before"]["department"] == "Группа по приёму потребителей ОПЭЮЛ"


def test_only_a_head_may_reassign(appeal, operator):
    with pytest.raises(AppealError, match="руководитель"):
        assign_appeal(appeal=appeal, department=Department.objects.get(code="audit"), assigned_by=operator)
    appeal.refresh_from_db()
    assert appeal.department.code == "reception"


def test_executor_must_belong_to_the_department(appeal, supervisor, executor):
    with pytest.raises(AppealError, match="не работает в подразделении"):
        assign_appeal(appeal=appeal, department=Department.objects.get(code="sales"), executor=executor,
                      assigned_by=supervisor)


def test_executor_takes_an_appeal_of_own_department_only(appeal, supervisor, executor):
    with pytest.raises(AppealError, match="своего подразделения"):
        take_appeal(appeal=appeal, executor=executor)
    assign_appeal(appeal=appeal, department=executor.department, assigned_by=supervisor)
    appeal = take_appeal(appeal=appeal, executor=executor)
    assert appeal.executor == executor
    assert appeal.status == Appeal.Status.IN_PROGRESS


@time_machine.travel(at(2026, 12, 1, 10, 0), tick=False)
def test_extension_once_by_a_head_with_reason_and_the_customer_is_told(operator, supervisor):
    appeal = register(registered_by=operator)
    # 01.12.2026 + 30 days = 31.12.2026, a day off; 1-10.01.2027 are off too -> 11.01.2027
    assert appeal.due_at.astimezone(BARNAUL).date() == datetime.date(2027, 1, 11)
    mail.outbox.clear()
    appeal = extend_deadline(appeal=appeal, days=30, reason="Запрошены документы у сетевой организации",
                             extended_by=supervisor)
    assert appeal.due_at.astimezone(BARNAUL).date() == datetime.date(2027, 2, 10)
    assert appeal.is_extended
    assert [m.subject for m in mail.outbox] == [f"Продление срока рассмотрения обращения № {appeal.number}"]
    assert "10.02.2027" in mail.outbox[0].body
    with pytest.raises(AppealError, match="повторное продление не допускается"):
        extend_deadline(appeal=appeal, days=5, reason="ещё", extended_by=supervisor)


@pytest.mark.parametrize(("days", "reason", "message"), [
    (10, "  ", "Укажите причину"), (0, "причина", "на 1–30 дней"), (31, "причина", "на 1–30 дней")])
def test_extension_refusals(appeal, supervisor, days, reason, message):
    due = appeal.due_at
    with pytest.raises(AppealError, match=message):
        extend_deadline(appeal=appeal, days=days, reason=reason, extended_by=supervisor)
    appeal.refresh_from_db()
    assert (appeal.due_at, appeal.is_extended) == (due, False)


def test_executor_cannot_extend(appeal, executor):
    with pytest.raises(AppealError, match="только руководитель"):
        extend_deadline(appeal=appeal, days=5, reason="нужно", extended_by=executor)


@time_machine.travel(at(2026, 6, 1, 10, 0), tick=False)
def test_complaint_urgency_sets_its_own_term(operator, supervisor):
    complaint = register(registered_by=operator, kind="complaint")
    urgent = UrgencyCategory.objects.create(name="Высокая", code="high", days=3)
    complaint = set_urgency(appeal=complaint, urgency=urgent, set_by=supervisor)
    assert complaint.due_at.astimezone(BARNAUL).date() == datetime.date(2026, 6, 4)
    with pytest.raises(AppealError, match="для жалоб"):
        set_urgency(appeal=register(registered_by=operator), urgency=urgent, set_by=supervisor)


def test_conflict_goes_to_the_head_at_once(appeal, operator, supervisor):
    Department.objects.filter(code="reception").update(head=supervisor)
    supervisor.email = "head@bges.ru"
    supervisor.save()
    mail.outbox.clear()
    flag_conflict(appeal=appeal, flagged_by=operator, note="Клиент грозит жалобой в прокуратуру")
    appeal.refresh_from_db()
    assert appeal.is_conflict
    assert [m.to for m in mail.outbox] == [["head@bges.ru"]]
    assert "Конфликтная ситуация" in mail.outbox[0].subject


def test_apology_is_recorded(appeal, operator):
    record_apology(appeal=appeal, recorded_by=operator, text="Ошибка в счёте по вине компании, принесены извинения")
    assert appeal.events.get(kind=E.APOLOGY).data["text"].startswith("Ошибка в счёте")


@time_machine.travel(at(2026, 6, 1, 10, 0), tick=False)
def test_control_items_until_done(operator, supervisor, executor):
    appeal = register(registered_by=operator)
    item = add_control_item(appeal=appeal, decision="Сделать перерасчёт за май", owner=executor,
                            due_date=datetime.date(2026, 6, 10), added_by=supervisor)
    with pytest.raises(AppealError, match="Опишите результат"):
        complete_control_item(item=item, result=" ", done_by=executor)
    complete_control_item(item=item, result="Перерасчёт выполнен, акт направлен", done_by=executor)
    item.refresh_from_db()
    assert item.status == ControlItem.Status.DONE
    with pytest.raises(AppealError, match="уже отмечено"):
        complete_control_item(item=item, result="ещё раз", done_by=executor)
    assert kinds(appeal)[-2:] == [E.CONTROL_ADDED, E.CONTROL_DONE]


def test_control_item_refusals(appeal, operator, supervisor, executor):
    with pytest.raises(AppealError, match="руководитель"):
        add_control_item(appeal=appeal, decision="x", owner=executor, due_date=datetime.date(2099, 1, 1),
                         added_by=operator)
    with pytest.raises(AppealError, match="уже прошёл"):
        add_control_item(appeal=appeal, decision="x", owner=executor, due_date=datetime.date(2000, 1, 1),
                         added_by=supervisor)
    assert not ControlItem.objects.exists()


def test_customer_message_is_added_once_per_source_key(appeal):
    first, created = add_message(appeal=appeal, text="Дополняю: акт во вложении", channel="email",
                                 source_key="email:<m2@example.ru>")
    again, created_again = add_message(appeal=appeal, text="Дополняю", channel="email",
                                       source_key="email:<m2@example.ru>")
    assert (created, created_again, again) == (True, False, first)
    assert appeal.events.filter(kind=E.MESSAGE_ADDED).count() == 1


@time_machine.travel(at(2026, 6, 1, 10, 0), tick=False)
def test_deadline_sweep_reminds_once_and_escalates_once(operator, supervisor, executor):
    Department.objects.filter(code="reception").update(head=supervisor)
    supervisor.email, executor.email = "head@bges.ru", "exec@bges.ru"
    supervisor.save()
    executor.save()
    appeal = register(registered_by=operator)
    with time_machine.travel(at(2026, 6, 29, 9, 0), tick=False):
        assert tasks.sweep_deadlines.call() == {"reminders": 1, "overdue": 0}
        assert tasks.sweep_deadlines.call() == {"reminders": 0, "overdue": 0}
    with time_machine.travel(at(2026, 7, 2, 9, 0), tick=False):
        mail.outbox.clear()
        assert tasks.sweep_deadlines.call() == {"reminders": 0, "overdue": 1}
        assert tasks.sweep_deadlines.call() == {"reminders": 0, "overdue": 0}
        assert [m.subject for m in mail.outbox] == [f"Нарушен срок ответа: № {appeal.number}"]
    assert Appeal.objects.overdue(at(2026, 7, 2, 9, 0)).get() == appeal


def test_customer_message_with_files_keeps_them_and_refuses_bad_ones(appeal):
    from abonent.appeals.files import IncomingFile

    pdf = b"%PDF-1.4\n%%EOF\n"
    message, _ = add_message(appeal=appeal, text="", channel="email",
                             files=[IncomingFile("Акт сверки.pdf", pdf)])
    assert [(a.original_name, a.message_id) for a in appeal.attachments.all()] == [("Акт сверки.pdf", message.pk)]
    with pytest.raises(AppealError, match="не принимается"):
        add_message(appeal=appeal, text="ещё", channel="email", files=[IncomingFile("virus.exe", b"MZ..")])
    assert appeal.messages.count() == 1
