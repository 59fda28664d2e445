import base64
import datetime

import pytest
import time_machine
from django.db import connection

from abonent.api.routers.appeals import encode_cursor
from abonent.appeals.models import Appeal, AppealEvent, AppealMessage, Attachment
from abonent.appeals.services import add_message, assign_appeal
from abonent.appeals.tests.factories import register
from abonent.customers.tests.factories import BillingAccountFactory, CustomerFactory
from abonent.organisation.models import Department, Topic
from abonent.settings import TASK_QUEUES

PDF = b"%PDF-1.4\n% test\n"


def body(**fields) -> dict:
    return {
        "channel": "edo", "kind": "claim", "subject": "Ошибка в счёте", "topic": "payments",
        "text": "Просим пересчитать счёт за октябрь: показания учтены неверно.",
        "sender_name": "Петров Пётр Петрович", "sender_email": "petrov@example.ru", **fields,
    }


# --- Registration ---


def test_register_appeal(operator_api, operator):
    response = operator_api.post("/api/appeals", body())
    assert "Отдел продаж" in response.content.decode()  # Cyrillic as is, not \\u escapes

    assert response.status_code == 201
    appeal = Appeal.objects.get()
    data = response.json()
    assert response["Location"] == f"/api/appeals/{appeal.number}" == data["url"]
    assert data["number"] == appeal.number
    assert (data["status"], data["status_label"]) == ("registered", "зарегистрировано")
    assert data["department"] == {"code": "sales", "name": "Отдел продаж электроэнергии юридическим лицам"}
    # JSON carries milliseconds.
    assert abs(datetime.datetime.fromisoformat(data["due_at"]) - appeal.due_at) < datetime.timedelta(milliseconds=1)
    assert data["registered_at"].endswith("+07:00")
    assert (appeal.channel, appeal.kind, appeal.topic.code, appeal.registered_by) == ("edo", "claim", "payments",
                                                                                       operator)
    assert (appeal.reply_channel, appeal.sender_email, appeal.source_key) == ("edo", "petrov@example.ru", None)
    assert list(appeal.events.values_list("kind", flat=True)[:2]) == [AppealEvent.Kind.REGISTERED,
                                                                      AppealEvent.Kind.ROUTED]


@time_machine.travel(datetime.datetime(2026, 11, 24, 10, 0, 5, tzinfo=datetime.UTC), tick=False)
def test_registration_queries_as_the_embedded_default_runs_it(operator_api, settings, monkeypatch,
                                                               django_assert_num_queries):
    """With the database as the shared cache and the task queue: the versions of the process's copies in one read
    (known tokens with their logins, permissions, routing rules, deadline policies, the reception group, the
    calendar), the token's request counter (with the address's wrong-token count in the same statement); then
    one transaction (2 statements to open and close it): the appeal's id, its two events in one insert, the
    number and the appeal (last, as the number locks the counter until the commit; one statement on PostgreSQL,
    two on SQLite). No task: the outbox's relay run
    the first registration enqueued is due in a second (decision 0003).
    PostgreSQL turns the wait for the disk off for that transaction and waits after the commit instead
    (2 statements, abonent.core.durability); its trigger keeps the search document within the INSERT, while
    SQLite keeps its search index in the transaction (6 statements more)."""
    from django.core.management import call_command

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                   "LOCATION": "abonent_cache_test"}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES}}
    monkeypatch.setattr("abonent.core.tasks._relays_due", {})
    call_command("createcachetable", verbosity=0)
    question = {"channel": "email", "text": "Прошу разъяснить начисление", "sender_email": "a@example.ru"}
    assert operator_api.post("/api/appeals", question).status_code == 201  # loads the copies, opens the window
    with django_assert_num_queries(9 if connection.vendor == "postgresql" else 14):
        assert operator_api.post("/api/appeals", question).status_code == 201


def test_register_ties_the_customer_by_inn_and_the_account_by_number(operator_api):
    account = BillingAccountFactory()
    customer = account.contract.customer

    response = operator_api.post("/api/appeals", body(customer=customer.inn, billing_account=account.number))

    assert response.status_code == 201
    appeal = Appeal.objects.get()
    assert (appeal.customer, appeal.billing_account) == (customer, account)


def test_register_by_customer_id(operator_api):
    customer = CustomerFactory()
    assert operator_api.post("/api/appeals", body(customer=str(customer.pk))).status_code == 201
    assert Appeal.objects.get().customer == customer


def test_register_with_attachment(operator_api, operator):
    response = operator_api.post("/api/appeals", body(attachments=[
        {"name": "счёт.pdf", "content_base64": base64.b64encode(PDF).decode()}]))

    assert response.status_code == 201
    attachment = Attachment.objects.get()
    assert (attachment.original_name, attachment.content_type, attachment.size) == ("счёт.pdf", "application/pdf",
                                                                                     len(PDF))
    assert attachment.uploaded_by == operator


def test_received_at_keeps_its_time_zone(operator_api):
    with time_machine.travel(datetime.datetime(2026, 11, 30, 5, 0, tzinfo=datetime.UTC), tick=False):
        response = operator_api.post("/api/appeals", body(received_at="2026-11-30T09:15:00+07:00"))
    assert response.status_code == 201
    assert Appeal.objects.get().received_at == datetime.datetime(2026, 11, 30, 2, 15, tzinfo=datetime.UTC)


@pytest.mark.parametrize(("fields", "field", "detail"), [
    ({"topic": "nope"}, "topic", "Неизвестная тема обращений «nope»."),
    ({"customer": "2224000000"}, "customer", "Клиент с ИНН 2224000000 не найден."),
    ({"customer": "999999"}, "customer", "Клиент с идентификатором 999999 не найден."),
    ({"billing_account": "00000"}, "billing_account", "Лицевой счёт 00000 не найден."),
    ({"text": "  "}, "text", "Текст обращения пуст и нет приложенных файлов."),
    ({"received_at": "2099-01-01T00:00:00+07:00"}, "received_at", "Дата поступления не может быть в будущем."),
    ({"received_at": "0001-01-01T00:00:00+05:00"}, "received_at",
     "Дата поступления вне допустимого диапазона (2000–2100 годы)."),
    ({"postmark_date": "1999-12-31"}, "postmark_date", None),
    ({"attachments": [{"name": "a.pdf", "content_base64": "abc"}]}, "attachments",
     "Файл «a.pdf»: содержимое не в кодировке base64."),
    ({"attachments": [{"name": "run.exe", "content_base64": "TVqQAAMAAAAEAAAA"}]}, "attachments", None),
    ({"attachments": [{"name": "fake.pdf", "content_base64": "TVqQAAMAAAAEAAAA"}]}, "attachments",
     "Файл «fake.pdf»: содержимое не соответствует типу .pdf."),
])
def test_register_refusals_are_400_with_the_field(operator_api, fields, field, detail):
    response = operator_api.post("/api/appeals", body(**fields))

    assert response.status_code == 400
    assert response.json()["field"] == field
    if detail:
        assert response.json()["detail"] == detail
    assert not Appeal.objects.exists()


def test_billing_account_of_another_customer_is_refused(operator_api):
    account = BillingAccountFactory()
    other = CustomerFactory()
    response = operator_api.post("/api/appeals", body(customer=other.inn, billing_account=account.number))
    assert response.status_code == 400
    assert response.json() == {"detail": "Лицевой счёт принадлежит другому клиенту.", "field": "billing_account"}


def test_inn_of_several_customers_asks_for_the_id(operator_api):
    first = CustomerFactory()
    CustomerFactory(inn=first.inn, kpp="222402001")
    response = operator_api.post("/api/appeals", body(customer=first.inn))
    assert response.status_code == 400
    assert response.json()["field"] == "customer"
    assert "у нескольких клиентов" in response.json()["detail"]


@pytest.mark.parametrize("fields", [
    {"channel": "pigeon"}, {"kind": "anything"}, {"sender_email": "not-an-email"}, {"text": "a\x00b"},
    {"customer": "ИНН"}, {"reply_channel": "fax"}, {"sender_email": ""}, {"text": "\ud800"},
    {"received_at": "2026-11-30T09:15:00"}, {"received_at": 0}, {"postmark_date": "2026-11-30T00:00:00"},
    {"attachments": [{"name": "a.pdf", "content_base64": "не base64"}]},
])
def test_schema_violations_are_422(operator_api, fields):
    response = operator_api.post("/api/appeals", body(**fields))
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)
    assert not Appeal.objects.exists()


def test_channel_is_required(operator_api):
    payload = body()
    del payload["channel"]
    response = operator_api.post("/api/appeals", payload)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "payload", "channel"]


def test_unparsable_body_is_400(operator_api):
    response = operator_api.client.post("/api/appeals", "{", content_type="application/json",
                                        headers=operator_api.headers())
    assert response.status_code == 400
    assert response.json() == {"detail": "Тело запроса не разобрано: ожидается JSON.", "field": None}


def test_registering_needs_the_permission(api_as, executor):
    response = api_as(executor).post("/api/appeals", body())
    assert response.status_code == 403
    assert response.json() == {"detail": "Недостаточно прав для этого действия.", "field": None}
    assert not Appeal.objects.exists()


# --- Reading ---


def test_get_appeal(operator_api, sales_appeal, executor, supervisor):
    response = operator_api.get(f"/api/appeals/{sales_appeal.number}")

    assert response.status_code == 200
    data = response.json()
    assert data["number"] == sales_appeal.number
    assert (data["status"], data["kind"], data["topic"], data["channel"]) == ("registered", "question", "payments",
                                                                              "email")
    assert data["department"]["code"] == "sales"
    assert (data["executor"], data["is_overdue"], data["replies"]) == (None, False, [])
    assert data["subject"] == "Оплата счёта"


def test_get_shows_executor_and_overdue(api_as, audit_appeal, executor, supervisor):
    assign_appeal(appeal=audit_appeal, department=Department.objects.get(code="audit"), executor=executor,
                  assigned_by=supervisor)
    with time_machine.travel(audit_appeal.due_at + datetime.timedelta(hours=1)):
        data = api_as(supervisor).get(f"/api/appeals/{audit_appeal.number}").json()
    assert data["executor"] == "Волков Дмитрий Тестович"
    assert data["is_overdue"] is True


def test_unknown_appeal_is_404(operator_api, organisation):
    response = operator_api.get("/api/appeals/2026-999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Обращение № 2026-999999 не найдено.", "field": None}


def test_malformed_number_is_422(operator_api, organisation):
    assert operator_api.get("/api/appeals/abc").status_code == 422


def test_reading_needs_the_permission(api_as, it_admin, sales_appeal, caplog):
    client = api_as(it_admin)
    with caplog.at_level("WARNING", logger="abonent.security"):
        assert client.get(f"/api/appeals/{sales_appeal.number}").status_code == 403
    assert [r.getMessage() for r in caplog.records if r.name == "abonent.security"] == [
        f"API authorization refused: user id={it_admin.pk} lacks appeals.view_appeal"]
    assert client.get(f"/api/appeals/{sales_appeal.number}/events").status_code == 403
    assert client.get("/api/appeals").status_code == 403


def test_executor_reads_own_departments_appeal(api_as, executor, audit_appeal):
    assert api_as(executor).get(f"/api/appeals/{audit_appeal.number}").status_code == 200


def test_executor_cannot_read_another_departments_appeal(api_as, executor, sales_appeal):
    client = api_as(executor)
    response = client.get(f"/api/appeals/{sales_appeal.number}")
    assert response.status_code == 404
    assert response.json()["detail"] == f"Обращение № {sales_appeal.number} не найдено."
    assert client.get(f"/api/appeals/{sales_appeal.number}/events").status_code == 404
    assert client.get("/api/appeals").json()["items"] == []


def test_head_who_reassigns_sees_every_department(api_as, sales_appeal, audit_appeal, audit_head):
    numbers = [i["number"] for i in api_as(audit_head).get("/api/appeals").json()["items"]]
    assert sorted(numbers) == sorted([sales_appeal.number, audit_appeal.number])


def test_events(operator_api, operator, audit_appeal):
    response = operator_api.get(f"/api/appeals/{audit_appeal.number}/events")

    assert response.status_code == 200
    events = response.json()
    assert [(e["kind"], e["label"]) for e in events[:2]] == [("registered", "зарегистрировано"),
                                                             ("routed", "направлено в подразделение")]
    assert events[0]["actor"] == "Смирнова Ольга Тестович"
    assert events[1]["data"]["department"] == "Отдел технического аудита"


# --- The list ---


def _register_many(operator, count: int) -> list[Appeal]:
    start = datetime.datetime(2026, 11, 2, 3, 0, tzinfo=datetime.UTC)
    appeals = []
    for i in range(count):
        with time_machine.travel(start + datetime.timedelta(minutes=i), tick=False):
            appeals.append(register(registered_by=operator, subject=f"№{i}"))
    return appeals


def test_list_pages_by_cursor_newest_first(operator_api, operator, django_assert_max_num_queries):
    appeals = _register_many(operator, 5)
    expected = [a.number for a in reversed(appeals)]

    with django_assert_max_num_queries(6):
        first = operator_api.get("/api/appeals", {"limit": 2}).json()
    second = operator_api.get("/api/appeals", {"limit": 2, "cursor": first["next_cursor"]}).json()
    third = operator_api.get("/api/appeals", {"limit": 2, "cursor": second["next_cursor"]}).json()

    assert [i["number"] for i in first["items"] + second["items"] + third["items"]] == expected
    assert third["next_cursor"] is None
    assert first["items"][0]["department"] == "reception"


def test_list_pages_through_appeals_registered_in_the_same_instant(operator_api, operator):
    with time_machine.travel(datetime.datetime(2026, 11, 2, 3, 0, tzinfo=datetime.UTC), tick=False):
        appeals = [register(registered_by=operator) for _ in range(3)]
    first = operator_api.get("/api/appeals", {"limit": 2}).json()
    second = operator_api.get("/api/appeals", {"limit": 2, "cursor": first["next_cursor"]}).json()
    numbers = [i["number"] for i in first["items"] + second["items"]]
    assert numbers == [a.number for a in reversed(appeals)]


def test_list_never_counts_the_registry(operator_api, operator, django_assert_max_num_queries):
    _register_many(operator, 3)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        operator_api.get("/api/appeals", {"limit": 2})
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)


def test_list_filters(operator_api, operator, sales_appeal, audit_appeal, supervisor):
    customer = CustomerFactory()
    with_customer = register(registered_by=operator, customer=customer, kind="complaint", channel="post")

    def numbers(**params):
        response = operator_api.get("/api/appeals", params)
        assert response.status_code == 200, response.content
        return {i["number"] for i in response.json()["items"]}

    assert numbers(department="sales") == {sales_appeal.number}
    assert numbers(customer=customer.inn) == {with_customer.number}
    assert numbers(kind="complaint") == {with_customer.number}
    assert numbers(channel="post") == {with_customer.number}
    assert numbers(status="registered") == {sales_appeal.number, audit_appeal.number, with_customer.number}
    assert numbers(status="closed") == set()
    today = audit_appeal.registered_at.astimezone(datetime.timezone(datetime.timedelta(hours=7))).date()
    assert len(numbers(registered_from=today.isoformat(), registered_to=today.isoformat())) == 3
    assert numbers(registered_to=(today - datetime.timedelta(days=1)).isoformat()) == set()
    assert len(numbers(registered_from="1000-01-01", registered_to="9999-12-31")) == 3
    assert numbers(overdue="true") == set()
    Appeal.objects.filter(pk=sales_appeal.pk).update(due_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    assert numbers(overdue="true") == {sales_appeal.number}
    assert numbers(overdue="false") == {audit_appeal.number, with_customer.number}


@pytest.mark.parametrize("params", [{"limit": 101}, {"limit": 0}, {"status": "lost"}, {"customer": "12"},
                                    {"registered_to": "0"}, {"registered_from": "2026-1-1"}])
def test_list_refuses_bad_parameters_with_422(operator_api, organisation, params):
    assert operator_api.get("/api/appeals", params).status_code == 422


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize("cursor", [
    "bm90LWEtY3Vyc29y", "AAAA", _cursor("2026-01-01|x"), _cursor("2026-01-01T00:00:00|1"),
    _cursor("0001-01-01T00:00:00+05:00|1"), _cursor(f"2026-01-01T00:00:00+00:00|{2**64}"),
])
def test_bad_cursor_is_400(operator_api, organisation, cursor):
    response = operator_api.get("/api/appeals", {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["field"] == "cursor"


def test_cursor_round_trip(operator, audit_appeal):
    from abonent.api.routers.appeals import decode_cursor

    assert decode_cursor(encode_cursor(audit_appeal)) == (audit_appeal.registered_at, audit_appeal.pk)


# --- Messages ---


def test_add_message(operator_api, operator, audit_appeal):
    response = operator_api.post(f"/api/appeals/{audit_appeal.number}/messages",
                                 {"text": "Прилагаю фото счётчика.", "author": "Иванов И. И.", "channel": "email"})

    assert response.status_code == 201
    message = AppealMessage.objects.get()
    assert (message.appeal, message.text, message.author, message.channel) == (
        audit_appeal, "Прилагаю фото счётчика.", "Иванов И. И.", "email")
    assert response.json()["id"] == message.pk
    assert response.json()["appeal_status"] == "registered"
    event = audit_appeal.events.get(kind=AppealEvent.Kind.MESSAGE_ADDED)
    assert event.actor == operator


def test_message_to_a_closed_appeal_is_400(operator_api, audit_appeal):
    Appeal.objects.filter(pk=audit_appeal.pk).update(status=Appeal.Status.CLOSED)
    response = operator_api.post(f"/api/appeals/{audit_appeal.number}/messages", {"text": "Ещё", "channel": "email"})
    assert response.status_code == 400
    assert response.json()["detail"] == f"Обращение № {audit_appeal.number} закрыто: направьте новое обращение."
    assert not AppealMessage.objects.exists()


def test_message_refusals(api_as, executor, operator_api, audit_appeal, organisation):
    assert api_as(executor).post(f"/api/appeals/{audit_appeal.number}/messages",
                                 {"text": "Ещё", "channel": "email"}).status_code == 403
    assert operator_api.post("/api/appeals/2026-999999/messages",
                             {"text": "Ещё", "channel": "email"}).status_code == 404
    assert operator_api.post(f"/api/appeals/{audit_appeal.number}/messages",
                             {"text": "", "channel": "email"}).status_code == 422
    assert not AppealMessage.objects.exists()


def test_message_with_the_same_key_is_added_once(operator_api, operator, audit_appeal):
    path = f"/api/appeals/{audit_appeal.number}/messages"
    payload = {"text": "Прилагаю фото счётчика.", "channel": "email"}
    first = operator_api.post(path, payload, headers={"Idempotency-Key": "msg-1"})
    again = operator_api.post(path, payload, headers={"Idempotency-Key": "msg-1"})
    other = operator_api.post(path, {**payload, "text": "Другое"}, headers={"Idempotency-Key": "msg-1"})

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert first.json() == again.json()
    message = AppealMessage.objects.get()
    assert message.source_key == f"api:{operator.pk}:msg-1"


def test_message_through_another_channel_keeps_its_own_source_key(operator_api, operator, audit_appeal):
    add_message(appeal=audit_appeal, text="С почты", channel="email", source_key="<m1@example.ru>")
    response = operator_api.post(f"/api/appeals/{audit_appeal.number}/messages", {"text": "Из API", "channel": "edo"},
                                 headers={"Idempotency-Key": "<m1@example.ru>"})
    assert response.status_code == 201
    assert AppealMessage.objects.count() == 2


def test_topics_exist_for_the_fixtures(organisation):
    assert set(Topic.objects.values_list("code", flat=True)) >= {"payments", "readings"}


@pytest.mark.django_db
def test_schema_violations_are_worded_in_russian_with_the_field(operator_api, organisation):
    response = operator_api.post("/api/appeals", {"channel": "pigeon", "kind": "question", "text": "Т" * 3})
    assert response.status_code == 422
    by_field = {tuple(e["loc"][-1:]): e for e in response.json()["detail"]}
    assert by_field[("channel",)]["type"] == "literal_error"
    message = by_field[("channel",)]["msg"]
    assert message.startswith("Недопустимое значение: ожидается одно из ") and " или " in message
