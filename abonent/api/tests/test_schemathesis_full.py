"""Schemathesis against the WHOLE OpenAPI schema with one token that may do everything the API offers
(register and work on appeals, import billing data): no server errors, every response as declared.

It extends, not repeats, the two narrower runs: test_schemathesis.py (every operation with an operator's token, so
the billing import only ever answers 403) and billing/tests/test_billing_api_schemathesis.py (random uploads, which
the importer refuses with 422). Here:
- every operation runs with the all-powerful token, every check on, positive data accepted as documented (a 400,
  404 or 409 for a rule of the registry, a 422 for a refused file);
- one billing import case in two carries a well-formed payments file from a small pool of rows, so the success
  answers are reached too — 201 for new rows, 200 «уже загружен» for a file seen before — and checked against
  the schema;
- the stateful phase chains calls along the links schemathesis infers from the schema (the list → an appeal's
  card → its events → a message to it; a registration → the card), checking every step.

Short by default (the normal suite stays under about a minute); ABONENT_SCHEMATHESIS_EXAMPLES=N for a long run
(N examples per operation and N stateful scenarios), e.g. ABONENT_SCHEMATHESIS_EXAMPLES=500."""

import hashlib
import json
import os
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")

from django.contrib.auth.models import Permission  # noqa: E402
from django.core.signals import request_finished, request_started  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.config import SchemathesisConfig  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402
from schemathesis.transport.serialization import Binary  # noqa: E402

from abonent.api.auth import issue_token  # noqa: E402
from abonent.api.urls import api  # noqa: E402
from abonent.appeals.tests.factories import register  # noqa: E402
from abonent.customers.tests.factories import BillingAccountFactory  # noqa: E402

EXAMPLES = int(os.environ.get("ABONENT_SCHEMATHESIS_EXAMPLES", "0"))
LONG = EXAMPLES > 0
CONFIG = Path(__file__).with_name("schemathesis.toml")
ACCOUNT = "2200010000"
HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much,
          HealthCheck.data_too_large]

RAW_SCHEMA = json.loads(json.dumps(api.get_openapi_schema()))
schema = schemathesis.openapi.from_dict(RAW_SCHEMA, config=SchemathesisConfig.from_path(CONFIG))
schema.app = get_wsgi_application()
schema.location = "/api/openapi.json"
# The chained calls are valid requests carrying the real token: authentication and invalid input are what the
# single calls above test (a chained step with its required header removed would get the token back anyway).
chained_schema = schemathesis.openapi.from_dict(RAW_SCHEMA, config=SchemathesisConfig.from_str(
    CONFIG.read_text() + '\n[generation]\nwith-security-parameters = false\nmode = "positive"\n'))
chained_schema.app = schema.app
chained_schema.location = schema.location


def run_settings(default_examples: int, **extra) -> settings:
    return settings(max_examples=EXAMPLES or default_examples, deadline=None, derandomize=not LONG,
                    suppress_health_check=HEALTH, **({} if LONG else {"database": None}), **extra)


@pytest.fixture
def full_token(operator):
    """A reception specialist (registers and works on appeals) who may also import billing data; two appeals in
    the registry, so the chained calls reach real cards, events and messages."""
    operator.user_permissions.add(Permission.objects.get(codename="import_billing_data"))
    BillingAccountFactory(number=ACCOUNT)
    register(registered_by=operator, subject="Начисление за октябрь")
    register(registered_by=operator, channel="phone", sender_email="", sender_phone="+79131234567")
    # As Django's test client does: the app must not close the test's connection after each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield issue_token(operator, "schemathesis (вся схема)")
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def payments_file(case) -> bytes:
    """A well-formed payments file chosen by the case's generated data: two rows out of a pool of four, so the
    same file comes again (200, already imported) as often as a new one (201)."""
    digest = hashlib.sha256(repr(sorted((case.body or {}).keys())).encode() + repr(case.body).encode()).digest()
    first, second = digest[0] % 4, digest[1] % 4
    rows = "".join(f"P-FULL-{n};{ACCOUNT};0{n + 1}.11.2026;{100 + n},50\r\n" for n in sorted({first, second}))
    return f"#format_version=1;kind=payments\r\nexternal_id;account;paid_on;amount\r\n{rows}".encode()


def with_real_file(case) -> None:
    """Positive cases only: a negative one must stay invalid (its form fields are what makes it so)."""
    if case.operation.definition.raw.get("operationId") != "billing_import" or not isinstance(case.body, dict):
        return
    if case.meta is None or case.meta.generation.mode != GenerationMode.POSITIVE:
        return
    if "file" in case.body and hashlib.sha256(repr(case.body).encode()).digest()[0] % 2 == 0:
        case.body["file"] = Binary(payments_file(case))
        case.body.pop("kind", None)


@schema.parametrize()
@run_settings(8)
def test_the_whole_schema_with_a_token_that_may_do_everything(case, full_token):
    with_real_file(case)
    excluded = [positive_data_acceptance] if case.operation.definition.raw.get("operationId") == "billing_import" \
        else []
    case.call_and_validate(headers={"Authorization": f"Bearer {full_token}"}, excluded_checks=excluded)


class Workflow(chained_schema.as_state_machine()):
    token = ""

    def before_call(self, case):
        with_real_file(case)


@chained_schema.auth(refresh_interval=None)
class IssuedToken:
    """The test's token as schemathesis' own auth: each step sends it, and the auth checks still probe the
    operation without it and with a wrong one."""

    def get(self, case, context):
        return Workflow.token

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def test_the_whole_schema_as_chained_calls(full_token):
    Workflow.token = full_token
    Workflow.run(settings=run_settings(12, stateful_step_count=6))
