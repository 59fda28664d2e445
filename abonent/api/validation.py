"""Russian wording of the schema violations the API answers with 422. Django Ninja passes on pydantic's English
messages; the format (`type`, `loc`, `msg`, `ctx`) stays, so clients keyed on `type` and `loc` keep working."""

MESSAGES = {
    "missing": "Обязательное поле не заполнено.",
    "string_type": "Ожидается строка.",
    "string_too_short": "Слишком короткое значение: не меньше {min_length} симв.",
    "string_too_long": "Слишком длинное значение: не больше {max_length} симв.",
    "string_pattern_mismatch": "Значение не подходит по формату.",
    "literal_error": "Недопустимое значение: ожидается одно из {expected}.",
    "enum": "Недопустимое значение: ожидается одно из {expected}.",
    "int_type": "Ожидается целое число.",
    "int_parsing": "Ожидается целое число.",
    "int_from_float": "Ожидается целое число.",
    "float_type": "Ожидается число.",
    "float_parsing": "Ожидается число.",
    "decimal_type": "Ожидается число.",
    "decimal_parsing": "Ожидается число.",
    "bool_type": "Ожидается true или false.",
    "bool_parsing": "Ожидается true или false.",
    "greater_than": "Значение должно быть больше {gt}.",
    "greater_than_equal": "Значение должно быть не меньше {ge}.",
    "less_than": "Значение должно быть меньше {lt}.",
    "less_than_equal": "Значение должно быть не больше {le}.",
    "too_short": "Слишком мало элементов: не меньше {min_length}.",
    "too_long": "Слишком много элементов: не больше {max_length}.",
    "date_type": "Ожидается дата в формате ГГГГ-ММ-ДД.",
    "date_parsing": "Ожидается дата в формате ГГГГ-ММ-ДД.",
    "date_from_datetime_parsing": "Ожидается дата в формате ГГГГ-ММ-ДД.",
    "datetime_type": "Ожидаются дата и время в формате ISO 8601.",
    "datetime_parsing": "Ожидаются дата и время в формате ISO 8601.",
    "datetime_from_date_parsing": "Ожидаются дата и время в формате ISO 8601.",
    "uuid_type": "Ожидается UUID.",
    "uuid_parsing": "Ожидается UUID.",
    "json_invalid": "Тело запроса — не корректный JSON.",
    "dict_type": "Ожидается объект.",
    "model_type": "Ожидается объект.",
    "model_attributes_type": "Ожидается объект.",
    "list_type": "Ожидается список.",
    "extra_forbidden": "Лишнее поле.",
}
# Our own validators raise ValueError with a Russian message; pydantic puts its English prefix before it.
_OWN_PREFIXES = ("Value error, ", "Assertion failed, ")


def in_russian(error: dict) -> dict:
    kind = error.get("type", "")
    message = str(error.get("msg", ""))
    if kind in MESSAGES:
        try:
            context = {k: str(v).replace(" or ", " или ") for k, v in (error.get("ctx") or {}).items()}
            message = MESSAGES[kind].format(**context)
        except (KeyError, IndexError, ValueError):
            message = MESSAGES[kind].split(":")[0].rstrip(".") + "."
    elif message.startswith(_OWN_PREFIXES):
        message = message.split(", ", 1)[1]
    else:
        message = "Недопустимое значение."
    return error | {"msg": message}
