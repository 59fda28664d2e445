"""The XLSX and the PDF hold the same figures as the page, under the same filter."""

import datetime as dt
import io
import subprocess

import openpyxl
import pytest
from django.urls import reverse

from abonent.reports import exports
from abonent.reports.filters import ReportFilter
from abonent.reports.periods import Period
from abonent.reports.queries import calls

pytestmark = pytest.mark.django_db
OCTOBER = Period.month(dt.date(2026, 10, 1))


def sheet_table(sheet, title: str) -> dict[str, list]:
    """The rows of a table written under `title`: first cell → the other cells."""
    values = list(sheet.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(values) if row[0] == title)
    result = {}
    for row in values[start + 2:]:
        if row[0] is None:
            break
        result[row[0]] = list(row[1:])
    return result


def pdf_text(content: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True)
    return done.stdout.decode()


def test_xlsx_holds_the_figures(client, sales_head, october):
    client.force_login(sales_head)
    response = client.get(reverse("reports:report_export", args=["appeals", "xlsx"]), {"month": "2026-10"})
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="report_appeals_2026-10.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Сводка", "Обращения"]
    front = {row[0]: row[1] for row in book["Сводка"].iter_rows(values_only=True) if row[0]}
    assert front["Период"] == "октябрь 2026 (01.10.2026 — 31.10.2026)"
    channels = sheet_table(book["Обращения"], "Поступило по каналам")
    assert channels["электронная почта"][:2] == [3, 0.375]
    assert channels["почта"][:2] == [1, 0.125]
    assert channels["Итого"][:2] == [8, 1.0]
    timeliness = sheet_table(book["Обращения"], "Сроки ответов по подразделениям")
    assert timeliness["Отдел продаж электроэнергии юридическим лицам"][:5] == [4, 3, 1, 0.75, 5.75]
    assert timeliness["Итого"][:5] == [5, 3, 2, 0.6, 12.4]
    days = sheet_table(book["Обращения"], "По дням")
    assert days[dt.datetime(2026, 10, 1)][:3] == [2, 0, 0]


def test_xlsx_follows_the_filter(client, sales_head, october):
    client.force_login(sales_head)
    sales = october.departments["sales"]
    response = client.get(reverse("reports:report_export", args=["deadlines", "xlsx"]),
                          {"month": "2026-10", "department": sales.pk})
    assert response["Content-Disposition"] == 'attachment; filename="report_deadlines_2026-10_sales.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    table = sheet_table(book["Просроченные и продлённые"], "Нарушения и продления сроков по подразделениям")
    assert {label: values[:5] for label, values in table.items()} == {
        "Отдел продаж электроэнергии юридическим лицам": [3, 4, 1, 0, 0], "Итого": [3, 4, 1, 0, 0]}


def test_calls_xlsx_keeps_seconds_and_shares_as_numbers(october):
    f = ReportFilter(OCTOBER)
    content = exports.to_xlsx(exports.Document("Call-центр", f, [calls.section(f)]))
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Call-центр"]
    summary = sheet_table(sheet, "Уровень обслуживания call-центра")
    assert summary["Доля ответов за 12 с"][0] == 0.6
    assert summary["Средняя продолжительность разговора (норма — не более 4–5 мин)"][0] == 225
    operators = sheet_table(sheet, "По операторам")
    assert operators["Соколова М. Т."][:4] == [2, 2, 2, 1.0]


def test_pdf_renders_the_figures(client, sales_head, october):
    client.force_login(sales_head)
    response = client.get(reverse("reports:report_export", args=["calls", "pdf"]), {"month": "2026-10"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="report_calls_2026-10.pdf"'
    text = pdf_text(response.content)
    assert "Call-центр: уровень обслуживания" in text
    assert "Соколова М. Т." in text
    assert "3 мин 45 с" in text.replace("\u00a0", " ")
    assert "60,0 %" in text.replace("\u00a0", " ")
