"""СБИС/Saby (Tensor) JSON-RPC 2.0 API. The official pages (saby.ru/help/integration/api) were not available
to us; this follows what several independent open-source clients agree on (see README):

- auth: `СБИС.Аутентифицировать` at /auth/service/ returns a session id, sent as `X-SBISSessionID`; an expired
  session answers HTTP 401 and we authenticate again once. The body must be UTF-8 with `charset=utf-8`.
- feed: `СБИС.СписокИзменений` with the mandatory `Фильтр`; the cursor is the last `ИдентификаторСобытия`;
  the first call starts from `ДатаВремяС` in the format `ДД.ММ.ГГГГ ЧЧ.ММ.СС` (dots; one source said colons).
  The list can name the same document several times (once per event): items are deduplicated on
  `Документ.Идентификатор` here and, across polls, by the intake. Booleans are the strings "Да"/"Нет".
- files: `Вложение[].Файл.Ссылка` is a pre-signed link fetched with a plain GET; an empty link means "not yet
  ready" (a transient error: the item is taken again next poll).
- UNCLEAR, decided here: the event id field (`Событие[].Идентификатор`), where an attachment's signature is
  (`Вложение[].Подпись[].Файл`), the document type of an outgoing free-form letter (`ПисьмоИсх`), the sending
  step (`СБИС.ВыполнитьДействие` with stage «Отправка», action «Отправить», no prior ПодготовитьДействие), the
  time zone of dates (taken as Moscow time) and the state vocabulary of `СБИС.ПрочитатьДокумент` (mapped by
  words of `Состояние.Название`).
"""

import base64
import datetime
import json
import logging
import zoneinfo

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

DATE_FORMAT = "%d.%m.%Y %H.%M.%S"
SBIS_TZ = zoneinfo.ZoneInfo("Europe/Moscow")
PAGE_SIZE = 50
FIRST_POLL_DAYS = 7
HEADERS = {"Content-Type": "application/json-rpc; charset=utf-8", "Accept": "application/json"}
log = logging.getLogger(__name__)








def _text(data: dict, name: str) -> str:
    """A documented string field: numbers as their digits (an INN sent as a number), null and anything else as
    empty, so only strings reach the appeal."""
    value = data.get(name)
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def format_datetime(value: datetime.datetime) -> str:
    return value.astimezone(SBIS_TZ).strftime(DATE_FORMAT)


def parse_datetime(text: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.strptime(text, DATE_FORMAT).replace(tzinfo=SBIS_TZ)
    except (TypeError, ValueError):
        return None


def party_json(inn: str, kpp: str = "") -> dict:
    if len(inn) == 12:
        return {"СвФЛ": {"ИНН": inn}}
    return {"СвЮЛ": {"ИНН": inn, "КПП": kpp}}


def parse_party(data: dict) -> Party:
    legal = as_object(data.get("СвЮЛ"), "СвЮЛ", absent_ok=True)
    person = as_object(data.get("СвФЛ"), "СвФЛ", absent_ok=True)
    if legal:
        return Party(inn=_text(legal, "ИНН"), kpp=_text(legal, "КПП"),
                     name=_text(legal, "НазваниеПолное") or _text(legal, "Название"))
    name = " ".join(filter(None, [_text(person, "Фамилия"), _text(person, "Имя"), _text(person, "Отчество")]))
    return Party(inn=_text(person, "ИНН"), name=_text(person, "НазваниеПолное") or name)


class SbisClient:
    def __init__(self, *, base_url: str, box_id: str, login: str, password: str):
        self.session = HttpSession(base_url)
        inn, _, kpp = box_id.partition("/")
        self.box_id, self.our_inn, self.our_kpp = box_id, inn.strip(), kpp.strip()
        self.login, self.password = login, password
        self.sid = ""

    @staticmethod
    def _body(method: str, params: dict) -> bytes:
        return json.dumps({"jsonrpc": "2.0", "method": method, "params": params, "id": 0},
                          ensure_ascii=False).encode("utf-8")

    @staticmethod
    def _result(response, method: str):
        try:
            data = ensure_ok(response, f"СБИС: {method}").json()
        except ValueError:
            raise EdoError(f"СБИС: {method}: неожиданный ответ: не JSON") from None
        if not isinstance(data, dict):
            raise EdoError(f"СБИС: {method}: неожиданный ответ: не объект")
        if "error" in data:
            error = data["error"] if isinstance(data["error"], dict) else {"message": data["error"]}
            detail = _text(error, "details") or _text(error, "message")
            raise EdoError(f"СБИС: {method}: {detail} (код {error.get('code')})", permanent=True)
        return data.get("result")

    def authenticate(self) -> None:
        params = {"Параметр": {"Логин": self.login, "Пароль": self.password}}
        response = self.session.call("POST", "/auth/service/", data=self._body("СБИС.Аутентифицировать", params),
                                     headers=HEADERS)
        sid = self._result(response, "СБИС.Аутентифицировать")
        if not isinstance(sid, str) or not sid:
            raise EdoError("СБИС: СБИС.Аутентифицировать: неожиданный ответ: нет идентификатора сессии")
        self.sid = sid

    def rpc(self, method: str, params: dict):
        for attempt in (1, 2):
            if not self.sid:
                self.authenticate()
            response = self.session.call("POST", "/service/?srv=1", data=self._body(method, params),
                                         headers={**HEADERS, "X-SBISSessionID": self.sid})
            if response.status_code == 401 and attempt == 1:
                self.sid = ""  # the session expired: authenticate again, once
                continue
            return self._result(response, method)
        raise AssertionError("unreachable")

    # --- incoming ---

    def fetch_new(self, cursor: str) -> tuple[list[IncomingItem], str]:
        flt: dict = {"НашаОрганизация": party_json(self.our_inn, self.our_kpp),
                     "Навигация": {"Страница": "0", "РазмерСтраницы": str(PAGE_SIZE)}, "ПолныйСертификатЭП": "Нет"}
        if cursor:
            flt["ИдентификаторСобытия"] = cursor
        else:
            start = datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(days=FIRST_POLL_DAYS)
            flt["ДатаВремяС"] = format_datetime(start)
        result = self.rpc("СБИС.СписокИзменений", {"Фильтр": flt})
        try:
            return _read_documents(as_object(result, "ответ", absent_ok=True), cursor)
        except MisShaped as error:
            # The cursor stays before the document: nothing is skipped, the box shows why it does not move.
            raise EdoError(f"СБИС: неожиданный ответ СБИС.СписокИзменений: {error}") from None

    def download(self, item: IncomingItem) -> list[EdoFile]:
        files = []
        for ref in item.files:
            if not ref.ref:
                raise EdoError(f"СБИС: файл «{ref.name}» ещё не готов к скачиванию")
            response = self.session.call("GET", ref.ref)  # pre-signed link: no session header
            files.append(EdoFile(ref.name, ensure_ok(response, f"СБИС: файл «{ref.name}»").content))
        return files

    # --- outgoing ---

    def send(self, *, box: str, counterparty: Party, title: str, attachments: list[EdoFile],
             operation_id: str) -> str:
        if not counterparty.inn:
            raise EdoError("СБИС: не указан ИНН получателя", permanent=True)
        document = {
            "Идентификатор": operation_id, "Тип": "ПисьмоИсх", "Примечание": title,
            "Дата": datetime.datetime.now(tz=SBIS_TZ).strftime("%d.%m.%Y"),
            "НашаОрганизация": party_json(self.our_inn, self.our_kpp),
            "Контрагент": party_json(counterparty.inn, counterparty.kpp),
            "Вложение": [{"Файл": {"Имя": file.name, "ДвоичныеДанные": base64.b64encode(file.content).decode()}}
                         for file in attachments]}
        # Writing the same Идентификатор again replaces the draft, so a retry never makes a second document.
        self.rpc("СБИС.ЗаписатьДокумент", {"Документ": document})
        try:
            self.rpc("СБИС.ВыполнитьДействие", {"Документ": {"Идентификатор": operation_id, "Этап": {
                "Название": "Отправка", "Действие": {"Название": "Отправить"}}}})
        except EdoError:
            if self.status(operation_id) == DeliveryStatus.FAILED:
                raise
            # already sent by an earlier attempt whose answer was lost
        return operation_id

    def status(self, provider_id: str) -> str:
        document = self.rpc("СБИС.ПрочитатьДокумент", {"Документ": {"Идентификатор": provider_id}}) or {}
        return state_to_status((document.get("Состояние") or {}).get("Название") or "")


def state_to_status(name: str) -> str:
    name = name.casefold()
    if any(word in name for word in ("ошибк", "отклон", "удален", "аннулир", "черновик")):
        return DeliveryStatus.FAILED
    if any(word in name for word in ("прочит", "получено извещ", "выполнен", "утвержд")):
        return DeliveryStatus.READ
    if "доставлен" in name:
        return DeliveryStatus.DELIVERED
    return DeliveryStatus.SENT


def _read_documents(result: dict, cursor: str) -> tuple[list[IncomingItem], str]:
    """Raises MisShaped for an answer of another shape."""
    items, seen, next_cursor = [], set(), cursor
    for document in as_objects(result, "Документ", absent_ok=True):
        events = as_objects(document, "Событие", absent_ok=True)
        for event in events:
            next_cursor = _text(event, "Идентификатор") or next_cursor
        doc_id = document.get("Идентификатор")
        if document.get("Направление") != "Входящий" or document.get("Удален") == "Да":
            continue
        if not isinstance(doc_id, str) or not doc_id:
            # Neither downloadable nor recognisable when listed again: nothing to register it by.
            log.warning("SBIS: an incoming document without an id skipped: %r", doc_id)
            continue
        if doc_id in seen:
            continue
        seen.add(doc_id)
        files: list[FileRef] = []
        for event in events:
            for attachment in as_objects(event, "Вложение", absent_ok=True):
                files.extend(_file_refs(attachment))
        sender = parse_party(as_object(document.get("Контрагент"), "Контрагент", absent_ok=True))
        title = _text(document, "Название") or _text(document, "Примечание") or (
            f"Документ № {_text(document, 'Номер')} от {_text(document, 'Дата')}")
        items.append(IncomingItem(document_id=doc_id, position=next_cursor, sender=sender, title=title,
                                  received_at=parse_datetime(_text(document, "ДатаВремяСоздания")),
                                  files=tuple(files), raw=document))
    return items, next_cursor


def _file_refs(attachment: dict) -> list[FileRef]:
    if attachment.get("Служебный") == "Да" or attachment.get("Удален") == "Да":
        return []
    file = as_object(attachment.get("Файл"), "Файл", absent_ok=True)
    name = _text(file, "Имя") or _text(attachment, "Название") or "документ"
    refs = [FileRef(name, _text(file, "Ссылка"))]
    for signature in as_objects(attachment, "Подпись", absent_ok=True):
        signed = as_object(signature.get("Файл"), "Файл", absent_ok=True)
        refs.append(FileRef(_text(signed, "Имя") or f"{name}.sig", _text(signed, "Ссылка"), is_signature=True))
    return refs
