"""Financial documents as PDF: the stored PDF from billing, else the invoice (with the payment QR code),
the act and the tax invoice rendered from the document's data; checked through pdftotext and, for the QR
code, by rasterising the page with pdftoppm and decoding it with zxing-cpp."""

import datetime
import subprocess
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from abonent.billing import documents, qr
from abonent.billing.models import Charge, FinancialDocument, Meter, MeterReading
from abonent.customers.tests.factories import BillingAccountFactory

pytestmark = pytest.mark.django_db


def make_document(kind=FinancialDocument.Kind.INVOICE, *, account=None, **fields) -> FinancialDocument:
    account = account or BillingAccountFactory(contract__number="22-0001234", number="2200012345")
    values = {
        "external_id": f"{kind}-{FinancialDocument.objects.count() + 1}",
        "number": "С-0312",
        "issued_on": datetime.date(2026, 3, 31),
        "period": datetime.date(2026, 3, 1),
        "amount": Decimal("149972.16"),
        "vat": Decimal("27044.16"),
        "due_on": datetime.date(2026, 4, 20),
        "lines": [{"name": "Электрическая энергия (мощность)", "unit": "кВт·ч", "okei": "245",
                   "quantity": "12480.000", "price": "9.85000", "amount": "122928.00", "vat_rate": "22 %",
                   "vat": "27044.16", "total": "149972.16"}],
    }
    values.update(fields)
    return FinancialDocument.objects.create(account=account, kind=kind, **values)


def pdf_text(pdf: bytes) -> str:
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return " ".join(text.decode().replace("\u00a0", " ").split())


def rasterise(pdf: bytes, tmp_path, dpi: int = 300) -> bytes:
    source = tmp_path / "document.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", "-f", "1", str(source),
                    str(tmp_path / "page")], check=True)
    return (tmp_path / "page.png").read_bytes()


def test_a_stored_pdf_from_billing_is_returned_as_it_is(organisation):
    document = make_document()
    document.pdf.save("schet.pdf", ContentFile(b"%PDF-1.4 from billing"), save=True)
    assert documents.document_pdf(document) == b"%PDF-1.4 from billing"


def test_the_invoice_renders_with_its_number_date_amount_and_requisites(organisation):
    document = make_document()
    pdf = documents.document_pdf(document)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert "Счёт на оплату № С-0312 от 31 марта 2026 г." in text
    assert "НДС 22 %: 27 044,16" in text
    assert "Всего к оплате: 149 972,16" in text
    assert "Сто сорок девять тысяч девятьсот семьдесят два рубля 16 копеек" in text
    assert "БИК 040173604" in text
    assert "40702810702000012345" in text
    assert "договор энергоснабжения № 22-0001234 от 10.01.2024" in text
    assert "Оплатить до: 20.04.2026" in text
    assert "расчётный период: март 2026 г." in text
    # The code that links the account to the portal; it is letter-spaced for typing, and pdftotext reads a
    # wider gap between two of its letters as a space now and then (the code is random), so spaces are dropped.
    assert document.account.link_code in text.replace(" ", "")


def test_the_qr_code_in_the_invoice_pdf_decodes_to_the_invoice_requisites(organisation, tmp_path):
    from abonent.billing.tests.test_qr import decode_png

    document = make_document()
    raw = decode_png(rasterise(documents.document_pdf(document), tmp_path))
    parsed = qr.parse_payment_string(raw)
    assert parsed == qr.parse_payment_string(qr.invoice_payment_string(document))
    assert parsed["Sum"] == "14997216"
    assert parsed["PersAcc"] == "2200012345"
    assert parsed["PersonalAcc"] == organisation.bank_account


def test_an_invoice_without_bank_requisites_is_printed_without_the_code(organisation):
    organisation.bank_account = ""
    organisation.save()
    text = pdf_text(documents.document_pdf(make_document()))
    assert "QR-код для оплаты не сформирован: В реквизитах организации не заполнены: расчётный счёт." in text
    assert "149 972,16" in text


def test_the_act_renders_with_meter_readings(organisation):
    document = make_document(FinancialDocument.Kind.ACT, number="А-0312")
    meter = Meter.objects.create(account=document.account, external_id="m-1", serial_number="011234567",
                                 model_name="Меркурий 230", ratio=Decimal(40))
    MeterReading.objects.create(meter=meter, period=datetime.date(2026, 2, 1), taken_on=datetime.date(2026, 2, 28),
                                value=Decimal("10250.5"), source=MeterReading.Source.BILLING)
    MeterReading.objects.create(meter=meter, period=datetime.date(2026, 3, 1), taken_on=datetime.date(2026, 3, 31),
                                value=Decimal("10562.5"), consumption=Decimal("12480"),
                                source=MeterReading.Source.BILLING)
    text = pdf_text(documents.document_pdf(document))
    assert "Акт приёма-передачи электрической энергии (мощности) № А-0312 от 31 марта 2026 г." in text
    assert "за март 2026 г. по договору энергоснабжения № 22-0001234" in text
    assert "011234567" in text
    assert "10 250,5 10 562,5 40 12 480" in text
    assert "Всего передано на сумму 149 972,16 руб." in text


def test_the_tax_invoice_has_the_decree_1137_layout(organisation):
    act = make_document(FinancialDocument.Kind.ACT, number="А-0312")
    document = make_document(FinancialDocument.Kind.TAX_INVOICE, account=act.account, number="СФ-0312")
    text = pdf_text(documents.document_pdf(document))
    assert "СЧЁТ-ФАКТУРА № СФ-0312 от 31 марта 2026 г. (1)" in text
    assert "ИНН/КПП продавца: 2221000700/222101001 (2б)" in text
    assert f"ИНН/КПП покупателя: {act.account.contract.customer.inn}/222401001 (6б)" in text
    assert "Документ об отгрузке: № п/п 1 № А-0312 от 31.03.2026 (5а)" in text
    assert "Российский рубль, 643 (7)" in text
    assert "1 1а 1б 2 2а 2б 3 4 5 6 7 8 9 10 10а 11 12 12а 13" in text
    assert "245 кВт·ч 12 480 9,85 122 928,00" in text
    assert "Всего к оплате (9) 122 928,00 × 27 044,16 149 972,16" in text


def test_a_document_without_lines_prints_its_amount_and_the_months_volume(organisation):
    document = make_document(FinancialDocument.Kind.ACT, lines=[], amount=Decimal("1220.00"), vat=Decimal("220.00"))
    Charge.objects.create(account=document.account, external_id="c-1", period=document.period,
                          volume_kwh=Decimal("100"), amount=Decimal("1220.00"), vat=Decimal("220.00"))
    [line] = documents.document_lines(document)
    assert (line.quantity, line.price, line.amount_without_vat, line.vat_rate, line.vat, line.amount) == (
        Decimal(100), Decimal("10.00000"), Decimal("1000.00"), "22 %", Decimal("220.00"), Decimal("1220.00"))
    assert "кВт·ч 100 10,00 1 000,00 22 % 220,00 1 220,00" in pdf_text(
        documents.document_pdf(document))


def test_lines_with_missing_values_are_completed():
    document = FinancialDocument(lines=[{"name": "Услуги", "total": "1 200,00", "vat": "200"}],
                                 amount=Decimal("1200"), vat=Decimal("200"))
    [line] = documents.document_lines(document)
    assert (line.name, line.quantity, line.unit, line.amount_without_vat, line.vat_rate) == (
        "Услуги", None, "", Decimal("1000.00"), "20 %")


@pytest.mark.parametrize(("amount", "words"), [
    ("0", "Ноль рублей 00 копеек"),
    ("1.01", "Один рубль 01 копейка"),
    ("2.02", "Два рубля 02 копейки"),
    ("11.11", "Одиннадцать рублей 11 копеек"),
    ("21", "Двадцать один рубль 00 копеек"),
    ("1000", "Одна тысяча рублей 00 копеек"),
    ("2000", "Две тысячи рублей 00 копеек"),
    ("5000", "Пять тысяч рублей 00 копеек"),
    ("149972.16", "Сто сорок девять тысяч девятьсот семьдесят два рубля 16 копеек"),
    ("1000000", "Один миллион рублей 00 копеек"),
    ("2312415.99", "Два миллиона триста двенадцать тысяч четыреста пятнадцать рублей 99 копеек"),
])
def test_amount_in_words(amount, words):
    assert documents.amount_in_words(Decimal(amount)) == words


def test_file_names_are_ascii():
    document = FinancialDocument(kind=FinancialDocument.Kind.TAX_INVOICE, number="СФ 12/3",
                                 issued_on=datetime.date(2026, 3, 31))
    assert documents.document_filename(document) == "schet-faktura-sf-123-2026-03-31.pdf"
