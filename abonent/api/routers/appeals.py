"""Appeals through the API: register, read, list, timeline, and the customer's further messages.
Every change goes through the appeals services; this module only translates HTTP to them and back."""

import base64
import binascii
import datetime

from django.db import IntegrityError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Header, Path, Query, Router
from ninja.responses import Status

from abonent.api import idempotency
from abonent.api.auth import security_log
from abonent.api.errors import ApiError, forbidden
from abonent.api.schemas import (
    IDEMPOTENCY_KEY_PATTERN,
    NUMBER_PATTERN,
    AppealCreated,
    AppealFilters,
    AppealIn,
    AppealOut,
    AppealPage,
    Error,
    EventOut,
    MessageIn,
    MessageOut,
    ValidationErrors,
)
from abonent.appeals import services
from abonent.appeals.files import IncomingFile
from abonent.appeals.models import Appeal, AppealMessage
from abonent.appeals.selectors import appeals_visible_to
from abonent.customers.models import BillingAccount, Customer
from abonent.organisation.models import Topic
from abonent.users.models import User

router = Router(tags=["Обращения"])

# Dates outside these years are mistakes; the list's date filters are clamped to them.
EARLIEST, LATEST = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)

_ERROR_DESCRIPTIONS = {
    400: "Запрос отклонён (причина в `detail`, поле — в `field`).",
    401: "Нет токена доступа или он недействителен.",
    403: "Недостаточно прав.",
    404: "Обращение не найдено или недоступно.",
    409: "Ключ идемпотентности уже использован с другим запросом.",
    422: "Запрос не соответствует схеме.",
}
_LOCATION = {"Location": {"description": "Адрес обращения в API.", "schema": {"type": "string"}}}


def errors(*codes: int) -> dict:
    return {code: ValidationErrors if code == 422 else Error for code in codes}


def described(*codes: int, ok: dict[int, str], location: bool = False) -> dict:
    """openapi_extra: Russian descriptions of the responses (and the Location header of writes)."""
    responses: dict = {code: {"description": _ERROR_DESCRIPTIONS[code]} for code in codes}
    for code, description in ok.items():
        responses[code] = {"description": description, **({"headers": _LOCATION} if location else {})}
    return {"responses": responses}


def idempotency_header():
    return Header(None, alias="Idempotency-Key", pattern=IDEMPOTENCY_KEY_PATTERN,
                  description="Ключ идемпотентности (например, UUID): повтор с тем же ключом не создаёт дубль.")


def number_path():
    return Path(pattern=NUMBER_PATTERN, description="Регистрационный номер, например 2026-000123.")


def require(user: User, permission: str) -> None:
    if not user.has_perm(permission):
        security_log.warning("API authorization refused: user id=%s lacks %s", user.pk, permission)
        raise forbidden()


def visible_appeal(user: User, number: str) -> Appeal:
    require(user, "appeals.view_appeal")
    appeal = (appeals_visible_to(user).select_related("department", "executor", "customer", "topic", "billing_account")
              .filter(number=number).first())
    if appeal is None:
        raise ApiError(404, f"Обращение № {number} не найдено.")
    return appeal


def _local(value: datetime.datetime | None) -> datetime.datetime | None:
    return timezone.localtime(value) if value else None


def appeal_url(appeal: Appeal) -> str:
    return reverse("api:get_appeal", kwargs={"number": appeal.number})


# --- Registration ---


def _customer(value: str) -> Customer:
    if len(value) in (10, 12):
        matches = Customer.objects.with_inn(value)
        if len(matches) > 1:
            raise ApiError(400, f"ИНН {value} у нескольких клиентов (разные КПП): укажите идентификатор клиента.",
                           field="customer")
        if matches:
            return matches[0]
        raise ApiError(400, f"Клиент с ИНН {value} не найден.", field="customer")
    customer = Customer.objects.filter(pk=int(value)).first()
    if customer is None:
        raise ApiError(400, f"Клиент с идентификатором {value} не найден.", field="customer")
    return customer


def _files(payload: AppealIn) -> list[IncomingFile]:
    files = []
    for item in payload.attachments:
        try:
            content = base64.b64decode(item.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(400, f"Файл «{item.name}»: содержимое не в кодировке base64.", field="attachments") from None
        files.append(IncomingFile(name=item.name, content=content))
    return files


def _plausible(value: datetime.date, field: str, what: str) -> None:
    if not EARLIEST.year <= value.year <= LATEST.year:
        raise ApiError(400, f"{what} вне допустимого диапазона ({EARLIEST.year}–{LATEST.year} годы).", field=field)


def build_draft(payload: AppealIn) -> services.AppealDraft:
    """The service's draft from the request: references by code or number looked up, files decoded."""
    topic = None
    if payload.topic:
        topic = Topic.objects.filter(code=payload.topic, is_active=True).first()
        if topic is None:
            raise ApiError(400, f"Неизвестная тема обращений «{payload.topic}».", field="topic")
    account = None
    if payload.billing_account:
        account = BillingAccount.objects.select_related("contract__customer").filter(
            number=payload.billing_account).first()
        if account is None:
            raise ApiError(400, f"Лицевой счёт {payload.billing_account} не найден.", field="billing_account")
    if payload.received_at is not None:
        _plausible(payload.received_at, "received_at", "Дата поступления")
    if payload.postmark_date is not None:
        _plausible(payload.postmark_date, "postmark_date", "Дата почтового штемпеля")
    return services.AppealDraft(
        text=payload.text, channel=payload.channel, kind=payload.kind, reply_channel=payload.reply_channel or "",
        subject=payload.subject, topic=topic, customer=_customer(payload.customer) if payload.customer else None,
        billing_account=account, sender_name=payload.sender_name, sender_organisation=payload.sender_organisation,
        sender_inn=payload.sender_inn, sender_email=payload.sender_email or "", sender_phone=payload.sender_phone,
        sender_address=payload.sender_address, received_at=payload.received_at, postmark_date=payload.postmark_date,
        files=_files(payload),
    )


def created_out(appeal: Appeal) -> dict:
    return {
        "number": appeal.number, "status": appeal.status, "status_label": appeal.get_status_display(),
        "registered_at": _local(appeal.registered_at), "due_at": _local(appeal.due_at),
        "department": {"code": appeal.department.code, "name": appeal.department.name},
        "url": appeal_url(appeal),
    }


@router.post(
    "/appeals", url_name="register_appeal", operation_id="register_appeal", summary="Зарегистрировать обращение",
    response={200: AppealCreated, 201: AppealCreated, **errors(400, 401, 403, 409, 422)},
    openapi_extra=described(400, 401, 403, 409, 422, location=True, ok={
        201: "Обращение зарегистрировано.",
        200: "Повтор запроса с тем же ключом: обращение, зарегистрированное ранее.",
    }),
)
def register_appeal(request: HttpRequest, response: HttpResponse, payload: AppealIn,
                    idempotency_key: str | None = idempotency_header()):
    """Регистрирует обращение: номер, подразделение по маршрутизации, срок ответа. Ответ 201 с номером
    и сроком; повтор с тем же `Idempotency-Key` и тем же телом возвращает то же обращение с кодом 200."""
    user: User = request.auth
    require(user, "appeals.register_appeal")

    def register() -> tuple[Appeal, bool]:
        source_key = idempotency.source_key(user, idempotency_key) if idempotency_key else None
        registration = services.register_appeal(draft=build_draft(payload), registered_by=user, source_key=source_key)
        return registration.appeal, registration.created

    if idempotency_key:
        body_hash = idempotency.request_hash("register_appeal", payload.model_dump(mode="json"))
        appeal, created = idempotency.run_once(user=user, key=idempotency_key, body_hash=body_hash, action=register)
    else:
        appeal, created = register()
    response["Location"] = appeal_url(appeal)
    return Status(201 if created else 200, created_out(appeal))


# --- Reading ---


def appeal_out(appeal: Appeal) -> dict:
    customer = appeal.customer
    return {
        "number": appeal.number, "status": appeal.status, "status_label": appeal.get_status_display(),
        "kind": appeal.kind, "kind_label": appeal.get_kind_display(),
        "topic": appeal.topic.code if appeal.topic else None,
        "channel": appeal.channel, "reply_channel": appeal.reply_channel,
        "subject": appeal.subject, "text": appeal.text,
        "customer": {"id": customer.pk, "inn": customer.inn, "name": str(customer)} if customer else None,
        "billing_account": appeal.billing_account.number if appeal.billing_account else None,
        "sender_name": appeal.sender_name, "sender_organisation": appeal.sender_organisation,
        "sender_inn": appeal.sender_inn, "sender_email": appeal.sender_email,
        "sender_phone": appeal.sender_phone, "sender_address": appeal.sender_address,
        "received_at": _local(appeal.received_at), "registered_at": _local(appeal.registered_at),
        "due_at": _local(appeal.due_at), "is_extended": appeal.is_extended, "is_overdue": appeal.is_overdue,
        "answered_at": _local(appeal.answered_at), "closed_at": _local(appeal.closed_at),
        "department": {"code": appeal.department.code, "name": appeal.department.name},
        "executor": appeal.executor.full_name or appeal.executor.username if appeal.executor else None,
        "replies": [
            {"outgoing_number": r.outgoing_number, "outgoing_date": r.outgoing_date, "status": r.status,
             "status_label": r.get_status_display(), "channel": r.channel, "sent_at": _local(r.sent_at)}
            for r in appeal.replies.all()
        ],
    }


@router.get(
    "/appeals/{number}", url_name="get_appeal", operation_id="get_appeal", summary="Обращение",
    response={200: AppealOut, **errors(401, 403, 404, 422)},
    openapi_extra=described(401, 403, 404, 422, ok={200: "Обращение."}),
)
def get_appeal(request: HttpRequest, number: str = number_path()):
    """Статус, поля, подразделение, исполнитель, срок ответа и направленные ответы."""
    return appeal_out(visible_appeal(request.auth, number))


@router.get(
    "/appeals/{number}/events", url_name="appeal_events", operation_id="appeal_events",
    summary="Ход рассмотрения обращения",
    response={200: list[EventOut], **errors(401, 403, 404, 422)},
    openapi_extra=described(401, 403, 404, 422, ok={200: "События обращения."}),
)
def appeal_events(request: HttpRequest, number: str = number_path()):
    """События обращения в порядке времени: регистрация, направление, ответы, сроки."""
    appeal = visible_appeal(request.auth, number)
    return [
        {"kind": e.kind, "label": e.get_kind_display(), "at": _local(e.at),
         "actor": (e.actor.full_name or e.actor.username) if e.actor else None,
         "data": e.data if isinstance(e.data, dict) else {"value": e.data}}
        for e in appeal.events.select_related("actor").order_by("at", "pk")
    ]


# --- The list, a page at a time: keyset on (registered_at, id), never a COUNT over the registry ---


def encode_cursor(appeal: Appeal) -> str:
    raw = f"{appeal.registered_at.astimezone(datetime.UTC).isoformat()}|{appeal.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime.datetime, int]:
    try:
        at, pk = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        moment, number = datetime.datetime.fromisoformat(at), int(pk)
        if moment.tzinfo is None or not 2000 <= moment.year <= 2100 or not 0 < number < 2**63:
            raise ValueError(cursor)
        return moment, number
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(400, "Некорректный курсор страницы: передайте next_cursor из прошлого ответа.",
                       field="cursor") from None


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def filtered(appeals, f: AppealFilters):
    for field, value in (("status", f.status), ("kind", f.kind), ("channel", f.channel),
                         ("department__code", f.department), ("customer__inn", f.customer)):
        if value:
            appeals = appeals.filter(**{field: value})
    if f.registered_from:
        appeals = appeals.filter(registered_at__gte=_day_start(min(max(f.registered_from, EARLIEST), LATEST)))
    if f.registered_to:
        day_after = min(max(f.registered_to, EARLIEST), LATEST) + datetime.timedelta(days=1)
        appeals = appeals.filter(registered_at__lt=_day_start(day_after))
    if f.overdue is True:
        appeals = appeals.overdue()
    elif f.overdue is False:
        appeals = appeals.exclude(pk__in=Appeal.objects.overdue().values("pk"))
    if f.cursor:
        at, pk = decode_cursor(f.cursor)
        appeals = appeals.filter(Q(registered_at__lt=at) | Q(registered_at=at, pk__lt=pk))
    return appeals


@router.get(
    "/appeals", url_name="list_appeals", operation_id="list_appeals", summary="Реестр обращений",
    response={200: AppealPage, **errors(400, 401, 403, 422)},
    openapi_extra=described(400, 401, 403, 422, ok={200: "Страница реестра."}),
)
def list_appeals(request: HttpRequest, filters: Query[AppealFilters]):
    """Обращения, новые первыми, страницами до 100; следующая страница — по `next_cursor`."""
    user: User = request.auth
    require(user, "appeals.view_appeal")
    appeals = filtered(appeals_visible_to(user), filters).select_related("department", "executor", "customer")
    page = list(appeals.order_by("-registered_at", "-pk")[: filters.limit + 1])
    has_more = len(page) > filters.limit
    page = page[: filters.limit]
    return {
        "items": [
            {"number": a.number, "status": a.status, "kind": a.kind, "channel": a.channel, "subject": a.subject,
             "customer_inn": a.customer.inn if a.customer else None, "department": a.department.code,
             "executor": (a.executor.full_name or a.executor.username) if a.executor else None,
             "registered_at": _local(a.registered_at), "due_at": _local(a.due_at), "is_overdue": a.is_overdue}
            for a in page
        ],
        "next_cursor": encode_cursor(page[-1]) if has_more else None,
    }


# --- The customer's further messages ---


def message_out(message: AppealMessage, appeal: Appeal) -> dict:
    return {"id": message.pk, "appeal": appeal.number, "appeal_status": appeal.status, "channel": message.channel,
            "author": message.author, "text": message.text, "received_at": _local(message.received_at)}


@router.post(
    "/appeals/{number}/messages", url_name="add_appeal_message", operation_id="add_appeal_message",
    summary="Дополнение клиента к обращению",
    response={200: MessageOut, 201: MessageOut, **errors(400, 401, 403, 404, 409, 422)},
    openapi_extra=described(400, 401, 403, 404, 409, 422, ok={
        201: "Сообщение добавлено.",
        200: "Повтор запроса с тем же ключом: сообщение, добавленное ранее.",
    }),
)
def add_appeal_message(request: HttpRequest, payload: MessageIn, number: str = number_path(),
                       idempotency_key: str | None = idempotency_header()):
    """Добавляет сообщение клиента к обращению; обращение с направленным ответом возвращается в работу.
    Повтор с тем же `Idempotency-Key` не добавляет сообщение второй раз (код 200)."""
    user: User = request.auth
    require(user, "appeals.register_appeal")
    appeal = visible_appeal(user, number)
    source_key = idempotency.source_key(user, idempotency_key) if idempotency_key else None

    def add() -> tuple[Appeal, bool]:
        try:
            _, created = services.add_message(appeal=appeal, text=payload.text, channel=payload.channel,
                                              author=payload.author, source_key=source_key, actor=user)
        except IntegrityError:
            if source_key is None:
                raise
            created = False  # the same message, committed by a concurrent retry
        return appeal, created

    if idempotency_key:
        body_hash = idempotency.request_hash(f"add_message:{appeal.number}", payload.model_dump(mode="json"))
        _, created = idempotency.run_once(user=user, key=idempotency_key, body_hash=body_hash, action=add)
        message = AppealMessage.objects.get(source_key=source_key)
    else:
        message, created = services.add_message(appeal=appeal, text=payload.text, channel=payload.channel,
                                                author=payload.author, actor=user)
    appeal.refresh_from_db(fields=["status"])
    return Status(201 if created else 200, message_out(message, appeal))
