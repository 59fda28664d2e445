"""The API's request and response bodies: the contract that the OpenAPI schema publishes."""

import datetime
import re
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import models
from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, StringConstraints

from abonent.appeals.models import Appeal, Kind
from abonent.organisation.models import Channel

# PostgreSQL cannot store NUL, and a lone surrogate cannot be encoded: refuse both with a 422, never a 500.
# The schema says so too (the pattern), so that clients and schemathesis know it.
NO_NUL = r"^[^\x00]*$"
_SURROGATE = re.compile("[\ud800-\udfff]")


def _storable(value: str) -> str:
    if _SURROGATE.search(value):
        raise ValueError("Текст содержит недопустимые символы (непарные суррогаты).")
    return value


def _email(value: str) -> str:
    try:
        validate_email(value)
    except DjangoValidationError:
        raise ValueError("Некорректный адрес электронной почты.") from None
    return value


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII)


def _iso(pattern: re.Pattern, example: str):
    """Exactly the JSON Schema formats (RFC 3339): pydantic alone would also take numbers as Unix time and
    date-times without a time zone."""

    def check(value: Any) -> Any:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise ValueError(f"Ожидается строка в формате ISO 8601, например {example}.")
        return value

    return BeforeValidator(check)


Text = Annotated[str, StringConstraints(pattern=NO_NUL), AfterValidator(_storable)]
Date = Annotated[datetime.date, _iso(_DATE, "2026-11-30")]
DateTime = Annotated[datetime.datetime, _iso(_DATE_TIME, "2026-11-30T09:15:00+07:00")]
Email = Annotated[str, StringConstraints(max_length=254), Field(json_schema_extra={"format": "email"}),
                  AfterValidator(_email)]


def choice_of(choices: type[models.TextChoices], description: str) -> Any:
    """A string restricted to the values of Django choices, their Russian labels in the description."""
    values = ", ".join(f"`{value}` — {label}" for value, label in choices.choices)
    return Annotated[Literal[tuple(choices.values)], Field(description=f"{description}: {values}.")]


KindCode = choice_of(Kind, "Вид обращения")
ChannelCode = choice_of(Channel, "Канал")
StatusCode = choice_of(Appeal.Status, "Статус обращения")

NUMBER_PATTERN = r"^[0-9]{4}-[0-9]{6,}$"
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]{1,200}$"


class Error(Schema):
    """A refusal: the Russian message to show to a person, and the field it is about, if any."""

    detail: str = Field(description="Причина отказа по-русски.")
    field: str | None = Field(None, description="Поле запроса, к которому относится ошибка.")


class ValidationErrorItem(Schema):
    type: str
    loc: list[str | int]
    msg: str
    ctx: dict[str, Any] | None = None


class ValidationErrors(Schema):
    """The request does not match the schema (Django Ninja's format)."""

    detail: list[ValidationErrorItem]


class AttachmentIn(Schema):
    name: Text = Field(min_length=1, max_length=255, description="Имя файла с расширением, например «акт.pdf».")
    content_base64: str = Field(pattern=r"^[A-Za-z0-9+/]+={0,2}$", description="Содержимое файла в base64.")


class AppealIn(Schema):
    """A new appeal as an integration hands it over."""

    kind: KindCode = Kind.QUESTION.value
    channel: ChannelCode
    reply_channel: ChannelCode | None = Field(
        None, description="Способ ответа; по умолчанию — канал поступления (с сайта и по телефону — e-mail или почта).")
    subject: Text = Field("", max_length=300, description="Краткое содержание.")
    text: Text = Field(description="Текст обращения; может быть пустым, если приложены файлы.")
    topic: str | None = Field(None, pattern=r"^[-a-zA-Z0-9_]{1,50}$", description="Код темы обращений.")
    customer: str | None = Field(None, pattern=r"^[0-9]{1,12}$",
                                 description="Клиент: ИНН (10 или 12 цифр) или внутренний идентификатор.")
    billing_account: str | None = Field(None, pattern=r"^[-A-Za-z0-9/]{1,30}$",
                                        description="Номер лицевого счёта клиента.")
    sender_name: Text = Field("", max_length=300, description="ФИО заявителя.")
    sender_organisation: Text = Field("", max_length=300, description="Организация заявителя.")
    sender_inn: str = Field("", pattern=r"^([0-9]{10}|[0-9]{12})?$", description="ИНН заявителя.")
    sender_email: Email | None = Field(None, description="E-mail заявителя.")
    sender_phone: str = Field("", pattern=r"^[-+0-9() ]{0,32}$")
    sender_address: Text = Field("", max_length=300, description="Почтовый адрес для ответа.")
    received_at: DateTime | None = Field(
        None, description="Когда поступило, с часовым поясом; по умолчанию — момент регистрации.")
    postmark_date: Date | None = Field(None, description="Дата почтового штемпеля (для писем).")
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20,
                                            description="Файлы; всего запрос не более 5 МБ.")


class DepartmentOut(Schema):
    code: str
    name: str


class CustomerOut(Schema):
    id: int
    inn: str
    name: str


class AppealCreated(Schema):
    number: str = Field(description="Регистрационный номер.")
    status: StatusCode
    status_label: str
    registered_at: datetime.datetime
    due_at: datetime.datetime = Field(description="Срок ответа.")
    department: DepartmentOut
    url: str = Field(description="Адрес обращения в API.")


class ReplyOut(Schema):
    outgoing_number: str | None
    outgoing_date: datetime.date | None
    status: str
    status_label: str
    channel: str
    sent_at: datetime.datetime | None


class AppealOut(Schema):
    number: str
    status: StatusCode
    status_label: str
    kind: KindCode
    kind_label: str
    topic: str | None = Field(description="Код темы.")
    channel: ChannelCode
    reply_channel: ChannelCode
    subject: str
    text: str
    customer: CustomerOut | None
    billing_account: str | None
    sender_name: str
    sender_organisation: str
    sender_inn: str
    sender_email: str
    sender_phone: str
    sender_address: str
    received_at: datetime.datetime
    registered_at: datetime.datetime
    due_at: datetime.datetime
    is_extended: bool
    is_overdue: bool
    answered_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    department: DepartmentOut
    executor: str | None = Field(description="ФИО исполнителя.")
    replies: list[ReplyOut]


class AppealListItem(Schema):
    number: str
    status: StatusCode
    kind: KindCode
    channel: ChannelCode
    subject: str
    customer_inn: str | None
    department: str = Field(description="Код подразделения.")
    executor: str | None
    registered_at: datetime.datetime
    due_at: datetime.datetime
    is_overdue: bool


class AppealPage(Schema):
    items: list[AppealListItem]
    next_cursor: str | None = Field(description="Передайте в `cursor`, чтобы получить следующую страницу; "
                                                "null — страниц больше нет.")


class AppealFilters(Schema):
    status: StatusCode | None = None
    kind: KindCode | None = None
    channel: ChannelCode | None = None
    department: str | None = Field(None, pattern=r"^[-a-zA-Z0-9_]{1,50}$", description="Код подразделения.")
    customer: str | None = Field(None, pattern=r"^([0-9]{10}|[0-9]{12})$", description="ИНН клиента.")
    registered_from: Date | None = Field(None, description="Зарегистрированы с этой даты (включительно).")
    registered_to: Date | None = Field(None, description="Зарегистрированы по эту дату (включительно).")
    overdue: bool | None = Field(None, description="true — только просроченные, false — только без просрочки.")
    cursor: str | None = Field(None, pattern=r"^[A-Za-z0-9_=-]{1,200}$", description="`next_cursor` прошлой страницы.")
    limit: int = Field(20, ge=1, le=100)


class EventOut(Schema):
    kind: str
    label: str
    at: datetime.datetime
    actor: str | None
    data: dict[str, Any]


class MessageIn(Schema):
    """A further message from the customer in an existing appeal."""

    text: Text = Field(min_length=1)
    author: Text = Field("", max_length=300)
    channel: ChannelCode


class MessageOut(Schema):
    id: int
    appeal: str = Field(description="Номер обращения.")
    appeal_status: StatusCode
    channel: ChannelCode
    author: str
    text: str
    received_at: datetime.datetime
