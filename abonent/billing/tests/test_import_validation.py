"""Every validation error of the importer, reported with its line (CSV) or record (JSON) in Russian;
a file with any of them writes nothing."""

from decimal import Decimal

import pytest

from abonent.billing.importing import Outcome
from abonent.billing.importing.fields import CellError, decimal, parse_date, parse_period
from abonent.billing.models import Balance, Charge, FinancialDocument, ImportBatch, Meter, MeterReading, Payment
from abonent.billing.tests.importing_support import (  # noqa: F401
    ACCOUNT,
    OTHER_ACCOUNT,
    accounts,
    csv_file,
    json_file,
    run,
    texts,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("accounts")]


def refused(content: bytes, **kwargs) -> list[str]:
    result = run(content, **kwargs)
    assert result.outcome == Outcome.REJECTED
    return texts(result)


# --- cells ---


@pytest.mark.parametrize(("raw", "expected"), [
    ("1234,56", Decimal("1234.56")), ("1 234,56", Decimal("1234.56")), ("1\u00a0234.5", Decimal("1234.50")),
    ("-12", Decimal("-12.00")), (",5", Decimal("0.50")), (7, Decimal("7.00")), (Decimal("1.1"), Decimal("1.10")),
])
def test_decimal_with_comma_or_dot(raw, expected):
    assert decimal(max_digits=14, places=2)(raw) == expected


@pytest.mark.parametrize(("raw", "message"), [
    ("1,234.56", "«1,234.56» — не число; дробную часть отделяйте запятой или точкой, например 1234,56."),
    ("12р", "«12р» — не число; дробную часть отделяйте запятой или точкой, например 1234,56."),
    ("1,234", "«1,234»: не более 2 знаков после запятой."),
    ("1000000000000", "«1000000000000»: слишком большое число (не более 12 знаков до запятой)."),
    (True, "ожидается строка или число."),
])
def test_decimal_refusals(raw, message):
    with pytest.raises(CellError) as error:
        decimal(max_digits=14, places=2)(raw)
    assert str(error.value) == message


def test_dates_and_periods():
    assert parse_date("05.01.2026") == parse_date("2026-01-05")
    assert parse_period("01.2026") == parse_period("2026-01") == parse_period("01.01.2026") == parse_date("01.01.2026")
    for bad, message in [("2026.01.05", "«2026.01.05» — не дата; ожидается ДД.ММ.ГГГГ или ГГГГ-ММ-ДД."),
                         ("29.02.2026", "нет такой даты «29.02.2026»."),
                         ("01.01.1999", "дата «01.01.1999» вне допустимого диапазона (2000–2100 годы).")]:
        with pytest.raises(CellError, match=message.replace(".", r"\.").replace("(", r"\(").replace(")", r"\)")):
            parse_date(bad)
    with pytest.raises(CellError, match="должен быть месяцем"):
        parse_period("15.01.2026")


# --- rows of each kind, each error with its line ---


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written():
    content = csv_file(
        "charges", "external_id;account;period;amount;vat;volume_kwh",
        f"C-1;{ACCOUNT};01.2026;100,00;20,00;10",
        "C-2;9999999999;01.2026;100,00;20,00;10",
        f"C-3;{ACCOUNT};13.2026;100,00;20,00;10",
        f"C-4;{ACCOUNT};02.2026;сто;20,00;10",
        f"C-1;{OTHER_ACCOUNT};03.2026;1;0;1",
        f"C-6;{ACCOUNT};02.2026;10;20;",
        f";{ACCOUNT};02.2026;10;0;",
        f"C 8;{ACCOUNT};02.2026;10;0;",
    )

    assert refused(content) == [
        "Строка 5, столбец «period»: нет такого месяца «13.2026».",
        "Строка 6, столбец «amount»: «сто» — не число; дробную часть отделяйте запятой или точкой, например 1234,56.",
        "Строка 7, столбец «external_id»: код «C-1» уже встречался в строке 3: в файле две записи об одном.",
        "Строка 9, столбец «external_id»: не заполнено (код начисления в биллинге (уникальный, не меняется)).",
        "Строка 10, столбец «external_id»: код «C 8» не должен содержать пробелов и служебных символов.",
        "Строка 4, столбец «account»: лицевой счёт 9999999999 не найден.",
        "Строка 8, столбец «vat»: НДС не может быть больше суммы с НДС.",
    ]
    assert not Charge.objects.exists()
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.REJECTED and batch.kind == "charges"
    assert [e["line"] for e in batch.errors] == [5, 6, 7, 9, 10, 4, 8]
    assert batch.errors[0] == {"line": 5, "unit": "строка", "column": "period",
                               "message": "нет такого месяца «13.2026».",
                               "text": "Строка 5, столбец «period»: нет такого месяца «13.2026»."}


def test_balances():
    content = csv_file("balances", "account;as_of;amount;overdue",
                       f"{ACCOUNT};01.02.2026;100;50", f"{ACCOUNT};2026-02-01;100;0",
                       f"{OTHER_ACCOUNT};01.02.2026;-5;1",
                       f"{OTHER_ACCOUNT};01.03.2026;10;-1")
    assert refused(content) == [
        "Строка 4, столбец «as_of»: сальдо по счёту 2200010000 на 01.02.2026 уже есть в строке 3.",
        "Строка 6, столбец «overdue»: «-1»: значение не может быть меньше 0.",
        "Строка 5, столбец «overdue»: просроченная задолженность не может быть больше долга по сальдо.",
    ]
    assert not Balance.objects.exists()


def test_payments():
    content = csv_file("payments", "external_id;account;paid_on;amount;source",
                       f"P-1;{ACCOUNT};10.01.2026;0;bank", f"P-2;{ACCOUNT};10.01.2026;5;наличные")
    assert refused(content) == [
        "Строка 3, столбец «amount»: «0»: сумма должна быть больше нуля.",
        "Строка 4, столбец «source»: неизвестное значение «наличные» (источник платежа); допустимы: bank, "
        "платёжное поручение, банк, online, онлайн, other, прочее.",
    ]
    assert not Payment.objects.exists()


def test_meters_and_readings():
    content = csv_file("meters", "external_id;account;serial_number;zone;digits;ratio;reading_group",
                       f"M-1;{ACCOUNT};123;день;6;1;", f"M-2;{ACCOUNT};124;вечер;0;0;Несуществующая группа")
    assert refused(content) == [
        "Строка 4, столбец «zone»: неизвестное значение «вечер» (тарифная зона); допустимы: сутки, день, ночь, пик, "
        "полупик.",
        "Строка 4, столбец «digits»: «0»: допустимо от 1 до 12.",
        "Строка 4, столбец «ratio»: «0»: сумма должна быть больше нуля.",
    ]
    content = csv_file("meters", "external_id;account;serial_number;reading_group",
                       f"M-2;{ACCOUNT};124;Несуществующая группа")
    assert refused(content) == ["Строка 3, столбец «reading_group»: группа приёма показаний «Несуществующая группа» "
                                "не найдена."]
    assert not Meter.objects.exists()

    assert run(csv_file("meters", "external_id;account;serial_number;digits", f"M-1;{ACCOUNT};123;5")).is_ok
    content = csv_file("readings", "external_id;meter;period;taken_on;value",
                       "R-1;M-1;01.2026;31.01.2026;99999,999", "R-2;M-1;01.2026;31.01.2026;100000",
                       "R-3;M-9;01.2026;31.01.2026;1", "R-4;M-1;02.2026;31.01.2026;1")
    assert refused(content) == [
        "Строка 5, столбец «meter»: прибор учёта с кодом M-9 не найден.",
        "Строка 4, столбец «value»: показание больше разрядности прибора (5 знаков до запятой).",
        "Строка 6, столбец «taken_on»: дата снятия раньше начала расчётного периода.",
    ]
    assert not MeterReading.objects.exists()


DOC_HEADER = ("external_id;account;kind;number;issued_on;period;amount;vat;due_on;line_no;line_name;line_amount;"
              "line_total")


def test_documents_csv():
    content = csv_file(
        "documents", DOC_HEADER,
        f"D-1;{ACCOUNT};счёт;1;31.01.2026;01.2026;122;22;15.01.2026;1;Энергия;100;122",
        f"D-2;{ACCOUNT};накладная;2;31.01.2026;01.2026;122;22;;;;;",
        f"D-3;{ACCOUNT};act;3;31.01.2026;01.2026;200;0;;1;Энергия;100;100",
        f"D-3;{ACCOUNT};act;3;31.01.2026;01.2026;200;0;;1;Мощность;100;100",
        f"D-3;{ACCOUNT};act;4;31.01.2026;01.2026;200;0;;2;Мощность;100;100",
        f"D-4;{ACCOUNT};act;5;31.01.2026;01.2026;150;0;;1;Энергия;100;100",
        f"D-5;{ACCOUNT};act;6;31.01.2026;01.2026;150;0;;1;;100;",
    )
    assert refused(content) == [
        "Строка 6, столбец «line_no»: строка № 1 документа «D-3» уже была в строке 5 файла.",
        "Строка 7, столбец «number»: документ «D-3» уже описан в строке 5 с другими реквизитами: в строках одного "
        "документа реквизиты должны совпадать.",
        "Строка 4, столбец «kind»: неизвестное значение «накладная» (вид документа); допустимы: invoice, счёт, "
        "счёт на оплату, act, акт, tax_invoice, счёт-фактура.",
        "Строка 9, столбец «line_name»: не заполнено (наименование (товар, работа, услуга)).",
        "Строка 9, столбец «line_total»: не заполнено (стоимость с НДС, ₽).",
        "Строка 9, столбец «lines»: строки документа содержат ошибки (см. выше).",
        "Строка 3, столбец «due_on»: срок оплаты раньше даты документа.",
        "Строка 5, столбец «amount»: сумма документа 200.00 не равна сумме его строк 100.00.",
        "Строка 8, столбец «amount»: сумма документа 150.00 не равна сумме его строк 100.00.",
    ]
    assert not FinancialDocument.objects.exists()


def test_pdf_only_in_a_zip_package():
    content = csv_file("documents", "external_id;account;kind;number;issued_on;period;amount;pdf",
                       f"D-1;{ACCOUNT};act;1;31.01.2026;01.2026;10;d1.pdf")
    assert refused(content) == ["Строка 3, столбец «pdf»: PDF передаётся только в ZIP-пакете рядом с manifest.csv "
                                "(manifest.json); в отдельном файле оставьте столбец пустым."]


def test_json_unknown_fields_and_bad_records():
    content = json_file("payments", [
        {"external_id": "P-1", "account": ACCOUNT, "paid_on": "2026-01-10", "amount": 5, "summa": 5},
        "P-2",
        {"external_id": "P-3", "account": ACCOUNT, "paid_on": "2026-01-10", "amount": [5]},
    ])
    assert refused(content, name="p.json") == [
        "Запись 2: запись должна быть объектом JSON.",
        "Запись 1, поле «summa»: неизвестное поле.",
        "Запись 3, поле «amount»: ожидается строка или число.",
    ]


def test_json_document_lines_errors():
    content = json_file("documents", [{
        "external_id": "D-1", "account": ACCOUNT, "kind": "invoice", "number": "1", "issued_on": "2026-01-31",
        "period": "2026-01", "amount": "122.00", "vat": "22.00",
        "lines": [{"name": "Энергия", "amount": "100", "vat": "22", "total": "122"},
                  {"name": "Мощность", "amount": "x", "total": "0", "colour": "red"}],
    }])
    assert refused(content, name="d.json") == [
        "Запись 1, поле «lines.colour»: неизвестное поле строки документа.",
        "Запись 1, поле «lines[2].amount»: «x» — не число; дробную часть отделяйте запятой или точкой, "
        "например 1234,56.",
        "Запись 1, поле «lines»: строки документа содержат ошибки (см. выше).",
    ]


def test_a_file_without_records():
    assert refused(csv_file("payments", "external_id;account;paid_on;amount")) == [
        "Файл: в файле нет ни одной записи."]


def test_errors_are_capped_but_counted():
    rows = [f"P-{i};{ACCOUNT};10.01.2026;0" for i in range(1200)]
    result = run(csv_file("payments", "external_id;account;paid_on;amount", *rows))
    assert result.errors_total == 1200 and len(result.errors) == 1000
    batch = ImportBatch.objects.get()
    assert len(batch.errors) == 1001 and batch.errors[-1]["message"] == "и ещё 200 ошибок"


def test_nul_in_values_and_keys_is_reported_and_the_rejection_stored():
    content = json_file("payments", [{"external_id": "P-1", "account": ACCOUNT, "paid_on": "2026-01-10",
                                      "amount": "5\x00", "purpose": "a\x00b", "x\x00": 1}])
    messages = refused(content, name="p.json")
    assert messages == ["Запись 1, поле «x\\0»: неизвестное поле.",
                        "Запись 1, поле «amount»: «5\\0» — не число; дробную часть отделяйте запятой или точкой, "
                        "например 1234,56.",
                        "Запись 1, поле «purpose»: текст содержит недопустимый символ NUL."]
    assert ImportBatch.objects.get().errors[0]["column"] == "x\\0"
