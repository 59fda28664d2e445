"""What files an appeal accepts: documents, scans, spreadsheets and signatures up to a size limit.
The type is judged by the content, not by the name the sender gave."""

import hashlib
from dataclasses import dataclass

from django.conf import settings

from abonent.appeals.errors import AppealError

# extension -> (content type, magic prefixes or None when the format has no fixed signature)
ALLOWED: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    "pdf": ("application/pdf", (b"%PDF",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    "tif": ("image/tiff", (b"II*\x00", b"MM\x00*")),
    "tiff": ("image/tiff", (b"II*\x00", b"MM\x00*")),
    "doc": ("application/msword", (b"\xd0\xcf\x11\xe0",)),
    "xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", (b"PK\x03\x04",)),
    "rtf": ("application/rtf", (b"{\\rtf",)),
    "zip": ("application/zip", (b"PK\x03\x04",)),
    "xml": ("application/xml", None),
    "txt": ("text/plain", None),
    "csv": ("text/csv", None),
    "sig": ("application/pkcs7-signature", None),
    "p7s": ("application/pkcs7-signature", None),
    "eml": ("message/rfc822", None),
    "dat": ("application/ms-tnef", None),  # winmail.dat from Outlook, kept as it came
}
_EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe")
ALLOWED_TEXT = "PDF, JPEG, PNG, GIF, TIFF, DOC(X), XLS(X), ODT, ODS, RTF, ZIP, XML, TXT, CSV, SIG/P7S, EML"


@dataclass(frozen=True)
class IncomingFile:
    name: str
    content: bytes


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content: bytes
    content_type: str
    sha256: str


def check_file(incoming: IncomingFile) -> CheckedFile:
    """Refuses, with the reason in Russian, files that are too large, empty, executable or not what
    their name says."""
    name = incoming.name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "файл"
    size_limit = settings.ATTACHMENT_MAX_BYTES
    if not incoming.content:
        raise AppealError(f"Файл «{name}» пустой.", field="files")
    if len(incoming.content) > size_limit:
        raise AppealError(
            f"Файл «{name}» больше допустимого размера {size_limit // (1024 * 1024)} МБ.", field="files")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED:
        raise AppealError(f"Файл «{name}»: такой тип файлов не принимается. Допустимы: {ALLOWED_TEXT}.",
                          field="files")
    content_type, magics = ALLOWED[ext]
    head = incoming.content[:16]
    if head.startswith(_EXECUTABLE_MAGIC) or (magics is not None and not head.startswith(magics)):
        raise AppealError(f"Файл «{name}»: содержимое не соответствует типу .{ext}.", field="files")
    return CheckedFile(name=name, content=incoming.content, content_type=content_type,
                       sha256=hashlib.sha256(incoming.content).hexdigest())
