"""The only way to change the call log: PBX events in, the operator's records (identification, the recording
warning, ending an abusive call), appeals from calls, call-backs, PBX tokens.

A PBX event is stored first (once: a repeat is a no-op), then applied to its Call under a row lock. Phase
times take the earliest (queue, ringing, answer) or the latest (end) of what was reported, and the outcome
and durations are derived from the phases afresh after every event, so the record comes out the same
whatever order the events arrive in."""

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from abonent.api.auth import hash_key
from abonent.appeals.models import Appeal, Kind
from abonent.appeals.services import AppealDraft, Registration, register_appeal
from abonent.appeals.services.deadlines import term_text
from abonent.calendar.services import channel_state, is_open, next_open_moment
from abonent.channels.phone.events import PbxEventData
from abonent.channels.phone.models import (
    BlockedNumber,
    Call,
    CallBack,
    CallIdentification,
    Direction,
    PbxEvent,
    PbxToken,
    PhoneExtension,
)
from abonent.core.audit import record_access
from abonent.customers.models import BillingAccount, Contract, Customer, Representative
from abonent.organisation.models import Channel, Organisation, Topic, WorkingHours
from abonent.users.models import User

Outcome = Call.Outcome
ID = CallIdentification.Method
TOKEN_PREFIX = "pbx_"  # noqa: S105 - a visible prefix, not a secret


class PhoneError(Exception):
    """A refusal by a call-centre service; the message is Russian and shown to the operator as is."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- Tokens ---


def set_new_key(token: PbxToken) -> str:
    """Gives an unsaved token a fresh secret and returns it: the only moment it is known in clear (the hash
    is the REST API's, abonent.api.auth.hash_key)."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token.key_hash, token.prefix = hash_key(raw), raw[:8]
    return raw


def issue_pbx_token(name: str) -> str:
    """Issues a webhook token and returns it in clear."""
    token = PbxToken(name=name)
    raw = set_new_key(token)
    token.save()
    return raw


def check_pbx_token(raw: str) -> PbxToken | None:
    """The active token with this value, or None; marks it used at most once a minute."""
    if not raw:
        return None
    token = PbxToken.objects.filter(key_hash=hash_key(raw), revoked_at__isnull=True).first()
    if token is not None:
        now = timezone.now()
        PbxToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - dt.timedelta(minutes=1))
        ).update(last_used_at=now)
    return token


def revoke_pbx_token(token: PbxToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


# --- PBX events ---


@dataclass(frozen=True)
class Ingest:
    call: Call
    duplicate: bool

    @property
    def reject(self) -> bool:
        return self.call.is_rejected


def ingest_event(data: PbxEventData, *, received_at: dt.datetime | None = None) -> Ingest:
    """Stores the event and applies it to its call (created on the first event of any kind). A repeated
    event changes nothing. Side effects: the call-back task of a missed or abandoned inbound call is
    created, or cancelled when a late event shows the call was answered after all."""
    received_at = received_at or timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                PbxEvent.objects.create(call_id=data.call_id, event=data.event, dedup_key=data.dedup_key,
                                        payload=data.raw, event_time=data.time or received_at,
                                        received_at=received_at)
        except IntegrityError:
            call, _ = Call.objects.get_or_create(call_id=data.call_id)
            return Ingest(call, duplicate=True)
        Call.objects.get_or_create(call_id=data.call_id)
        call = Call.objects.select_for_update().get(call_id=data.call_id)
        _apply(call, data, data.time or received_at)
        derive(call)
        call.save()
        _sync_callback(call)
    return Ingest(call, duplicate=False)


def _earliest(current: dt.datetime | None, moment: dt.datetime) -> dt.datetime:
    return moment if current is None or moment < current else current


def _apply(call: Call, data: PbxEventData, moment: dt.datetime) -> None:
    first_moment = call.started_at
    call.started_at = _earliest(call.started_at, moment)
    if data.direction:
        call.direction = data.direction
    if data.from_number and not call.from_number:
        call.from_number = data.from_number
    if data.to_number and not call.to_number:
        call.to_number = data.to_number
    if data.recording:
        call.recording_ref = data.recording
    if data.recording_warning:
        call.recording_warning_given = True
    handler = _HANDLERS.get(data.event)
    if handler:
        handler(call, data, moment)
    if call.customer_id is None and call.customer_number:
        call.customer = customer_for_number(call.customer_number)
    if call.started_at != first_moment and call.direction == Direction.INBOUND:
        call.is_outside_hours = not is_open(Channel.PHONE, call.started_at)


def _on_new_call(call: Call, data: PbxEventData, moment: dt.datetime) -> None:
    if data.direction == Direction.INBOUND and is_blocked(data.from_number):
        call.is_rejected = True
    if data.direction == Direction.OUTBOUND and data.users:
        _set_operator(call, data)


def _on_queue(call: Call, data: PbxEventData, moment: dt.datetime) -> None:
    call.queued_at = _earliest(call.queued_at, moment)


def _on_ringing(call: Call, data: PbxEventData, moment: dt.datetime) -> None:
    call.ringing_at = _earliest(call.ringing_at, moment)
    if call.answered_at is None:
        _set_operator(call, data)


def _on_answer(call: Call, data: PbxEventData, moment: dt.datetime) -> None:
    # The first answer decides the operator: a later answer after a transfer is another operator's leg.
    if call.answered_at is None or moment < call.answered_at:
        call.answered_at = moment
        _set_operator(call, data)


def _on_transfer(call: Call, data: PbxEventData, moment: dt.datetime) -> None:
    call.transferred_to = data.target


def _on_ivr(call: Call, data: PbxEventData, moment: dt.datetime) -> None:
    call.ivr_digits = data.digits
    customer = customer_for_digits(data.digits)
    if customer is not None:
        call.customer = customer


def _on_hangup(call: Call, data: PbxEventData, moment: dt.datetime) -> None:
    if call.ended_at is None or moment > call.ended_at:
        call.ended_at = moment
        call.hangup_cause = data.cause or call.hangup_cause
    elif not call.hangup_cause:
        call.hangup_cause = data.cause


_HANDLERS = {"newCall": _on_new_call, "queue": _on_queue, "ringing": _on_ringing, "answer": _on_answer,
             "transfer": _on_transfer, "ivr": _on_ivr, "hangup": _on_hangup}


def _set_operator(call: Call, data: PbxEventData) -> None:
    names = [n for n in (data.answering_number, *data.users) if n]
    if not names:
        return
    extension = PhoneExtension.objects.select_related("user").filter(extension__in=names).first()
    if extension is not None:
        call.operator, call.operator_extension = extension.user, extension.extension
        return
    user = User.objects.filter(username__in=names, kind=User.Kind.STAFF).first()
    call.operator = user
    call.operator_extension = names[0][:32]


def derive(call: Call) -> None:
    """The outcome and the durations from the phases (pure: no queries). Waiting counts from the queue
    or the first ring (the IVR menu before them is not waiting), else from the first event."""
    call.outcome = _outcome(call)
    if call.direction == Direction.OUTBOUND:
        call.is_outside_hours = False
    wait_from = min((m for m in (call.queued_at, call.ringing_at) if m), default=call.started_at)
    wait_to = call.answered_at or call.ended_at
    call.wait_seconds = (
        _seconds(wait_to - wait_from)
        if wait_from and wait_to and call.direction == Direction.INBOUND and not call.is_rejected else None
    )
    call.talk_seconds = _seconds(call.ended_at - call.answered_at) if call.answered_at and call.ended_at else None


def _seconds(delta: dt.timedelta) -> int:
    return max(0, round(delta.total_seconds()))


def _outcome(call: Call) -> str:
    if call.is_rejected:
        return Outcome.REJECTED
    if call.ended_for_abuse:
        return Outcome.ABUSE
    if call.ended_at is None:
        return Outcome.IN_PROGRESS
    if call.transferred_to or call.hangup_cause == "forwarded":
        return Outcome.TRANSFERRED
    if call.answered_at is not None:
        return Outcome.ANSWERED
    if call.is_outside_hours:
        return Outcome.OUTSIDE_HOURS
    # An operator's phone rang and nobody answered: missed. The caller gave up before any ring: abandoned.
    return Outcome.MISSED if call.ringing_at is not None or call.direction == Direction.OUTBOUND else Outcome.ABANDONED


CALLBACK_OUTCOMES = (Outcome.MISSED, Outcome.ABANDONED)


def _sync_callback(call: Call) -> None:
    needed = call.direction == Direction.INBOUND and call.outcome in CALLBACK_OUTCOMES and bool(call.from_number)
    callback = CallBack.objects.filter(call=call).first()
    if needed and callback is None:
        CallBack.objects.create(
            call=call, number=call.from_number, customer=call.customer, assigned_to=call.operator,
            due_at=next_open_moment(Channel.PHONE, call.ended_at) or call.ended_at)
    elif needed and callback.status == CallBack.Status.CANCELLED:
        callback.status, callback.result = CallBack.Status.OPEN, ""
        callback.save(update_fields=["status", "result"])
    elif not needed and callback is not None and callback.status == CallBack.Status.OPEN:
        callback.status = CallBack.Status.CANCELLED
        callback.result = "Не нужен: по данным АТС звонок состоялся."
        callback.save(update_fields=["status", "result"])


def is_blocked(number: str) -> bool:
    return bool(number) and BlockedNumber.objects.filter(number=number, is_active=True).exists()


def customers_for_number(number: str) -> list[Customer]:
    """Customers whose own phone or a contact person's phone is this number (normalised, +7…)."""
    if not number:
        return []
    return list(Customer.objects.filter(Q(phone=number) | Q(contacts__phone=number)).distinct()[:5])


def customer_for_number(number: str) -> Customer | None:
    matches = customers_for_number(number)
    return matches[0] if len(matches) == 1 else None


def customer_for_digits(digits: str) -> Customer | None:
    """The customer of a billing account or contract number keyed in the IVR."""
    account = BillingAccount.objects.select_related("contract__customer").filter(number=digits).first()
    if account is not None:
        return account.contract.customer
    contract = Contract.objects.select_related("customer").filter(number=digits).first()
    return contract.customer if contract else None


# --- Working hours ---

_WEEKDAYS_SHORT = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")


def hours_text() -> str:
    """«пн–чт с 08:00 до 17:00, пт с 08:00 до 16:00» from the phone line's WorkingHours."""
    rows = list(WorkingHours.objects.filter(channel=Channel.PHONE, organisation=Organisation.current())
                .order_by("weekday"))
    groups: list[list] = []
    for row in rows:
        last = groups[-1] if groups else None
        if last and last[-1].weekday == row.weekday - 1 and (last[-1].opens_at, last[-1].closes_at) == (
                row.opens_at, row.closes_at):
            last.append(row)
        else:
            groups.append([row])
    parts = []
    for group in groups:
        days = _WEEKDAYS_SHORT[group[0].weekday]
        if len(group) > 1:
            days += f"–{_WEEKDAYS_SHORT[group[-1].weekday]}"
        parts.append(f"{days} с {group[0].opens_at:%H:%M} до {group[0].closes_at:%H:%M}")
    return ", ".join(parts)


def line_status(moment: dt.datetime) -> dict:
    """The PBX's «are we open?»: whether the line takes calls now and what to tell the caller (standard
    2.2.2.2 warning about recording when open; the hours and the other channels when closed)."""
    organisation = Organisation.current()
    name = organisation.short_name if organisation else "сетевая организация"
    if is_open(Channel.PHONE, moment):
        return {"open": True, "message": f"Здравствуйте! Вы позвонили в {name}. Разговор записывается."}
    state = channel_state(Channel.PHONE, moment)
    site = f" или на сайте {organisation.site}" if organisation and organisation.site else ""
    return {"open": False, "message": (
        f"Здравствуйте! Вы позвонили в {name}. Сейчас {state}. Звонки принимаются {hours_text()}, "
        f"кроме выходных и праздничных дней. Обращение можно направить письменно{site}.")}


# --- The operator's records ---


def _locked(call: Call) -> Call:
    return Call.objects.select_for_update().get(pk=call.pk)


@transaction.atomic
def identify_caller(*, call: Call, identified_by: User, method: str, caller_name: str = "", number: str = "",
                    customer: Customer | None = None, representative: Representative | None = None,
                    ) -> CallIdentification:
    """Standard 2.2.2.7: the caller names themselves and a billing account or contract number of the
    customer, or is a representative with a power of attorney valid today. A success reveals the customer's
    settlements on the operator's screen and is written to the audit log; a refusal to identify is recorded
    too (the operator may then decline to give confidential information)."""
    call = _locked(call)
    if method == ID.REFUSED:
        return CallIdentification.objects.create(call=call, customer=customer or call.customer, method=method,
                                                 caller_name=caller_name.strip(), identified_by=identified_by)
    if method not in ID.values:
        raise PhoneError("Выберите способ идентификации.", field="method")
    caller_name = caller_name.strip()
    if not caller_name:
        raise PhoneError("Запишите, как представился звонящий: без этого сведения о расчётах не сообщаются.",
                         field="caller_name")
    number = number.strip()
    if method == ID.POWER_OF_ATTORNEY:
        found = _check_representative(representative, customer or call.customer)
    else:
        found = _customer_by_number(method, number)
        if customer is not None and found != customer:
            what = "Лицевой счёт" if method == ID.ACCOUNT_NUMBER else "Договор"
            raise PhoneError(f"{what} № {number} не принадлежит клиенту «{customer}». Сведения о расчётах "
                             "сообщать нельзя.", field="number")
    identification = CallIdentification.objects.create(
        call=call, customer=found, method=method, caller_name=caller_name, number_given=number,
        representative=representative if method == ID.POWER_OF_ATTORNEY else None, identified_by=identified_by)
    if call.customer_id != found.pk:
        call.customer = found
        call.save(update_fields=["customer", "updated_at"])
    record_access(found, f"расчёты клиента по телефону (звонок {call.call_id}, "
                         f"идентификация: {identification.get_method_display()})")
    return identification


def _customer_by_number(method: str, number: str) -> Customer:
    if not number:
        raise PhoneError("Запишите номер, который назвал звонящий.", field="number")
    if method == ID.ACCOUNT_NUMBER:
        account = BillingAccount.objects.select_related("contract__customer").filter(number=number).first()
        if account is None:
            raise PhoneError(f"Лицевой счёт № {number} не найден.", field="number")
        return account.contract.customer
    contract = Contract.objects.select_related("customer").filter(number__iexact=number).first()
    if contract is None:
        raise PhoneError(f"Договор № {number} не найден.", field="number")
    return contract.customer


def _check_representative(representative: Representative | None, customer: Customer | None) -> Customer:
    if representative is None:
        raise PhoneError("Выберите представителя, назвавшего доверенность.", field="representative")
    if customer is not None and representative.customer_id != customer.pk:
        raise PhoneError("Этот представитель не представляет данного клиента.", field="representative")
    today = timezone.localdate()
    if not representative.is_valid_on(today):
        state = ("отозвана" if representative.is_revoked else
                 f"действует с {representative.poa_issued_on:%d.%m.%Y} по {representative.poa_valid_until:%d.%m.%Y}")
        raise PhoneError(f"Доверенность № {representative.poa_number} недействительна на сегодня ({state}).",
                         field="representative")
    return representative.customer


def is_identified(call: Call, customer: Customer) -> bool:
    """Whether the caller of this call was identified for this customer (the settlements may be shown)."""
    return call.identifications.filter(customer=customer).exclude(method=ID.REFUSED).exists()


@transaction.atomic
def mark_recording_warning(*, call: Call, marked_by: User) -> Call:
    """The operator said the conversation is recorded (standard 2.2.2.2), where the PBX did not play it."""
    call = _locked(call)
    call.recording_warning_given = True
    call.save(update_fields=["recording_warning_given", "updated_at"])
    return call


@transaction.atomic
def end_call_for_abuse(*, call: Call, ended_by: User, note: str) -> Call:
    """Standard 2.2.2.8: the operator ended the call because of obscene language, insults or threats. Only
    an answered call, by its own operator; the note records what was said."""
    call = _locked(call)
    if call.answered_at is None:
        raise PhoneError("Звонок не был принят: прерывать нечего.")
    if call.operator_id not in (None, ended_by.pk):
        raise PhoneError("Прервать разговор может только оператор, который его ведёт.")
    if not note.strip():
        raise PhoneError("Кратко запишите, что было сказано (брань, оскорбления, угрозы).", field="note")
    call.ended_for_abuse, call.abuse_note = True, note.strip()[:500]
    if call.ended_at is None:
        call.ended_at = timezone.now()
    derive(call)
    call.save()
    _sync_callback(call)
    return call


# --- Appeals from calls ---


def register_call_appeal(*, call: Call, registered_by: User, kind: str, text: str, reply_channel: str,
                         sequence: int, topic: Topic | None = None, sender_name: str = "", email: str = "",
                         address: str = "") -> Registration:
    """Registers an appeal the customer makes on the line and links it to the call. `sequence` is the
    number of the appeal within the call, fixed when the form was shown: a repeated click returns the same
    appeal (source key phone:<callId>:<n>)."""
    if reply_channel == Channel.EMAIL and not email.strip():
        raise PhoneError("Для ответа по электронной почте нужен адрес e-mail.", field="email")
    if reply_channel == Channel.POST and not address.strip():
        raise PhoneError("Для ответа письмом нужен почтовый адрес.", field="address")
    if reply_channel not in (Channel.EMAIL, Channel.POST):
        raise PhoneError("Ответ по звонку направляется письменно: по e-mail или почтой.", field="reply_channel")
    customer = call.customer
    number = call.customer_number
    draft = AppealDraft(
        text=text, channel=Channel.PHONE, kind=kind, reply_channel=reply_channel, topic=topic, customer=customer,
        sender_name=sender_name, sender_organisation=customer.name if customer else "",
        sender_inn=customer.inn if customer else "", sender_email=email, sender_address=address,
        sender_phone=number if number.startswith("+7") else "",
        received_at=call.answered_at or call.started_at,
    )
    registration = register_appeal(draft=draft, registered_by=registered_by,
                                   source_key=f"phone:{call.call_id}:{sequence}")
    Call.objects.filter(pk=call.pk).update(appeal=registration.appeal, updated_at=timezone.now())
    return registration


def appeals_of_call(call: Call) -> list[Appeal]:
    return list(Appeal.objects.filter(source_key__startswith=f"phone:{call.call_id}:").order_by("pk"))


def complaint_script(appeal: Appeal) -> str:
    """What the operator tells a customer whose complaint was just registered (standard 2.2.3): that it is
    recorded, its number, the standard term, and that the result comes in writing to their address."""
    where = (f"по электронной почте на адрес {appeal.sender_email}" if appeal.reply_channel == Channel.EMAIL
             else f"письмом по адресу: {appeal.sender_address}")
    due = timezone.localtime(appeal.due_at)
    return (f"Ваша жалоба зарегистрирована под номером {appeal.number}. Срок её рассмотрения — "
            f"{term_text(kind=appeal.kind, urgency=appeal.urgency)}, не позднее {due:%d.%m.%Y}. "
            f"О результатах рассмотрения мы сообщим вам письменно {where}.")


def is_complaint(appeal: Appeal) -> bool:
    return appeal.kind in (Kind.COMPLAINT, Kind.CLAIM)


# --- Call-backs ---


@transaction.atomic
def complete_callback(*, callback: CallBack, done_by: User, result: str) -> CallBack:
    """Records the outcome of calling the customer back; a finished task cannot be finished again."""
    callback = CallBack.objects.select_for_update().get(pk=callback.pk)
    if callback.status != CallBack.Status.OPEN:
        raise PhoneError("Эта задача уже закрыта.")
    if not result.strip():
        raise PhoneError("Запишите результат: дозвонились, о чём договорились или почему не удалось.",
                         field="result")
    callback.status, callback.result = CallBack.Status.DONE, result.strip()[:500]
    callback.done_at, callback.done_by = timezone.now(), done_by
    callback.save(update_fields=["status", "result", "done_at", "done_by"])
    return callback
