"""Fuzzing the mail intake with outside input: random bytes, damaged copies of the real-world fixtures and
generated MIME messages with hostile headers, charsets and nesting.

Properties: `parse` returns a ParsedMail or raises UnreadableMail (never another exception, whatever CPython's
parser does, cf. python/cpython#151857); `process` ends every recorded message in a final status (a message it
cannot read is quarantined with its reason), the same record processed again changes nothing, and the same
bytes received again (another UID) never register a second appeal.

Fast and deterministic in the normal suite; `HYPOTHESIS_PROFILE=fuzz` (and FUZZ_EXAMPLES) for a long random run."""

import base64
import itertools
import os
import quopri

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from abonent.appeals.models import Appeal
from abonent.channels.email.inbound import process
from abonent.channels.email.models import InboundEmail, MailboxConnection
from abonent.channels.email.parsing import ParsedMail, UnreadableMail, parse
from abonent.channels.email.tests.conftest import FIXTURES
from abonent.organisation.models import Mailbox

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"


def fuzz(examples: int):
    return settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "3000")) if LONG else examples, deadline=None,
                    derandomize=not LONG, suppress_health_check=list(HealthCheck),
                    **({} if LONG else {"database": None}))


SEEDS = sorted(p.read_bytes() for p in FIXTURES.glob("*.eml"))
_uids = itertools.count(1)

# --- generated messages ---------------------------------------------------------------------------------

WORDS = st.sampled_from(["Вопрос по счёту", "Показания", "Акт сверки.pdf", "Re: Ответ по обращению № 2026-000123",
                         "hello", "", " ", "=?", "?=", "\"", ";", "\\", "\x00", "\r\n", "\u200b", "😀", "a" * 200])
CHARSETS = st.sampled_from(["utf-8", "cp1251", "koi8-r", "cp866", "windows-1251", "us-ascii", "unknown-8bit",
                            "x-bogus", "", "utf-16", "iso-2022-jp"])
ENCODINGS = st.sampled_from(["B", "Q", "b", "X", ""])


@st.composite
def header_value(draw) -> str:
    text = draw(st.one_of(WORDS, st.text(max_size=60)))
    if draw(st.booleans()):
        charset, encoding = draw(CHARSETS), draw(ENCODINGS)
        try:
            raw = text.encode(charset or "utf-8")
        except (LookupError, UnicodeEncodeError):
            raw = text.encode("utf-8", "surrogateescape")
        payload = base64.b64encode(raw).decode() if encoding.upper() == "B" else quopri.encodestring(raw).decode()
        if draw(st.booleans()):
            payload = payload[: draw(st.integers(0, len(payload)))]
        text = f"=?{charset}?{encoding}?{payload}?="
    return text


HEADER_NAMES = st.sampled_from(["From", "To", "Subject", "Message-ID", "In-Reply-To", "References", "Date",
                                "Content-Type", "Content-Transfer-Encoding", "Content-Disposition", "MIME-Version",
                                "Auto-Submitted", "Precedence", "X-Autoreply", "Content-ID", "content-type"])
CONTENT_TYPES = st.sampled_from(["text/plain", "text/html", "multipart/mixed", "multipart/alternative",
                                 "multipart/report", "message/rfc822", "message/delivery-status",
                                 "text/rfc822-headers", "application/pdf", "image/png", "application/ms-tnef",
                                 "", "text", "multipart/", "/"])
PARAMS = st.sampled_from(["", "; charset=utf-8", "; charset=cp1251", "; charset=\"koi8-r\"", "; charset=bogus",
                          "; name=\"Акт.pdf\"", "; name*=UTF-8''%D0%90%D0%BA%D1%82.pdf", "; a*", ";;",
                          "; name*0*=utf-8''%D0; name*1*=%90", "; charset*=''", "; =x", "; boundary=\"\""])
TRANSFER = st.sampled_from(["", "7bit", "8bit", "base64", "quoted-printable", "x-uuencode", "binary"])


@st.composite
def mime_part(draw, depth: int = 0) -> bytes:
    boundary = draw(st.sampled_from(["b1", "=_b2", "", "b1--", "a" * 80]))
    ctype = draw(CONTENT_TYPES)
    lines = [f"Content-Type: {ctype}{draw(PARAMS)}" + (f'; boundary="{boundary}"' if draw(st.booleans()) else "")]
    if transfer := draw(TRANSFER):
        lines.append(f"Content-Transfer-Encoding: {transfer}")
    if draw(st.booleans()):
        lines.append(f"Content-Disposition: {draw(st.sampled_from(['attachment', 'inline', '']))}{draw(PARAMS)}")
    for _ in range(draw(st.integers(0, 3))):
        lines.append(f"{draw(HEADER_NAMES)}: {draw(header_value())}")
    head = "\r\n".join(lines).encode("utf-8", "surrogateescape")
    if depth < 2 and draw(st.booleans()):
        children = draw(st.lists(mime_part(depth + 1), max_size=3))
        body = b"".join(f"--{boundary}\r\n".encode() + child + b"\r\n" for child in children)
        if draw(st.booleans()):
            body += f"--{boundary}--\r\n".encode()
    else:
        body = draw(st.one_of(st.binary(max_size=200), st.text(max_size=200).map(
            lambda t: t.encode(draw(st.sampled_from(["utf-8", "cp1251", "koi8-r"])), "replace"))))
    return head + b"\r\n\r\n" + body


@st.composite
def message(draw) -> bytes:
    headers = [f"{name}: {draw(header_value())}" for name in draw(st.lists(HEADER_NAMES, max_size=8))]
    if draw(st.booleans()):
        headers.insert(0, f"From: {draw(header_value())} <{draw(st.sampled_from(['a@b.ru', 'x@', '@', '']))}>")
    top = "\r\n".join(headers).encode("utf-8", "surrogateescape")
    return top + b"\r\n" + draw(mime_part())


@st.composite
def damaged_fixture(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            break
        position = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "duplicate"]))
        if action == "flip":
            data[position] = draw(st.integers(0, 255))
        elif action == "insert":
            data[position:position] = draw(st.sampled_from([b"\x00", b";", b"=?", b"?=", b"\r\n", b"\r\n\r\n",
                                                            b"content-type:;\x00:;", b"--", b"\xff\xfe", b"*"]))
        elif action == "delete":
            del data[position:position + draw(st.integers(1, 40))]
        elif action == "truncate":
            del data[position:]
        else:
            data[position:position] = data[position:position + draw(st.integers(1, 200))]
    return bytes(data)


# --- parse: pure ----------------------------------------------------------------------------------------


def parse_or_unreadable(raw: bytes) -> ParsedMail | None:
    try:
        mail = parse(raw)
    except UnreadableMail as error:
        assert str(error)
        return None
    assert isinstance(mail.text, str) and isinstance(mail.subject, str)
    assert mail.from_address == mail.from_address.lower()
    assert all(isinstance(f.content, bytes) and f.content and f.name for f in mail.files)
    assert not any(ch in mail.text for ch in "\x00\x01\x7f")
    return mail


@fuzz(80)
@given(st.binary(max_size=2000))
@example(b"content-type:;\x00:;")  # the CPython IndexError found by atheris (python/cpython#151857)
@example(b"From: a@b.ru\r\nContent-Type: multipart/mixed; boundary=\r\n\r\n--\r\n")
@example(b"\r\n\r\n")
def test_any_bytes_are_parsed_or_found_unreadable(raw):
    parse_or_unreadable(raw)


@fuzz(80)
@given(damaged_fixture())
def test_damaged_real_messages_are_parsed_or_found_unreadable(raw):
    parse_or_unreadable(raw)


@fuzz(120)
@given(message())
def test_generated_mime_messages_are_parsed_or_found_unreadable(raw):
    parse_or_unreadable(raw)


# --- process: through the database ----------------------------------------------------------------------


@pytest.fixture
def record_message(organisation):
    mailbox = Mailbox.objects.get_or_create(organisation=organisation, address="fuzz@bges.ru")[0]
    connection = MailboxConnection.objects.create(mailbox=mailbox, host="127.0.0.1", port=143, security="plain",
                                                  username="u", password="p")

    def record(raw: bytes) -> InboundEmail:
        return InboundEmail.objects.create(connection=connection, folder="INBOX", uidvalidity=1, uid=next(_uids),
                                           raw=raw, size=len(raw))

    return record


def check_intake_once(record_message, raw: bytes) -> None:
    before = Appeal.objects.count()
    first = record_message(raw)
    status = process(first)
    assert status in InboundEmail.DONE
    first.refresh_from_db()
    assert first.status == status and first.processed_at is not None
    if status == InboundEmail.Status.QUARANTINED:
        assert first.detail
    assert bytes(first.raw) == raw  # the original is kept whatever happened
    registered = Appeal.objects.count()
    assert registered - before <= 1
    assert process(first) == status  # the same record again: nothing
    again = record_message(raw)  # the same bytes under another UID: a re-delivery
    assert process(again) in InboundEmail.DONE
    assert Appeal.objects.count() == registered


@pytest.mark.django_db
@fuzz(25)
@given(raw=st.one_of(damaged_fixture(), message()))
@example(raw=SEEDS[0])
@example(raw=b"content-type:;\x00:;")
def test_intake_ends_every_message_in_a_final_status_and_registers_it_at_most_once(record_message, raw):
    check_intake_once(record_message, raw)


# PostgreSQL refuses NUL in text: a NUL in a header or a file name, raw or in an encoded word, is stripped.
@pytest.mark.django_db
@pytest.mark.parametrize("raw", [
    b"From: =?utf-8?B?0JrQvtC3\x00?= <kozlov@zavod.ru>\r\nSubject: \x00" + "Вопрос".encode() + b"\r\n"
    b"Message-ID: <nul-1@zavod.ru>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + "Текст\x00 письма".encode(),
    b"From: kozlov@zavod.ru\r\nSubject: =?utf-8?Q?=00?=\r\nMessage-ID: <nul-2@zavod.ru>\r\n"
    b"Content-Type: text/plain; name=\"a\x00.txt\"\r\nContent-Disposition: attachment; filename=\"a\x00.txt\"\r\n\r\nx",
    b"From: kozlov@zavod.ru\r\nMessage-ID: <nul\x00-3@zavod.ru>\r\nSubject: hi\r\n\r\ntext",
])
def test_nul_characters_in_headers_and_names_are_taken_or_quarantined(record_message, raw):
    check_intake_once(record_message, raw)
