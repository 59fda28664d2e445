"""The GOST R 56042-2014 payment string: built, refused when a bank app would misread it, parsed back, and
the QR symbol decoded back from a PNG by zxing-cpp, field by field."""

import io
from decimal import Decimal

import pytest
import zxingcpp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from abonent.billing import qr
from abonent.billing.tests.test_documents import make_document

# The fully valid fictitious example of the domain notes (every checksum verified).
EXAMPLE = (
    "ST00012|Name=ООО «Энергосбыт-Тест»|PersonalAcc=40702810200000012345|BankName=ПАО СБЕРБАНК|BIC=044525225|"
    "CorrespAcc=30101810400000000225|PayeeINN=2221000002|KPP=222101001|"
    "Purpose=Оплата электроэнергии по дог. 22-0001234 за 03.2026, НДС 22%|Sum=14997216|Contract=22-0001234|"
    "PaymPeriod=03.2026|TechCode=02"
)
PAYEE = {
    "Name": "ООО «Энергосбыт-Тест»", "PersonalAcc": "40702810200000012345", "BankName": "ПАО СБЕРБАНК",
    "BIC": "044525225", "CorrespAcc": "30101810400000000225",
}


def decode_png(png: bytes) -> bytes:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
    return results[0].bytes


def test_the_example_of_the_notes_is_built_exactly():
    requisites = {**PAYEE, "PayeeINN": "2221000002", "KPP": "222101001",
                  "Purpose": "Оплата электроэнергии по дог. 22-0001234 за 03.2026, НДС 22%", "Sum": "14997216",
                  "Contract": "22-0001234", "PaymPeriod": "03.2026", "TechCode": "02"}
    assert qr.payment_string(requisites) == EXAMPLE
    assert qr.parse_payment_string(EXAMPLE) == requisites


def test_the_gost_example_parses():
    gost = ("ST00012|Name=ООО «Три кита»|PersonalAcc=40702810138250123017|BankName=ОАО \"БАНК\"|BIC=044525225|"
            "CorrespAcc=30101810400000000225|PayeeINN=6200098765|LastName=Иванов|FirstName=Иван|"
            "MiddleName=Иванович|Purpose=Оплата членского взноса|PayerAddress=г.Рязань ул.Ленина д.10 кв.15|"
            "Sum=100000")
    parsed = qr.parse_payment_string(gost)
    assert parsed["Name"] == "ООО «Три кита»"
    assert parsed["BankName"] == 'ОАО "БАНК"'
    assert parsed["Sum"] == "100000"
    assert list(parsed)[:5] == list(qr.REQUIRED)


def test_the_qr_png_decodes_to_the_same_utf8_payload_field_by_field():
    raw = decode_png(qr.qr_png(EXAMPLE))
    assert raw.startswith(b"ST00012|")
    assert raw.decode("utf-8") == EXAMPLE
    assert qr.parse_payment_string(raw) == qr.parse_payment_string(EXAMPLE)


def test_a_windows_1251_payload_is_encoded_and_decoded_by_its_header():
    payload = qr.payment_string({**PAYEE, "Purpose": "Оплата электроэнергии", "Sum": "100"}, charset="cp1251")
    assert payload.startswith("ST00011|")
    raw = decode_png(qr.qr_png(payload, charset="cp1251"))
    assert raw == payload.encode("cp1251")
    assert qr.parse_payment_string(raw)["Purpose"] == "Оплата электроэнергии"


def test_the_symbol_uses_error_correction_level_m():
    assert qr.qr_code(EXAMPLE).error == "M"
    assert qr.qr_code("ST00012|Name=A|PersonalAcc=40702810200000012345|BankName=B|BIC=044525225|"
                      "CorrespAcc=0").error == "M"  # segno would raise a short payload to H otherwise


@pytest.mark.parametrize(("change", "message"), [
    ({"Name": ""}, "Не заполнены обязательные реквизиты: наименование получателя."),
    ({"Purpose": "Оплата | по счёту"}, "содержит символ «|»"),
    ({"Purpose": "а" * 211}, "длиннее 210 символов"),
    ({"BankName": "Б" * 46}, "длиннее 45 символов"),
    ({"Name": "Н" * 161}, "длиннее 160 символов"),
    ({"PersonalAcc": "4070281020000001234"}, "должен состоять из 20 цифр"),
    ({"BIC": "04452522A"}, "только из цифр"),
    ({"Sum": "100.50"}, "только из цифр"),
    ({"Purpose": "строка\nвторая"}, "перевод строки"),
])
def test_payment_string_refuses_what_a_bank_app_would_misread(change, message):
    with pytest.raises(qr.QrError, match=message.replace("|", r"\|")):
        qr.payment_string({**PAYEE, "Purpose": "Оплата", "Sum": "100", **change})


def test_mandatory_requisites_come_first_in_order():
    shuffled = {"BIC": PAYEE["BIC"], **{k: v for k, v in PAYEE.items() if k != "BIC"}}
    with pytest.raises(qr.QrError, match="должны идти первыми"):
        qr.payment_string(shuffled)
    with pytest.raises(qr.QrError, match="не по порядку"):
        qr.parse_payment_string("ST00012|BIC=044525225|Name=А|PersonalAcc=40702810200000012345|BankName=Б|"
                                "CorrespAcc=0")


@pytest.mark.parametrize("text", ["", "ST0001", "QR00012|Name=А", "ST00019|Name=А", "ST00012|Name",
                                  "ST00012|Name=А|Name=Б"])
def test_parse_refuses_what_is_not_a_gost_payload(text):
    with pytest.raises(qr.QrError):
        qr.parse_payment_string(text)


def test_a_trailing_separator_is_tolerated():
    assert qr.parse_payment_string(EXAMPLE + "|") == qr.parse_payment_string(EXAMPLE)


def test_kopecks():
    assert qr.kopecks(Decimal("149972.16")) == "14997216"
    assert qr.kopecks(Decimal("0.01")) == "1"
    assert qr.kopecks(Decimal("100")) == "10000"


# --- Properties ----------------------------------------------------------------------------------------

# Values as people type them: Cyrillic, Latin, digits, punctuation, «», №, and the separator itself.
TEXT = st.text(alphabet=st.sampled_from(list("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВЯ ABCxyz0123456789.,-«»№\"'=/|")),
               min_size=1, max_size=250)
OPTIONAL_KEYS = st.sampled_from(["Purpose", "ServiceName", "Contract", "PersAcc", "PaymPeriod", "QuittId", "LastName"])


def _acceptable(key: str, value: str) -> bool:
    limit = qr.LIMITS.get(key)
    return (bool(value.strip()) and "|" not in value
            and (limit is None or len(value) <= limit))


@given(extra=st.dictionaries(OPTIONAL_KEYS, TEXT, max_size=5), name=TEXT, bank=TEXT, amount=st.integers(0, 10**15))
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
def test_a_built_string_parses_back_or_is_refused_in_russian(extra, name, bank, amount):
    requisites = {**PAYEE, "Name": name, "BankName": bank, "Sum": str(amount), **extra}
    valid = all(_acceptable(key, value) for key, value in requisites.items())
    if valid:
        payload = qr.payment_string(requisites)
        assert qr.parse_payment_string(payload) == requisites
        assert qr.parse_payment_string(payload.encode("utf-8")) == requisites
    else:
        with pytest.raises(qr.QrError) as refused:
            qr.payment_string(requisites)
        assert any("а" <= ch <= "я" for ch in str(refused.value).lower())


@given(value=TEXT, limit=st.integers(min_value=2, max_value=210))
def test_clean_text_always_makes_a_value_the_builder_accepts(value, limit):
    cleaned = qr.clean_text(value, limit)
    assert "|" not in cleaned
    assert len(cleaned) <= limit
    if cleaned:
        assert qr.parse_payment_string(qr.payment_string({**PAYEE, "Purpose": cleaned}))["Purpose"] == cleaned


# --- The invoice's requisites ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_invoice_requisites_come_from_the_organisation_and_the_invoice(organisation):
    document = make_document()
    account = document.account
    payload = qr.invoice_payment_string(document)
    parsed = qr.parse_payment_string(decode_png(qr.qr_png(payload)))
    assert parsed == {
        "Name": "Акционерное общество «Барнаульская горэлектросеть»",
        "PersonalAcc": "40702810702000012345",
        "BankName": "Алтайское отделение № 8644 ПАО Сбербанк",
        "BIC": "040173604",
        "CorrespAcc": "30101810200000000604",
        "PayeeINN": "2221000700",
        "KPP": "222101001",
        "Purpose": "Оплата электроэнергии по счёту № С-0312 от 31.03.2026, дог. № 22-0001234, л/с 2200012345, "
                   "за 03.2026, в т.ч. НДС 22% 27044.16 руб.",
        "Sum": "14997216",
        "PayerINN": account.contract.customer.inn,
        "Contract": "22-0001234",
        "PersAcc": "2200012345",
        "PaymPeriod": "03.2026",
        "QuittId": "С-0312",
        "QuittDate": "31.03.2026",
        "TechCode": "02",
    }


@pytest.mark.django_db
def test_a_separator_in_the_organisations_name_never_breaks_the_string(organisation):
    organisation.full_name = "АО «Горэлектросеть | Барнаул»"
    organisation.bank_name = "ПАО\nСбербанк"
    parsed = qr.parse_payment_string(qr.invoice_payment_string(make_document(), organisation))
    assert parsed["Name"] == "АО «Горэлектросеть / Барнаул»"
    assert parsed["BankName"] == "ПАО Сбербанк"


@pytest.mark.django_db
def test_without_bank_requisites_there_is_no_code(organisation):
    organisation.bic = ""
    with pytest.raises(qr.QrError, match="не заполнены: БИК"):
        qr.invoice_payment_string(make_document(), organisation)


def test_vat_text():
    assert qr.vat_text(Decimal("149972.16"), Decimal("27044.16")) == "в т.ч. НДС 22% 27044.16 руб."
    assert qr.vat_text(Decimal("120.00"), Decimal("20.00")) == "в т.ч. НДС 20% 20.00 руб."
    assert qr.vat_text(Decimal("100.00"), Decimal("0")) == "НДС не облагается"
