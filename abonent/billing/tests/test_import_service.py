"""The importer's guarantees: all or nothing, the same file twice changes nothing, the same rows in another file
update nothing, changed rows are updated; documents with their PDFs from a ZIP package."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.db import connection

from abonent.billing.importing import Outcome
from abonent.billing.importing.apply import apply_rows
from abonent.billing.models import Balance, Charge, FinancialDocument, ImportBatch, Meter, MeterReading, ReadingGroup
from abonent.billing.tests.importing_support import (  # noqa: F401
    ACCOUNT,
    OTHER_ACCOUNT,
    PDF,
    accounts,
    csv_file,
    json_file,
    run,
    texts,
    zip_package,
)
from abonent.customers.tests.factories import BillingAccountFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("accounts")]
HEADER = "external_id;account;period;amount;vat"


def charges(*rows: str) -> bytes:
    return csv_file("charges", HEADER, *rows)


def test_a_broken_file_applies_nothing():
    assert run(charges(f"C-1;{ACCOUNT};01.2026;100;0")).is_ok
    content = charges(f"C-1;{ACCOUNT};01.2026;999;0", f"C-2;{ACCOUNT};02.2026;100;0", f"C-3;{ACCOUNT};02.2026;x;0")

    result = run(content, user=None)

    assert result.outcome == Outcome.REJECTED
    assert list(Charge.objects.values_list("external_id", "amount")) == [("C-1", Decimal("100.00"))]
    assert ImportBatch.objects.filter(status="rejected").count() == 1


def test_the_same_file_twice_changes_nothing():
    content = charges(f"C-1;{ACCOUNT};01.2026;100;0", f"C-2;{ACCOUNT};02.2026;200;0")
    first = run(content, "jan.csv")
    charge = Charge.objects.get(external_id="C-1")

    second = run(content, "copy-of-jan.csv")

    assert (first.outcome, second.outcome) == (Outcome.APPLIED, Outcome.ALREADY)
    assert second.batch == first.batch and ImportBatch.objects.count() == 1
    assert second.summary.startswith("Файл «copy-of-jan.csv» уже загружен ")
    assert Charge.objects.count() == 2 and Charge.objects.get(external_id="C-1").batch == charge.batch


def test_the_same_rows_in_another_file_update_nothing():
    first = run(charges(f"C-1;{ACCOUNT};01.2026;100;0", f"C-2;{ACCOUNT};02.2026;200;0"))

    # Another file: other separator, comma decimals, a BOM, an extra new row.
    second = run(csv_file("charges", HEADER, f"C-1;{ACCOUNT};2026-01;100,00;0,00", f"C-2;{ACCOUNT};02.2026;200;0",
                          f"C-3;{ACCOUNT};03.2026;300;0", sep=",", bom=True).replace(b"100,00,0,00", b"100.00,0"))

    assert second.outcome == Outcome.APPLIED, texts(second)
    assert (second.counts.created, second.counts.updated, second.counts.unchanged) == (1, 0, 2)
    assert Charge.objects.get(external_id="C-1").batch == first.batch
    assert Charge.objects.get(external_id="C-3").batch == second.batch
    batch = second.batch
    assert (batch.rows_total, batch.rows_created, batch.rows_updated, batch.rows_unchanged) == (3, 1, 0, 2)
    assert second.summary == ("Файл «file.csv» загружен (начисления), 3 записи: добавлено 1, изменено 0, "
                              "без изменений 2.")


def test_changed_rows_are_updated():
    run(charges(f"C-1;{ACCOUNT};01.2026;100;0", f"C-2;{ACCOUNT};02.2026;200;0"))

    result = run(charges(f"C-1;{OTHER_ACCOUNT};01.2026;150;25", f"C-2;{ACCOUNT};02.2026;200;0"))

    assert (result.counts.created, result.counts.updated, result.counts.unchanged) == (0, 1, 1)
    charge = Charge.objects.get(external_id="C-1")
    assert (charge.account.number, charge.amount, charge.vat, charge.batch) == (
        OTHER_ACCOUNT, Decimal("150.00"), Decimal("25.00"), result.batch)


def test_balances_are_matched_by_account_and_date():
    run(csv_file("balances", "account;as_of;amount", f"{ACCOUNT};01.02.2026;100", f"{OTHER_ACCOUNT};01.02.2026;-5"))

    result = run(csv_file("balances", "account;as_of;amount;overdue", f"{ACCOUNT};2026-02-01;120;20",
                          f"{OTHER_ACCOUNT};01.02.2026;-5", f"{ACCOUNT};01.03.2026;0"))

    assert (result.counts.created, result.counts.updated, result.counts.unchanged) == (1, 1, 1)
    assert list(Balance.objects.filter(account__number=ACCOUNT).values_list("as_of", "amount", "overdue")) == [
        (dt.date(2026, 3, 1), Decimal("0.00"), Decimal("0.00")),
        (dt.date(2026, 2, 1), Decimal("120.00"), Decimal("20.00"))]


def test_a_rejected_file_is_accepted_once_its_data_is_known():
    content = charges("C-1;2200030000;01.2026;100;0")
    rejected = run(content)
    assert texts(rejected) == ["Строка 3, столбец «account»: лицевой счёт 2200030000 не найден."]
    BillingAccountFactory(number="2200030000")

    applied = run(content)

    assert applied.outcome == Outcome.APPLIED
    assert applied.batch.pk == rejected.batch.pk and applied.batch.errors == []
    assert Charge.objects.count() == 1


def test_dry_run_checks_and_counts_but_writes_nothing():
    result = run(charges(f"C-1;{ACCOUNT};01.2026;100;0"), dry_run=True)
    assert result.outcome == Outcome.DRY_RUN and result.counts.created == 1
    assert result.summary == ("Проверка файла «file.csv» (начисления) без загрузки: ошибок нет; 1 запись: добавлено 1, "
                              "изменено 0, без изменений 0.")
    assert not Charge.objects.exists() and not ImportBatch.objects.exists()

    result = run(charges(f"C-1;{ACCOUNT};01.2026;x;0"), dry_run=True)
    assert result.outcome == Outcome.REJECTED and not ImportBatch.objects.exists()


def test_meters_take_the_default_group_and_readings_refer_to_them():
    mkd = ReadingGroup.objects.get(name="Приборы учёта в многоквартирных домах")
    result = run(json_file("meters", [
        {"external_id": "M-1", "account": ACCOUNT, "serial_number": "0123", "model": "Меркурий 230", "ratio": "40"},
        {"external_id": "M-2", "account": ACCOUNT, "serial_number": "0124", "zone": "Ночь", "digits": 7,
         "reading_group": mkd.name, "is_active": "0"},
    ]), "m.json")
    assert result.is_ok, texts(result)
    first, second = Meter.objects.order_by("external_id")
    assert first.reading_group.is_default and first.ratio == Decimal(40) and first.model_name == "Меркурий 230"
    assert (second.reading_group, second.zone, second.digits, second.is_active) == (mkd, "ночь", 7, False)

    result = run(csv_file("readings", "external_id;meter;period;taken_on;value;consumption",
                          "R-1;M-1;01.2026;01.02.2026;1234,5;49380"))
    reading = MeterReading.objects.get()
    assert result.is_ok and (reading.meter, reading.value, reading.source) == (first, Decimal("1234.500"), "billing")


DOCUMENT = {"external_id": "D-1", "account": ACCOUNT, "kind": "tax_invoice", "number": "СФ-1",
            "issued_on": "2026-01-31",
            "period": "2026-01", "amount": "122.00", "vat": "22.00"}
LINE = {"name": "Электрическая энергия", "quantity": "10", "price": "10", "amount": "100", "vat_rate": "22 %",
        "vat": "22", "total": "122"}


def test_document_lines_from_json_and_from_csv_rows_are_the_same():
    run(json_file("documents", [{**DOCUMENT, "lines": [LINE, {**LINE, "name": "Мощность", "total": "0"}]}]), "d.json")
    document = FinancialDocument.objects.get()
    assert document.lines == [
        {"name": "Электрическая энергия", "unit": "кВт·ч", "okei": "245", "quantity": "10.000", "price": "10.00000",
         "amount": "100.00", "vat_rate": "22 %", "vat": "22.00", "total": "122.00"},
        {"name": "Мощность", "unit": "кВт·ч", "okei": "245", "quantity": "10.000", "price": "10.00000",
         "amount": "100.00", "vat_rate": "22 %", "vat": "22.00", "total": "0.00"},
    ]
    header = ("external_id;account;kind;number;issued_on;period;amount;vat;line_no;line_name;line_quantity;line_price;"
              "line_amount;line_vat_rate;line_vat;line_total")
    content = csv_file("documents", header,
                       f"D-1;{ACCOUNT};счёт-фактура;СФ-1;31.01.2026;01.2026;122;22;1;Электрическая энергия;10;10;100;"
                       "22 %;22;122",
                       f"D-1;{ACCOUNT};счёт-фактура;СФ-1;31.01.2026;01.2026;122;22;2;Мощность;10;10;100;22 %;22;0")
    result = run(content)
    assert result.is_ok and result.counts.unchanged == 1, texts(result)


def test_documents_with_pdfs_from_a_zip_package():
    manifest = csv_file("documents", "external_id;account;kind;number;issued_on;period;amount;vat;pdf",
                        f"D-1;{ACCOUNT};act;А-1;31.01.2026;01.2026;122;22;pdf/a1.pdf",
                        f"D-2;{ACCOUNT};invoice;С-1;31.01.2026;01.2026;122;22;")
    package = zip_package("export/manifest.csv", manifest, {"export/pdf/a1.pdf": PDF})

    result = run(package, "documents.zip")

    assert result.outcome == Outcome.APPLIED and result.format == "zip", texts(result)
    with_pdf, without = FinancialDocument.objects.order_by("external_id")
    assert with_pdf.pdf.name.startswith("billing/documents/") and with_pdf.pdf.read() == PDF
    assert without.pdf.name == ""

    # The same documents again in another package (another file order): nothing changes, not even the file.
    again = zip_package("manifest.csv", manifest, {"pdf/a1.pdf": PDF, "pdf/unused.pdf": PDF})
    result = run(again, "documents-2.zip")
    assert (result.counts.created, result.counts.updated, result.counts.unchanged) == (0, 0, 2)
    # Data without the PDF keeps the PDF stored before; a new PDF replaces it.
    run(json_file("documents", [{**DOCUMENT, "external_id": "D-1", "kind": "act", "number": "А-1"}]), "d.json")
    assert FinancialDocument.objects.get(external_id="D-1").pdf.name == with_pdf.pdf.name
    new_pdf = PDF + b"% changed\n"
    result = run(zip_package("manifest.csv", manifest, {"pdf/a1.pdf": new_pdf}), "documents-3.zip")
    assert result.counts.updated == 1
    assert FinancialDocument.objects.get(external_id="D-1").pdf.read() == new_pdf


def test_zip_package_refusals():
    manifest = csv_file("documents", "external_id;account;kind;number;issued_on;period;amount;pdf",
                        f"D-1;{ACCOUNT};act;1;31.01.2026;01.2026;10;missing.pdf",
                        f"D-2;{ACCOUNT};act;2;31.01.2026;01.2026;10;fake.pdf")
    result = run(zip_package("manifest.csv", manifest, {"fake.pdf": b"<html>"}), "d.zip")
    assert texts(result) == ["Строка 3, столбец «pdf»: файла «missing.pdf» нет в ZIP-пакете.",
                             "Строка 4, столбец «pdf»: файл «fake.pdf» — не PDF."]
    assert texts(run(zip_package("readme.txt", b"", {}), "e.zip")) == [
        "Файл: В ZIP-пакете должен быть ровно один файл описания: manifest.csv или manifest.json (в корне пакета или "
        "в одной папке)."]
    assert texts(run(b"PK\x03\x04broken", "f.zip")) == ["Файл: ZIP-пакет повреждён и не открывается."]
    assert not FinancialDocument.objects.exists()


def test_a_pdf_that_does_not_unpack_rejects_the_package_and_keeps_no_file(monkeypatch):
    manifest = csv_file("documents", "external_id;account;kind;number;issued_on;period;amount;pdf",
                        f"D-1;{ACCOUNT};act;1;31.01.2026;01.2026;10;a.pdf")
    package = bytearray(zip_package("manifest.csv", manifest, {"a.pdf": PDF}))
    at = package.index(PDF) + 10  # past the head the validator reads: only the CRC at the end tells
    package[at] ^= 0xFF
    saved = []
    original = default_storage.save
    monkeypatch.setattr(default_storage, "save",
                        lambda name, content: saved.append(original(name, content)) or saved[-1])

    result = run(bytes(package), "d.zip")

    assert (result.outcome, result.rows_total, texts(result)) == (
        Outcome.REJECTED, 0, ["Файл: ZIP-пакет повреждён: файл «a.pdf» не распаковывается."])
    assert not saved and not FinancialDocument.objects.exists()
    assert list(ImportBatch.objects.values_list("status", flat=True)) == ["rejected"]


def test_a_failed_write_removes_the_pdfs_it_saved(monkeypatch):
    from abonent.billing.importing import apply

    manifest = csv_file("documents", "external_id;account;kind;number;issued_on;period;amount;pdf",
                        f"D-1;{ACCOUNT};act;1;31.01.2026;01.2026;10;a.pdf")
    saved = []
    original = default_storage.save
    monkeypatch.setattr(default_storage, "save",
                        lambda name, content: saved.append(original(name, content)) or saved[-1])

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(apply, "_insert", broken)
    with pytest.raises(RuntimeError):
        run(zip_package("manifest.csv", manifest, {"a.pdf": PDF}), "d.zip")
    assert saved and not default_storage.exists(saved[0])
    assert not FinancialDocument.objects.exists() and not ImportBatch.objects.exists()


def test_a_write_failing_in_a_later_chunk_takes_back_the_chunks_written_before(monkeypatch):
    """All or nothing also when the database refuses a row after a thousand were written: here another import
    committed C-1200 between the comparison and the write (the comparison is made to miss it)."""
    from abonent.billing.importing import apply

    run(charges(f"C-1200;{ACCOUNT};01.2026;5;0"))
    monkeypatch.setattr(apply, "_existing", lambda kind, rows, fields: {})
    rows = [f"C-{n:04d};{ACCOUNT};02.2026;{n};0" for n in range(1, 1501)]

    result = run(charges(*rows), "big.csv")

    assert (result.outcome, texts(result)) == (Outcome.REJECTED, [
        "Файл: одновременно загружался другой файл с теми же записями; загрузите этот файл ещё раз."])
    assert list(Charge.objects.values_list("external_id", "amount")) == [("C-1200", Decimal("5.00"))]
    assert ImportBatch.objects.count() == 1 and not ImportBatch.objects.filter(file_name="big.csv").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_an_import_plans_its_lookups_for_their_keys(monkeypatch):
    """A generic plan made while the table was empty (a sequential scan) made re-imports quadratic:
    abonent.core.postgresql.plans."""
    from abonent.billing.importing import service

    seen = []

    def looking(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SHOW plan_cache_mode")
            seen.append(cursor.fetchone()[0])
        return apply_rows(*args, **kwargs)

    monkeypatch.setattr(service, "apply_rows", looking)
    assert run(charges(f"C-1;{ACCOUNT};01.2026;100;0")).is_ok
    assert seen == ["force_custom_plan"]


@pytest.mark.django_db(transaction=True)  # the test's own transaction would hide the point
def test_custom_plans_want_a_transaction():
    from abonent.core.postgresql.plans import prefer_custom_plans

    if connection.vendor != "postgresql":
        prefer_custom_plans()  # nothing to do on SQLite
        return
    with pytest.raises(RuntimeError, match="atomic"):
        prefer_custom_plans()
