"""The REST API: /api/openapi.json (OpenAPI 3.1), /api/docs, and the routers of each context."""

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.renderers import JSONRenderer

from abonent.api.auth import TokenAuth, with_rate_limit_responses
from abonent.api.docs import SelfHostedSwagger
from abonent.api.errors import install_handlers
from abonent.api.routers.appeals import router as appeals_router

app_name = "api"


class RussianJSONRenderer(JSONRenderer):
    """JSON with Cyrillic as it is, not as \\u escapes: readable in logs and in a terminal."""

    json_dumps_params = {"ensure_ascii": False}


class AbonentAPI(NinjaAPI):
    """The 429 comes from the token check, not from an operation, so Ninja cannot see it: it is added to the
    schema of every operation that takes a token (the way django-ninja's maintainer suggests extending it)."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict | None = None) -> OpenAPISchema:
        return with_rate_limit_responses(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))


api = AbonentAPI(
    title="Абонент — API",
    version="1.0.0",
    description=(
        "API системы обслуживания потребителей АО «Барнаульская горэлектросеть» для интеграций. "
        "Каждый запрос — с токеном сотрудника (`Authorization: Bearer <токен>`), права — как у сотрудника в "
        "системе. Ошибки: `{\"detail\": \"…\", \"field\": \"…\"}`; 422 — несоответствие схеме."
    ),
    auth=TokenAuth(),
    docs=SelfHostedSwagger(),
    renderer=RussianJSONRenderer(),
    urls_namespace=app_name,
)
install_handlers(api)
api.add_router("/", appeals_router)
api.add_router("/", "abonent.api.routers.billing.router")

urlpatterns = api.urls[0]
