"""Reading an import file into records: CSV (UTF-8 with or without BOM, `;`, `,` or tab between columns, the
first line a `#format_version=1;kind=…` directive, the second the header), JSON (an object with
`format_version`, `kind` and `rows`), or a ZIP package of financial documents (a `manifest.csv` or
`manifest.json` next to the PDFs it names). Only the shape of the file is checked here; the values are the
validator's."""

import codecs
import csv
import io
import json
import lzma
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

SUPPORTED_VERSIONS = ("1",)
DELIMITERS = (";", ",", "\t")
MANIFEST_NAMES = ("manifest.csv", "manifest.json")
MAX_ZIP_TOTAL = 2 * 1024**3  # what a package may unpack to, against a ZIP bomb
_DIRECTIVE = re.compile(r"([A-Za-z_]+)\s*=\s*([A-Za-z0-9_.-]+)")
# What zipfile and the decompressors raise for a damaged package: a bad deflate, bzip2 or LZMA stream, a cut one,
# a member offset outside the file, a ZIP version or method Python does not read, an encrypted member, a bad CRC,
# a file name that is not UTF-8 although its flag says so.
_DAMAGED_ZIP = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, ValueError, NotImplementedError,
                RuntimeError)


@dataclass(frozen=True)
class RowError:
    """One reason a file is refused: where (line of a CSV file, record of a JSON file) and why, in Russian."""

    line: int | None
    column: str | None
    message: str
    unit: str = "строка"  # "строка" (CSV) or "запись" (JSON)

    def __post_init__(self):
        # Messages quote the bad value; PostgreSQL keeps no NUL in text or jsonb, and a person cannot read it.
        for name in ("column", "message"):
            value = getattr(self, name)
            if value and "\x00" in value:
                object.__setattr__(self, name, value.replace("\x00", "\\0"))

    def text(self) -> str:
        where = f"{self.unit.capitalize()} {self.line}" if self.line else "Файл"
        if self.column:
            where += f", {'поле' if self.unit == 'запись' else 'столбец'} «{self.column}»"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "unit": self.unit, "column": self.column, "message": self.message,
                "text": self.text()}


class FileRefused(Exception):
    """The file as a whole cannot be read (encoding, format, version, header)."""

    def __init__(self, *errors: RowError | str):
        self.errors = [e if isinstance(e, RowError) else RowError(None, None, e) for e in errors]
        super().__init__("; ".join(e.text() for e in self.errors))


@dataclass
class Record:
    line: int  # the file's line (CSV: where the row starts) or the record's number (JSON)
    values: dict[str, Any]


@dataclass
class Source:
    """A read file: its format, version, kind as the file states it, header and records."""

    format: str  # csv / json / zip
    version: str
    kind: str  # "" when the file does not say
    columns: list[str]
    records: list[Record]
    unit: str  # "строка" / "запись"
    package: "Package | None" = None
    row_errors: list[RowError] = field(default_factory=list)


class Package:
    """The PDFs of a ZIP package, read on demand, by their path relative to the manifest."""

    def __init__(self, archive: zipfile.ZipFile, folder: str):
        self.archive, self.folder = archive, folder
        self.names = {info.filename[len(folder):]: info for info in archive.infolist()
                      if not info.is_dir() and info.filename.startswith(folder)}

    def __contains__(self, path: str) -> bool:
        return path in self.names

    def size(self, path: str) -> int:
        return self.names[path].file_size

    def head(self, path: str, size: int = 5) -> bytes:
        try:
            with self.archive.open(self.names[path]) as member:
                return member.read(size)
        except _DAMAGED_ZIP:
            raise _member_refused(path) from None

    def read(self, path: str) -> bytes:
        """The whole member; raises FileRefused for one that does not unpack (the CRC is checked at its end)."""
        try:
            return self.archive.read(self.names[path])
        except _DAMAGED_ZIP:
            raise _member_refused(path) from None


def _member_refused(path: str) -> FileRefused:
    return FileRefused(f"ZIP-пакет повреждён: файл «{path}» не распаковывается.")


def read(content: bytes, *, file_name: str = "") -> Source:
    if content[:4] == b"PK\x03\x04":
        return _read_zip(content)
    return read_text(decode(content))


def decode(content: bytes) -> str:
    if content[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        raise FileRefused("Файл в кодировке UTF-16: сохраните выгрузку в UTF-8 (в Excel — «CSV UTF-8»).")
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8):]
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FileRefused(
            f"Файл не в кодировке UTF-8 (недопустимый байт в позиции {error.start + 1}): сохраните выгрузку "
            "в UTF-8 (в Excel — «CSV UTF-8»); кодировка Windows-1251 не принимается.") from None
    if not text.strip():
        raise FileRefused("Файл пуст.")
    return text


def read_text(text: str) -> Source:
    if text.lstrip()[:1] in ("{", "["):
        return _read_json(text)
    return _read_csv(text)


def check_version(version: Any) -> str:
    value = str(version).strip() if version is not None and not isinstance(version, bool) else ""
    if not value:
        raise FileRefused("Не указана версия формата: первая строка CSV-файла — «#format_version=1;kind=…», "
                          "в JSON — поле «format_version».")
    if value not in SUPPORTED_VERSIONS:
        raise FileRefused(f"Версия формата «{value}» не поддерживается: поддерживается версия "
                          f"{', '.join(SUPPORTED_VERSIONS)}. Обновите систему или выгрузите файл в версии 1.")
    return value


# --- CSV ---


def _directive(line: str) -> dict[str, str]:
    text = line.strip().strip("\"'").strip()
    if not text.startswith("#"):
        raise FileRefused(RowError(1, None, "первая строка CSV-файла — версия формата: "
                                            "«#format_version=1;kind=charges» (вид — balances, charges, documents, "
                                            "payments, meters или readings)."))
    return {key.lower(): value for key, value in _DIRECTIVE.findall(text)}


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def _header(row: list[str]) -> list[str]:
    names = [name.strip().strip("\ufeff").lower() for name in row]
    seen: set[str] = set()
    for name in names:
        if not name:
            raise FileRefused(RowError(2, None, "в заголовке пустое название столбца."))
        if name in seen:
            raise FileRefused(RowError(2, name, "столбец указан в заголовке дважды."))
        seen.add(name)
    return names


def _read_csv(text: str) -> Source:
    stream = io.StringIO(text, newline="")
    directive = _directive(stream.readline())
    version = check_version(directive.get("format_version"))
    header_line = stream.readline()
    if not header_line.strip():
        raise FileRefused(RowError(2, None, "вторая строка CSV-файла — заголовок с названиями столбцов."))
    delimiter = _delimiter(header_line)
    columns = _header(next(csv.reader([header_line], delimiter=delimiter)))
    records: list[Record] = []
    errors: list[RowError] = []
    reader = csv.reader(stream, delimiter=delimiter)
    line = 3
    try:
        for row in reader:
            start, line = line, reader.line_num + 3
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(columns) and any(cell.strip() for cell in row[len(columns):]):
                errors.append(RowError(start, None, f"значений больше ({len(row)}), чем столбцов в заголовке "
                                                    f"({len(columns)}); проверьте разделитель «{delimiter}»."))
                continue
            records.append(Record(start, dict(zip(columns, row, strict=False))))
    except csv.Error as error:
        raise FileRefused(RowError(line, None, f"CSV не разобран: {error}.")) from None
    return Source("csv", version, directive.get("kind", "").lower(), columns, records, "строка", row_errors=errors)


# --- JSON ---

_JSON_ERRORS = {
    "Expecting value": "ожидается значение",
    "Expecting property name": "ожидается имя поля в двойных кавычках",
    "Expecting ',' delimiter": "ожидается запятая",
    "Expecting ':' delimiter": "ожидается двоеточие",
    "Extra data": "лишние данные после конца JSON",
    "Unterminated string": "незакрытая строка",
    "Invalid control character": "недопустимый управляющий символ в строке",
    "Invalid \\escape": "недопустимая escape-последовательность",
}


def _read_json(text: str) -> Source:
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        reason = next((text for prefix, text in _JSON_ERRORS.items() if error.msg.startswith(prefix)),
                      "ошибка синтаксиса")
        raise FileRefused(f"JSON не разобран: строка {error.lineno}, позиция {error.colno}: {reason}.") from None
    except RecursionError:
        raise FileRefused("JSON не разобран: слишком глубокая вложенность.") from None
    if not isinstance(data, dict):
        raise FileRefused("JSON-файл — объект с полями «format_version», «kind» и «rows».")
    version = check_version(data.get("format_version"))
    kind = data.get("kind") or ""
    if not isinstance(kind, str):
        raise FileRefused("Поле «kind» — строка: balances, charges, documents, payments, meters или readings.")
    rows = data.get("rows")
    if not isinstance(rows, list):
        raise FileRefused("В JSON-файле нет списка записей «rows».")
    records, errors = [], []
    for number, row in enumerate(rows, start=1):
        if isinstance(row, dict):
            records.append(Record(number, row))
        else:
            errors.append(RowError(number, None, "запись должна быть объектом JSON.", unit="запись"))
    columns = sorted({key for record in records for key in record.values})
    return Source("json", version, kind.lower(), columns, records, "запись", row_errors=errors)


# --- ZIP package ---


def _read_zip(content: bytes) -> Source:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except _DAMAGED_ZIP:
        raise FileRefused("ZIP-пакет повреждён и не открывается.") from None
    if sum(info.file_size for info in infos) > MAX_ZIP_TOTAL:
        raise FileRefused("ZIP-пакет слишком велик в распакованном виде (больше 2 ГБ).")
    manifests = [info for info in infos if info.filename.rsplit("/", 1)[-1].lower() in MANIFEST_NAMES
                 and info.filename.count("/") <= 1]
    if len(manifests) != 1:
        raise FileRefused("В ZIP-пакете должен быть ровно один файл описания: manifest.csv или manifest.json "
                          "(в корне пакета или в одной папке).")
    manifest = manifests[0]
    folder = manifest.filename[: manifest.filename.rfind("/") + 1]
    package = Package(archive, folder)
    source = read_text(decode(package.read(manifest.filename[len(folder):])))
    source.format = "zip"
    source.package = package
    return source
