import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from abonent.channels.phone import outbound
from abonent.channels.phone.models import OutboundCall
from abonent.channels.phone.services import PhoneError
from abonent.channels.phone.tests.conftest import at

Status = OutboundCall.Status


@pytest.fixture
def open_line(organisation):
    with time_machine.travel(at(10), tick=False) as traveller:
        yield traveller


@pytest.mark.django_db
def test_enqueue_normalises_and_is_idempotent_per_source(open_line):
    text = "Плановое отключение 12.03 с 9 до 12."
    first = outbound.enqueue_outbound_call("8 (913) 123-45-67", text, "notification:5")
    again = outbound.enqueue_outbound_call("+79131234567", text, "notification:5")
    assert first == again
    assert (first.number, first.status, first.attempts, first.next_attempt_at) == (
        "+79131234567", Status.QUEUED, 0, at(10))


@pytest.mark.django_db
def test_enqueue_refuses_an_empty_message(open_line):
    with pytest.raises(PhoneError, match="нужен текст сообщения"):
        outbound.enqueue_outbound_call("+79131234567", " ", "notification:5")
    assert not OutboundCall.objects.exists()


@pytest.mark.django_db
def test_enqueued_at_night_waits_for_the_line_to_open(organisation):
    with time_machine.travel(at(20), tick=False):
        call = outbound.enqueue_outbound_call("+79131234567", "Текст", "notification:1")
        assert outbound.claim_outbound(5) == []
    assert call.next_attempt_at == at(8, day=dt.date(2026, 3, 12))


@pytest.mark.django_db
def test_fetch_and_report_through_the_pbx_api(client, token, open_line):
    call = outbound.enqueue_outbound_call("+79131234567", "Текст", "notification:1", max_attempts=2)
    response = client.get(reverse("phone:pbx_outbound", args=[token]) + "?limit=5")
    assert response.json() == {"calls": [{"id": call.pk, "number": "+79131234567", "message_text": "Текст",
                                          "audio_template": "", "source": "notification:1", "attempt": 1,
                                          "max_attempts": 2}]}
    assert client.get(reverse("phone:pbx_outbound", args=[token])).json() == {"calls": []}
    url = reverse("phone:pbx_outbound_result", args=[token, call.pk])
    response = client.post(url, data={"result": "busy"})
    assert response.json() == {"id": call.pk, "status": "queued", "attempts": 1,
                               "next_attempt_at": at(10, 10).isoformat()}
    open_line.move_to(at(10, 10))
    assert [c.pk for c in outbound.claim_outbound(5)] == [call.pk]
    response = client.post(url, data={"result": "no_answer", "detail": "30 с без ответа"})
    assert response.json() == {"id": call.pk, "status": "no_answer", "attempts": 2, "next_attempt_at": None}
    call.refresh_from_db()
    assert (call.status, call.result, call.finished_at) == (Status.NO_ANSWER, "30 с без ответа", at(10, 10))
    # A repeated final report changes nothing; another result for a finished call is a conflict.
    assert client.post(url, data={"result": "no_answer"}).status_code == 200
    response = client.post(url, data={"result": "answered"})
    assert (response.status_code, response.json()) == (
        409, {"detail": "Автозвонок сейчас не набирается (состояние: нет ответа)."})


@pytest.mark.django_db
def test_answered_ends_the_call_and_bad_result_is_refused(client, token, open_line):
    call = outbound.enqueue_outbound_call("+79131234567", "Текст", "notification:1")
    outbound.claim_outbound(1)
    url = reverse("phone:pbx_outbound_result", args=[token, call.pk])
    response = client.post(url, data={"result": "maybe"})
    assert (response.status_code, response.json()) == (
        400, {"detail": "Неизвестный результат «maybe»: допустимы answered, busy, no_answer, failed."})
    assert client.post(url, data={"result": "answered"}).json()["status"] == "answered"


@pytest.mark.django_db
def test_bad_limit_is_refused(client, token):
    response = client.get(reverse("phone:pbx_outbound", args=[token]) + "?limit=-1")
    assert (response.status_code, response.json()) == (400, {"detail": "Параметр limit — целое число от 1 до 50."})


@pytest.mark.django_db
def test_stale_claim_is_offered_again(open_line):
    call = outbound.enqueue_outbound_call("+79131234567", "Текст", "notification:1")
    outbound.claim_outbound(1)
    open_line.move_to(at(10, 16))
    assert [(c.pk, c.attempts) for c in outbound.claim_outbound(1)] == [(call.pk, 2)]


@pytest.mark.django_db(transaction=True)
def test_two_fetchers_never_get_the_same_call(organisation):
    with time_machine.travel(at(10), tick=False):
        calls = [outbound.enqueue_outbound_call(f"+7913000000{i}", "Текст", f"notification:{i}") for i in range(10)]
    results: list[list[int]] = []
    barrier = threading.Barrier(2)

    def fetch():
        try:
            barrier.wait()
            results.append([c.pk for c in outbound.claim_outbound(10, now=at(10))])
        finally:
            connection.close()

    threads = [threading.Thread(target=fetch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = results[0] + results[1]
    assert sorted(claimed) == sorted(c.pk for c in calls)
    assert len(set(claimed)) == len(claimed)
    assert set(OutboundCall.objects.values_list("attempts", flat=True)) == {1}
