"""Fuzzing the EDO intake with outside input: the operators' feed and document answers (Diadoc JSON, SBIS
JSON-RPC) with any values, fields missing or of the wrong type, and generated incoming items registered through
the poller.

Properties: a client's `fetch_new`/`download` return items and files or refuse with EdoError (Russian), never
another exception; the poller registers each document once — polling again, or the operator listing it again,
registers nothing — and a failure leaves the cursor before the failed item.

Fast and deterministic in the normal suite; `HYPOTHESIS_PROFILE=fuzz` (and FUZZ_EXAMPLES) for a long random run."""

import datetime
import json
import os
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abonent.appeals.models import Appeal, AppealEvent
from abonent.channels.edo import inbound
from abonent.channels.edo.client import DiadocClient, EdoError, SbisClient
from abonent.channels.edo.client.base import EdoFile, FileRef, HttpSession, IncomingItem, Party
from abonent.channels.edo.models import EdoBox, EdoIncoming, Operator

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
OUR_BOX = "a1b2c3d4-0000-0000-0000-000000000001"
PDF = b"%PDF-1.4\n% fuzz\n%%EOF\n"


def fuzz(examples: int):
    return settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "3000")) if LONG else examples, deadline=None,
                    derandomize=not LONG, suppress_health_check=list(HealthCheck),
                    **({} if LONG else {"database": None}))


def russian(text: str) -> bool:
    return any("а" <= ch <= "я" for ch in text.lower())


# Any text, NUL included (PostgreSQL stores none: the intake strips it).
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
# Strings where the operators' APIs have strings; answers of other types are tested on their own below.
LEAF = TEXT


class FakeResponse:
    def __init__(self, status: int, body):
        self.status_code = status
        self._body = body
        self.content = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.text = self.content.decode("utf-8", "replace")

    def json(self):
        if isinstance(self._body, bytes):
            return json.loads(self._body)
        return self._body


def answering(monkeypatch, route):
    """HttpSession.call answered by `route(method, path, kwargs) -> FakeResponse`."""
    monkeypatch.setattr(HttpSession, "call", lambda self, method, path, **kwargs: route(method, path, kwargs))


def fetch_or_refuse(client, cursor: str = "") -> list[IncomingItem]:
    try:
        items, next_cursor = client.fetch_new(cursor)
    except EdoError as error:
        assert russian(error.message) or "HTTP" in error.message
        return []
    assert isinstance(next_cursor, str)
    for item in items:
        assert isinstance(item.document_id, str) and item.document_id
        assert isinstance(item.title, str) and isinstance(item.sender.name, str)
        assert isinstance(item.sender.inn, str) and isinstance(item.sender.kpp, str)
        assert all(isinstance(f.name, str) and isinstance(f.ref, str) for f in item.files)
    return items


# --- Diadoc ---


# The documented shapes with any content: strings where the API has strings, optional fields sometimes absent.
# Answers of another shape (a field missing that the API always sends, a number for a string) are tested on
# their own below (test_*_mis_shaped_answers_*).
@st.composite
def diadoc_entity(draw) -> dict:
    entity = {"EntityId": draw(st.one_of(st.uuids().map(str), TEXT)),
              "EntityType": draw(st.sampled_from(["Attachment", "Signature", "Attachment", ""]))}
    optional = {"FileName": st.one_of(st.sampled_from(["Претензия.pdf", "", "a/b.pdf"]), TEXT),
                "AttachmentType": st.sampled_from(["Nonformalized", "Receipt", "InvoiceReceipt"]),
                "ParentEntityId": st.uuids().map(str)}
    entity.update(draw(st.fixed_dictionaries({}, optional=optional)))
    return entity


@st.composite
def diadoc_message(draw) -> dict:
    message = {"MessageId": draw(st.one_of(st.uuids().map(str), TEXT.filter(bool))),
               "FromBoxId": draw(st.one_of(st.just("sender-box"), st.just(OUR_BOX), TEXT)),
               "ToBoxId": draw(st.sampled_from([OUR_BOX, OUR_BOX, "other"]))}
    optional = {"FromTitle": TEXT, "TimestampTicks": st.integers(min_value=0, max_value=3 * 10**18),
                "IsDraft": st.booleans(), "IsDeleted": st.booleans(), "IsInternal": st.booleans(),
                "Entities": st.lists(diadoc_entity(), max_size=4)}
    message.update(draw(st.fixed_dictionaries({}, optional=optional)))
    return message


@st.composite
def diadoc_feed(draw) -> dict:
    events = [draw(st.fixed_dictionaries({}, optional={"IndexKey": st.one_of(st.uuids().map(str), TEXT),
                                                       "Message": diadoc_message()}))
              for _ in range(draw(st.integers(0, 4)))]
    return {"Events": events}


ORGANISATION = st.fixed_dictionaries({}, optional={"Inn": st.one_of(st.just("2224000000"), TEXT),
                                                   "Kpp": st.one_of(st.just("222401001"), TEXT),
                                                   "FullName": TEXT})


def diadoc_client() -> DiadocClient:
    return DiadocClient(base_url="http://diadoc.invalid", box_id=OUR_BOX, api_client_id="k", login="l", password="p")


@fuzz(120)
@given(feed=diadoc_feed(), organisation=ORGANISATION, message=diadoc_message())
def test_diadoc_answers_are_read_or_refused(monkeypatch, feed, organisation, message):
    def route(method, path, kwargs):
        if path == "/V3/Authenticate":
            return FakeResponse(200, b"token")
        if path == "/V8/GetNewEvents":
            return FakeResponse(200, feed)
        if path == "/GetOrganization":
            return FakeResponse(200, organisation)
        if path == "/V5/GetMessage":
            return FakeResponse(200, message)
        return FakeResponse(200, PDF)

    answering(monkeypatch, route)
    client = diadoc_client()
    for item in fetch_or_refuse(client):
        try:
            files = client.download(item)
        except EdoError:
            continue
        assert all(isinstance(f, EdoFile) and isinstance(f.content, bytes) for f in files)


@pytest.mark.parametrize("feed", [
    {"Events": [{"IndexKey": "1", "Message": {"MessageId": "m", "ToBoxId": OUR_BOX}}]},
    {"Events": [{"IndexKey": "1", "Message": {"FromBoxId": "s", "ToBoxId": OUR_BOX}}]},
    [],
    {"Events": [{"IndexKey": "1", "Message": {"MessageId": "m", "FromBoxId": "s", "ToBoxId": OUR_BOX,
                                              "Entities": [{"EntityType": "Attachment"}]}}]},
    {"Events": [{"IndexKey": "1", "Message": {"MessageId": "m", "FromBoxId": "s", "ToBoxId": OUR_BOX,
                                              "Entities": [{"EntityId": "e", "EntityType": "Attachment",
                                                            "FileName": 7}]}}]},
    {"Events": [{"IndexKey": "1", "Message": {"MessageId": "m", "FromBoxId": "s", "ToBoxId": OUR_BOX,
                                              "TimestampTicks": "вчера"}}]},
])
def test_diadoc_mis_shaped_answers_are_refused_with_edo_error(monkeypatch, feed):
    answering(monkeypatch, lambda method, path, kwargs: FakeResponse(200, b"t" if "Auth" in path else (
        feed if path == "/V8/GetNewEvents" else {})))
    with pytest.raises(EdoError, match="^Диадок: неожиданный ответ GetNewEvents: "):
        diadoc_client().fetch_new("")


# --- SBIS ---


@st.composite
def sbis_document(draw) -> dict:
    attachment = st.fixed_dictionaries({}, optional={
        "Файл": st.fixed_dictionaries({}, optional={"Имя": LEAF, "Ссылка": st.one_of(
            st.just("http://sbis.invalid/f/1"), LEAF)}),
        "Название": LEAF, "Служебный": st.sampled_from(["Да", "Нет"]), "Удален": st.sampled_from(["Да", "Нет"]),
        "Подпись": st.lists(st.fixed_dictionaries({}, optional={"Файл": st.fixed_dictionaries(
            {}, optional={"Имя": LEAF, "Ссылка": LEAF})}), max_size=2)})
    party = st.fixed_dictionaries({}, optional={
        "СвЮЛ": st.fixed_dictionaries({}, optional={"ИНН": LEAF, "КПП": LEAF, "Название": LEAF}),
        "СвФЛ": st.fixed_dictionaries({}, optional={"ИНН": LEAF, "Фамилия": LEAF, "Имя": LEAF})})
    return draw(st.fixed_dictionaries({}, optional={
        "Идентификатор": st.one_of(st.uuids().map(str), LEAF), "Направление": st.sampled_from(["Входящий", "Исх"]),
        "Удален": st.sampled_from(["Да", "Нет"]), "Название": LEAF, "Примечание": LEAF, "Номер": LEAF,
        "Дата": LEAF, "ДатаВремяСоздания": st.one_of(st.just("11.03.2026 09.00.00"), LEAF),
        "Контрагент": party,
        "Событие": st.lists(st.fixed_dictionaries({}, optional={
            "Идентификатор": st.one_of(st.uuids().map(str), LEAF), "Вложение": st.lists(attachment, max_size=2)}),
            max_size=3)}))


def sbis_client() -> SbisClient:
    return SbisClient(base_url="http://sbis.invalid", box_id="2221000002/222101001", login="l", password="p")


@fuzz(120)
@given(documents=st.lists(sbis_document(), max_size=4), error=st.one_of(st.none(), st.fixed_dictionaries(
    {}, optional={"code": LEAF, "message": LEAF, "details": LEAF})))
def test_sbis_answers_are_read_or_refused(monkeypatch, documents, error):
    def route(method, path, kwargs):
        if path == "/auth/service/":
            return FakeResponse(200, {"jsonrpc": "2.0", "result": "sid", "id": 0})
        if error is not None:
            return FakeResponse(200, {"jsonrpc": "2.0", "error": error, "id": 0})
        if path.startswith("http"):
            return FakeResponse(200, PDF)
        return FakeResponse(200, {"jsonrpc": "2.0", "result": {"Документ": documents}, "id": 0})

    answering(monkeypatch, route)
    client = sbis_client()
    for item in fetch_or_refuse(client):
        try:
            client.download(item)
        except EdoError:
            continue


def sbis_answering(monkeypatch, result) -> None:
    answering(monkeypatch, lambda method, path, kwargs: FakeResponse(200, {"jsonrpc": "2.0", "id": 0, "result": (
        "sid" if path == "/auth/service/" else result)}))


@pytest.mark.parametrize(("document", "expected"), [
    ({"Идентификатор": True, "Направление": "Входящий"}, []),
    ({"Идентификатор": "d-1", "Направление": "Входящий", "Номер": 7,
      "Контрагент": {"СвЮЛ": {"ИНН": None, "Название": "ООО"}}}, [("d-1", "Документ № 7 от ", "", "ООО")]),
    ({"Идентификатор": "d-2", "Направление": "Входящий", "Название": 12,
      "Контрагент": {"СвЮЛ": {"ИНН": 2224000000}}}, [("d-2", "12", "2224000000", "")]),
])
def test_sbis_mis_typed_values_are_coerced_and_a_document_without_an_id_skipped(monkeypatch, document, expected):
    sbis_answering(monkeypatch, {"Документ": [document]})
    items, _ = sbis_client().fetch_new("")
    assert [(i.document_id, i.title, i.sender.inn, i.sender.name) for i in items] == expected


@pytest.mark.parametrize("result", [[], "ok", {"Документ": {"Идентификатор": "d"}}, {"Документ": ["d"]},
                                    {"Документ": [{"Идентификатор": "d", "Направление": "Входящий",
                                                   "Событие": [{"Вложение": "f"}]}]}])
def test_sbis_mis_shaped_answers_are_refused_with_edo_error(monkeypatch, result):
    sbis_answering(monkeypatch, result)
    with pytest.raises(EdoError, match="^СБИС: неожиданный ответ СБИС.СписокИзменений: "):
        sbis_client().fetch_new("")


# --- the poller: generated items through the database ---


@st.composite
def incoming_item(draw, number: int, prefix: str) -> IncomingItem:
    inn = draw(st.sampled_from(["2224000000", "222400000012", "", "2224000000"]))
    files = tuple(FileRef(draw(st.sampled_from(["Претензия.pdf", "письмо.txt", "virus.exe", "", "a" * 300])),
                          f"ref-{number}-{i}") for i in range(draw(st.integers(0, 3))))
    received = draw(st.one_of(st.none(), st.datetimes(min_value=datetime.datetime(2000, 1, 1),
                                                      max_value=datetime.datetime(2100, 1, 1),
                                                      timezones=st.just(datetime.UTC))))
    return IncomingItem(
        document_id=draw(st.sampled_from([f"{prefix}-{number}", f"{prefix}-{max(number - 1, 0)}"])),
        position=f"cursor-{number}", sender=Party(inn=inn, kpp="222401001" if len(inn) == 10 else "",
                                                  name=draw(TEXT), box_id=draw(TEXT)),
        title=draw(st.one_of(TEXT, st.just("Документ" * 80))), received_at=received, files=files,
        raw={"n": number, "note": draw(TEXT)})


class ScriptedClient:
    """An operator whose feed is a fixed list of items, served two per page, and whose files are generated."""

    def __init__(self, items: list[IncomingItem], contents: dict[str, bytes]):
        self.items, self.contents = items, contents

    def fetch_new(self, cursor: str):
        start = 0 if not cursor else int(cursor.split("-")[1]) + 1
        page = self.items[start:start + 2]
        return page, (page[-1].position if page else cursor)

    def download(self, item: IncomingItem) -> list[EdoFile]:
        return [EdoFile(ref.name, self.contents.get(ref.ref, PDF)) for ref in item.files]


@st.composite
def feed(draw) -> ScriptedClient:
    prefix = uuid.uuid4().hex  # a document id names one document at the operator, across boxes too
    items = [draw(incoming_item(n, prefix)) for n in range(draw(st.integers(1, 6)))]
    refs = [ref.ref for item in items for ref in item.files]
    contents = {ref: draw(st.sampled_from([PDF, b"", b"MZ\x90\x00", b"plain text", b"%PDF" + b"x" * 50]))
                for ref in refs}
    return ScriptedClient(items, contents)


@pytest.mark.django_db
@fuzz(25)
@given(client=feed())
def test_the_poller_registers_each_document_once(organisation, client):
    box = EdoBox.objects.create(operator=Operator.SBIS, title=f"Ящик {uuid.uuid4().hex[:6]}",
                                box_id=uuid.uuid4().hex, base_url="http://sbis.invalid", login="l")
    appeals = Appeal.objects.count()
    first = inbound.poll_box(box.pk, client=client)
    assert not first.error, first.error
    documents = {item.document_id for item in client.items}
    assert EdoIncoming.objects.filter(box=box).count() == len(documents)
    assert Appeal.objects.count() - appeals == len(documents) == first.registered
    second = inbound.poll_box(box.pk, client=client)
    box.cursor = ""
    box.save(update_fields=["cursor"])
    replay = inbound.poll_box(box.pk, client=client)  # a lost cursor replays the whole feed
    assert second.registered == replay.registered == 0
    assert Appeal.objects.count() - appeals == len(documents)


def sbis_box() -> EdoBox:
    return EdoBox.objects.create(operator=Operator.SBIS, title="Ящик", box_id=uuid.uuid4().hex,
                                 base_url="http://sbis.invalid", login="l")


def notes(appeal: Appeal) -> list[str]:
    return [e.data["text"] for e in appeal.events.filter(kind=AppealEvent.Kind.NOTE)]


# PostgreSQL refuses a value longer than its column: an impossible requisite is dropped, the appeal registered.
@pytest.mark.django_db
@pytest.mark.parametrize(("party", "stored", "dropped"), [
    (Party(inn="2" * 20, kpp="222401001"), ("", "222401001", ""), "ИНН «22222222222222222222»"),
    (Party(inn="2224000000", kpp="K" * 12), ("2224000000", "", ""), "КПП «KKKKKKKKKKKK»"),
    (Party(inn="2224000000", kpp="222401001", box_id="b" * 300), ("2224000000", "222401001", ""),
     f"ящик «{'b' * 40}…»"),
])
def test_an_impossible_requisite_of_the_sender_is_dropped_and_the_appeal_registered(organisation, party, stored,
                                                                                     dropped):
    box = sbis_box()
    item = IncomingItem(document_id="doc-0", position="cursor-0", sender=party, title="Письмо", received_at=None)
    result = inbound.poll_box(box.pk, client=ScriptedClient([item], {}))
    assert (result.registered, result.error) == (1, "")
    incoming = EdoIncoming.objects.get(box=box)
    assert (incoming.sender_inn, incoming.sender_kpp, incoming.sender_box) == stored
    assert incoming.appeal.sender_inn == stored[0]
    assert notes(incoming.appeal)[0] == (f"Реквизиты отправителя в документе ЭДО невозможны и не приняты: {dropped}. "
                                         "Проверьте отправителя и укажите клиента.")
    box.refresh_from_db()
    assert box.cursor == "cursor-0"


@pytest.mark.django_db
def test_nul_characters_and_a_long_document_id_are_stored_and_recognised_when_listed_again(organisation):
    box = sbis_box()
    item = IncomingItem(document_id="d\x00" + "1" * 300, position="cursor-0",
                        sender=Party(inn="2224000000\x00", name="ООО\x00 «Завод»", box_id="b\x00ox"),
                        title="Пись\x00мо", received_at=None, files=(FileRef("a\x00.pdf", "ref-0"),),
                        raw={"note\x00": ["\x00", float("nan")]})
    first = inbound.poll_box(box.pk, client=ScriptedClient([item], {}))
    assert (first.registered, first.error) == (1, "")
    incoming = EdoIncoming.objects.get(box=box)
    assert len(incoming.document_id) == 200 and incoming.document_id.startswith("d" + "1" * 127 + "…sha256:")
    assert (incoming.sender_inn, incoming.sender_name, incoming.sender_box, incoming.title, incoming.raw) == (
        "2224000000", "ООО «Завод»", "box", "Письмо", {"note": ["", "nan"]})
    assert list(incoming.appeal.attachments.values_list("original_name", flat=True)) == ["a.pdf"]
    box.cursor = ""
    box.save(update_fields=["cursor"])
    again = inbound.poll_box(box.pk, client=ScriptedClient([item], {}))
    assert (again.registered, again.repeated) == (0, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("position", ["c\x00", "c" * 501])
def test_a_feed_position_that_cannot_be_stored_stops_the_box_with_the_reason(organisation, position):
    box = sbis_box()
    item = IncomingItem(document_id="doc-0", position=position, sender=Party(), title="Письмо", received_at=None)
    result = inbound.poll_box(box.pk, client=ScriptedClient([item], {}))
    assert result.registered == 0
    assert result.error.startswith("оператор ЭДО вернул позицию в ленте, которую нельзя сохранить: «c")
    box.refresh_from_db()
    assert (box.cursor, box.last_error) == ("", result.error)
    assert not EdoIncoming.objects.filter(box=box).exists()
