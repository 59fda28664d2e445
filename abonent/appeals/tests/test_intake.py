import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from abonent.appeals.errors import AppealError
from abonent.appeals.files import IncomingFile
from abonent.appeals.models import Appeal, AppealEvent, Attachment, DeadlinePolicy, RoutingRule, UrgencyCategory
from abonent.appeals.services import AppealDraft, register_appeal
from abonent.appeals.tests.factories import register
from abonent.core.testing.threads import run_in_threads
from abonent.customers.tests.factories import BillingAccountFactory, CustomerFactory
from abonent.organisation.models import Department, Topic
from abonent.settings import TASK_QUEUES

BARNAUL = ZoneInfo("Asia/Barnaul")
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"

pytestmark = pytest.mark.usefixtures("organisation")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=BARNAUL)


@time_machine.travel(at(2026, 3, 2, 10, 0), tick=False)
def test_registration_numbers_are_consecutive_within_the_year(operator):
    numbers = [register(registered_by=operator).number for _ in range(3)]
    assert numbers == ["2026-000001", "2026-000002", "2026-000003"]


def test_numbering_restarts_each_year(operator):
    with time_machine.travel(at(2026, 12, 31, 23, 50), tick=False):
        last = register(registered_by=operator)
    with time_machine.travel(at(2027, 1, 1, 0, 10), tick=False):
        first = register(registered_by=operator)
    assert (last.number, first.number) == ("2026-000001", "2027-000001")
    assert (last.year, first.year) == (2026, 2027)


@time_machine.travel(at(2026, 3, 2, 10, 0), tick=False)
def test_the_millionth_appeal_of_a_year_has_seven_digits(operator):
    from abonent.appeals.models import Counter

    Counter.objects.create(name="appeal", year=2026, value=999_998)
    numbers = [register(registered_by=operator).number for _ in range(2)]
    assert numbers == ["2026-999999", "2026-1000000"]
    assert [a.number for a in Appeal.objects.order_by("pk")] == numbers  # the row holds what the caller was given


def test_the_numbered_insert_sends_the_save_signals_and_leaves_a_saved_appeal(operator):
    from django.db.models.signals import post_save, pre_save

    seen = []

    def pre(sender, instance, **kwargs):
        seen.append(("pre", instance.pk, instance._state.adding))

    def post(sender, instance, created, **kwargs):
        seen.append(("post", instance.number, created, instance._state.adding))

    pre_save.connect(pre, sender=Appeal)
    post_save.connect(post, sender=Appeal)
    try:
        appeal = register(registered_by=operator)
    finally:
        pre_save.disconnect(pre, sender=Appeal)
        post_save.disconnect(post, sender=Appeal)
    assert seen == [("pre", appeal.pk, True), ("post", appeal.number, True, False)]
    appeal.subject = "Изменено"
    appeal.save(update_fields=["subject"])  # an update now, not a second insert
    assert Appeal.objects.get().subject == "Изменено"


def test_the_numbered_insert_wants_the_id_taken_first():
    from abonent.appeals.services.numbering import insert_with_number

    with pytest.raises(ValueError, match="id"):
        insert_with_number(Appeal(year=2026))


def test_a_failed_registration_does_not_use_up_a_number(operator):
    register(registered_by=operator)
    with pytest.raises(AppealError):
        register(registered_by=operator, text="  ")
    assert register(registered_by=operator).sequence == 2


def test_a_registration_rolled_back_after_taking_its_number_gives_it_back(operator, monkeypatch):
    register(registered_by=operator)

    def storage_fails(*args, **kwargs):
        raise OSError("Нет места на диске")

    monkeypatch.setattr("abonent.appeals.services.intake.store_file", storage_fails)
    with pytest.raises(OSError):
        register(registered_by=operator, files=[IncomingFile("a.pdf", PDF)])
    monkeypatch.undo()
    assert register(registered_by=operator).sequence == 2
    assert Appeal.objects.count() == 2


def test_a_number_is_taken_in_one_statement_the_years_first_included(operator, django_assert_num_queries):
    from abonent.appeals.models import Counter
    from abonent.appeals.services.numbering import take_number

    with django_assert_num_queries(1):
        assert take_number("test", 2031) == 1
    with django_assert_num_queries(1):
        assert take_number("test", 2031) == 2
    assert take_number("test", 2032) == 1
    assert Counter.objects.get(name="test", year=2031).value == 2


@pytest.mark.django_db(transaction=True)
def test_parallel_registration_gives_unique_consecutive_numbers(organisation):
    results: list[str] = []

    def worker():
        for _ in range(5):
            results.append(register(text="Параллельная регистрация").number)

    assert run_in_threads(worker, 6) == []
    year = Appeal.objects.first().year
    assert sorted(results) == [f"{year}-{n:06d}" for n in range(1, 31)]
    assert Appeal.objects.count() == 30


def test_same_source_key_registers_once(operator):
    first = register(registered_by=operator, source_key="email:<abc@example.ru>")
    again = register_appeal(draft=AppealDraft(text="другой текст", channel="email"),
                            source_key="email:<abc@example.ru>")
    assert again.created is False
    assert again.appeal == first
    assert Appeal.objects.count() == 1
    assert first.events.filter(kind=AppealEvent.Kind.REGISTERED).count() == 1


@time_machine.travel(at(2025, 12, 1, 9, 0), tick=False)
def test_default_deadline_is_30_calendar_days_moved_past_the_new_year_holidays(operator):
    # 01.12.2025 + 30 days = 31.12.2025, a day off in 2025; the next working day is 12.01.2026.
    appeal = register(registered_by=operator)
    assert appeal.due_at.astimezone(BARNAUL).date() == datetime.date(2026, 1, 12)


@time_machine.travel(at(2026, 4, 28, 9, 0), tick=False)
def test_deadline_on_a_working_day_stays(operator):
    appeal = register(registered_by=operator)
    assert appeal.due_at.astimezone(BARNAUL).date() == datetime.date(2026, 5, 28)


@time_machine.travel(at(2026, 4, 28, 9, 0), tick=False)
def test_policy_per_kind_and_urgency_sets_the_term(operator):
    DeadlinePolicy.objects.create(kind="claim", days=10, working_days=True)
    urgent = UrgencyCategory.objects.create(name="Срочная", code="urgent", days=5)
    claim = register(registered_by=operator, kind="claim")
    complaint = register(registered_by=operator, kind="complaint", urgency=urgent)
    # 10 working days after 28.04.2026 skip 1-3 May and 9-11 May: 29, 30.04, 4-8.05, 12-14.05.
    assert claim.due_at.astimezone(BARNAUL).date() == datetime.date(2026, 5, 14)
    assert complaint.due_at.astimezone(BARNAUL).date() == datetime.date(2026, 5, 4)


def test_routing_by_topic_competence(operator):
    topic = Topic.objects.get(code="readings")
    appeal = register(registered_by=operator, topic=topic)
    assert appeal.department.code == "audit"


def test_routing_rule_by_keywords_on_stems_wins(operator):
    RoutingRule.objects.create(name="Счётчики", priority=1, keywords="замена счётчика, поверка",
                               department=Department.objects.get(code="audit"))
    appeal = register(registered_by=operator, text="Просим заменить счетчик, требуется замена счётчиков на складе")
    assert appeal.department.code == "audit"
    assert appeal.events.get(kind=AppealEvent.Kind.ROUTED).data["rule"] == "Счётчики"


def test_routing_rule_conditions_must_all_hold(operator):
    customer = CustomerFactory()
    RoutingRule.objects.create(name="VIP", priority=1, customer=customer, kind="claim",
                               department=Department.objects.get(code="sales"))
    assert register(registered_by=operator, kind="claim").department.code == "reception"
    assert register(registered_by=operator, kind="claim", customer=customer).department.code == "sales"


def test_unroutable_appeal_lands_in_the_reception_group(operator):
    assert register(registered_by=operator).department.is_reception_group


# --- The outbox's tasks on the database task queue ---

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASK_QUEUES}}


RELAY = "abonent.appeals.tasks.relay_outbox"


@pytest.fixture
def db_queue(settings, monkeypatch):
    """The database task queue, with no relay run remembered from an earlier test in this process."""
    settings.TASKS = DB_QUEUE
    monkeypatch.setattr("abonent.core.tasks._relays_due", {})


def _queued() -> list[tuple[str, datetime.datetime]]:
    from django_tasks_db.models import DBTaskResult

    return [(result.task_path, result.run_after) for result in DBTaskResult.objects.order_by("run_after")]


def _acknowledged() -> list[str]:
    """Whom an acknowledgement was written to (the e-mail outbox's own task, not run here, sends it)."""
    from abonent.channels.email.models import OutgoingEmail

    return sorted(address for email in OutgoingEmail.objects.all() for address in email.recipients)


def _waiting() -> list[str]:
    return sorted(AppealEvent.objects.filter(processed_at__isnull=True).values_list("appeal__number", flat=True))


@time_machine.travel(at(2026, 3, 2, 10, 0), tick=False)
def test_on_the_database_queue_registrations_in_the_same_half_second_enqueue_one_relay_run(operator, db_queue):
    first = register(registered_by=operator, sender_email="first@example.ru")
    second = register(registered_by=operator, sender_email="second@example.ru")
    assert _queued() == [(RELAY, at(2026, 3, 2, 10, 0, 1))]  # a second after the first commit
    assert _waiting() == [first.number, second.number]  # the acknowledgements'; routing has nothing to do
    with time_machine.travel(at(2026, 3, 2, 10, 0, 0, 600000), tick=False):  # the run is due in 0.4 s: too soon
        register(registered_by=operator, sender_email="third@example.ru")
    assert _queued() == [(RELAY, at(2026, 3, 2, 10, 0, 1)), (RELAY, at(2026, 3, 2, 10, 0, 1, 600000))]

    from abonent.appeals import tasks

    assert tasks.relay_outbox.call() == 3
    assert _acknowledged() == ["first@example.ru", "second@example.ru", "third@example.ru"]
    assert _waiting() == []
    assert tasks.relay_outbox.call() == 0  # the second run finds nothing left: each acknowledgement went once
    assert len(_acknowledged()) == 3


@time_machine.travel(at(2026, 3, 2, 10, 0), tick=False)
def test_on_the_database_queue_the_relay_run_is_written_in_the_registrations_transaction(operator, db_queue):
    with transaction.atomic():  # an outer transaction: a task enqueued on commit would not exist yet
        register(registered_by=operator)
        assert [path for path, _ in _queued()] == [RELAY]
        # A run whose transaction has not committed does not count as due: the next registration enqueues its own.
        register(registered_by=operator)
        assert [path for path, _ in _queued()] == [RELAY] * 2
    register(registered_by=operator)
    assert [path for path, _ in _queued()] == [RELAY] * 2


def test_on_the_database_queue_a_registration_rolled_back_leaves_no_task_and_no_gap(operator, db_queue, monkeypatch):
    def storage_fails(*args, **kwargs):
        raise OSError("Нет места на диске")

    with monkeypatch.context() as patch:
        patch.setattr("abonent.appeals.services.intake.store_file", storage_fails)
        with pytest.raises(OSError):
            register(registered_by=operator, files=[IncomingFile("a.pdf", PDF)])
    assert (Appeal.objects.count(), AppealEvent.objects.count(), _queued()) == (0, 0, [])
    register(registered_by=operator)  # the rolled-back run was never due: this registration enqueues one
    assert [path for path, _ in _queued()] == [RELAY]


def test_the_relay_goes_on_past_an_event_that_fails_and_leaves_it_to_the_sweep(operator, db_queue, monkeypatch):
    from abonent.appeals import tasks

    failing = register(registered_by=operator, sender_email="failing@example.ru")
    register(registered_by=operator, sender_email="fine@example.ru")
    acknowledge = tasks._HANDLERS[AppealEvent.Kind.REGISTERED]

    def smtp_down_for_one(event):
        if event.appeal_id == failing.pk:
            raise ConnectionRefusedError("SMTP недоступен")
        acknowledge(event)

    with monkeypatch.context() as patch:
        patch.setitem(tasks._HANDLERS, AppealEvent.Kind.REGISTERED, smtp_down_for_one)
        assert tasks.relay_outbox.call() == 2
    assert _acknowledged() == ["fine@example.ru"]
    assert _waiting() == [failing.number]
    AppealEvent.objects.update(at=timezone.now() - datetime.timedelta(minutes=5))
    assert tasks.relay_outbox.call() == 0  # older than a minute: the sweep's, once a minute, not every run's
    tasks.sweep_outbox.call()
    assert _acknowledged() == ["failing@example.ru", "fine@example.ru"]
    assert _waiting() == []


def test_on_another_queue_the_events_tasks_wait_for_the_commit(operator):
    with transaction.atomic():
        appeal = register(registered_by=operator)
        assert AppealEvent.objects.filter(appeal=appeal, processed_at__isnull=True).count() == 1
    appeal.refresh_from_db()
    assert not AppealEvent.objects.filter(appeal=appeal, processed_at__isnull=True).exists()  # run after it


# --- The policies' copy per process (abonent.appeals.services.policies) ---


def _policy_queries(queries) -> list[str]:
    tables = ("appeals_routingrule", "appeals_deadlinepolicy", "organisation_department")
    return [q["sql"] for q in queries if any(table in q["sql"] for table in tables)]


@time_machine.travel(at(2026, 4, 28, 9, 0), tick=False)
def test_policies_are_read_once_and_again_after_the_head_roles_change_them(operator):
    register(registered_by=operator)
    with CaptureQueriesContext(connection) as queries:
        appeal = register(registered_by=operator, topic=Topic.objects.get(code="readings"))
    assert _policy_queries(queries.captured_queries) == []
    assert appeal.department.code == "audit"
    RoutingRule.objects.create(name="Показания", priority=1, keywords="показания",
                               department=Department.objects.get(code="sales"))
    DeadlinePolicy.objects.create(kind="question", days=10, working_days=True)
    reception = Department.objects.get(is_reception_group=True)
    reception.name = "Группа по работе с потребителями"
    reception.save()
    routed = register(registered_by=operator, text="Передаю показания")
    assert routed.department.code == "sales" and routed.due_at.astimezone(BARNAUL).date() == datetime.date(2026, 5, 14)
    assert register(registered_by=operator).events.get(kind=AppealEvent.Kind.ROUTED).data["department"] == (
        "Группа по работе с потребителями")


@time_machine.travel(at(2026, 4, 28, 9, 0), tick=False)
def test_a_change_committed_by_another_process_is_seen_through_the_shared_version(operator):
    from django.core.cache import cache

    from abonent.appeals.services.policies import policy_cache

    register(registered_by=operator)
    # Another process's change: this process gets no signal of it, only the new version in the shared cache.
    DeadlinePolicy.objects.bulk_create([DeadlinePolicy(kind="question", days=10, working_days=True)])
    assert register(registered_by=operator).due_at.astimezone(BARNAUL).date() == datetime.date(2026, 5, 28)
    cache.set(policy_cache.key, "another process's commit", timeout=None)
    assert register(registered_by=operator).due_at.astimezone(BARNAUL).date() == datetime.date(2026, 5, 14)


@time_machine.travel(at(2026, 4, 28, 9, 0), tick=False)
def test_a_policy_change_rolled_back_leaves_no_copy_behind(operator):
    register(registered_by=operator)

    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), transaction.atomic():
        DeadlinePolicy.objects.create(kind="question", days=10, working_days=True)
        inside = register(registered_by=operator)
        raise Abandoned
    assert inside.due_at.astimezone(BARNAUL).date() == datetime.date(2026, 5, 14)  # its own change, seen inside
    assert register(registered_by=operator).due_at.astimezone(BARNAUL).date() == datetime.date(2026, 5, 28)


def test_unidentified_sender_is_still_registered():
    appeal = register(sender_name="", sender_email="", sender_address="", text="Кто-то пишет без подписи")
    assert appeal.customer is None
    assert appeal.number


def test_customer_found_by_inn_and_by_billing_account(operator):
    customer = CustomerFactory()
    assert register(sender_inn=customer.inn).customer == customer
    account = BillingAccountFactory(contract__customer=customer)
    assert register(billing_account=account).customer == customer


def test_billing_account_of_another_customer_is_refused(operator):
    account = BillingAccountFactory()
    with pytest.raises(AppealError, match="другому клиенту"):
        register(customer=CustomerFactory(), billing_account=account)
    assert not Appeal.objects.exists()


@pytest.mark.parametrize(("fields", "message"), [
    ({"text": "   "}, "Текст обращения пуст"),
    ({"channel": "pigeon"}, "Неизвестный канал"),
    ({"kind": "wish"}, "Неизвестный вид"),
    ({"reply_channel": "fax"}, "Неизвестный способ ответа"),
])
def test_invalid_drafts_are_refused_in_russian_and_register_nothing(operator, fields, message):
    with pytest.raises(AppealError, match=message):
        register(registered_by=operator, **fields)
    assert not Appeal.objects.exists()


def test_attachments_are_stored_with_server_side_names(operator):
    appeal = register(registered_by=operator, channel="post", file_role="scan",
                      files=[IncomingFile("../../Скан письма.pdf", PDF)])
    attachment = appeal.attachments.get()
    assert attachment.original_name == "Скан письма.pdf"
    assert attachment.role == Attachment.Role.SCAN
    assert attachment.content_type == "application/pdf"
    assert ".." not in attachment.file.name and "Скан" not in attachment.file.name


@pytest.mark.parametrize(("name", "content", "message"), [
    ("program.exe", b"MZ\x90\x00", "такой тип файлов не принимается"),
    ("счёт.pdf", b"MZ\x90\x00rest", "не соответствует типу"),
    ("пусто.pdf", b"", "пустой"),
])
def test_forbidden_files_are_refused_and_nothing_is_registered(operator, name, content, message):
    with pytest.raises(AppealError, match=message):
        register(registered_by=operator, files=[IncomingFile(name, content)])
    assert not Appeal.objects.exists()


def test_oversized_attachment_is_refused(operator, settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(AppealError, match="больше допустимого размера"):
        register(registered_by=operator, files=[IncomingFile("a.pdf", PDF + b"x" * 200)])
    assert not Appeal.objects.exists()


def test_acknowledgement_by_email_carries_number_and_term(operator):
    appeal = register(registered_by=operator, channel="email", sender_email="client@example.ru")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["client@example.ru"]
    assert appeal.number in message.subject
    assert "не более 30 календарных дней" in message.body
    assert f"не позднее {appeal.due_at.astimezone(BARNAUL):%d.%m.%Y}" in message.body
    assert appeal.events.filter(kind=AppealEvent.Kind.ACKNOWLEDGED).count() == 1


def test_paper_appeal_gets_no_automatic_mail(operator):
    register(registered_by=operator, channel="post", sender_email="")
    assert mail.outbox == []


def test_web_and_phone_appeals_are_answered_by_email_or_on_paper(operator):
    assert register(channel="web", sender_email="a@example.ru").reply_channel == "email"
    assert register(channel="phone", sender_email="").reply_channel == "post"
    assert register(channel="edo").reply_channel == "edo"


def test_crash_before_acknowledgement_is_caught_up_by_the_sweep(operator, monkeypatch):
    from abonent.appeals import tasks

    with monkeypatch.context() as patch:
        lost = SimpleNamespace(enqueue=lambda *a, **k: None, get_backend=tasks.process_event.get_backend)
        patch.setattr(tasks, "process_event", lost)
        appeal = register(registered_by=operator, sender_email="late@example.ru")
    assert mail.outbox == []
    AppealEvent.objects.update(at=AppealEvent.objects.first().at - datetime.timedelta(minutes=5))
    tasks.sweep_outbox.call()
    tasks.sweep_outbox.call()
    assert [m.to for m in mail.outbox] == [["late@example.ru"]]
    assert appeal.events.filter(kind=AppealEvent.Kind.ACKNOWLEDGED).count() == 1


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
def test_sqlite_uses_immediate_transactions():
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
