"""Billing data through the API: upload an export of the billing system (the same importer as the command and
the staff page). Only for tokens of staff whose role may import billing data."""

from typing import Literal

from django.http import HttpRequest
from ninja import Field, File, Form, Router, Schema, UploadedFile
from ninja.responses import Status

from abonent.api.auth import security_log
from abonent.api.errors import ApiError, forbidden
from abonent.api.schemas import Error, ValidationErrorItem
from abonent.billing.importing import KIND_LABELS, Outcome, RowError, import_file
from abonent.users.models import User

router = Router(tags=["Расчёты"])

PERMISSION = "billing.import_billing_data"
MAX_UPLOAD = 200 * 1024**2
KindCode = Literal[tuple(KIND_LABELS)]  # type: ignore[valid-type]
# A form field has no null: an empty value means "as the file says".
KindField = Literal[("", *KIND_LABELS)]  # type: ignore[valid-type]


class ImportOut(Schema):
    """The result of a file that was accepted: loaded now, loaded before, or only checked."""

    outcome: Literal["applied", "already_imported", "dry_run"] = Field(
        description="`applied` — загружен сейчас; `already_imported` — этот же файл уже загружен, ничего не "
                    "изменилось; `dry_run` — только проверен.")
    summary: str = Field(description="Итог по-русски.")
    batch_id: int | None = Field(description="Номер загрузки (нет у проверки без загрузки).")
    file_name: str
    kind: KindCode
    format: str = Field(description="csv, json или zip.")
    format_version: str
    rows_total: int
    rows_created: int
    rows_updated: int
    rows_unchanged: int


class ImportRejected(Schema):
    """A refused file (nothing written): the errors, each with its line (`loc`: ["file", line, column]), or
    Django Ninja's format when the request itself does not match the schema."""

    detail: list[ValidationErrorItem]
    summary: str | None = Field(None, description="Итог по-русски.")
    batch_id: int | None = Field(None, description="Номер отклонённой загрузки с сохранённым списком ошибок.")
    errors_total: int | None = Field(None, description="Всего ошибок (в `detail` — не более 1000).")


KIND_FORM = Form("", description="Вид данных, если он не указан в самом файле: balances, charges, documents, "
                                 "payments, meters, readings; пусто — как указано в файле.")
# Optional in the schema: Django drops an empty file part before validation, and a missing file is answered in
# Russian (400) rather than with the framework's «Field required».
FILE_PART = File(None, description="Файл выгрузки (CSV, JSON или ZIP-пакет).")
DRY_RUN_FORM = Form(False, description="true — только проверить и посчитать, ничего не записывая.")


def _item(error: RowError) -> dict:
    loc: list[str | int] = ["file"]
    if error.line:
        loc.append(error.line)
    if error.column:
        loc.append(error.column)
    return {"type": "import_row" if error.line else "import_file", "loc": loc, "msg": error.text(),
            "ctx": {"line": error.line, "unit": error.unit, "column": error.column, "message": error.message}}


@router.post(
    "/billing/imports", url_name="billing_import", operation_id="billing_import",
    summary="Загрузить выгрузку биллинга",
    response={200: ImportOut, 201: ImportOut, 400: Error, 401: Error, 403: Error, 422: ImportRejected},
    openapi_extra={"responses": {
        201: {"description": "Файл загружен."},
        200: {"description": "Этот же файл уже загружен (ничего не изменилось) или проверен без загрузки."},
        400: {"description": "Файл не приложен, пуст или слишком велик для загрузки через API."},
        401: {"description": "Нет токена доступа или он недействителен."},
        403: {"description": "Недостаточно прав: нужно право загружать данные из биллинга."},
        422: {"description": "Файл отклонён целиком: ошибки с номерами строк, ничего не загружено."},
    }},
)
def billing_import(request: HttpRequest, file: UploadedFile | None = FILE_PART,
                   kind: KindField = KIND_FORM, dry_run: bool = DRY_RUN_FORM):
    """Загружает файл выгрузки биллинга (формат — docs/billing-import.md): сальдо, начисления, финансовые
    документы (в том числе ZIP-пакет с PDF), платежи, приборы учёта, показания. Файл с любой ошибкой не
    загружается совсем (422 со списком ошибок); тот же файл повторно ничего не меняет (200)."""
    user: User = request.auth
    if not user.has_perm(PERMISSION):
        security_log.warning("API authorization refused: user id=%s lacks %s", user.pk, PERMISSION)
        raise forbidden()
    if file is None or not file.size:
        raise ApiError(400, "Файл не приложен или пуст: приложите выгрузку биллинга в поле file.", field="file")
    if file.size is not None and file.size > MAX_UPLOAD:
        raise ApiError(400, "Файл больше 200 МБ: загрузите его командой manage.py import_billing.", field="file")
    result = import_file(content=file.read(), file_name=file.name or "файл", kind=kind or None, user=user,
                         dry_run=dry_run)
    if result.outcome == Outcome.REJECTED:
        return Status(422, {"detail": [_item(e) for e in result.errors], "summary": result.summary,
                            "batch_id": result.batch.pk if result.batch else None,
                            "errors_total": result.errors_total})
    body = result.as_dict()
    return Status(201 if result.outcome == Outcome.APPLIED else 200, body)
