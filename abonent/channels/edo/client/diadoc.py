"""Diadoc (Kontur) HTTP API, JSON flavour. Follows developer.kontur.ru/doc/diadoc-api and the
diadoc/diadocapi-docs repository as read in 2026:

- auth: the legacy token scheme `Authorization: DiadocAuth ddauth_api_client_id=…,ddauth_token=…`, the token
  from `POST /V3/Authenticate?type=password`; a 401 on any call means the token expired (24 h) and we log in
  again once. The docs mark Authenticate deprecated in favour of OpenID Connect (Bearer tokens from
  identity.kontur.ru); that flow is NOT implemented here (it needs a client_secret from «Кабинет интегратора»).
- feed: `GET /V8/GetNewEvents?boxId&afterIndexKey` (≤100 events a call, the key's own event excluded);
  the cursor is the last `IndexKey`, an opaque string.
- content: `GET /V5/GetMessage` (injectEntityContent=false), then `GET /V4/GetEntityContent` per entity.
- sending: `POST /V3/PostMessage?operationId=…` with one Nonformalized `DocumentAttachments` item; the same
  operationId returns the first result instead of a second message, so retries after a lost answer are safe.
- UNCLEAR in the docs, decided here: the sender's INN/KPP are not in the event, so we ask
  `GET /GetOrganization?boxId=` (and `?inn=&kpp=` to find a counterparty's box) — the method exists but its
  current version number was not clear; "delivered" is taken as "the message exists in our box and is not
  deleted" (Diadoc delivers within the operator at once; roaming delivery was not covered), "read" as a
  recipient's Receipt (ИоП) entity attached to our document; we attach no CMS signature of our own (see README).
"""

import base64
import datetime

from abonent.channels.edo.client.base import (
    DeliveryStatus,
    EdoError,
    EdoFile,
    FileRef,
    HttpSession,
    IncomingItem,
    MisShaped,
    Party,
    as_object,
    as_objects,
    ensure_ok,
)

TICKS_AT_UNIX_EPOCH = 621_355_968_000_000_000
RECEIPT_TYPES = {"Receipt", "InvoiceReceipt"}


def ticks_to_datetime(ticks: int | None) -> datetime.datetime | None:
    """.NET ticks as Diadoc sends them; a moment no calendar holds is no moment (the appeal is dated on receipt)."""
    if not ticks:
        return None
    try:
        return datetime.datetime.fromtimestamp((int(ticks) - TICKS_AT_UNIX_EPOCH) / 10_000_000, tz=datetime.UTC)
    except (OverflowError, OSError, ValueError):
        return None








def _text(data: dict, name: str, *, required: bool = False) -> str:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise MisShaped(f"нет поля {name}")
        return ""
    if not isinstance(value, str):
        raise MisShaped(f"поле {name} — не строка")
    return value


def _ticks(data: dict) -> int | None:
    value = data.get("TimestampTicks")
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 30:
        return int(value)
    raise MisShaped("поле TimestampTicks — не число")


def _json(response, what: str):
    try:
        return ensure_ok(response, f"Диадок: {what}").json()
    except ValueError:
        raise EdoError(f"Диадок: неожиданный ответ {what}: не JSON") from None


class DiadocClient:
    def __init__(self, *, base_url: str, box_id: str, api_client_id: str, login: str, password: str):
        self.session = HttpSession(base_url)
        self.box_id = box_id
        self.api_client_id = api_client_id
        self.login, self.password = login, password
        self.token = ""
        self._organisations: dict[str, dict] = {}

    # --- auth ---

    def authenticate(self) -> None:
        response = self.session.call(
            "POST", "/V3/Authenticate", params={"type": "password"},
            json={"login": self.login, "password": self.password},
            headers={"Authorization": f"DiadocAuth ddauth_api_client_id={self.api_client_id}"})
        if response.status_code in (401, 403):
            raise EdoError("Диадок: неверный логин, пароль или ключ разработчика", permanent=True)
        self.token = ensure_ok(response, "Диадок: вход").text.strip()

    def _call(self, method: str, path: str, **kwargs):
        for attempt in (1, 2):
            if not self.token:
                self.authenticate()
            headers = {"Authorization": f"DiadocAuth ddauth_api_client_id={self.api_client_id},"
                                        f"ddauth_token={self.token}",
                       "Accept": "application/json"}
            response = self.session.call(method, path, headers=headers, **kwargs)
            if response.status_code == 401 and attempt == 1:
                self.token = ""  # expired: log in again, once
                continue
            if response.status_code == 402:
                raise EdoError("Диадок: у ящика закончилась подписка на API", permanent=True)
            if response.status_code in (401, 403):
                raise EdoError(f"Диадок: нет доступа к ящику {self.box_id} (HTTP {response.status_code})",
                               permanent=True)
            return response
        raise AssertionError("unreachable")

    # --- incoming ---

    def organisation(self, **query) -> dict:
        key = repr(sorted(query.items()))
        if key not in self._organisations:
            response = self._call("GET", "/GetOrganization", params=query)
            if response.status_code == 404:
                raise EdoError(f"Диадок: организация не найдена ({query})", permanent=True)
            answer = _json(response, "GetOrganization")
            if not isinstance(answer, dict):
                raise EdoError("Диадок: неожиданный ответ GetOrganization: не объект")
            self._organisations[key] = answer
        return self._organisations[key]

    def fetch_new(self, cursor: str) -> tuple[list[IncomingItem], str]:
        params = {"boxId": self.box_id, "limit": 100}
        if cursor:
            params["afterIndexKey"] = cursor
        events = _json(self._call("GET", "/V8/GetNewEvents", params=params), "GetNewEvents")
        try:
            return self._read_events(as_object(events, "ответ"), cursor)
        except MisShaped as error:
            # The cursor stays before the event: nothing is skipped, the box shows why it does not move.
            raise EdoError(f"Диадок: неожиданный ответ GetNewEvents: {error}") from None

    def _read_events(self, events: dict, cursor: str) -> tuple[list[IncomingItem], str]:
        items, next_cursor = [], cursor
        for event in as_objects(events, "Events"):
            next_cursor = _text(event, "IndexKey") or next_cursor
            message = event.get("Message")
            if not message:
                continue  # patches (receipts, signatures)
            if not self._is_incoming(as_object(message, "Message")):
                continue  # our own messages, drafts
            from_box = _text(message, "FromBoxId", required=True)
            organisation = self.organisation(boxId=from_box)
            attachments = [e for e in as_objects(message, "Entities") if _text(e, "EntityType") == "Attachment"]
            items.append(IncomingItem(
                document_id=_text(message, "MessageId", required=True), position=next_cursor,
                sender=Party(inn=_text(organisation, "Inn"), kpp=_text(organisation, "Kpp"),
                             name=_text(message, "FromTitle") or _text(organisation, "FullName"), box_id=from_box),
                title=", ".join(_text(e, "FileName") for e in attachments) or "Письмо",
                received_at=ticks_to_datetime(_ticks(message)), files=tuple(_file_refs(message)), raw=event))
        return items, next_cursor

    def _is_incoming(self, message: dict) -> bool:
        return (message.get("ToBoxId") == self.box_id and message.get("FromBoxId") != self.box_id
                and not message.get("IsDraft") and not message.get("IsDeleted") and not message.get("IsInternal"))

    def download(self, item: IncomingItem) -> list[EdoFile]:
        response = self._call("GET", "/V5/GetMessage", params={
            "boxId": self.box_id, "messageId": item.document_id, "injectEntityContent": "false"})
        try:
            refs = _file_refs(as_object(_json(response, "GetMessage"), "ответ"))
        except MisShaped as error:
            raise EdoError(f"Диадок: неожиданный ответ GetMessage: {error}") from None
        files = []
        for ref in refs:
            content = self._call("GET", "/V4/GetEntityContent", params={
                "boxId": self.box_id, "messageId": item.document_id, "entityId": ref.ref})
            files.append(EdoFile(ref.name, ensure_ok(content, "Диадок: GetEntityContent").content))
        return files

    # --- outgoing ---

    def send(self, *, box: str, counterparty: Party, title: str, attachments: list[EdoFile],
             operation_id: str) -> str:
        to_box = counterparty.box_id
        if not to_box:
            query = {"inn": counterparty.inn, **({"kpp": counterparty.kpp} if counterparty.kpp else {})}
            boxes = self.organisation(**query).get("Boxes") or []
            if not boxes:
                raise EdoError(f"Диадок: у организации ИНН {counterparty.inn} нет ящика", permanent=True)
            to_box = boxes[0].get("BoxIdGuid") or boxes[0]["BoxId"]
        body = {"FromBoxId": box or self.box_id, "ToBoxId": to_box, "DocumentAttachments": [
            {"TypeNamedId": "Nonformalized", "Comment": title, "NeedRecipientSignature": False,
             "SignedContent": {"Content": base64.b64encode(file.content).decode()},
             "Metadata": [{"Key": "FileName", "Value": file.name}, {"Key": "DocumentName", "Value": title}]}
            for file in attachments]}
        response = self._call("POST", "/V3/PostMessage", params={"operationId": operation_id}, json=body)
        if response.status_code == 204:  # accepted, not finished: the same operationId is asked again later
            raise EdoError("Диадок: отправка ещё не завершена")
        return ensure_ok(response, "Диадок: PostMessage").json()["MessageId"]

    def status(self, provider_id: str) -> str:
        response = self._call("GET", "/V5/GetMessage", params={
            "boxId": self.box_id, "messageId": provider_id, "injectEntityContent": "false"})
        if response.status_code == 404:
            return DeliveryStatus.FAILED
        message = ensure_ok(response, "Диадок: GetMessage").json()
        if message.get("IsDeleted"):
            return DeliveryStatus.FAILED
        entities = message.get("Entities") or []
        ours = {e["EntityId"] for e in entities if e.get("EntityType") == "Attachment"
                and e.get("AttachmentType") not in RECEIPT_TYPES}
        if any(e.get("AttachmentType") in RECEIPT_TYPES and e.get("ParentEntityId") in ours for e in entities):
            return DeliveryStatus.READ
        return DeliveryStatus.DELIVERED


def _file_refs(message: dict) -> list[FileRef]:
    """Raises MisShaped for an answer of another shape."""
    entities = [(e, _text(e, "EntityType"), _text(e, "EntityId", required=True))
                for e in as_objects(message, "Entities")]
    names = {entity_id: _text(e, "FileName") or f"{entity_id}.bin" for e, kind, entity_id in entities
             if kind == "Attachment" and _text(e, "AttachmentType") not in RECEIPT_TYPES}
    refs = []
    for e, kind, entity_id in entities:
        if kind == "Attachment" and entity_id in names:
            refs.append(FileRef(names[entity_id], entity_id))
        elif kind == "Signature" and (parent := _text(e, "ParentEntityId")) in names:
            refs.append(FileRef(f"{names[parent]}.sig", entity_id, is_signature=True))
    return refs
