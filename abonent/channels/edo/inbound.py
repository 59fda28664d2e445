"""Intake from EDO boxes (standard 2.2.7): each incoming letter or document becomes an appeal of channel
"edo" exactly once. The appeal, the EdoIncoming row and the box's cursor are written in one transaction, so
the cursor moves past an item only once its appeal is committed; a failure stops the poll where it is and
the next poll starts from the same item. Repeated items (SBIS lists a document once per event, a lost cursor
replays the feed) are recognised by (box, operator document id) and by the appeal's source key."""

import dataclasses
import datetime
import hashlib
import logging
import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from abonent.appeals.errors import AppealError
from abonent.appeals.files import IncomingFile, check_file
from abonent.appeals.services import AppealDraft, add_note, register_appeal
from abonent.channels.edo.client import DiadocClient, EdoClient, EdoError, IncomingItem, Party, SbisClient
from abonent.channels.edo.models import EdoBox, EdoIncoming, Operator
from abonent.core.text import storable_json, strip_control
from abonent.core.validators import is_valid_kpp
from abonent.customers.models import Customer

log = logging.getLogger(__name__)
LOCK_TTL = datetime.timedelta(minutes=10)
MAX_PAGES = 20


def client_for(box: EdoBox) -> EdoClient:
    if box.operator == Operator.DIADOC:
        return DiadocClient(base_url=box.base_url, box_id=box.box_id, api_client_id=box.api_client_id,
                            login=box.login, password=box.password)
    return SbisClient(base_url=box.base_url, box_id=box.box_id, login=box.login, password=box.password)


def source_key(box: EdoBox, document_id: str) -> str:
    return f"edo:{box.operator}:{document_id}"


@dataclass
class PollResult:
    skipped: bool = False
    registered: int = 0
    repeated: int = 0
    error: str = ""
    appeals: list[str] = field(default_factory=list)


def acquire_lock(box_id: int) -> str | None:
    now, token = timezone.now(), uuid.uuid4().hex
    taken = (EdoBox.objects.filter(pk=box_id).filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
             .update(locked_until=now + LOCK_TTL, lock_token=token))
    return token if taken else None


def release_lock(box_id: int, token: str) -> None:
    EdoBox.objects.filter(pk=box_id, lock_token=token).update(locked_until=None, lock_token="")


def poll_box(box_id: int, *, client: EdoClient | None = None, max_pages: int = MAX_PAGES) -> PollResult:
    """Reads the box's feed from its cursor and registers what is new. Operator and registration errors are
    stored on the box for the admin (the cursor stays before the failed item)."""
    token = acquire_lock(box_id)
    if token is None:
        return PollResult(skipped=True)
    result = PollResult()
    try:
        box = EdoBox.objects.get(pk=box_id)
        client = client or client_for(box)
        try:
            _poll(box, client, result, max_pages)
        except (EdoError, AppealError) as error:
            result.error = error.message
        except Exception as error:  # noqa: BLE001 - any failure must leave the box showing it, then propagate
            EdoBox.objects.filter(pk=box_id).update(last_poll_at=timezone.now(),
                                                    last_error=f"{type(error).__name__}: {error}")
            raise
        if result.error:
            log.warning("EDO box %s: %s", box, result.error)
        EdoBox.objects.filter(pk=box_id).update(last_poll_at=timezone.now(), last_error=result.error,
                                                registered_count=F("registered_count") + result.registered)
    finally:
        release_lock(box_id, token)
    return result


def _poll(box: EdoBox, client: EdoClient, result: PollResult, max_pages: int) -> None:
    cursor = box.cursor
    for _ in range(max_pages):
        items, next_cursor = client.fetch_new(cursor)
        for item in items:
            take_item(box, client, item, result)
        if next_cursor != cursor:
            EdoBox.objects.filter(pk=box.pk).update(cursor=check_cursor(next_cursor))
        if not items and next_cursor == cursor:
            return
        cursor = next_cursor


def check_cursor(position: str) -> str:
    """The operator's position in its feed is an opaque token given back as it is: one that cannot be stored
    (too long, a NUL) cannot be cut or cleaned either, so the poll stops there with the reason on the box."""
    if len(position) > EdoBox._meta.get_field("cursor").max_length or strip_control(position) != position:
        raise EdoError(f"оператор ЭДО вернул позицию в ленте, которую нельзя сохранить: "
                       f"«{strip_control(position)[:100]}»")
    return position


def document_key(document_id: str) -> str:
    """The operator's document id as stored: as it is when it fits the column, else its start and a digest, so the
    same document is still recognised when listed again."""
    document_id = strip_control(document_id)
    limit = EdoIncoming._meta.get_field("document_id").max_length
    if len(document_id) <= limit:
        return document_id
    digest = hashlib.sha256(document_id.encode()).hexdigest()
    return f"{document_id[:limit - len(digest) - 8]}…sha256:{digest}"


def storable(item: IncomingItem) -> tuple[IncomingItem, list[str]]:
    """The item as the database can keep it: the operator's values without control characters (PostgreSQL takes
    no NUL), the document id as document_key, and requisites that cannot be an INN, a KPP or a box id dropped
    (the second value names them) rather than stopping the box at the item."""
    check_cursor(item.position)
    inn, kpp, box_id = (strip_control(v).strip() for v in (item.sender.inn, item.sender.kpp, item.sender.box_id))
    dropped = []
    if inn and not (inn.isascii() and inn.isdigit() and len(inn) in (10, 12)):
        dropped.append(f"ИНН «{inn[:40]}»")
        inn = ""
    if kpp and not is_valid_kpp(kpp):
        dropped.append(f"КПП «{kpp[:40]}»")
        kpp = ""
    if len(box_id) > EdoIncoming._meta.get_field("sender_box").max_length:
        dropped.append(f"ящик «{box_id[:40]}…»")
        box_id = ""
    sender = Party(inn=inn, kpp=kpp, name=strip_control(item.sender.name), box_id=box_id)
    return dataclasses.replace(item, document_id=document_key(item.document_id), sender=sender,
                               title=strip_control(item.title), raw=storable_json(item.raw)), dropped


def take_item(box: EdoBox, client: EdoClient, item: IncomingItem, result: PollResult) -> None:
    """Registers one item (downloading its files first) and moves the cursor past it in the same transaction.
    Impossible requisites of the sender do not stop the box: the appeal is registered without them, with a note
    asking the operator to identify the customer."""
    original, (item, dropped) = item, storable(item)
    if EdoIncoming.objects.filter(box=box, document_id=item.document_id).exists():
        EdoBox.objects.filter(pk=box.pk).update(cursor=item.position)
        result.repeated += 1
        return
    files, refused = [], []
    for file in client.download(original):  # the operator knows its document by its own values
        incoming = IncomingFile(strip_control(file.name), file.content)
        try:
            check_file(incoming)
        except AppealError as error:
            refused.append(error.message)
            continue
        files.append(incoming)
    draft = AppealDraft(
        text=appeal_text(box, item, refused), channel="edo", subject=item.title[:300],
        customer=match_customer(item.sender.inn, item.sender.kpp), sender_name=item.sender.name[:300],
        sender_organisation=item.sender.name[:300], sender_inn=item.sender.inn,
        received_at=min(item.received_at, timezone.now()) if item.received_at else None, files=files)
    with transaction.atomic():
        registration = register_appeal(draft=draft, source_key=source_key(box, item.document_id))
        EdoIncoming.objects.create(
            box=box, document_id=item.document_id, sender_inn=item.sender.inn, sender_kpp=item.sender.kpp,
            sender_name=item.sender.name[:500], sender_box=item.sender.box_id, title=item.title[:500],
            raw=item.raw, appeal=registration.appeal,
            status=EdoIncoming.Status.REGISTERED if registration.created else EdoIncoming.Status.DUPLICATE)
        if registration.created and dropped:
            add_note(appeal=registration.appeal, author=None, text=(
                f"Реквизиты отправителя в документе ЭДО невозможны и не приняты: {', '.join(dropped)}. "
                "Проверьте отправителя и укажите клиента."))
        EdoBox.objects.filter(pk=box.pk).update(cursor=item.position)
    if registration.created:
        result.registered += 1
        result.appeals.append(registration.appeal.number)
    else:
        result.repeated += 1


def match_customer(inn: str, kpp: str) -> Customer | None:
    """The customer with exactly this INN and KPP (an ИП has no KPP). With no such customer the appeal is
    registered without one (register_appeal may still tie it by an INN that names a single customer)."""
    if not inn:
        return None
    matches = Customer.objects.with_inn(inn, kpp or "")
    return matches[0] if len(matches) == 1 else None


def appeal_text(box: EdoBox, item: IncomingItem, refused: list[str]) -> str:
    sender = item.sender.name or "отправитель не указан"
    inn = f", ИНН {item.sender.inn}" if item.sender.inn else ""
    kpp = f", КПП {item.sender.kpp}" if item.sender.kpp else ""
    lines = [f"Документ «{item.title}» получен по ЭДО ({box.get_operator_display()}) от {sender}{inn}{kpp}.",
             "Содержание обращения — во вложенных файлах."]
    lines += [f"Не принят: {reason}" for reason in refused]
    return "\n".join(lines)
