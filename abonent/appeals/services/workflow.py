"""The appeal's way through the department: assignment, taking, deadline extension, complaints'
urgency, conflicts, apologies, control items, customer messages, closing. Every change here is one
transaction that writes its AppealEvent."""

import datetime

from django.db import transaction
from django.utils import timezone

from abonent.appeals import search
from abonent.appeals.errors import AppealError
from abonent.appeals.files import IncomingFile, check_file
from abonent.appeals.models import (
    Appeal,
    AppealEvent,
    AppealMessage,
    Attachment,
    ControlItem,
    Kind,
    UrgencyCategory,
)
from abonent.appeals.services import deadlines
from abonent.appeals.services.attachments import store_file
from abonent.appeals.services.events import record_event
from abonent.calendar.services import deadline_from
from abonent.organisation.models import Department

S = Appeal.Status
_TRANSITIONS: dict[str, set[str]] = {
    S.REGISTERED: {S.IN_PROGRESS, S.ON_APPROVAL, S.ANSWERED, S.NOT_CONSIDERED},
    S.IN_PROGRESS: {S.REGISTERED, S.ON_APPROVAL, S.ANSWERED, S.NOT_CONSIDERED},
    S.ON_APPROVAL: {S.IN_PROGRESS, S.ANSWERED, S.REGISTERED},
    S.ANSWERED: {S.CLOSED, S.IN_PROGRESS},
    S.NOT_CONSIDERED: {S.CLOSED},
    S.CLOSED: set(),
}


def set_status(appeal: Appeal, status: str) -> None:
    if status != appeal.status and status not in _TRANSITIONS[appeal.status]:
        raise AppealError(
            f"Нельзя перевести обращение из состояния «{appeal.get_status_display()}» "
            f"в «{S(status).label}».")
    appeal.status = status


def locked(appeal: Appeal) -> Appeal:
    """The appeal re-read under a row lock: two operators acting at once see each other's change."""
    return Appeal.objects.select_for_update().get(pk=appeal.pk)


def _require_open(appeal: Appeal) -> None:
    if not appeal.is_open:
        raise AppealError(f"Обращение № {appeal.number} уже {appeal.get_status_display()}.")


def _require_perm(user, perm: str, message: str) -> None:
    if not (user.is_active and user.has_perm(perm)):
        raise AppealError(message)


@transaction.atomic
def assign_appeal(*, appeal: Appeal, department: Department, executor=None, assigned_by, reason: str = "") -> Appeal:
    """A head moves the appeal to another department and/or names the executor."""
    _require_perm(assigned_by, "appeals.reassign_appeal", "Переназначать обращения может руководитель.")
    appeal = locked(appeal)
    _require_open(appeal)
    if executor is not None and executor.department_id != department.pk:
        raise AppealError(f"{executor.full_name} не работает в подразделении «{department}».")
    before = {"department": appeal.department.name, "executor": appeal.executor.full_name if appeal.executor else ""}
    appeal.department = department
    appeal.executor = executor
    set_status(appeal, S.IN_PROGRESS if executor else S.REGISTERED)
    appeal.save(update_fields=["department", "executor", "status", "updated_at"])
    record_event(appeal, AppealEvent.Kind.REASSIGNED, actor=assigned_by, before=before, reason=reason,
                 department=department.name, executor=executor.full_name if executor else "")
    return appeal


@transaction.atomic
def take_appeal(*, appeal: Appeal, executor) -> Appeal:
    """An executor of the appeal's department takes it into work."""
    _require_perm(executor, "appeals.work_on_appeal", "Нет прав на исполнение обращений.")
    appeal = locked(appeal)
    _require_open(appeal)
    if executor.department_id != appeal.department_id:
        raise AppealError("Взять можно только обращение своего подразделения.")
    if appeal.executor_id and appeal.executor_id != executor.pk:
        raise AppealError(f"Обращение уже исполняет {appeal.executor.full_name}.")
    appeal.executor = executor
    set_status(appeal, S.IN_PROGRESS)
    appeal.save(update_fields=["executor", "status", "updated_at"])
    record_event(appeal, AppealEvent.Kind.TAKEN, actor=executor)
    return appeal


@transaction.atomic
def extend_deadline(*, appeal: Appeal, days: int, reason: str, extended_by) -> Appeal:
    """Extends the term once, by a head, with a reason; the customer is told (by the outbox task)."""
    _require_perm(extended_by, "appeals.extend_deadline", "Продлить срок может только руководитель.")
    appeal = locked(appeal)
    _require_open(appeal)
    if appeal.is_extended:
        raise AppealError("Срок рассмотрения уже продлевался: повторное продление не допускается.")
    if not reason.strip():
        raise AppealError("Укажите причину продления срока.", field="reason")
    if not 1 <= days <= deadlines.MAX_EXTENSION_DAYS:
        raise AppealError(f"Продлить можно на 1–{deadlines.MAX_EXTENSION_DAYS} дней.", field="days")
    before = appeal.due_at
    appeal.due_at = deadline_from(appeal.due_at, days)
    appeal.is_extended = True
    appeal.save(update_fields=["due_at", "is_extended", "updated_at"])
    record_event(appeal, AppealEvent.Kind.DEADLINE_EXTENDED, actor=extended_by, reason=reason.strip(), days=days,
                 before=before.isoformat(), due_at=appeal.due_at.isoformat())
    return appeal


@transaction.atomic
def classify_appeal(*, appeal: Appeal, kind: str, topic, changed_by) -> Appeal:
    _require_perm(changed_by, "appeals.work_on_appeal", "Нет прав на изменение обращения.")
    appeal = locked(appeal)
    _require_open(appeal)
    before = {"kind": appeal.kind, "topic": appeal.topic.name if appeal.topic else ""}
    appeal.kind, appeal.topic = kind, topic
    appeal.save(update_fields=["kind", "topic", "updated_at"])
    record_event(appeal, AppealEvent.Kind.CLASSIFIED, actor=changed_by, before=before, kind=kind,
                 topic=topic.name if topic else "")
    return appeal


@transaction.atomic
def set_urgency(*, appeal: Appeal, urgency: UrgencyCategory, set_by) -> Appeal:
    """A complaint's urgency category decides its term, counted from registration."""
    _require_perm(set_by, "appeals.control_appeals", "Категорию срочности устанавливает руководитель.")
    appeal = locked(appeal)
    _require_open(appeal)
    if appeal.kind != Kind.COMPLAINT:
        raise AppealError("Категория срочности устанавливается для жалоб.")
    if appeal.is_extended:
        raise AppealError("Срок уже продлён; категорию срочности изменить нельзя.")
    appeal.urgency = urgency
    appeal.due_at = deadlines.due_at(registered_at=appeal.registered_at, kind=appeal.kind, urgency=urgency)
    appeal.save(update_fields=["urgency", "due_at", "updated_at"])
    record_event(appeal, AppealEvent.Kind.URGENCY_SET, actor=set_by, urgency=urgency.name,
                 due_at=appeal.due_at.isoformat())
    return appeal


@transaction.atomic
def flag_conflict(*, appeal: Appeal, flagged_by, note: str) -> Appeal:
    """Standard 2.1.5.2: a situation that may lead to a conflict goes to the head at once."""
    appeal = locked(appeal)
    if not note.strip():
        raise AppealError("Опишите, в чём конфликтная ситуация.", field="note")
    appeal.is_conflict = True
    appeal.save(update_fields=["is_conflict", "updated_at"])
    record_event(appeal, AppealEvent.Kind.CONFLICT, actor=flagged_by, note=note.strip())
    return appeal


@transaction.atomic
def record_apology(*, appeal: Appeal, recorded_by, text: str) -> Appeal:
    """Standard 2.1.4.6: when the company or its contractor was at fault, the apology is on record."""
    if not text.strip():
        raise AppealError("Укажите, за что и как принесены извинения.", field="text")
    record_event(appeal, AppealEvent.Kind.APOLOGY, actor=recorded_by, text=text.strip())
    return appeal


@transaction.atomic
def add_control_item(*, appeal: Appeal, decision: str, owner, due_date: datetime.date, added_by) -> ControlItem:
    _require_perm(added_by, "appeals.control_appeals", "Ставить решения на контроль может руководитель.")
    if not decision.strip():
        raise AppealError("Опишите принятое решение.", field="decision")
    if due_date < timezone.localdate():
        raise AppealError("Срок исполнения решения уже прошёл.", field="due_date")
    if not owner.is_staff_member:
        raise AppealError("Ответственным может быть только сотрудник.", field="owner")
    item = ControlItem.objects.create(appeal=appeal, decision=decision.strip(), owner=owner, due_date=due_date)
    record_event(appeal, AppealEvent.Kind.CONTROL_ADDED, actor=added_by, item=item.pk, decision=item.decision,
                 owner=owner.full_name, due_date=due_date.isoformat())
    return item


@transaction.atomic
def complete_control_item(*, item: ControlItem, result: str, done_by) -> ControlItem:
    item = ControlItem.objects.select_for_update().get(pk=item.pk)
    if item.status == ControlItem.Status.DONE:
        raise AppealError("Решение уже отмечено исполненным.")
    if done_by.pk != item.owner_id and not done_by.has_perm("appeals.control_appeals"):
        raise AppealError("Отметить исполнение может ответственный или руководитель.")
    if not result.strip():
        raise AppealError("Опишите результат исполнения.", field="result")
    item.status, item.result, item.done_at = ControlItem.Status.DONE, result.strip(), timezone.now()
    item.save(update_fields=["status", "result", "done_at", "updated_at"])
    record_event(item.appeal, AppealEvent.Kind.CONTROL_DONE, actor=done_by, item=item.pk, result=item.result)
    return item


@transaction.atomic
def add_message(*, appeal: Appeal, text: str, channel: str, author: str = "", source_key: str | None = None,
                actor=None, files: list[IncomingFile] | tuple = ()) -> tuple[AppealMessage, bool]:
    """The customer's addition to an open or answered appeal (with files, checked as at registration);
    an answered one goes back to work. With a source key already seen, returns that message and changes
    nothing."""
    if source_key and (existing := AppealMessage.objects.filter(source_key=source_key).first()):
        return existing, False
    checked = [check_file(f) for f in files]
    appeal = locked(appeal)
    if appeal.status in (S.CLOSED, S.NOT_CONSIDERED):
        raise AppealError(f"Обращение № {appeal.number} закрыто: направьте новое обращение.")
    if not text.strip() and not checked:
        raise AppealError("Текст дополнения пуст.", field="text")
    message = AppealMessage.objects.create(appeal=appeal, text=text, channel=channel, author=author,
                                           source_key=source_key or None)
    for file in checked:
        store_file(appeal, file, role=Attachment.Role.ATTACHMENT, uploaded_by=actor, message=message)
    search.index_appeal(appeal.pk)
    if appeal.status == S.ANSWERED:
        set_status(appeal, S.IN_PROGRESS)
        appeal.save(update_fields=["status", "updated_at"])
    record_event(appeal, AppealEvent.Kind.MESSAGE_ADDED, actor=actor, message=message.pk, channel=channel,
                 author=author)
    return message, True


@transaction.atomic
def add_note(*, appeal: Appeal, text: str, author) -> None:
    if not text.strip():
        raise AppealError("Текст заметки пуст.", field="text")
    record_event(appeal, AppealEvent.Kind.NOTE, actor=author, text=text.strip())


@transaction.atomic
def close_appeal(*, appeal: Appeal, closed_by, resolution: str = "") -> Appeal:
    """Close an answered appeal (or one left without consideration). Closing without a sent reply is refused."""
    appeal = locked(appeal)
    if appeal.status == S.NOT_CONSIDERED:
        pass
    elif not appeal.replies.filter(status="sent").exists():
        raise AppealError("Нельзя закрыть обращение, пока ответ не направлен клиенту.")
    set_status(appeal, S.CLOSED)
    appeal.closed_at = timezone.now()
    appeal.save(update_fields=["status", "closed_at", "updated_at"])
    record_event(appeal, AppealEvent.Kind.CLOSED, actor=closed_by, resolution=resolution.strip())
    return appeal
