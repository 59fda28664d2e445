import datetime as dt

import pytest

from abonent.channels.phone.models import BlockedNumber, Call, CallBack, PbxEvent
from abonent.channels.phone.tests import scenarios
from abonent.channels.phone.tests.conftest import at
from abonent.customers.tests.factories import BillingAccountFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def test_answered_call_is_recorded_with_phases_operator_and_customer(pbx, agent):
    customer = CustomerFactory()
    scenarios.replay(pbx, scenarios.answered())
    call = Call.objects.get()
    assert (call.call_id, call.direction, call.from_number, call.to_number) == (
        "c-answered", "in", "+73852200000", "+73852501240")
    assert (call.started_at, call.queued_at, call.ringing_at, call.answered_at, call.ended_at) == (
        at(10), at(10, 0, 5), at(10, 0, 7), at(10, 0, 15), at(10, 3, 15))
    assert (call.outcome, call.wait_seconds, call.talk_seconds) == (Call.Outcome.ANSWERED, 10, 180)
    assert (call.operator, call.operator_extension, call.customer) == (agent, "101", customer)
    assert (call.hangup_cause, call.recording_ref, call.is_outside_hours) == (
        "normalClearing", "rec/2026/03/11/a.wav", False)
    assert not CallBack.objects.exists()
    assert PbxEvent.objects.count() == 5


def test_json_events_are_accepted_like_form_ones(pbx, agent):
    scenarios.replay(pbx, scenarios.answered(), as_json=True)
    call = Call.objects.get()
    assert (call.outcome, call.operator, call.wait_seconds, call.talk_seconds) == (
        Call.Outcome.ANSWERED, agent, 10, 180)


def test_abandoned_in_queue_creates_a_callback_due_at_once_while_open(pbx, agent):
    scenarios.replay(pbx, scenarios.abandoned())
    call = Call.objects.get()
    assert (call.outcome, call.wait_seconds, call.talk_seconds, call.operator) == (
        Call.Outcome.ABANDONED, 150, None, None)
    callback = CallBack.objects.get()
    assert (callback.call, callback.number, callback.status, callback.due_at, callback.assigned_to) == (
        call, "+79131234567", CallBack.Status.OPEN, at(10, 12, 33), None)


def test_missed_after_closing_is_called_back_at_the_next_opening(pbx, agent2):
    scenarios.replay(pbx, scenarios.missed())
    call = Call.objects.get()
    assert (call.outcome, call.wait_seconds, call.operator) == (Call.Outcome.MISSED, 58, agent2)
    callback = CallBack.objects.get()
    assert (callback.due_at, callback.assigned_to) == (at(8, day=dt.date(2026, 3, 12)), agent2)


def test_transferred_call_keeps_the_first_operator_and_the_target(pbx, agent2):
    scenarios.replay(pbx, scenarios.transferred())
    call = Call.objects.get()
    assert (call.outcome, call.operator, call.transferred_to, call.wait_seconds, call.talk_seconds) == (
        Call.Outcome.TRANSFERRED, agent2, "Отдел продаж (вн. 210)", 20, 120)


def test_duplicated_events_are_stored_once_and_change_nothing(pbx, agent):
    events = scenarios.answered()
    scenarios.replay(pbx, events)
    before = Call.objects.values().get()
    scenarios.replay(pbx, events)
    scenarios.replay(pbx, events, as_json=True)  # the same payloads as JSON: same hash
    assert Call.objects.count() == 1
    assert PbxEvent.objects.count() == 5
    after = Call.objects.values().get()
    before.pop("updated_at"), after.pop("updated_at")
    assert after == before


def test_sequence_number_identifies_a_repeat_even_with_another_time(pbx, agent):
    pbx(event="newCall", call_id="s1", direction="in", from_="+79130000001", time=at(10), sequence="7")
    pbx(event="newCall", call_id="s1", direction="in", from_="+79130000001", time=at(9), sequence="7")
    assert PbxEvent.objects.count() == 1
    assert Call.objects.get().started_at == at(10)


def test_events_in_reverse_order_give_the_same_record(pbx, agent):
    events = list(reversed(scenarios.answered()))
    scenarios.replay(pbx, events[:1])  # the hangup alone: nobody rang yet, so it looks abandoned
    assert Call.objects.get().outcome == Call.Outcome.ABANDONED
    assert not CallBack.objects.exists()  # no number known yet to call back
    scenarios.replay(pbx, events[1:])
    call = Call.objects.get()
    assert (call.started_at, call.queued_at, call.ringing_at, call.answered_at, call.ended_at) == (
        at(10), at(10, 0, 5), at(10, 0, 7), at(10, 0, 15), at(10, 3, 15))
    assert (call.outcome, call.wait_seconds, call.talk_seconds, call.operator) == (
        Call.Outcome.ANSWERED, 10, 180, agent)
    assert not CallBack.objects.exists()


def test_hangup_before_answer_arrives(pbx, agent):
    events = scenarios.answered()
    scenarios.replay(pbx, events[:3] + events[4:])  # rang, hung up: missed so far
    assert Call.objects.get().outcome == Call.Outcome.MISSED
    assert CallBack.objects.get().status == CallBack.Status.OPEN
    scenarios.replay(pbx, events[3:4])
    call = Call.objects.get()
    assert (call.outcome, call.wait_seconds, call.talk_seconds) == (Call.Outcome.ANSWERED, 10, 180)
    callback = CallBack.objects.get()
    assert (callback.status, callback.result) == (
        CallBack.Status.CANCELLED, "Не нужен: по данным АТС звонок состоялся.")


def test_call_outside_hours_is_counted_apart_without_a_callback(pbx):
    scenarios.replay(pbx, scenarios.outside_hours())
    call = Call.objects.get()
    assert (call.outcome, call.is_outside_hours) == (Call.Outcome.OUTSIDE_HOURS, True)
    assert not CallBack.objects.exists()


def test_blocked_caller_is_rejected(pbx):
    BlockedNumber.objects.create(number="+79131234567", reason="угрозы сотрудникам 02.03.2026")
    response = pbx(event="newCall", call_id="b1", direction="in", from_="8 913 123-45-67", to="+73852501240",
                   time=at(10))
    assert response.json() == {"action": "reject", "reason": "busy"}
    pbx(event="hangup", call_id="b1", cause="busy", time=at(10, 0, 1))
    call = Call.objects.get()
    assert (call.outcome, call.wait_seconds) == (Call.Outcome.REJECTED, None)
    assert not CallBack.objects.exists()


def test_ordinary_new_call_gets_an_empty_answer(pbx):
    response = pbx(event="newCall", call_id="n1", direction="in", from_="+79130000000", to="+73852501240")
    assert (response.status_code, response.json()) == (200, {})


def test_ivr_digits_identify_the_customer_of_an_unknown_number(pbx):
    account = BillingAccountFactory(number="9900112233")
    pbx(event="newCall", call_id="i1", direction="in", from_="+79990000000", time=at(10))
    pbx(event="ivr", call_id="i1", digits="9900112233", time=at(10, 0, 10))
    call = Call.objects.get()
    assert (call.ivr_digits, call.customer) == ("9900112233", account.contract.customer)


def test_recording_warning_from_the_pbx(pbx):
    pbx(event="answer", call_id="r1", answeringNumber="101", recordingWarning="1", time=at(10))
    assert Call.objects.get().recording_warning_given is True
