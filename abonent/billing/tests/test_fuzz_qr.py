"""Fuzzing the GOST R 56042-2014 payment string parser with outside input (a QR code scanned from anyone's
document): whatever the text or bytes, `parse_payment_string` returns the requisites or refuses with QrError in
Russian, never another exception; what it accepts has the five mandatory requisites first, in order, and builds
back to an equivalent payload.

Fast and deterministic in the normal suite; `HYPOTHESIS_PROFILE=fuzz` (and FUZZ_EXAMPLES) for a long random run."""

import os

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from abonent.billing import qr

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
fuzz = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "5000")) if LONG else 60, deadline=None,
                derandomize=not LONG, suppress_health_check=list(HealthCheck),
                **({} if LONG else {"database": None}))

VALID = ("ST00012|Name=ООО «Энергосбыт-Тест»|PersonalAcc=40702810200000012345|BankName=ПАО СБЕРБАНК|"
         "BIC=044525225|CorrespAcc=30101810400000000225|Sum=14997216|Purpose=Оплата")
KEYS = st.sampled_from([*qr.REQUIRED, "Sum", "Purpose", "PayeeINN", "KPP", "Contract", "PaymPeriod", "TechCode",
                        "", "1x", "Имя", "Name Name"])
SEPARATORS = st.sampled_from(["|", ";", "#", "\x00", "=", "", "||"])
SEPARATORS_ONE = st.sampled_from(["|", ";", "#", "\x00", "="])


def check(result) -> None:
    assert tuple(list(result)[:len(qr.REQUIRED)]) == qr.REQUIRED
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in result.items())


def parse_or_refuse(data):
    try:
        result = qr.parse_payment_string(data)
    except qr.QrError as error:
        assert str(error) and any("а" <= ch <= "я" for ch in str(error).lower())
        return None
    check(result)
    return result


@fuzz
@given(st.text())
@example("")
@example("ST0001")
@example("ST00012")
@example("ST00019|Name=x")
@example("ST00012|" + "|" * 50)
def test_any_text_is_parsed_or_refused_in_russian(text):
    parse_or_refuse(text)


@fuzz
@given(st.binary(max_size=600))
@example(b"ST0001\xff|")
@example(b"ST00011|Name=\xff\xfe")
@example(b"ST00013|Name=\x80")
def test_any_bytes_are_parsed_or_refused_in_russian(data):
    parse_or_refuse(data)


@fuzz
@given(st.lists(st.tuples(KEYS, st.text(max_size=40)), max_size=12), SEPARATORS_ONE,
       st.sampled_from(["1", "2", "3", "4", "x"]))
def test_payload_shaped_text_is_parsed_or_refused(pairs, separator, charset):
    text = f"ST0001{charset}{separator}" + separator.join(f"{k}={v}" for k, v in pairs)
    parse_or_refuse(text)
    for codec in qr.CHARSETS.values():
        try:
            data = text.encode(codec)
        except UnicodeEncodeError:
            continue
        parse_or_refuse(data)


@fuzz
@given(st.integers(min_value=0, max_value=len(VALID) - 1), st.text(max_size=5), st.booleans())
def test_a_damaged_valid_payload_is_parsed_or_refused(position, insert, cut):
    damaged = VALID[:position] + insert + ("" if cut else VALID[position:])
    parse_or_refuse(damaged)


@fuzz
@given(st.dictionaries(KEYS, st.text(max_size=30), max_size=8), st.sampled_from(["utf-8", "cp1251", "koi8-r",
                                                                                 "latin-1"]))
def test_what_the_builder_accepts_parses_back_to_the_same_requisites(requisites, charset):
    try:
        payload = qr.payment_string(requisites, charset=charset)
    except qr.QrError:
        return
    assert qr.parse_payment_string(payload) == {k: str(v) for k, v in requisites.items()}
    assert qr.parse_payment_string(payload.encode(charset)) == {k: str(v) for k, v in requisites.items()}
