"""Fuzzing the PBX webhook with outside input: generated payloads (well-formed, almost well-formed and hostile),
random bodies and content types.

Properties: `events.parse` returns the typed event or refuses with PayloadError in Russian, never another
exception; the endpoint answers 200, or 400 with a Russian `detail`, never a server error; an event delivered
twice is stored once and applied once.

Fast and deterministic in the normal suite; `HYPOTHESIS_PROFILE=fuzz` (and FUZZ_EXAMPLES) for a long random run."""

import json
import os

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from abonent.channels.phone.events import CAUSES, EVENTS, PayloadError, PbxEventData, parse
from abonent.channels.phone.models import Call, PbxEvent

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"


def fuzz(examples: int):
    return settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "3000")) if LONG else examples, deadline=None,
                    derandomize=not LONG, suppress_health_check=list(HealthCheck),
                    **({} if LONG else {"database": None}))


def russian(text: str) -> bool:
    return any("а" <= ch <= "я" for ch in text.lower())


# Any text, NUL included: a NUL (which PostgreSQL does not store) is refused with a 400.
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
NUMBERS = st.sampled_from(["+79131234567", "8 (3852) 50-12-40", "101", "anonymous", "", "+1 202 555 0100",
                           "9" * 70])
TIMES = st.one_of(st.none(), st.sampled_from(["2026-03-11T09:00:00+07:00", "2026-03-11 09:00", "1773194400",
                                              "1773194400.5", "99999999999999999999", "-1", "0", "2026-13-45",
                                              "x", ""]),
                  st.integers(), st.floats(allow_nan=False), st.datetimes().map(lambda d: d.isoformat()))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT)
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                            st.dictionaries(TEXT, inner, max_size=3)),
                           max_leaves=6)


@st.composite
def payload(draw) -> dict:
    """A Zammad-style event, each field sometimes missing, of the wrong type or out of range."""
    fields = {
        "event": st.one_of(st.sampled_from(EVENTS), TEXT),
        "callId": st.one_of(TEXT, st.integers(), st.text(min_size=90, max_size=120)),
        "direction": st.sampled_from(["in", "out", "", "sideways"]),
        "from": NUMBERS, "to": NUMBERS,
        "user": st.one_of(TEXT, st.lists(st.one_of(TEXT, st.integers()), max_size=3), JSON_VALUES),
        "cause": st.one_of(st.sampled_from([*CAUSES, ""]), TEXT),
        "answeringNumber": NUMBERS, "target": TEXT, "digits": st.sampled_from(["", "1", "12#", "9" * 60]),
        "time": TIMES, "sequence": st.one_of(TEXT, st.integers()),
        "recording": st.one_of(TEXT, st.just("r" * 600)),
        "recordingWarning": st.sampled_from(["1", "true", "0", "", "yes"]),
    }
    result = {}
    for name, strategy in fields.items():
        if draw(st.booleans()):
            result[name] = draw(st.one_of(strategy, JSON_VALUES) if draw(st.integers(0, 9)) == 0 else strategy)
    result.update(draw(st.dictionaries(TEXT, JSON_VALUES, max_size=2)))
    return result


@st.composite
def valid_event(draw) -> dict:
    event = draw(st.sampled_from(EVENTS))
    data = {"event": event, "callId": draw(st.text(alphabet="abcdef0123456789-", min_size=1, max_size=40)),
            "direction": draw(st.sampled_from(["in", "out"])), "from": "+79131234567", "to": "101"}
    if event == "ivr":
        data["digits"] = "1"
    if event == "transfer":
        data["target"] = "102"
    if event == "hangup":
        data["cause"] = draw(st.sampled_from(CAUSES))
    if draw(st.booleans()):
        data["sequence"] = str(draw(st.integers(0, 10**6)))
    if draw(st.booleans()):
        data["time"] = "2026-03-11T09:00:00+07:00"
    return data


# --- the parser ---


@fuzz(300)
@given(payload())
@example({"event": "newCall", "callId": "1", "direction": "in", "from": "+79130000000", "time": 10**20})
@example({"event": "answer", "callId": "1", "user": [{"x": 1}]})
def test_any_payload_is_typed_or_refused_in_russian(raw):
    try:
        data = parse(raw)
    except PayloadError as error:
        assert russian(str(error))
        return
    assert isinstance(data, PbxEventData) and data.event in EVENTS and data.call_id
    assert len(data.dedup_key) <= 64 and len(data.call_id) <= 100


@fuzz(100)
@given(st.one_of(JSON_VALUES, st.lists(payload())))
def test_a_payload_that_is_no_mapping_is_refused(raw):
    if isinstance(raw, dict):
        return
    with pytest.raises(PayloadError):
        parse(raw)


# --- the endpoint ---


def post(client, token, body: bytes, content_type: str):
    # generic(): the bytes go as they are, whatever charset the content type claims
    return client.generic("POST", reverse("phone:pbx_event", args=[token]), data=body, content_type=content_type)


def check_answer(response) -> None:
    assert response.status_code in (200, 400), response.content[:300]
    body = response.json()
    if response.status_code == 400:
        assert russian(body["detail"])


@pytest.mark.django_db
@fuzz(40)
@given(raw=payload(), as_json=st.booleans())
def test_the_endpoint_answers_200_or_a_russian_400_for_any_payload(client, token, raw, as_json):
    if as_json:
        response = post(client, token, json.dumps(raw).encode(), "application/json")
    else:
        form = {k: json.dumps(v) if isinstance(v, dict | list) else ("" if v is None else str(v))
                for k, v in raw.items() if k}
        response = client.post(reverse("phone:pbx_event", args=[token]), data=form)
    check_answer(response)


@pytest.mark.django_db
@fuzz(40)
@given(body=st.binary(max_size=300), content_type=st.sampled_from([
    "application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain",
    "application/json; charset=cp1251", ""]))
@example(body=b"\xff\xfe{", content_type="application/json")
@example(body=b"event=newCall&callId=%FF&direction=in&from=1", content_type="application/x-www-form-urlencoded")
def test_the_endpoint_survives_any_body(client, token, body, content_type):
    check_answer(post(client, token, body, content_type))


@pytest.mark.django_db
@fuzz(30)
@given(data=valid_event())
def test_an_event_delivered_twice_is_stored_and_applied_once(client, token, data):
    events, calls = PbxEvent.objects.count(), Call.objects.count()
    first = post(client, token, json.dumps(data).encode(), "application/json")
    assert first.status_code == 200
    call = Call.objects.get(call_id=data["callId"])
    stored = PbxEvent.objects.count()
    assert stored - events <= 1 and Call.objects.count() - calls <= 1
    second = post(client, token, json.dumps(data).encode(), "application/json")
    assert second.status_code == 200 and second.json() == first.json()
    assert PbxEvent.objects.count() == stored
    again = Call.objects.get(call_id=data["callId"])
    assert (again.outcome, again.started_at, again.ended_at) == (call.outcome, call.started_at, call.ended_at)


# --- what PostgreSQL refuses to store: NUL characters and non-finite numbers ---


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "detail"), [
    (b'{"event": "newCall", "callId": "a\\u0000b", "direction": "in", "from": "+79130000000"}',
     "Поле «callId» содержит недопустимый символ (NUL или одиночный суррогат)."),
    (b'{"event": "newCall", "callId": "nul-2", "direction": "in", "from": "+79130000000", "note": ["\\u0000"]}',
     "Поле «note» содержит недопустимый символ (NUL или одиночный суррогат)."),
    (b'{"event": "newCall", "callId": "nul-3", "direction": "in", "from": "+79130000000", "\\u0000": 1}',
     "Имя поля содержит недопустимый символ (NUL или одиночный суррогат)."),
    (b'{"event": "newCall", "callId": "a\\ud800b", "direction": "in", "from": "+79130000000"}',
     "Поле «callId» содержит недопустимый символ (NUL или одиночный суррогат)."),
    (b'{"event": "newCall", "callId": "nan-1", "direction": "in", "from": "+79130000000", "x": NaN}',
     "Число NaN не принимается: нужны конечные числа."),
    (b'{"event": "newCall", "callId": "inf-1", "direction": "in", "from": "+79130000000", "x": -Infinity}',
     "Число -Infinity не принимается: нужны конечные числа."),
    (b'{"event": "newCall", "callId": "big-1", "direction": "in", "from": "+79130000000", "x": 1e999}',
     "Число 1e999 слишком велико."),
    (b"[" * 5000 + b"]" * 5000, "Слишком глубокая вложенность JSON."),
])
def test_payloads_the_database_cannot_store_are_refused_not_crashed(client, token, body, detail):
    events, calls = PbxEvent.objects.count(), Call.objects.count()
    response = post(client, token, body, "application/json")
    assert (response.status_code, response.json()) == (400, {"detail": detail})
    assert (PbxEvent.objects.count(), Call.objects.count()) == (events, calls)


@pytest.mark.django_db
def test_a_nul_in_a_form_field_is_refused(client, token):
    response = client.post(reverse("phone:pbx_event", args=[token]), data={
        "event": "newCall", "callId": "form-1", "direction": "in", "from": "+79130000000", "user[]": ["a\x00"]})
    assert (response.status_code, response.json()) == (
        400, {"detail": "Поле «user» содержит недопустимый символ (NUL или одиночный суррогат)."})
    assert not Call.objects.filter(call_id="form-1").exists()
