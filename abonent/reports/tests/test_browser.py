import io
from pathlib import Path

import openpyxl
import pytest

from abonent.reports.tests.test_exports import sheet_table


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_head_filters_the_monthly_report_and_downloads_the_xlsx(page, login, sales_head, month_data):
    login("saleshead")
    page.goto("/reports/monthly/?month=2026-10")
    page.wait_for_selector("h1:has-text('Отчёт о работе с клиентами за октябрь 2026')")
    assert page.locator("#table-by_department tbody tr").count() == 3
    page.get_by_label("Подразделение").select_option(label="Отдел продаж электроэнергии юридическим лицам")
    page.get_by_role("button", name="Показать").click()
    page.wait_for_url(f"**department={month_data.departments['sales'].pk}**")
    assert page.locator("#table-by_department tbody tr").count() == 1
    assert "Подразделение: Отдел продаж электроэнергии юридическим лицам" in page.locator(".report-scope").inner_text()
    with page.expect_download() as info:
        page.get_by_role("link", name="Скачать XLSX").click()
    download = info.value
    assert download.suggested_filename == "monthly_report_2026-10_sales.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    summary = sheet_table(book["Сводка"], "Основные показатели")
    assert summary["Поступило обращений"][:2] == [3, 3]  # sales: a7, a12, a13 in September; a1–a3 in October
    channels = sheet_table(book["Обращения"], "Поступило по каналам")
    assert channels["Итого"][0] == 3
