"""Validation of every record of a read file against its kind: columns, each cell, references to accounts,
meters and reading groups, duplicates inside the file, and the checks across a row's columns. Collects
every error (never stops at the first), each with its line; returns the parsed rows only when there are
none."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from abonent.billing.importing import fields as f
from abonent.billing.importing.formats import Record, RowError, Source
from abonent.billing.importing.kinds import LINE_COLUMNS, LINE_CSV_COLUMNS, Kind

LOOKUP_CHUNK = 2000
MAX_PDF_SIZE = 50 * 1024**2


class Progress(Protocol):
    def stage(self, label: str, total: int) -> None: ...

    def advance(self, count: int = 1) -> None: ...


class NoProgress:
    def stage(self, label: str, total: int) -> None:
        pass

    def advance(self, count: int = 1) -> None:
        pass


@dataclass
class Row:
    """A valid record: the model's field values and the natural key it is matched by."""

    line: int
    fields: dict[str, Any]
    key: tuple
    pdf: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


def chunks(items: list, size: int = LOOKUP_CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class Validator:
    def __init__(self, kind: Kind, source: Source, progress: Progress):
        self.kind, self.source, self.progress = kind, source, progress
        self.unit = source.unit
        self.errors: list[RowError] = list(source.row_errors)

    def error(self, line: int | None, column: str | None, message: str) -> None:
        self.errors.append(RowError(line, column, message, self.unit))

    # --- columns ---

    def allowed_columns(self) -> set[str]:
        names = set(self.kind.column_names)
        if self.kind.code == "documents" and self.source.unit == "строка":
            names = (names - {"lines"}) | set(LINE_CSV_COLUMNS)
        return names

    def check_header(self) -> bool:
        """CSV: every column known, every required one present. False stops the validation."""
        allowed = self.allowed_columns()
        for name in self.source.columns:
            if name not in allowed:
                self.error(2, name, f"неизвестный столбец; допустимы: {', '.join(self._ordered(allowed))}.")
        for column in self.kind.columns:
            if column.required and column.name not in self.source.columns:
                self.error(2, column.name, f"нет обязательного столбца ({column.label}).")
        return not self.errors

    def _ordered(self, names: Iterable[str]) -> list[str]:
        order = [*self.kind.column_names, *LINE_CSV_COLUMNS]
        return sorted(names, key=lambda n: order.index(n) if n in order else len(order))

    # --- records ---

    def parse_record(self, record: Record, allowed: set[str]) -> dict[str, Any] | None:
        ok = True
        if self.unit == "запись":
            for name in record.values:
                if name not in allowed:
                    self.error(record.line, name, "неизвестное поле.")
                    ok = False
        values: dict[str, Any] = {}
        for column in self.kind.columns:
            raw = record.values.get(column.name)
            if f.is_blank(raw) or (column.name == "lines" and raw in ([], ())):
                if column.required:
                    self.error(record.line, column.name, f"не заполнено ({column.label}).")
                    ok = False
                values[column.name] = list(column.default) if isinstance(column.default, tuple) else column.default
                continue
            try:
                values[column.name] = (self.parse_lines(raw, record.line) if column.name == "lines"
                                       else column.parse(raw))
            except f.CellError as error:
                self.error(record.line, column.name, str(error))
                ok = False
        return values if ok else None

    def parse_lines(self, raw: Any, line: int) -> list[dict[str, str | None]]:
        """Document lines: from JSON a list of objects; from CSV a list of (file line, raw values)."""
        if not isinstance(raw, list):
            raise f.CellError("строки документа — список объектов.")
        parsed, failed = [], False
        for number, item in enumerate(raw, start=1):
            at, values = item if isinstance(item, tuple) else (line, item)
            if not isinstance(values, dict):
                raise f.CellError(f"строка документа № {number} должна быть объектом.")
            prefix = "line_" if isinstance(item, tuple) else "lines."
            known = {c.name for c in LINE_COLUMNS}
            for name in values:
                if name not in known:
                    self.error(at, f"{prefix}{name}", "неизвестное поле строки документа.")
                    failed = True
            out: dict[str, str | None] = {}
            for column in LINE_COLUMNS:
                value = values.get(column.name)
                where = f"{prefix}{column.name}" if prefix == "line_" else f"lines[{number}].{column.name}"
                if f.is_blank(value):
                    if column.required:
                        self.error(at, where, f"не заполнено ({column.label}).")
                        failed = True
                    out[column.name] = None if column.default is None else str(column.default)
                    continue
                try:
                    out[column.name] = str(column.parse(value))
                except f.CellError as error:
                    self.error(at, where, str(error))
                    failed = True
            parsed.append(out)
        if failed:
            raise f.CellError("строки документа содержат ошибки (см. выше).")
        return parsed

    def assemble_documents(self, records: list[Record]) -> list[Record]:
        """CSV documents: one row per document line; the rows of one document (same `external_id`) repeat its
        columns, which must agree, and number their lines in `line_no`."""
        documents: dict[str, Record] = {}
        first_line: dict[str, int] = {}
        seen_lines: dict[tuple[str, str], int] = {}
        header = [c.name for c in self.kind.columns if c.name != "lines"]
        for record in records:
            key = str(record.values.get("external_id", "")).strip()
            line_values = {name[len("line_"):]: record.values[name] for name in record.values
                           if name.startswith("line_") and name != "line_no"}
            has_line = any(not f.is_blank(v) for v in line_values.values())
            if not key:
                documents[f"\x00{record.line}"] = Record(record.line, {**record.values, "lines": []})
                continue
            if key not in documents:
                documents[key] = Record(record.line, {n: record.values.get(n) for n in header} | {"lines": []})
                first_line[key] = record.line
            else:
                head = documents[key].values
                differing = [n for n in header
                             if str(record.values.get(n) or "").strip() != str(head.get(n) or "").strip()]
                if differing:
                    self.error(record.line, differing[0], f"документ «{key}» уже описан в строке {first_line[key]} "
                                                          "с другими реквизитами: в строках одного документа "
                                                          "реквизиты должны совпадать.")
                    continue
                if not has_line:
                    self.error(record.line, "external_id", f"документ «{key}» уже встречался в строке "
                                                           f"{first_line[key]}.")
                    continue
            if has_line:
                number = str(record.values.get("line_no") or "").strip()
                if not number:
                    self.error(record.line, "line_no", "не заполнен номер строки документа.")
                    continue
                if (key, number) in seen_lines:
                    self.error(record.line, "line_no", f"строка № {number} документа «{key}» уже была в строке "
                                                       f"{seen_lines[key, number]} файла.")
                    continue
                seen_lines[key, number] = record.line
                documents[key].values["lines"].append((record.line, line_values))
        return list(documents.values())

    # --- the whole file ---

    def run(self) -> list[Row]:
        if self.unit == "строка" and not self.check_header():
            return []
        records = self.source.records
        if self.kind.code == "documents" and self.unit == "строка":
            records = self.assemble_documents(records)
        if not records and not self.errors:
            self.error(None, None, "в файле нет ни одной записи.")
            return []
        allowed = self.allowed_columns()
        self.progress.stage("Проверка строк", len(records))
        rows: list[Row] = []
        first_seen: dict[tuple, int] = {}
        for index, record in enumerate(records, start=1):
            values = self.parse_record(record, allowed)
            if index % 1000 == 0:
                self.progress.advance(1000)
            if values is None:
                continue
            key = self.natural_key(values)
            if key in first_seen:
                self.error(record.line, self.kind.key[-1] if self.kind.key != ("external_id",) else "external_id",
                           self.duplicate_message(values, first_seen[key]))
                continue
            first_seen[key] = record.line
            fields = {(c.field or c.name): values[c.name] for c in self.kind.columns if c.field is not None}
            rows.append(Row(record.line, fields, key, pdf=values.get("pdf") or "", raw=values))
        self.progress.advance(len(records) % 1000)
        self.resolve_references(rows)
        self.check_rows(rows)
        if self.source.package is not None or any(row.pdf for row in rows):
            self.check_pdfs(rows)
        return rows if not self.errors else []

    def natural_key(self, values: dict[str, Any]) -> tuple:
        if self.kind.key == ("external_id",):
            return (values["external_id"],)
        return (values["account"], values["as_of"])

    def duplicate_message(self, values: dict[str, Any], line: int) -> str:
        where = f"{'строке' if self.unit == 'строка' else 'записи'} {line}"
        if self.kind.key == ("external_id",):
            return f"код «{values['external_id']}» уже встречался в {where}: в файле две записи об одном."
        return f"сальдо по счёту {values['account']} на {values['as_of']:%d.%m.%Y} уже есть в {where}."

    def resolve_references(self, rows: list[Row]) -> None:
        for ref in self.kind.references:
            wanted = sorted({row.raw[ref.column] for row in rows if not f.is_blank(row.raw.get(ref.column))})
            found: dict[str, dict] = {}
            for chunk in chunks(wanted):
                matches = ref.model.objects.filter(**{f"{ref.lookup}__in": chunk})
                for item in matches.values(ref.lookup, "pk", *ref.extra):
                    found[item[ref.lookup]] = item
            blank = None
            if ref.when_blank is not None:
                blank = ref.model.objects.filter(**ref.when_blank).values("pk", *ref.extra).order_by("pk").first()
            for row in rows:
                value = row.raw.get(ref.column)
                target = blank if f.is_blank(value) else found.get(value)
                if target is None and not f.is_blank(value):
                    self.error(row.line, ref.column, ref.missing.format(value=value))
                row.fields[ref.field] = target["pk"] if target else None
                row.raw[f"_{ref.column}"] = target

    def check_rows(self, rows: list[Row]) -> None:
        if self.kind.check is None:
            return
        for row in rows:
            refs = {ref.column: row.raw.get(f"_{ref.column}") for ref in self.kind.references}
            for column, message in self.kind.check(row.raw, refs):
                self.error(row.line, column, message)

    def check_pdfs(self, rows: list[Row]) -> None:
        package = self.source.package
        for row in rows:
            if not row.pdf:
                continue
            if package is None:
                self.error(row.line, "pdf", "PDF передаётся только в ZIP-пакете рядом с manifest.csv (manifest.json); "
                                            "в отдельном файле оставьте столбец пустым.")
            elif row.pdf not in package:
                self.error(row.line, "pdf", f"файла «{row.pdf}» нет в ZIP-пакете.")
            elif package.size(row.pdf) > MAX_PDF_SIZE:
                self.error(row.line, "pdf", f"файл «{row.pdf}» больше 50 МБ.")
            elif package.head(row.pdf) != b"%PDF-":
                self.error(row.line, "pdf", f"файл «{row.pdf}» — не PDF.")


def validate(kind: Kind, source: Source, progress: Progress | None = None) -> tuple[list[Row], list[RowError]]:
    validator = Validator(kind, source, progress or NoProgress())
    rows = validator.run()
    return rows, validator.errors
