"""Checksums and formats of Russian identifiers (ФНС, ЦБ РФ). Pure functions plus Django validators.

Written here rather than taken from python-stdnum: stdnum 2.2 rejects valid ОГРНИП whose remainder
mod 13 is 10-12 (the rule takes the last digit of the remainder).
"""

import re

from django.core.exceptions import ValidationError

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_KPP_RE = re.compile(r"^\d{4}[\dA-Z]{2}\d{3}$")


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10


def is_valid_inn(value: str) -> bool:
    if not value.isdigit() or len(value) not in (10, 12) or set(value) == {"0"}:
        return False
    if len(value) == 10:
        return _check_digit(value[:9], _INN10_WEIGHTS) == int(value[9])
    return _check_digit(value[:10], _INN12_WEIGHTS_11) == int(value[10]) and _check_digit(
        value[:11], _INN12_WEIGHTS_12
    ) == int(value[11])


def is_valid_kpp(value: str) -> bool:
    return bool(_KPP_RE.match(value)) and value[:4] != "0000"


def is_valid_ogrn(value: str) -> bool:
    """ОГРН of a legal entity: 13 digits, the last = (first 12 mod 11) mod 10."""
    return (
        len(value) == 13 and value.isdigit() and value[0] in "1256789"
        and int(value[:12]) % 11 % 10 == int(value[12])
    )


def is_valid_ogrnip(value: str) -> bool:
    """ОГРНИП: 15 digits, the last = the last digit of (first 14 mod 13)."""
    return (
        len(value) == 15 and value.isdigit() and value[0] in "34"
        and int(value[:14]) % 13 % 10 == int(value[14])
    )


def is_valid_bic(value: str) -> bool:
    return len(value) == 9 and value.isdigit() and value.startswith("04")


def is_valid_bank_account(account: str, bic: str) -> bool:
    """A 20-digit account checked with the key by the BIC (ЦБ РФ 08.09.1997 № 515)."""
    if not (len(account) == 20 and account.isdigit() and is_valid_bic(bic)):
        return False
    prefix = "0" + bic[4:6] if account.startswith("30101") or bic[6:] in ("000", "001", "002") else bic[6:]
    digits = prefix + account
    weights = (7, 1, 3) * 8
    return sum(int(d) * w for d, w in zip(digits, weights[:23], strict=True)) % 10 == 0


def normalize_phone(value: str) -> str:
    """'8 (3852) 50-12-40' -> '+73852501240'. Raises ValueError on anything but a Russian number."""
    digits = re.sub(r"[\s()\-.]", "", value.strip())
    if digits.startswith("+7"):
        digits = digits[2:]
    elif len(digits) == 11 and digits[0] in "78":
        digits = digits[1:]
    if not (len(digits) == 10 and digits.isdigit()):
        raise ValueError(value)
    return "+7" + digits


def format_phone(value: str) -> str:
    """'+73852501240' -> '8 (3852) 50-12-40' for city numbers, '8 (913) 123-45-67' for mobiles."""
    if not (value.startswith("+7") and len(value) == 12):
        return value
    d = value[2:]
    if d[0] == "9":
        return f"8 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}"
    return f"8 ({d[:4]}) {d[4:6]}-{d[6:8]}-{d[8:]}"


def validate_inn(value: str) -> None:
    if not is_valid_inn(value):
        raise ValidationError(
            "ИНН должен состоять из 10 цифр (организация) или 12 цифр (ИП) с верным контрольным числом.",
            code="invalid_inn",
        )


def validate_kpp(value: str) -> None:
    if not is_valid_kpp(value):
        raise ValidationError(
            "КПП — 9 знаков: 4 цифры кода налогового органа, 2 знака причины постановки (цифры или "
            "латинские буквы A–Z) и 3 цифры номера.",
            code="invalid_kpp",
        )


def validate_ogrn(value: str) -> None:
    if not is_valid_ogrn(value):
        raise ValidationError("ОГРН должен состоять из 13 цифр с верным контрольным числом.", code="invalid_ogrn")


def validate_ogrnip(value: str) -> None:
    if not is_valid_ogrnip(value):
        raise ValidationError(
            "ОГРНИП должен состоять из 15 цифр, начинаться с 3 и иметь верное контрольное число.",
            code="invalid_ogrnip",
        )


def validate_bic(value: str) -> None:
    if not is_valid_bic(value):
        raise ValidationError("БИК — 9 цифр, начинается с 04.", code="invalid_bic")


def validate_phone(value: str) -> None:
    try:
        normalize_phone(value)
    except ValueError:
        raise ValidationError(
            "Телефон указан неверно: нужен российский номер из 10 цифр после +7 или 8, например 8 (3852) 50-12-40.",
            code="invalid_phone",
        ) from None


# --- Completing a number with its check digits: for demo data and test factories. ---


def complete_inn(body: str) -> str:
    """9 digits -> a valid 10-digit ИНН; 10 digits -> a valid 12-digit ИНН."""
    if len(body) == 9:
        return body + str(_check_digit(body, _INN10_WEIGHTS))
    d11 = str(_check_digit(body, _INN12_WEIGHTS_11))
    return body + d11 + str(_check_digit(body + d11, _INN12_WEIGHTS_12))


def complete_ogrn(body: str) -> str:
    """12 digits -> a valid ОГРН."""
    return body + str(int(body) % 11 % 10)


def complete_ogrnip(body: str) -> str:
    """14 digits -> a valid ОГРНИП."""
    return body + str(int(body) % 13 % 10)
