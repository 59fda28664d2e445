"""Destruction of stored data whose retention period is over (152-ФЗ ст. 5 ч. 7, ст. 21; the act of destruction
of Приказ Роскомнадзора № 179).

Rules:
- the period of each kind is a `RetentionPolicy` row; a kind whose row is switched off keeps everything;
- appeals themselves are never destroyed (the standard keeps them forever): only the customers' files in
  them, counted from the day the appeal was answered or closed, and never while it is open or has a decision
  under execution control; reply letters and registration stamps are the company's own documents and stay;
- nothing under an active `LegalHold` (on the record itself, its appeal or its customer; on a portal login for
  its login history) is destroyed;
- each destroyed file or record becomes a `DestroyedItem` of the run's act and an audit log entry; technical
  rows (task results, login attempts) are counted in the act and audited once per kind;
- a file leaves the storage only after the transaction that removed its row has committed; running twice
  destroys nothing twice.

`plan()` says what a run would destroy now (the dry run); `run()` does it."""

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from auditlog.models import LogEntry
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from abonent.appeals.models import Appeal, Attachment
from abonent.channels.email.models import InboundEmail
from abonent.channels.phone.models import Call
from abonent.customers.models import Customer
from abonent.organisation.models import Channel
from abonent.privacy.models import DestroyedItem, LegalHold, RetentionPolicy, RetentionRun
from abonent.users.models import User

log = logging.getLogger(__name__)
Kind = RetentionPolicy.Kind
ENDED_APPEALS = (Appeal.Status.ANSWERED, Appeal.Status.CLOSED, Appeal.Status.NOT_CONSIDERED)
CUSTOMER_FILES = (Attachment.Role.ATTACHMENT, Attachment.Role.SCAN)
# Mail that became an appeal is the appeal's original and stays with it; an unresolved quarantined letter
# may still be an appeal nobody has registered, so it stays too.
DISPOSABLE_MAIL = (InboundEmail.Status.RESOLVED, InboundEmail.Status.IGNORED, InboundEmail.Status.DUPLICATE)
BATCH = 200
EXAMPLES = 20

DEFAULTS: dict[str, tuple[int, str]] = {
    Kind.CALL_RECORDINGS: (36, "Срок исковой давности (ГК РФ ст. 196): 3 года после звонка."),
    Kind.APPEAL_ATTACHMENTS: (60, "5 лет после ответа на обращение: по документам о расчётах (402-ФЗ ст. 29) "
                                  "и спорам по договору."),
    Kind.RECEPTION_SCANS: (60, "5 лет после ответа на обращение, как и файлы обращений."),
    Kind.MAIL_RAW: (12, "Письма, не ставшие обращениями (разобранный карантин, автоответы, повторы): 1 год."),
    Kind.TASK_RESULTS: (3, "Технические записи: 3 месяца для разбора сбоев."),
    Kind.ACCESS_LOGS: (12, "Журнал входов для расследования инцидентов: 1 год."),
}


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same moment `months` calendar months earlier (the 31st becomes the month's last day)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    next_month = datetime.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - datetime.timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def ensure_policies() -> None:
    """The default row of every kind that has none (an edited row is never touched)."""
    for kind, (months, basis) in DEFAULTS.items():
        RetentionPolicy.objects.get_or_create(kind=kind, defaults={"months": months, "basis": basis})


# --- what is held ----------------------------------------------------------------------------------------


@dataclass
class Holds:
    appeals: set[int]
    customers: set[int]
    calls: set[int]
    mails: set[int]
    usernames: set[str]

    @classmethod
    def now(cls) -> "Holds":
        holds = LegalHold.objects.all()
        user_ids = holds.ids_of(User)
        return cls(appeals=holds.ids_of(Appeal), customers=holds.ids_of(Customer), calls=holds.ids_of(Call),
                   mails=holds.ids_of(InboundEmail),
                   usernames=set(User.objects.filter(pk__in=user_ids).values_list("username", flat=True)))


# --- one kind of data ------------------------------------------------------------------------------------


@dataclass
class Handler:
    """How one kind is found, described and destroyed. `bulk` kinds are technical rows deleted by query and
    counted; the others are destroyed one by one, each listed in the act."""

    kind: str
    candidates: Callable[[datetime.datetime, Holds], Iterable]
    describe: Callable[[models.Model], str] = str
    destroy: Callable[[models.Model, RetentionRun], dict | None] | None = None
    bulk: list[Callable[[datetime.datetime, Holds], models.QuerySet]] = field(default_factory=list)


def _attachments(cutoff: datetime.datetime, holds: Holds, *, at_reception: bool) -> models.QuerySet:
    appeal_ended_before = (Q(appeal__closed_at__lt=cutoff)
                           | Q(appeal__closed_at__isnull=True, appeal__answered_at__lt=cutoff)
                           | Q(appeal__closed_at__isnull=True, appeal__answered_at__isnull=True,
                               appeal__updated_at__lt=cutoff))
    found = (Attachment.objects.filter(role__in=CUSTOMER_FILES, uploaded_at__lt=cutoff,
                                       appeal__status__in=ENDED_APPEALS)
             .filter(appeal_ended_before)
             .exclude(appeal__control_items__status="open")
             .exclude(appeal_id__in=holds.appeals)
             .exclude(appeal__customer_id__in=holds.customers))
    found = (found.filter(appeal__channel=Channel.IN_PERSON) if at_reception
             else found.exclude(appeal__channel=Channel.IN_PERSON))
    return found.select_related("appeal").order_by("pk").distinct()


def _describe_attachment(attachment: Attachment) -> str:
    return f"Файл «{attachment.original_name}» обращения № {attachment.appeal.number} ({attachment.size} байт)"


def _destroy_attachment(attachment: Attachment, run: RetentionRun) -> dict | None:
    name = attachment.file.name
    deleted, _ = Attachment.objects.filter(pk=attachment.pk).delete()
    if not deleted:
        return None  # another run took it
    _audit(attachment, LogEntry.Action.DELETE, run, kind="file")
    from abonent.appeals.services import add_note

    add_note(appeal=attachment.appeal, author=None,
             text=f"Файл «{attachment.original_name}» уничтожен по истечении срока хранения (акт уничтожения "
                  f"№ {run.pk}).")
    if name and not Attachment.objects.filter(file=name).exists():
        transaction.on_commit(lambda: _delete_file(name))
    return {"name": attachment.original_name, "size": attachment.size, "sha256": attachment.sha256,
            "content_type": attachment.content_type, "appeal": attachment.appeal.number, "path": name}


def _calls(cutoff: datetime.datetime, holds: Holds) -> models.QuerySet:
    return (Call.objects.exclude(recording_ref="")
            .filter(Q(ended_at__lt=cutoff) | Q(ended_at__isnull=True, started_at__lt=cutoff))
            .exclude(appeal__status__in=Appeal.OPEN_STATUSES)
            .exclude(pk__in=holds.calls).exclude(appeal_id__in=holds.appeals)
            .exclude(customer_id__in=holds.customers)
            .order_by("pk"))


def _describe_call(call: Call) -> str:
    started = timezone.localtime(call.started_at).strftime("%d.%m.%Y %H:%M") if call.started_at else "—"
    return f"Запись разговора {call.call_id} от {started} ({call.customer_number_display})"


def _destroy_recording(call: Call, run: RetentionRun) -> dict | None:
    reference = call.recording_ref
    if not Call.objects.filter(pk=call.pk, recording_ref=reference).update(recording_ref=""):
        return None
    _audit(call, LogEntry.Action.UPDATE, run, kind="recording", changes={"recording_ref": ["…", ""]})
    stored = _is_stored_file(reference)
    if stored:
        transaction.on_commit(lambda: _delete_file(reference))
    # A recording kept by the PBX itself is removed there by the PBX's own retention setting (docs/privacy.md).
    return {"call_id": call.call_id, "reference_kind": "файл в хранилище" if stored else "ссылка на запись в АТС"}


def _mails(cutoff: datetime.datetime, holds: Holds) -> models.QuerySet:
    return (InboundEmail.objects.filter(status__in=DISPOSABLE_MAIL, fetched_at__lt=cutoff).exclude(raw=b"")
            .exclude(pk__in=holds.mails).exclude(appeal_id__in=holds.appeals)
            .exclude(appeal__customer_id__in=holds.customers)
            .defer("raw").order_by("pk"))


def _describe_mail(mail: InboundEmail) -> str:
    fetched = timezone.localtime(mail.fetched_at).strftime("%d.%m.%Y")
    return f"Исходное письмо UID {mail.uid} от {fetched} ({mail.get_status_display()}), {mail.size} байт"


def _destroy_mail(mail: InboundEmail, run: RetentionRun) -> dict | None:
    if not InboundEmail.objects.filter(pk=mail.pk).exclude(raw=b"").update(raw=b""):
        return None
    _audit(mail, LogEntry.Action.UPDATE, run, kind="raw message", changes={"raw": ["…", ""]})
    return {"uid": mail.uid, "folder": mail.folder, "status": mail.status, "size": mail.size}


def _task_results(cutoff: datetime.datetime, holds: Holds) -> models.QuerySet:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(status__in=["SUCCESSFUL", "FAILED"], finished_at__lt=cutoff)


def _access_logs(model_name: str) -> Callable[[datetime.datetime, Holds], models.QuerySet]:
    def found(cutoff: datetime.datetime, holds: Holds) -> models.QuerySet:
        from axes import models as axes_models

        model = getattr(axes_models, model_name)
        return model.objects.filter(attempt_time__lt=cutoff).exclude(username__in=holds.usernames)

    return found


HANDLERS: dict[str, Handler] = {
    Kind.CALL_RECORDINGS: Handler(Kind.CALL_RECORDINGS, _calls, _describe_call, _destroy_recording),
    Kind.APPEAL_ATTACHMENTS: Handler(
        Kind.APPEAL_ATTACHMENTS, lambda cutoff, holds: _attachments(cutoff, holds, at_reception=False),
        _describe_attachment, _destroy_attachment),
    Kind.RECEPTION_SCANS: Handler(
        Kind.RECEPTION_SCANS, lambda cutoff, holds: _attachments(cutoff, holds, at_reception=True),
        _describe_attachment, _destroy_attachment),
    Kind.MAIL_RAW: Handler(Kind.MAIL_RAW, _mails, _describe_mail, _destroy_mail),
    Kind.TASK_RESULTS: Handler(Kind.TASK_RESULTS, _task_results, bulk=[_task_results]),
    Kind.ACCESS_LOGS: Handler(Kind.ACCESS_LOGS, _access_logs("AccessLog"),
                              bulk=[_access_logs("AccessLog"), _access_logs("AccessFailureLog"),
                                    _access_logs("AccessAttempt")]),
}


# --- the dry run and the run -----------------------------------------------------------------------------


@dataclass
class PlanLine:
    kind: str
    label: str
    months: int
    cutoff: datetime.datetime
    count: int
    examples: list[str]
    is_active: bool = True


def plan(now: datetime.datetime | None = None, *, examples: int = EXAMPLES) -> list[PlanLine]:
    """What a run would destroy now, per kind: how many, and the first few described. Changes nothing."""
    now = now or timezone.now()
    ensure_policies()
    holds = Holds.now()
    lines = []
    for policy in RetentionPolicy.objects.all():
        handler = HANDLERS[policy.kind]
        cutoff = months_before(now, policy.months)
        if handler.bulk:
            count = sum(q(cutoff, holds).count() for q in handler.bulk)
            shown = []
        else:
            found = handler.candidates(cutoff, holds)
            count = found.count()
            shown = [handler.describe(obj) for obj in found[:examples]]
        lines.append(PlanLine(policy.kind, policy.get_kind_display(), policy.months, cutoff,
                              count if policy.is_active else 0, shown if policy.is_active else [],
                              is_active=policy.is_active))
    return lines


def run(*, trigger: str = RetentionRun.Trigger.SCHEDULE, now: datetime.datetime | None = None) -> RetentionRun | None:
    """Destroys what is past its period. Returns the act, or None when there was nothing to destroy (no empty
    acts are kept). A failure of one kind is recorded in the act and does not stop the others."""
    now = now or timezone.now()
    ensure_policies()
    act = RetentionRun.objects.create(trigger=trigger, started_at=now)
    holds = Holds.now()
    counts: dict[str, int] = {}
    errors: list[str] = []
    for policy in RetentionPolicy.objects.filter(is_active=True):
        handler = HANDLERS[policy.kind]
        try:
            counts[policy.kind] = _run_kind(handler, months_before(now, policy.months), holds, act)
        except Exception as error:  # noqa: BLE001 - one kind failing must not keep the others past their term
            log.exception("retention of %s failed", policy.kind)
            errors.append(f"{policy.get_kind_display()}: {type(error).__name__}: {error}")
    counts = {kind: n for kind, n in counts.items() if n}
    if not counts and not errors:
        act.delete()
        return None
    act.counts, act.errors, act.finished_at = counts, "\n".join(errors), timezone.now()
    act.save(update_fields=["counts", "errors", "finished_at"])
    LogEntry.objects.log_create(act, force_log=True, action=LogEntry.Action.DELETE,
                                additional_data={"retention": "act", "counts": counts, "errors": errors})
    return act


def _run_kind(handler: Handler, cutoff: datetime.datetime, holds: Holds, act: RetentionRun) -> int:
    if handler.bulk:
        total = 0
        for query in handler.bulk:
            with transaction.atomic():
                deleted, _ = query(cutoff, holds).delete()
            total += deleted
        return total
    destroyed = 0
    skipped: set[int] = set()  # taken by another run meanwhile: changed, so no longer a candidate anyway
    while True:
        batch = list(handler.candidates(cutoff, holds).exclude(pk__in=skipped)[:BATCH])
        if not batch:
            return destroyed
        for obj in batch:
            with transaction.atomic():
                detail = handler.destroy(obj, act)
                if detail is None:
                    skipped.add(obj.pk)
                    continue
                DestroyedItem.objects.create(run=act, kind=handler.kind, object_type=obj._meta.label,
                                             object_id=str(obj.pk), description=handler.describe(obj)[:500],
                                             detail=detail)
            destroyed += 1


# --- helpers ---------------------------------------------------------------------------------------------


def _audit(instance: models.Model, action: int, act: RetentionRun, *, kind: str, changes: dict | None = None):
    LogEntry.objects.log_create(instance, force_log=True, action=action, changes=changes,
                                additional_data={"retention": kind, "act": act.pk})


def _is_stored_file(reference: str) -> bool:
    if not reference or "://" in reference:
        return False
    try:
        return default_storage.exists(reference)
    except Exception:  # noqa: BLE001 - a malformed name is not a file of ours
        return False


def _delete_file(name: str) -> None:
    try:
        default_storage.delete(name)
    except Exception:  # noqa: BLE001 - the row is gone; an orphan file is found by the storage audit
        log.exception("retention: could not delete file %s", name)
