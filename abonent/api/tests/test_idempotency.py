import threading

import pytest
from django.db import connections

from abonent.api.auth import issue_token
from abonent.api.models import IdempotencyRecord
from abonent.api.tests.conftest import ApiClient
from abonent.appeals.models import Appeal, AppealMessage

BODY = {"channel": "edo", "kind": "question", "text": "Прошу сообщить реквизиты для оплаты.",
        "sender_name": "Петров П. П.", "sender_email": "petrov@example.ru"}


def test_same_key_twice_registers_once(operator_api, operator):
    first = operator_api.post("/api/appeals", BODY, headers={"Idempotency-Key": "edo-42"})
    again = operator_api.post("/api/appeals", BODY, headers={"Idempotency-Key": "edo-42"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert first["Location"] == again["Location"]
    appeal = Appeal.objects.get()
    assert appeal.source_key == f"api:{operator.pk}:edo-42"
    record = IdempotencyRecord.objects.get()
    assert (record.user, record.key, record.appeal) == (operator, "edo-42", appeal)


def test_defaults_spelled_out_are_the_same_request(operator_api):
    operator_api.post("/api/appeals", BODY, headers={"Idempotency-Key": "k"})
    again = operator_api.post("/api/appeals", {**BODY, "subject": "", "attachments": []},
                              headers={"Idempotency-Key": "k"})
    assert again.status_code == 200
    assert Appeal.objects.count() == 1


def test_same_key_with_another_body_is_409(operator_api):
    operator_api.post("/api/appeals", BODY, headers={"Idempotency-Key": "edo-42"})
    response = operator_api.post("/api/appeals", {**BODY, "text": "Другой текст"},
                                 headers={"Idempotency-Key": "edo-42"})

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Ключ идемпотентности «edo-42» уже использован с другим запросом. "
                  "Для нового запроса передайте новый ключ.",
        "field": "Idempotency-Key",
    }
    assert Appeal.objects.count() == 1


def test_key_of_a_registration_cannot_add_a_message(operator_api):
    number = operator_api.post("/api/appeals", BODY, headers={"Idempotency-Key": "k1"}).json()["number"]
    response = operator_api.post(f"/api/appeals/{number}/messages", {"text": "Ещё", "channel": "edo"},
                                 headers={"Idempotency-Key": "k1"})
    assert response.status_code == 409
    assert not AppealMessage.objects.exists()


def test_keys_are_per_user(api_as, operator, supervisor):
    first = api_as(operator).post("/api/appeals", BODY, headers={"Idempotency-Key": "same"})
    second = api_as(supervisor).post("/api/appeals", BODY, headers={"Idempotency-Key": "same"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert Appeal.objects.count() == 2


def test_without_a_key_every_request_registers(operator_api):
    assert operator_api.post("/api/appeals", BODY).status_code == 201
    assert operator_api.post("/api/appeals", BODY).status_code == 201
    assert Appeal.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_refused_request_does_not_use_up_the_key(operator_api):
    refused = operator_api.post("/api/appeals", {**BODY, "topic": "nope"}, headers={"Idempotency-Key": "k"})
    accepted = operator_api.post("/api/appeals", BODY, headers={"Idempotency-Key": "k"})
    assert (refused.status_code, accepted.status_code) == (400, 201)


@pytest.mark.parametrize("key", ["", "a" * 201, "ключ", "with space"])
def test_malformed_key_is_422(operator_api, organisation, key):
    response = operator_api.post("/api/appeals", BODY, headers={"Idempotency-Key": key})
    assert response.status_code == 422
    assert not Appeal.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_the_same_key_register_once(operator):
    token = issue_token(operator, "Тесты")
    barrier = threading.Barrier(2)
    results: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def post() -> None:
        client = ApiClient(token)
        try:
            barrier.wait(timeout=10)
            response = client.post("/api/appeals", BODY, headers={"Idempotency-Key": "race"})
            results.append((response.status_code, response.json().get("number", response.content.decode())))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(code for code, _ in results) == [200, 201]
    assert len({number for _, number in results}) == 1
    assert Appeal.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
