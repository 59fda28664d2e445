"""A report as a file: XLSX (xlsxwriter; figures stored as numbers with Russian display formats) and PDF
(WeasyPrint through appeals.documents.html_to_pdf, the project's one entry point). Both are built from
the same tables as the page."""

import io
import re
from dataclasses import dataclass

import xlsxwriter
from django.template.loader import render_to_string
from django.utils import timezone

from abonent.appeals.documents import html_to_pdf
from abonent.organisation.models import Organisation
from abonent.reports import charts
from abonent.reports.filters import ReportFilter
from abonent.reports.tables import Kind, Section, Table, kind_of

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass
class Document:
    """What an export holds: the title, the filter, optional monthly parts, the sections."""

    title: str
    filter: ReportFilter
    sections: list[Section]
    summary: Table | None = None
    findings: list[dict] | None = None
    proposals: str | None = None


def chart_rows(sections: list[Section]) -> list[tuple[Section, list[tuple[Table, str]]]]:
    """Each section with its tables and the data: URL of each table's chart ("" for a table without one)."""
    return [(s, [(t, charts.data_url(t) if t.chart and t.rows else "") for t in s.tables]) for s in sections]


# --- XLSX -----------------------------------------------------------------------------------------------


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook):
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.heading = book.add_format({"bold": True, "font_size": 12})
        self.header = book.add_format({"bold": True, "bg_color": "#E8EEF5", "border": 1, "text_wrap": True,
                                       "valign": "top"})
        self.note = book.add_format({"italic": True, "font_color": "#555555"})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.cell = {kind: book.add_format({"border": 1, **props}) for kind, props in _NUMBER_FORMATS.items()}
        self.total = {kind: book.add_format({"border": 1, "bold": True, **props})
                      for kind, props in _NUMBER_FORMATS.items()}


_NUMBER_FORMATS = {
    Kind.TEXT: {},
    Kind.INT: {"num_format": "#,##0"},
    Kind.SHARE: {"num_format": "0.0%"},
    Kind.POINTS: {"num_format": '+0.0" п.п.";-0.0" п.п.";0.0" п.п."'},
    Kind.DAYS: {"num_format": "0.0"},
    Kind.NUMBER: {"num_format": "0.00"},
    Kind.SECONDS: {"num_format": '0" с"'},
    Kind.DATE: {"num_format": "dd.mm.yyyy"},
}


def xlsx_value(value, kind: Kind):
    """The value as stored in the cell: numbers stay numbers (a share as its fraction, points ×100)."""
    if value is None or value == "":
        return "—"
    if kind == Kind.POINTS:
        return round(value * 100, 2)
    return value


def _write_cell(sheet, row: int, col: int, value, kind: Kind, fmt) -> None:
    stored = xlsx_value(value, kind)
    if isinstance(stored, str) or kind == Kind.TEXT:
        sheet.write_string(row, col, str(stored), fmt)
    elif kind == Kind.DATE:
        sheet.write_datetime(row, col, stored, fmt)
    else:
        sheet.write_number(row, col, stored, fmt)


def _write_table(sheet, start: int, table: Table, formats: _Formats) -> int:
    sheet.write_string(start, 0, table.title, formats.heading)
    row = start + 1
    for col, column in enumerate(table.columns):
        sheet.write_string(row, col, column.title, formats.header)
    for values in table.rows:
        row += 1
        for col, column in enumerate(table.columns):
            kind = kind_of(values, column)
            _write_cell(sheet, row, col, values.get(column.key), kind, formats.cell[kind])
    if not table.rows:
        row += 1
        sheet.write_string(row, 0, "Нет данных за период.", formats.note)
    if table.total:
        row += 1
        for col, column in enumerate(table.columns):
            kind = kind_of(table.total, column)
            value = table.total.get(column.key)
            _write_cell(sheet, row, col, value, Kind.TEXT if col == 0 else kind, formats.total[kind])
    if table.note:
        row += 1
        sheet.write_string(row, 0, table.note, formats.note)
    return row + 2


def _sheet_name(title: str, used: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub(" ", title)[:31].strip()
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def to_xlsx(doc: Document) -> bytes:
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True})
    book.set_properties({"title": doc.title, "author": _organisation_name()})
    formats = _Formats(book)
    used: set[str] = set()
    front = book.add_worksheet(_sheet_name("Сводка", used))
    front.set_column(0, 0, 58)
    front.set_column(1, 4, 18)
    front.write_string(0, 0, doc.title, formats.title)
    row = 2
    for label, value in [*doc.filter.description(), ("Сформирован", _generated())]:
        front.write_string(row, 0, label, formats.heading)
        front.write_string(row, 1, value)
        row += 1
    row += 1
    if doc.summary is not None:
        row = _write_table(front, row, doc.summary, formats)
    if doc.findings is not None:
        front.write_string(row, 0, "Выводы", formats.heading)
        for finding in doc.findings or [{"text": "Существенных изменений нет."}]:
            row += 1
            front.write_string(row, 0, finding["text"], formats.wrap)
        row += 2
    if doc.proposals is not None:
        front.write_string(row, 0, "Предложения по улучшению обслуживания", formats.heading)
        front.write_string(row + 1, 0, doc.proposals or "Не внесены.", formats.wrap)
    for section in doc.sections:
        sheet = book.add_worksheet(_sheet_name(section.sheet or section.title, used))
        sheet.set_column(0, 0, 40)
        sheet.set_column(1, 12, 16)
        sheet.write_string(0, 0, section.title, formats.title)
        row = 2
        for table in section.tables:
            row = _write_table(sheet, row, table, formats)
        for note in section.notes:
            sheet.write_string(row, 0, note, formats.note)
            row += 1
    book.close()
    return output.getvalue()


# --- PDF ------------------------------------------------------------------------------------------------


def to_pdf(doc: Document) -> bytes:
    html = render_to_string("reports/pdf.html", {
        "doc": doc, "sections": chart_rows(doc.sections), "organisation": Organisation.current(),
        "generated": _generated()})
    return html_to_pdf(html)


def _organisation_name() -> str:
    organisation = Organisation.current()
    return organisation.short_name if organisation else ""


def _generated() -> str:
    return f"{timezone.localtime():%d.%m.%Y %H:%M}"


def filename(name: str, f: ReportFilter, extension: str) -> str:
    return f"{name}_{f.slug}.{extension}"
