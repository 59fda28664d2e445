"""Schemathesis over the billing import operation with a token that may import: any generated upload answers
one of the declared responses, in the declared shape, and never a 500. A schema-valid but meaningless file is
refused with 422 by design, so the positive-data acceptance check does not apply here."""

import json

import pytest

schemathesis = pytest.importorskip("schemathesis")

from django.contrib.auth.models import Permission  # noqa: E402
from django.core.signals import request_finished, request_started  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402

from abonent.api.auth import issue_token  # noqa: E402
from abonent.api.urls import api  # noqa: E402

schema = schemathesis.openapi.from_dict(json.loads(json.dumps(api.get_openapi_schema())))
schema.app = get_wsgi_application()
schema.location = "/api/openapi.json"


@pytest.fixture
def import_token(operator):
    operator.user_permissions.add(Permission.objects.get(codename="import_billing_data"))
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield issue_token(operator, "schemathesis")
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.include(operation_id="billing_import").parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_billing_import_conforms_to_its_schema(case, import_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {import_token}"},
                           excluded_checks=[positive_data_acceptance])
