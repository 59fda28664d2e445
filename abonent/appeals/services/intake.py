"""Registration: every appeal from every channel comes in here, gets its number and date, its department
and its deadline, in one transaction. A source key makes a retried intake return the same appeal."""

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from abonent.appeals import search
from abonent.appeals.errors import AppealError
from abonent.appeals.files import IncomingFile, check_file
from abonent.appeals.models import Appeal, AppealEvent, Attachment, Kind, RoutingRule, UrgencyCategory
from abonent.appeals.services import deadlines, numbering, policies, routing
from abonent.appeals.services.attachments import store_file
from abonent.appeals.services.events import record_events
from abonent.core import durability, ids
from abonent.customers.models import BillingAccount, Customer
from abonent.organisation.models import Channel, Department, Topic


def default_reply_channel(draft: "AppealDraft") -> str:
    """The channel the appeal came by (standard, section 4), except where that channel cannot carry a
    written reply: from the site and by phone the answer goes by e-mail, or on paper without one."""
    if draft.channel in (Channel.WEB, Channel.PHONE):
        return Channel.EMAIL if draft.sender_email else Channel.POST
    return draft.channel


@dataclass
class AppealDraft:
    """What an intake channel knows about a new appeal."""

    text: str
    channel: str
    kind: str = Kind.QUESTION
    reply_channel: str = ""
    subject: str = ""
    topic: Topic | None = None
    customer: Customer | None = None
    billing_account: BillingAccount | None = None
    sender_name: str = ""
    sender_organisation: str = ""
    sender_inn: str = ""
    sender_email: str = ""
    sender_phone: str = ""
    sender_address: str = ""
    received_at: datetime.datetime | None = None
    postmark_date: datetime.date | None = None
    urgency: UrgencyCategory | None = None
    is_conflict: bool = False
    files: list[IncomingFile] = field(default_factory=list)
    file_role: str = Attachment.Role.ATTACHMENT


@dataclass(frozen=True)
class Registration:
    appeal: Appeal
    created: bool


def _validate(draft: AppealDraft) -> None:
    if draft.channel not in Channel.values:
        raise AppealError(f"Неизвестный канал поступления «{draft.channel}».", field="channel")
    if draft.reply_channel and draft.reply_channel not in Channel.values:
        raise AppealError(f"Неизвестный способ ответа «{draft.reply_channel}».", field="reply_channel")
    if draft.kind not in Kind.values:
        raise AppealError(f"Неизвестный вид обращения «{draft.kind}».", field="kind")
    if not draft.text.strip() and not draft.files:
        raise AppealError("Текст обращения пуст и нет приложенных файлов.", field="text")
    if draft.billing_account and draft.customer and draft.billing_account.contract.customer_id != draft.customer.pk:
        raise AppealError("Лицевой счёт принадлежит другому клиенту.", field="billing_account")
    if draft.received_at and draft.received_at > timezone.now() + datetime.timedelta(minutes=5):
        raise AppealError("Дата поступления не может быть в будущем.", field="received_at")
    if draft.postmark_date and draft.postmark_date > timezone.localdate():
        raise AppealError("Дата почтового штемпеля не может быть в будущем.", field="postmark_date")


def _identify_customer(draft: AppealDraft) -> None:
    """An appeal from an unidentified sender is still registered; one whose INN names exactly one
    customer is tied to it."""
    if draft.billing_account and not draft.customer:
        draft.customer = draft.billing_account.contract.customer
    if not draft.customer and draft.sender_inn:
        matches = Customer.objects.with_inn(draft.sender_inn)
        if len(matches) == 1:
            draft.customer = matches[0]


def register_appeal(*, draft: AppealDraft, registered_by=None, source_key: str | None = None) -> Registration:
    """Registers an appeal: number and date, department by routing, deadline by policy and calendar,
    attachments, and the REGISTERED and ROUTED events (the acknowledgement follows from them).
    With a source key already seen, returns the appeal registered then and changes nothing."""
    if source_key and (existing := Appeal.objects.filter(source_key=source_key).first()):
        return Registration(existing, created=False)
    _validate(draft)
    checked = [check_file(f) for f in draft.files]
    _identify_customer(draft)
    decision = _decide(draft)
    try:
        with transaction.atomic():
            # The counter's lock is released at the commit, not after the disk's confirmation, which the caller
            # still waits for (abonent.core.durability).
            durability.release_before_flush()
            appeal = _create(draft, decision, registered_by=registered_by, source_key=source_key)
            for file in checked:  # their path is made of the number
                store_file(appeal, file, role=draft.file_role, uploaded_by=registered_by)
    except IntegrityError:
        # Two deliveries of the same message raced; the other one registered it.
        if source_key and (existing := Appeal.objects.filter(source_key=source_key).first()):
            return Registration(existing, created=False)
        raise
    return Registration(appeal, created=True)


@dataclass(frozen=True)
class _Decision:
    """What registration decides from the draft and the policies before it takes a number."""

    registered_at: datetime.datetime
    department: Department
    rule: RoutingRule | None
    due_at: datetime.datetime
    term: str


def _decide(draft: AppealDraft) -> _Decision:
    now = timezone.now()
    current = policies.current()
    department, rule = routing.choose_department(
        kind=draft.kind, topic=draft.topic, channel=draft.channel, customer=draft.customer,
        text=f"{draft.subject} {draft.text}", policies=current)
    term = {"kind": draft.kind, "urgency": draft.urgency, "policies": current}
    return _Decision(registered_at=now, department=department, rule=rule,
                     due_at=deadlines.due_at(registered_at=now, **term), term=deadlines.term_text(**term))


def _create(draft: AppealDraft, decision: _Decision, *, registered_by, source_key: str | None) -> Appeal:
    now = decision.registered_at
    appeal = Appeal(
        id=ids.next_id(Appeal), year=timezone.localtime(now).year, kind=draft.kind,
        topic=draft.topic, channel=draft.channel, reply_channel=draft.reply_channel or default_reply_channel(draft),
        customer=draft.customer, billing_account=draft.billing_account,
        sender_name=draft.sender_name.strip(), sender_organisation=draft.sender_organisation.strip(),
        sender_inn=draft.sender_inn.strip(), sender_email=draft.sender_email.strip(),
        sender_phone=draft.sender_phone.strip(), sender_address=draft.sender_address.strip(),
        subject=draft.subject.strip()[:300], text=draft.text, received_at=draft.received_at or now,
        registered_at=now, registered_by=registered_by, postmark_date=draft.postmark_date,
        department=decision.department, urgency=draft.urgency, is_conflict=draft.is_conflict,
        due_at=decision.due_at, source_key=source_key or None,
    )
    # The events (and the outbox relay's run, when one is due) before the appeal's row, which comes last with its
    # number: from the number to the commit every other registration waits for the counter's row (take_number).
    steps = [(AppealEvent.Kind.REGISTERED, {"channel": draft.channel, "term": decision.term}),
             (AppealEvent.Kind.ROUTED, {"department": decision.department.name,
                                        "rule": decision.rule.name if decision.rule else ""})]
    if draft.is_conflict:
        steps.append((AppealEvent.Kind.CONFLICT, {}))
    record_events(appeal, *steps, actor=registered_by)
    numbering.insert_with_number(appeal)
    search.index_appeal(appeal.pk)
    return appeal
