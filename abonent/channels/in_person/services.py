"""The reception desk's services (standard 2.1): the only way to change a visit or the document register.
Each is one transaction; a refusal is a VisitError with a Russian message shown to the specialist as is."""

import datetime
import logging
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from abonent.appeals import services as appeal_services
from abonent.appeals.errors import AppealError
from abonent.appeals.models import Appeal
from abonent.channels.in_person.models import Visit, VisitDocument, VisitPurpose
from abonent.customers.models import Contract, Customer, Representative
from abonent.organisation.models import Channel, Department, Topic

log = logging.getLogger(__name__)

ID = Visit.Identification
P = VisitPurpose.Purpose

# The visitor chooses how the written reply reaches them (standard 2.1.4.3, section 4).
DESK_REPLY_CHANNELS = (Channel.IN_PERSON, Channel.POST, Channel.EMAIL)


class VisitError(Exception):
    """A refusal by a reception desk service; the message is Russian and shown to the user as is."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def _locked(visit: Visit) -> Visit:
    """The visit re-read under a row lock: two specialists at one card see each other's change."""
    return Visit.objects.select_for_update().get(pk=visit.pk)


def _require_open(visit: Visit) -> None:
    if not visit.is_open:
        raise VisitError(f"Приём завершён {timezone.localtime(visit.ended_at):%d.%m.%Y в %H:%M}: "
                         "изменить его нельзя.")


def _add_purposes(visit: Visit, *purposes: str) -> None:
    for purpose in purposes:
        VisitPurpose.objects.get_or_create(visit=visit, purpose=purpose)


@transaction.atomic
def start_visit(*, visitor_name: str, specialist) -> Visit:
    """Opens a visit in the log when the visitor sits down (standard 2.1.4.2: greet, ask them to introduce
    themselves). The visitor is not identified yet."""
    name = " ".join(visitor_name.split())
    if not name:
        raise VisitError("Укажите, как представился посетитель (ФИО).", field="visitor_name")
    return Visit.objects.create(visitor_name=name[:300], specialist=specialist)


@transaction.atomic
def identify_visitor(*, visit: Visit, method: str, identified_by, contract_number: str = "",
                     representative: Representative | None = None, customer: Customer | None = None,
                     identity_document: str = "") -> Visit:
    """Standard 2.1.4.2: the visitor names the supply contract number or shows a document, and a
    representative shows a power of attorney. An expired, revoked or not yet valid power of attorney never
    counts: the refusal names its dates. A repeated identification replaces the earlier one."""
    visit = _locked(visit)
    _require_open(visit)
    today = timezone.localdate()
    fields: dict[str, object] = {"identification": method, "contract_number": "", "identity_document": "",
                                 "representative": None, "poa_valid": False}
    if method == ID.CONTRACT_NUMBER:
        number = contract_number.strip()
        if not number:
            raise VisitError("Укажите номер договора, который назвал посетитель.", field="contract_number")
        contracts = Contract.objects.select_related("customer")
        contract = contracts.filter(number=number).first() or contracts.filter(number__iexact=number).first()
        if contract is None:
            raise VisitError(f"Договор № {number} не найден. Проверьте номер или найдите клиента по "
                             "наименованию или ИНН.", field="contract_number")
        fields.update(customer=contract.customer, contract_number=contract.number)
    elif method == ID.POWER_OF_ATTORNEY:
        if representative is None:
            raise VisitError("Выберите представителя, предъявившего доверенность.", field="representative")
        _check_power_of_attorney(representative, today)
        fields.update(customer=representative.customer, representative=representative, poa_valid=True,
                      identity_document=identity_document.strip() or representative.identity_document)
    elif method == ID.IDENTITY_DOCUMENT:
        document = identity_document.strip()
        if not document:
            raise VisitError("Укажите предъявленный документ (вид, серия и номер).", field="identity_document")
        fields.update(customer=customer, identity_document=document)
    else:
        raise VisitError("Выберите способ идентификации: номер договора, документ или доверенность.",
                         field="method")
    for name, value in fields.items():
        setattr(visit, name, value)
    visit.save()
    return visit


def _check_power_of_attorney(representative: Representative, today: datetime.date) -> None:
    if representative.is_valid_on(today):
        return
    poa = f"Доверенность № {representative.poa_number} ({representative.full_name})"
    if representative.is_revoked:
        raise VisitError(f"{poa} отозвана: представлять клиента по ней нельзя.", field="representative")
    if today < representative.poa_issued_on:
        raise VisitError(f"{poa} действует только с {representative.poa_issued_on:%d.%m.%Y}.",
                         field="representative")
    raise VisitError(f"{poa} истекла {representative.poa_valid_until:%d.%m.%Y}: представлять клиента "
                     "по ней нельзя. Попросите новую доверенность.", field="representative")


@transaction.atomic
def set_purposes(*, visit: Visit, purposes: list[str], changed_by, topic: Topic | None = None) -> Visit:
    """Records what the visitor came for and the topic, for the log and the reports. Purposes implied by
    what was done (documents, an appeal) are kept even if unticked."""
    visit = _locked(visit)
    _require_open(visit)
    unknown = set(purposes) - set(P.values)
    if unknown:
        raise VisitError(f"Неизвестная цель посещения «{sorted(unknown)[0]}».", field="purposes")
    implied = set()
    if visit.documents.filter(direction=VisitDocument.Direction.RECEIVED).exists():
        implied.add(P.DOCUMENTS_RECEIVED)
    if visit.documents.filter(direction=VisitDocument.Direction.ISSUED).exists():
        implied.add(P.DOCUMENTS_ISSUED)
    if visit.appeal_id:
        implied.add(P.APPEAL)
    wanted = set(purposes) | implied
    visit.purposes.exclude(purpose__in=wanted).delete()
    _add_purposes(visit, *sorted(wanted))
    if topic != visit.topic:
        visit.topic = topic
        visit.save(update_fields=["topic", "updated_at"])
    return visit


@dataclass
class DocumentEntry:
    """One line for the register of documents: what changed hands at the desk."""

    direction: str
    doc_type: str
    title: str = ""
    number: str = ""
    date: datetime.date | None = None
    copies: int = 1
    is_original: bool = True
    receiver_name: str = ""


@transaction.atomic
def record_document(*, visit: Visit, entry: DocumentEntry, recorded_by) -> VisitDocument:
    """Enters a document received from or issued to the visitor in the register (standard 2.1.1). The
    customer's contract, certificates, statements and payment documents are issued only to an identified
    visitor; the receiver of an issued document signs for it and their name is recorded."""
    visit = _locked(visit)
    _require_open(visit)
    if entry.direction not in VisitDocument.Direction.values:
        raise VisitError("Укажите, принят документ или выдан.", field="direction")
    if entry.doc_type not in VisitDocument.Type.values:
        raise VisitError("Укажите вид документа.", field="doc_type")
    doc_type = VisitDocument.Type(entry.doc_type)
    issued = entry.direction == VisitDocument.Direction.ISSUED
    if issued and doc_type in VisitDocument.CONFIDENTIAL_TYPES and not visit.is_identified:
        raise VisitError(f"Документ «{doc_type.label}» содержит сведения клиента и выдаётся только после "
                         "идентификации посетителя: номер договора, документ или действующая доверенность.",
                         field="doc_type")
    if entry.copies < 1:
        raise VisitError("Количество экземпляров — не меньше одного.", field="copies")
    if entry.date and entry.date > timezone.localdate():
        raise VisitError("Дата документа не может быть в будущем.", field="date")
    receiver = " ".join(entry.receiver_name.split())
    if issued and not receiver:
        raise VisitError("Укажите, кто получил документ и расписался в получении.", field="receiver_name")
    document = VisitDocument.objects.create(
        visit=visit, direction=entry.direction, doc_type=doc_type, title=entry.title.strip() or doc_type.label,
        number=entry.number.strip(), date=entry.date, copies=entry.copies, is_original=entry.is_original,
        receiver_name=receiver if issued else "", recorded_by=recorded_by,
    )
    _add_purposes(visit, P.DOCUMENTS_ISSUED if issued else P.DOCUMENTS_RECEIVED)
    return document


@dataclass
class DeskAppeal:
    """An appeal (a question, claim or complaint) the visitor makes at the desk."""

    kind: str
    text: str
    reply_channel: str = Channel.IN_PERSON
    topic: Topic | None = None
    subject: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""


@transaction.atomic
def register_appeal_at_desk(*, visit: Visit, appeal: DeskAppeal, registered_by) -> Appeal:
    """Standard 2.1.4.3: a written appeal made at the desk is registered at once, whoever the visitor is
    (a complaint always is), with the reply channel the visitor chose; the specialist then tells the term
    and may print the copy with the registration stamp. One appeal per visit: a retried submit returns
    nothing new."""
    visit = _locked(visit)
    _require_open(visit)
    if visit.appeal is not None:
        raise VisitError(f"На этом приёме уже зарегистрировано обращение № {visit.appeal.number}.")
    if appeal.reply_channel not in DESK_REPLY_CHANNELS:
        raise VisitError("Ответ на обращение с приёма направляется лично, по почте или по электронной почте.",
                         field="reply_channel")
    customer = visit.customer
    email = appeal.email.strip() or (customer.email if customer else "")
    address = appeal.address.strip() or (customer.postal_address if customer else "")
    if appeal.reply_channel == Channel.EMAIL and not email:
        raise VisitError("Для ответа по электронной почте укажите адрес e-mail.", field="email")
    if appeal.reply_channel == Channel.POST and not address:
        raise VisitError("Для ответа по почте укажите почтовый адрес.", field="address")
    draft = appeal_services.AppealDraft(
        text=appeal.text.strip(), channel=Channel.IN_PERSON, kind=appeal.kind, reply_channel=appeal.reply_channel,
        subject=appeal.subject, topic=appeal.topic or visit.topic, customer=customer, sender_name=visit.visitor_name,
        sender_organisation=customer.name if customer else "", sender_inn=customer.inn if customer else "",
        sender_email=email, sender_phone=appeal.phone.strip(), sender_address=address,
        received_at=timezone.now(), is_conflict=visit.is_conflict,
    )
    try:
        registration = appeal_services.register_appeal(draft=draft, registered_by=registered_by,
                                                       source_key=f"in_person:visit:{visit.pk}")
    except AppealError as error:
        raise VisitError(error.message, field=error.field) from error
    visit.appeal = registration.appeal
    visit.save(update_fields=["appeal", "updated_at"])
    _add_purposes(visit, P.APPEAL)
    if visit.apology_given:
        appeal_services.record_apology(appeal=registration.appeal, recorded_by=registered_by,
                                       text=visit.apology_given)
    return registration.appeal


@transaction.atomic
def record_apology(*, visit: Visit, text: str, recorded_by) -> Visit:
    """Standard 2.1.4.6: when the company or its contractor was at fault, the specialist apologises; what
    for is on record with the visit and, if one was registered, on the appeal's timeline."""
    visit = _locked(visit)
    text = text.strip()
    if not text:
        raise VisitError("Укажите, за что принесены извинения.", field="text")
    visit.apology_given = f"{visit.apology_given}\n{text}".strip()
    visit.save(update_fields=["apology_given", "updated_at"])
    if visit.appeal is not None:
        appeal_services.record_apology(appeal=visit.appeal, recorded_by=recorded_by, text=text)
    return visit


@transaction.atomic
def end_visit(*, visit: Visit, outcome: str, ended_by) -> Visit:
    """Closes the visit with what was explained or done (standard 2.1.4.2). An appeal the visitor came with
    must be registered before the visit ends."""
    visit = _locked(visit)
    _require_open(visit)
    outcome = outcome.strip()
    if not outcome:
        raise VisitError("Опишите итог приёма: что разъяснено или сделано.", field="outcome")
    if not visit.appeal_id and visit.purposes.filter(purpose=P.APPEAL).exists():
        raise VisitError("Посетитель пришёл с обращением (жалобой): зарегистрируйте его до завершения приёма.")
    visit.outcome, visit.ended_at, visit.ended_by = outcome, timezone.now(), ended_by
    visit.save(update_fields=["outcome", "ended_at", "ended_by", "updated_at"])
    return visit


@transaction.atomic
def end_visit_for_abuse(*, visit: Visit, reason: str, ended_by, note: str = "") -> Visit:
    """Standard 2.1.4.9: the specialist stops serving a visitor who uses obscene or offensive language or
    is intoxicated. The reason is recorded. An appeal already registered at this visit is not touched: it
    is considered in the usual way."""
    visit = _locked(visit)
    _require_open(visit)
    if reason not in Visit.EndReason.values:
        raise VisitError("Укажите основание прекращения обслуживания (стандарт, п. 2.1.4.9).", field="reason")
    visit.ended_by_specialist, visit.end_reason, visit.end_note = True, reason, note.strip()
    visit.ended_at, visit.ended_by = timezone.now(), ended_by
    visit.save(update_fields=["ended_by_specialist", "end_reason", "end_note", "ended_at", "ended_by", "updated_at"])
    return visit


@transaction.atomic
def flag_visit_conflict(*, visit: Visit, note: str, flagged_by) -> Visit:
    """Standard 2.1.5.2: circumstances that may lead to a conflict are reported to the head at once. With an
    appeal, through the appeal (its department's head is told by the outbox); without one, by e-mail to the
    head of the reception group after the change is committed."""
    visit = _locked(visit)
    note = note.strip()
    if not note:
        raise VisitError("Опишите, в чём конфликтная ситуация.", field="note")
    if visit.is_conflict:
        raise VisitError("Конфликтная ситуация уже отмечена, руководитель уведомлён.")
    visit.is_conflict, visit.conflict_note = True, note
    visit.save(update_fields=["is_conflict", "conflict_note", "updated_at"])
    if visit.appeal is not None:
        try:
            appeal_services.flag_conflict(appeal=visit.appeal, flagged_by=flagged_by, note=note)
        except AppealError as error:
            raise VisitError(error.message, field=error.field) from error
    else:
        transaction.on_commit(partial(_mail_conflict_to_head, visit.pk))
    return visit


def reception_head_emails() -> list[str]:
    """Where a conflict at the desk is reported: the reception group's head, or, with none named or no
    e-mail on file, the group's mailbox (DEFAULT_FROM_EMAIL, the group's shared address)."""
    group = Department.reception_group()
    head = group.head if group else None
    if head is not None and head.is_active and head.email:
        return [head.email]
    return [settings.DEFAULT_FROM_EMAIL]


def _mail_conflict_to_head(visit_id: int) -> None:
    visit = Visit.objects.select_related("customer", "specialist").get(pk=visit_id)
    started = timezone.localtime(visit.started_at)
    subject = f"Конфликтная ситуация на очном приёме {started:%d.%m.%Y %H:%M}"
    body = (
        "Требуется вмешательство руководителя (стандарт, п. 2.1.5.2).\n\n"
        f"Посетитель: {visit.visitor_name}\nКлиент: {visit.customer or 'не установлен'}\n"
        f"Специалист: {visit.specialist.full_name}\nНачало приёма: {started:%d.%m.%Y %H:%M}\n\n"
        f"{visit.conflict_note}"
    )
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, reception_head_emails())
    except Exception:
        # The flag is saved and shown in the log; a mail server failure must not hide it from the specialist.
        log.exception("conflict notice for visit %s not sent", visit_id)

