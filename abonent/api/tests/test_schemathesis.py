"""Property-based run of schemathesis over every operation, against the WSGI app, with a staff token.
Skipped where schemathesis is not installed (a test tool the project pins when it adopts it)."""

import json
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")

from django.core.signals import request_finished, request_started  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.config import SchemathesisConfig  # noqa: E402

from abonent.api.auth import issue_token  # noqa: E402
from abonent.api.urls import api  # noqa: E402
from abonent.customers.tests.factories import BillingAccountFactory  # noqa: E402

CONFIG = Path(__file__).with_name("schemathesis.toml")

# Loaded from the API object rather than through a fixture: schemathesis' lazy fixture loader touches a
# private attribute that pytest 9 no longer has.
schema = schemathesis.openapi.from_dict(json.loads(json.dumps(api.get_openapi_schema())),
                                        config=SchemathesisConfig.from_path(CONFIG))
schema.app = get_wsgi_application()
schema.location = "/api/openapi.json"


@pytest.fixture
def api_token(operator):
    BillingAccountFactory()
    # As Django's test client does: the app must not close the test's connection after each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield issue_token(operator, "schemathesis")
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_api_conforms_to_its_schema(case, api_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {api_token}"})
