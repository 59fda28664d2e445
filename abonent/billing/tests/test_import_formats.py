"""Reading import files: CSV with or without BOM and with each separator, JSON, the version directive."""

import datetime as dt
from decimal import Decimal

import pytest

from abonent.billing.importing import Outcome
from abonent.billing.models import Charge, Payment
from abonent.billing.tests.importing_support import ACCOUNT, accounts, csv_file, json_file, run, texts  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("accounts")]
HEADER = "external_id;account;period;amount;vat;volume_kwh"


@pytest.mark.parametrize("bom", [True, False])
@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_csv_with_or_without_bom_and_any_separator(bom, sep):
    amount = "1234.56" if sep == "," else "1 234,56"
    content = csv_file("charges", HEADER, f"C-1;{ACCOUNT};01.2026;{amount};222,62;1000", bom=bom, sep=sep)
    if sep == ",":
        content = content.replace(b"222,62", b"222.62")

    result = run(content)

    assert result.outcome == Outcome.APPLIED, texts(result)
    charge = Charge.objects.get()
    assert (charge.external_id, charge.account.number, charge.period) == ("C-1", ACCOUNT, dt.date(2026, 1, 1))
    assert (charge.amount, charge.vat, charge.volume_kwh) == (Decimal("1234.56"), Decimal("222.62"), Decimal(1000))
    assert charge.service == "Электрическая энергия"
    assert result.format == "csv" and result.version == "1" and result.kind == "charges"


def test_json_with_numbers_and_strings():
    content = json_file("charges", [
        {"external_id": "C-1", "account": ACCOUNT, "period": "2026-01", "amount": 1234.56, "vat": "222,62"},
        {"external_id": "C-2", "account": ACCOUNT, "period": "01.02.2026", "amount": 100, "planned_amount": None},
    ])

    result = run(content, "charges.json")

    assert result.outcome == Outcome.APPLIED, texts(result)
    assert result.format == "json"
    assert list(Charge.objects.order_by("period").values_list("amount", "period")) == [
        (Decimal("1234.56"), dt.date(2026, 1, 1)), (Decimal("100.00"), dt.date(2026, 2, 1))]


def test_json_with_bom():
    content = "\ufeff".encode() + json_file("balances", [{"account": ACCOUNT, "as_of": "01.02.2026", "amount": "-5"}])
    assert run(content, "b.json").outcome == Outcome.APPLIED


def test_quoted_values_with_separators_and_line_breaks_keep_line_numbers():
    content = csv_file(
        "payments", "external_id;account;paid_on;amount;purpose",
        f'P-1;{ACCOUNT};10.01.2026;100;"Оплата; по счёту\nза январь"',
        f"P-2;{ACCOUNT};32.01.2026;100;",
    )

    result = run(content)

    assert texts(result) == ["Строка 5, столбец «paid_on»: нет такой даты «32.01.2026»."]
    assert not Payment.objects.exists()


def test_blank_lines_are_skipped():
    content = csv_file("payments", "external_id;account;paid_on;amount", f"P-1;{ACCOUNT};10.01.2026;100", ";;;", "")
    assert run(content).counts.created == 1


@pytest.mark.parametrize(("content", "message"), [
    (csv_file("charges", HEADER, version="2"),
     "Файл: Версия формата «2» не поддерживается: поддерживается версия 1. Обновите систему или выгрузите файл "
     "в версии 1."),
    (json_file("charges", [], version=3), "Файл: Версия формата «3» не поддерживается: поддерживается версия 1. "
                                          "Обновите систему или выгрузите файл в версии 1."),
    (b'{"kind": "charges", "rows": []}', "Файл: Не указана версия формата: первая строка CSV-файла — "
                                         "«#format_version=1;kind=…», в JSON — поле «format_version»."),
    (f"{HEADER}\nC-1;{ACCOUNT};01.2026;1;0;1\n".encode(),
     "Строка 1: первая строка CSV-файла — версия формата: «#format_version=1;kind=charges» (вид — balances, "
     "charges, documents, payments, meters или readings)."),
    (b"", "Файл: Файл пуст."),
    (b'{"format_version": 1, "kind": "charges", "rows": [}', "Файл: JSON не разобран: строка 1, позиция 51: "
                                                              "ожидается значение."),
    (csv_file("tariffs", HEADER), "Файл: Неизвестный вид данных «tariffs»: допустимы balances, charges, documents, "
                                  "payments, meters, readings."),
])
def test_file_level_refusals_in_russian(content, message):
    result = run(content)
    assert result.outcome == Outcome.REJECTED
    assert texts(result) == [message]


def test_windows_1251_is_refused_with_advice():
    content = csv_file("charges", HEADER, f"C-1;{ACCOUNT};01.2026;1;0;1").decode().replace("C-1", "Н-1")
    result = run(content.encode("cp1251"))
    assert texts(result) == ["Файл: Файл не в кодировке UTF-8 (недопустимый байт в позиции 83): сохраните выгрузку в "
                             "UTF-8 (в Excel — «CSV UTF-8»); кодировка Windows-1251 не принимается."]


def test_utf16_is_refused():
    result = run(csv_file("charges", HEADER).decode().encode("utf-16"))
    assert "UTF-16" in texts(result)[0]


def test_header_errors():
    result = run(csv_file("charges", "external_id;account;period;sum;vat", f"C-1;{ACCOUNT};01.2026;1;0"))
    assert texts(result) == [
        "Строка 2, столбец «sum»: неизвестный столбец; допустимы: external_id, account, period, service, "
        "volume_kwh, amount, vat, planned_amount.",
        "Строка 2, столбец «amount»: нет обязательного столбца (сумма с НДС, ₽ (перерасчёт в уменьшение — "
        "отрицательная)).",
    ]


def test_duplicate_header_column():
    result = run(csv_file("charges", "external_id;account;period;amount;amount", f"C-1;{ACCOUNT};01.2026;1;1"))
    assert texts(result) == ["Строка 2, столбец «amount»: столбец указан в заголовке дважды."]


def test_kind_from_the_argument_when_the_file_does_not_say():
    content = f"#format_version=1\n{HEADER}\nC-1;{ACCOUNT};01.2026;1;0;1\n".encode()
    assert run(content).outcome == Outcome.REJECTED
    assert run(content, kind="charges").outcome == Outcome.APPLIED


def test_kind_argument_must_match_the_file():
    result = run(csv_file("charges", HEADER, f"C-1;{ACCOUNT};01.2026;1;0;1"), kind="payments")
    assert texts(result) == ["Файл: В файле указан вид «charges» (начисления), а загружается как «payments» "
                             "(платежи)."]


def test_excel_padding_of_the_directive_line_is_accepted():
    content = f'"#format_version=1;kind=charges";;;;;\n{HEADER}\nC-1;{ACCOUNT};01.2026;1;0;1;;\n'.encode()
    assert run(content).outcome == Outcome.APPLIED


def test_more_values_than_columns():
    result = run(csv_file("charges", HEADER, f"C-1;{ACCOUNT};01.2026;1;0;1;7"))
    assert texts(result) == ["Строка 3: значений больше (7), чем столбцов в заголовке (6); проверьте разделитель «;»."]
