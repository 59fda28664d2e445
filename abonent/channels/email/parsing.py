"""parse(raw) -> ParsedMail: real-world Russian mail read from its raw bytes with the standard library
(policy.default), a charset fallback limited to Russian encodings, and a lenient second pass (compat32)
for headers that trip the strict parser (python/cpython#151857). Pure: no database, no network."""

import email
import email.policy
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.header import decode_header, make_header
from email.message import Message
from email.parser import HeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from html import unescape
from html.parser import HTMLParser

from charset_normalizer import from_bytes

from abonent.core.text import strip_control

RUSSIAN_ENCODINGS = ["utf_8", "cp1251", "koi8_r", "cp866"]
AUTO_PRECEDENCE = {"bulk", "junk", "auto_reply"}
DAEMON_LOCAL_PARTS = {"mailer-daemon", "postmaster"}
_MSGID = re.compile(r"<[^<>\s]+>")


class UnreadableMail(Exception):
    """Nothing useful could be read from the bytes: the message goes to the quarantine."""


@dataclass
class ParsedFile:
    name: str
    content: bytes
    content_type: str
    content_id: str = ""


@dataclass
class ParsedMail:
    message_id: str = ""
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_name: str = ""
    from_address: str = ""
    date: datetime | None = None
    text: str = ""
    html: str = ""
    files: list[ParsedFile] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    auto_reason: str = ""
    bounced_message_ids: list[str] = field(default_factory=list)
    has_plain_text: bool = False

    @property
    def is_html_only(self) -> bool:
        return bool(self.html) and not self.has_plain_text


def parse(raw: bytes) -> ParsedMail:
    """Reads what can be read; raises UnreadableMail only when neither pass finds a sender or content."""
    try:
        mail = _read(email.message_from_bytes(raw, policy=email.policy.default))
    except Exception as strict_error:  # noqa: BLE001 - any parser bug means: try the lenient pass
        try:
            mail = _read(email.message_from_bytes(raw, policy=email.policy.compat32))
        except Exception as error:  # noqa: BLE001
            raise UnreadableMail(f"{type(error).__name__}: {error}") from error
        mail.defects.insert(0, f"Повреждённые заголовки письма ({type(strict_error).__name__}): "
                               f"письмо разобрано в упрощённом режиме, проверьте текст по исходному письму.")
    if not (mail.from_address or mail.text.strip() or mail.files):
        raise UnreadableMail("В письме не найдено ни отправителя, ни текста, ни вложений.")
    return mail


def _read(msg: Message) -> ParsedMail:
    mail = ParsedMail()
    mail.message_id = _first_msgid(_header(msg, "Message-ID"))
    mail.in_reply_to = _first_msgid(_header(msg, "In-Reply-To"))
    mail.references = _MSGID.findall(_header(msg, "References"))
    mail.subject = " ".join(_header(msg, "Subject").split())
    mail.from_name, mail.from_address = _address(_header(msg, "From"))
    mail.date = _date(_header(msg, "Date"))
    mail.auto_reason = _auto_reason(msg, mail.from_address)
    texts: list[str] = []
    _collect(msg, mail, texts, top=True)
    mail.text = strip_control("\n\n".join(t.strip() for t in texts if t.strip()).replace("\r\n", "\n")).strip()
    if mail.auto_reason and msg.get_content_type() == "multipart/report":
        mail.bounced_message_ids = _bounced_ids(msg)
    return mail


# --- headers ---


def _header(msg: Message, name: str) -> str:
    value = msg.get(name)
    if value is None:
        return ""
    text = str(value)
    if "\ufffd" in text:  # undeclared 8-bit bytes: the strict policy replaced them; read the raw value
        text = next((str(v) for k, v in msg.raw_items() if k.lower() == name.lower()), text)
    if "=?" in text:
        text = _decode_words(text)
    # Control characters, raw or in an encoded word, would reach the database (PostgreSQL refuses NUL).
    return strip_control(_unsurrogate(text))


def _decode_words(text: str) -> str:
    """RFC 2047 encoded words left in a value (compat32 pass, Outlook-style file names); a broken one stays."""
    try:
        return str(make_header(decode_header(text)))
    except Exception:  # noqa: BLE001
        return text


def _unsurrogate(text: str) -> str:
    """8-bit bytes in a header without a declared charset arrive as surrogates: decode them as Russian."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    return decode_bytes(text.encode("ascii", "surrogateescape"), None)


def _first_msgid(value: str) -> str:
    found = _MSGID.search(value)
    return found.group(0) if found else value.strip()[:998]


def _address(value: str) -> tuple[str, str]:
    pairs = getaddresses([value])
    for name, address in pairs:
        if "@" in address:
            return name.strip(), address.strip().lower()
    return value.strip(), ""


def _date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed and parsed.tzinfo else None


def _auto_reason(msg: Message, from_address: str) -> str:
    auto_submitted = _header(msg, "Auto-Submitted").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond"):
        if msg.get(name) is not None:
            return name
    precedence = _header(msg, "Precedence").strip().lower()
    if precedence in AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    if msg.get_content_type() == "multipart/report" or any(
            p.get_content_type() == "message/delivery-status" for p in msg.walk()):
        return "уведомление о доставке (DSN)"
    if from_address.split("@")[0] in DAEMON_LOCAL_PARTS:
        return f"служебный отправитель {from_address}"
    return ""


def _bounced_ids(msg: Message) -> list[str]:
    ids: list[str] = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                ids += _MSGID.findall(strip_control(str(inner[0].get("Message-ID", ""))))
        elif ctype == "text/rfc822-headers":
            headers = HeaderParser().parsestr(decode_bytes(part.get_payload(decode=True) or b"", None))
            ids += _MSGID.findall(strip_control(str(headers.get("Message-ID", ""))))
    return list(dict.fromkeys(ids))


# --- bodies and files ---


def decode_bytes(content: bytes, declared: str | None) -> str:
    """Declared charset if it decodes cleanly; else UTF-8; else the best of the Russian encodings."""
    for charset in filter(None, [declared, "utf-8"]):
        try:
            return content.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    best = from_bytes(content, cp_isolation=RUSSIAN_ENCODINGS).best()
    if best is not None:
        return str(best)
    return content.decode("cp1251", errors="replace")


def _part_text(part: Message) -> str:
    try:
        content = part.get_payload(decode=True) or b""
    except Exception:  # noqa: BLE001
        content = str(part.get_payload()).encode("ascii", "surrogateescape")
    charset = part.get_param("charset")
    declared = str(charset).strip().lower() if charset and isinstance(charset, str) else None
    if declared in ("us-ascii", "ascii"):
        declared = None  # mislabelled 8-bit text is common; ASCII decodes the same under UTF-8
    return decode_bytes(content, declared)


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:  # noqa: BLE001
        name = ""
    name = str(name)
    if "=?" in name:
        name = _decode_words(name)
    return strip_control(_unsurrogate(name)).strip()


_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "application/pdf": "pdf",
               "message/rfc822": "eml", "text/plain": "txt", "application/ms-tnef": "dat"}


def _collect(part: Message, mail: ParsedMail, texts: list[str], *, top: bool = False) -> None:
    ctype = part.get_content_type()
    if ctype == "message/rfc822":
        _forwarded(part, mail, texts)
        return
    if part.is_multipart():
        children = [c for c in part.get_payload() if isinstance(c, Message)]
        if ctype == "multipart/alternative":
            plain = [c for c in children if c.get_content_type() == "text/plain"]
            html = [c for c in children if c.get_content_type() == "text/html"]
            if html:
                mail.html = mail.html or _part_text(html[0])
            chosen = plain[:1] or html[:1] or children[:1]
            for child in chosen:
                _collect(child, mail, texts)
            return
        if ctype in ("multipart/report",):
            children = children[:1]  # the human-readable part only; the rest is machine status
        for child in children:
            _collect(child, mail, texts)
        return
    name = _filename(part)
    try:
        disposition = part.get_content_disposition() or ""
    except Exception:  # noqa: BLE001
        disposition = ""
    if ctype in ("text/plain", "text/html") and disposition != "attachment" and not name:
        body = _part_text(part)
        if ctype == "text/plain":
            mail.has_plain_text = True
            texts.append(body)
        else:
            mail.html = mail.html or body
            texts.append(html_to_text(body))
        return
    _add_file(part, mail, name)


def _add_file(part: Message, mail: ParsedMail, name: str) -> None:
    try:
        content = part.get_payload(decode=True) or b""
    except Exception:  # noqa: BLE001
        content = b""
    if not content:
        return
    ctype = part.get_content_type()
    content_id = strip_control(str(part.get("Content-ID", ""))).strip().strip("<>")
    if not name:
        ext = _EXTENSIONS.get(ctype, "bin")
        name = f"{'изображение' if ctype.startswith('image/') else 'вложение'}-{len(mail.files) + 1}.{ext}"
    mail.files.append(ParsedFile(name=name, content=content, content_type=ctype, content_id=content_id))


def _forwarded(part: Message, mail: ParsedMail, texts: list[str]) -> None:
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if not isinstance(inner, Message):
        return
    name, address = _address(_header(inner, "From"))
    head = ["---------- Пересланное сообщение ----------", f"От: {name} <{address}>".replace(" <>", ""),
            f"Тема: {' '.join(_header(inner, 'Subject').split())}"]
    if date := _header(inner, "Date"):
        head.append(f"Дата: {date}")
    inner_texts: list[str] = []
    _collect(inner, mail, inner_texts)
    texts.append("\n".join(head) + "\n\n" + "\n\n".join(t.strip() for t in inner_texts if t.strip()))


class _TextExtractor(HTMLParser):
    BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "hr", "pre"}
    SKIP = {"script", "style", "head", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.out.append("\n")
        elif tag == "td":
            self.out.append(" ")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCK:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.out.append(data)


def html_to_text(html: str) -> str:
    """Clean text of an HTML body: no tags, scripts or styles; paragraphs kept as lines."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    text = unescape("".join(extractor.out)).replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
