"""Fuzzing the payment provider's notification endpoint with outside input: any body, signed or not, and any
payment state the provider's API may answer with when the notification is re-read.

Properties: the endpoint answers 200, 400 or 503 with a JSON body, never a server error; without a valid
signature nothing is asked or changed; a final payment never changes; a confirmed payment is recorded in billing
exactly once however often and in whatever order notifications arrive.

Fast and deterministic in the normal suite; `HYPOTHESIS_PROFILE=fuzz` (and FUZZ_EXAMPLES) for a long random run."""

import json
import os
import uuid
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from abonent.billing.models import Payment
from abonent.billing.payments import provider
from abonent.billing.payments.models import OnlinePayment

pytestmark = pytest.mark.django_db
LONG = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
SECRET = "fuzz-webhook-secret"  # noqa: S105 - a test value
URL = "/payments/webhook/"


def fuzz(examples: int):
    return settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "3000")) if LONG else examples, deadline=None,
                    derandomize=not LONG, suppress_health_check=list(HealthCheck),
                    **({} if LONG else {"database": None}))


# Any text, NUL included: what the database cannot store is stripped from the provider's answer.
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                    TEXT)
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                            st.dictionaries(TEXT, inner, max_size=3)),
                           max_leaves=8)
STATUSES = st.one_of(st.sampled_from([*OnlinePayment.Status.values, "refunded", "", "SUCCEEDED"]), TEXT,
                     st.integers())


@pytest.fixture
def online_payment(settings):
    from abonent.customers.tests.factories import BillingAccountFactory
    from abonent.users.models import User

    settings.PAYMENTS = {**django_settings.PAYMENTS, "WEBHOOK_SECRET": SECRET, "API_URL": "http://127.0.0.1:9/v3"}
    user = User.objects.create_user(username="payer@example.ru", kind=User.Kind.CUSTOMER)
    return OnlinePayment.objects.create(uuid=uuid.uuid4(), account=BillingAccountFactory(), amount=Decimal("1234.56"),
                                        description="Оплата", idempotency_key=uuid.uuid4().hex, provider_id="pay-1",
                                        return_url="http://testserver/back/", started_by=user)


def signed_post(client, body: bytes, signature: str | None = None):
    header = provider.sign(body, SECRET) if signature is None else signature
    return client.generic("POST", URL, data=body, content_type="application/json",
                          headers={provider.SIGNATURE_HEADER: header})


def check_answer(response) -> None:
    assert response.status_code in (200, 400, 503), response.content[:300]
    assert isinstance(response.json(), dict)


@st.composite
def notification(draw) -> bytes:
    body = {"type": draw(st.sampled_from(["notification", "other", ""])),
            "event": draw(st.one_of(st.sampled_from(["payment.succeeded", "payment.canceled", "refund.succeeded"]),
                                    TEXT)),
            "object": draw(st.one_of(st.fixed_dictionaries({"id": st.one_of(st.just("pay-1"), TEXT,
                                                                            st.integers(), JSON_VALUES)}),
                                     JSON_VALUES))}
    for key in draw(st.lists(st.sampled_from(list(body)), max_size=2, unique=True)):
        del body[key]
    return json.dumps(draw(st.one_of(st.just(body), JSON_VALUES))).encode()


@st.composite
def provider_state(draw) -> dict:
    """A payment as the provider's API documents it — an id, a status, nested objects as objects — with any
    values inside. Mis-shaped answers (an object where a string belongs) are tested on their own below."""
    state = {"id": draw(st.sampled_from(["pay-1", "pay-1", "pay-2"])), "status": draw(STATUSES) or "pending"}
    leaf = st.one_of(TEXT, SCALARS)
    optional = {
        "amount": st.fixed_dictionaries({}, optional={"value": st.one_of(
            st.sampled_from(["1234.56", "1234.5", "0.01", "x"]), leaf), "currency": st.one_of(
            st.sampled_from(["RUB", "USD", ""]), leaf)}),
        "captured_at": st.one_of(st.sampled_from(["2026-11-01T10:00:00.000Z", "2026-11-01", "", "yesterday"]), leaf),
        "confirmation": st.fixed_dictionaries({}, optional={"confirmation_url": leaf}),
        "cancellation_details": st.fixed_dictionaries({}, optional={"reason": leaf, "party": leaf}),
        "metadata": st.fixed_dictionaries({}, optional={"payment_id": st.one_of(st.uuids().map(str), leaf)}),
        "paid": st.booleans(),
    }
    for name, strategy in optional.items():
        if draw(st.booleans()):
            state[name] = draw(strategy)
    return state


@fuzz(60)
@given(body=st.one_of(notification(), st.binary(max_size=200)))
@example(body=b"")
@example(body=b"\xff")
@example(body=b'{"type": "notification", "event": "payment.succeeded", "object": {"id": "../../x"}}')
def test_any_signed_body_is_answered_without_a_server_error(client, online_payment, monkeypatch, body):
    asked = []

    def get_payment(provider_id):
        asked.append(provider_id)
        raise provider.ProviderError("неверный код платежа", transient=False)

    monkeypatch.setattr(provider, "get_payment", get_payment)
    check_answer(signed_post(client, body))


@fuzz(40)
@given(body=notification(), signature=st.one_of(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126)),
                                               st.just("sha256=" + "0" * 64)))
def test_without_a_valid_signature_nothing_is_asked_or_changed(client, online_payment, monkeypatch, body, signature):
    monkeypatch.setattr(provider, "get_payment", lambda provider_id: pytest.fail("asked the provider"))
    response = signed_post(client, body, signature)
    assert response.status_code == 400 and response.json() == {"error": "неверная подпись уведомления"}
    online_payment.refresh_from_db()
    assert online_payment.status == OnlinePayment.Status.PENDING


NOTICE = b'{"type": "notification", "event": "payment.succeeded", "object": {"id": "pay-1"}}'
SUCCEEDED = {"id": "pay-1", "status": "succeeded", "amount": {"value": "1234.56", "currency": "RUB"},
             "captured_at": "2026-11-01T10:00:00.000Z"}


@fuzz(60)
@given(states=st.lists(provider_state(), min_size=1, max_size=5), succeed_at=st.integers(0, 5))
def test_any_provider_state_is_applied_safely_and_money_is_recorded_once(client, online_payment, monkeypatch,
                                                                         states, succeed_at):
    states = list(states)
    states.insert(min(succeed_at, len(states)), SUCCEEDED)
    states.append(SUCCEEDED)
    final = None
    for state in states:
        monkeypatch.setattr(provider, "get_payment", lambda provider_id, s=state: s)
        check_answer(signed_post(client, NOTICE))
        online_payment.refresh_from_db()
        if final is not None:
            assert online_payment.status == final  # a final payment never changes
        elif online_payment.is_final:
            final = online_payment.status
    recorded = Payment.objects.filter(external_id="online-pay-1")
    assert recorded.count() == (1 if online_payment.status == OnlinePayment.Status.SUCCEEDED else 0)
    if recorded:
        assert recorded.get().amount == Decimal("1234.56")


def test_a_non_ascii_signature_header_is_refused_not_crashed(client, online_payment):
    check_answer(signed_post(client, NOTICE, "sha256=é"))


UNKNOWN = "неизвестный формат ответа платёжного сервиса: "


@pytest.mark.parametrize(("state", "answer", "after"), [
    ({"id": "pay-1", "status": "succeeded", "amount": "1234.56"},
     "pending", ("pending", "", UNKNOWN + "amount — не объект", 0)),
    ({"id": "pay-1", "status": "canceled", "amount": {"value": "1234.56", "currency": "RUB"},
      "cancellation_details": "expired_on_confirmation"},
     "canceled", ("canceled", "", UNKNOWN + "cancellation_details — не объект", 0)),
    ({"id": "pay-2", "status": "pending", "metadata": ["x"]}, "ignored", ("pending", "", "", 0)),
    ({"id": "pay-1", "status": "succeeded", "amount": {"value": "1234.56", "currency": "RUB"},
      "captured_at": "2026-13-01T10:00:00Z"}, "succeeded", ("succeeded", "", "", 1)),
    ({"id": "pay-1", "status": "succeeded", "amount": {"value": "1234.56", "currency": "RUB"},
      "captured_at": "2026-11-01T10:00:00", "description": "a\x00b", "x": float("nan")},
     "succeeded", ("succeeded", "", "", 1)),
])
def test_a_mis_shaped_provider_answer_is_recorded_not_crashed(client, online_payment, monkeypatch, state, answer,
                                                              after):
    monkeypatch.setattr(provider, "get_payment", lambda provider_id: state)
    response = signed_post(client, NOTICE)
    assert (response.status_code, response.json()) == (200, {"status": answer})
    online_payment.refresh_from_db()
    recorded = Payment.objects.filter(external_id="online-pay-1").count()
    assert (online_payment.status, online_payment.cancellation_reason, online_payment.last_error, recorded) == after
    assert (online_payment.paid_at is not None) == (after[0] == "succeeded")
    if answer != "ignored":
        assert online_payment.provider_responses[-1]["body"]["id"] == "pay-1"
