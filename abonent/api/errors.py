"""Every refusal of the API as `{"detail": "<по-русски>", "field": ...}`, with the status the schema declares."""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from abonent.api.validation import in_russian
from abonent.appeals.errors import AppealError

# The services name the field of the web forms; the API's body calls it otherwise.
_API_FIELD = {"files": "attachments"}
_NINJA_MESSAGES = {
    "Cannot parse request body": "Тело запроса не разобрано: ожидается JSON.",
    "Forbidden": "Недостаточно прав для этого действия.",
    "Not Found": "Не найдено.",
}


class ApiError(Exception):
    """A refusal the API itself decides on (permissions, lookups, idempotency)."""

    def __init__(self, status: int, detail: str, *, field: str | None = None):
        super().__init__(detail)
        self.status, self.detail, self.field = status, detail, field


def forbidden() -> ApiError:
    return ApiError(403, "Недостаточно прав для этого действия.")


def install_handlers(api: NinjaAPI) -> None:
    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return api.create_response(request, {"detail": exc.detail, "field": exc.field}, status=exc.status)

    def appeal_error(request: HttpRequest, exc: AppealError) -> HttpResponse:
        field = _API_FIELD.get(exc.field or "", exc.field)
        return api.create_response(request, {"detail": exc.message, "field": field}, status=400)

    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = api.create_response(request, {"detail": exc.message, "field": None}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="abonent"'
        return response

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        detail = _NINJA_MESSAGES.get(exc.message, exc.message)
        return api.create_response(request, {"detail": detail, "field": None}, status=exc.status_code)

    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return api.create_response(request, {"detail": [in_russian(e) for e in exc.errors]}, status=422)

    api.add_exception_handler(ApiError, api_error)
    api.add_exception_handler(ValidationError, validation_error)
    api.add_exception_handler(AppealError, appeal_error)
    api.add_exception_handler(AuthenticationError, authentication_error)
    api.add_exception_handler(HttpError, http_error)
