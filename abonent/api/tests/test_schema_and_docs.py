import re

import pytest

OPERATIONS = {
    ("post", "/api/appeals"): {200, 201, 400, 401, 403, 409, 422, 429},
    ("post", "/api/billing/imports"): {200, 201, 400, 401, 403, 422, 429},
    ("get", "/api/appeals"): {200, 400, 401, 403, 422, 429},
    ("get", "/api/appeals/{number}"): {200, 401, 403, 404, 422, 429},
    ("get", "/api/appeals/{number}/events"): {200, 401, 403, 404, 422, 429},
    ("post", "/api/appeals/{number}/messages"): {200, 201, 400, 401, 403, 404, 409, 422, 429},
}


@pytest.fixture
def schema(client, db):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_schema_is_openapi_3_1_and_needs_no_login(schema):
    assert schema["openapi"] == "3.1.0"
    assert schema["info"]["title"] == "Абонент — API"
    assert schema["components"]["securitySchemes"] == {"TokenAuth": {"type": "http", "scheme": "bearer"}}


def test_every_reference_resolves(schema):
    names = set(schema["components"]["schemas"])
    for ref in _refs(schema):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in names, ref


def test_every_operation_declares_its_errors(schema):
    found = {(method, path): set(map(int, op["responses"]))
             for path, methods in schema["paths"].items() for method, op in methods.items()}
    assert found == OPERATIONS
    for methods in schema["paths"].values():
        for op in methods.values():
            assert op["security"] == [{"TokenAuth": []}]
            assert op["tags"] in (["Обращения"], ["Расчёты"])
            for code, response in op["responses"].items():
                ref = response["content"]["application/json"]["schema"].get("$ref", "")
                if code == "422":
                    assert ref in ("#/components/schemas/ValidationErrors", "#/components/schemas/ImportRejected")
                elif code.startswith("4"):
                    assert ref == "#/components/schemas/Error"
                    assert re.search("[а-я]", response["description"])


def test_the_served_schema_declares_429_with_retry_after_as_the_api_sends_it(schema, client, operator, settings):
    for methods in schema["paths"].values():
        for op in methods.values():
            headers = op["responses"]["429"]["headers"]
            assert headers == {"Retry-After": {"description": "Через сколько секунд повторить запрос.",
                                               "schema": {"type": "integer", "minimum": 1}}}
    from abonent.api.auth import issue_token

    settings.API_RATE_LIMIT = "1/h"
    auth = {"Authorization": f"Bearer {issue_token(operator, 'Шлюз')}"}
    assert client.get("/api/appeals", headers=auth).status_code == 200
    refused = client.get("/api/appeals", headers=auth)
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 3600
    assert set(refused.json()) == {"detail", "field"}


def test_writes_declare_the_location_header(schema):
    responses = schema["paths"]["/api/appeals"]["post"]["responses"]
    assert set(responses["201"]["headers"]) == set(responses["200"]["headers"]) == {"Location"}


def test_schema_is_valid_for_schemathesis(schema):
    schemathesis = pytest.importorskip("schemathesis")
    loaded = schemathesis.openapi.from_dict(schema)
    operations = [result.ok() for result in loaded.get_all_operations()]
    assert len(operations) == len(OPERATIONS)


# --- /api/docs ---


def test_docs_serve_swagger_ui_from_static_with_the_nonce(client, db):
    response = client.get("/api/docs")

    assert response.status_code == 200
    page = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    scripts = re.findall(r'<script src="([^"]+)" nonce="([^"]+)"></script>', page)
    assert scripts == [("/static/ninja/swagger-ui-bundle.js", nonce), ("/static/ninja/swagger-ui-init.js", nonce)]
    assert "cdn" not in page.lower()
    assert '"url": "/api/openapi.json"' in page
    assert '"validatorUrl": null' in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_works_offline_under_our_csp(page):
    page.goto("/api/docs")
    page.locator(".opblock-summary-path", has_text="/api/appeals/{number}/events").first.wait_for()
    assert page.locator(".opblock").count() == len(OPERATIONS)
    assert page.get_by_role("button", name=re.compile("Authorize")).is_visible()
