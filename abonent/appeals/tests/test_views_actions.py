import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from abonent.appeals.models import Appeal, AppealEvent, ControlItem, Kind, NonConsideration, Reply, UrgencyCategory
from abonent.appeals.services import add_control_item, approve_reply, draft_reply, submit_reply, take_appeal
from abonent.appeals.tests.factories import register
from abonent.organisation.models import Department, Topic

pytestmark = pytest.mark.usefixtures("organisation")
E = AppealEvent.Kind
HTMX = {"HX-Request": "true"}


@pytest.fixture
def appeal(operator):
    return register(registered_by=operator, topic=Topic.objects.get(code="readings"))


def url(name: str, appeal: Appeal, *args) -> str:
    return reverse(f"appeals:{name}", args=[appeal.number, *args])


def kinds(appeal: Appeal) -> list[str]:
    return list(appeal.events.values_list("kind", flat=True))


def test_executor_takes_the_appeal_and_htmx_gets_the_card_back(client, executor, appeal):
    client.force_login(executor)
    response = client.post(url("take", appeal), headers=HTMX)
    appeal.refresh_from_db()
    assert (appeal.executor, appeal.status) == (executor, Appeal.Status.IN_PROGRESS)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="appeal-card"')
    assert "Обращение принято в работу." in html
    assert "Взять в работу" not in html


def test_plain_post_redirects_to_the_card_with_a_message(client, executor, appeal):
    client.force_login(executor)
    response = client.post(url("take", appeal), follow=True)
    assert response.redirect_chain == [(appeal.get_absolute_url(), 302)]
    assert "Обращение принято в работу." in response.content.decode()


def test_taking_an_appeal_someone_else_executes_is_refused_and_nothing_changes(client, executor, operator, appeal):
    from abonent.users.models import User

    colleague = User.objects.create_user(username="colleague", password="pass", last_name="Петров",
                                         first_name="Пётр", phone="+73852501200", department=executor.department)
    colleague.groups.set(executor.groups.all())
    take_appeal(appeal=appeal, executor=colleague)
    client.force_login(executor)

    response = client.post(url("take", appeal), headers=HTMX)

    assert response.status_code == 200
    assert "Обращение уже исполняет Петров Пётр." in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.executor == colleague
    assert kinds(appeal).count(E.TAKEN) == 1


def test_error_without_htmx_is_a_400_page(client, executor, appeal):
    client.force_login(executor)
    response = client.post(url("note", appeal), {"text": "   "})
    assert response.status_code == 400
    assert "Служебная заметка: Обязательное поле." in response.content.decode()
    assert E.NOTE not in kinds(appeal)


def test_actions_are_post_only(client, executor, appeal):
    client.force_login(executor)
    assert client.get(url("take", appeal)).status_code == 405


def test_head_assigns_to_another_department_and_executor(client, supervisor, appeal):
    from abonent.users.models import User

    sales = Department.objects.get(code="sales")
    seller = User.objects.create_user(username="seller", password="pass", last_name="Орлова", first_name="Анна",
                                      phone="+73852501241", department=sales)
    client.force_login(supervisor)

    response = client.post(url("assign", appeal), {"department": sales.pk, "executor": seller.pk,
                                                   "reason": "Вопрос о расчётах"}, headers=HTMX)

    appeal.refresh_from_db()
    assert (appeal.department, appeal.executor) == (sales, seller)
    assert "Обращение направлено: Отдел продаж электроэнергии юридическим лицам, Орлова А." in response.content.decode()
    event = appeal.events.get(kind=E.REASSIGNED)
    assert (event.actor, event.data["reason"]) == (supervisor, "Вопрос о расчётах")


def test_executor_of_another_department_is_refused_on_assignment(client, supervisor, executor, appeal):
    sales = Department.objects.get(code="sales")
    client.force_login(supervisor)
    response = client.post(url("assign", appeal), {"department": sales.pk, "executor": executor.pk}, headers=HTMX)
    assert "не работает в подразделении" in response.content.decode()
    appeal.refresh_from_db()
    assert (appeal.department.code, appeal.executor) == ("audit", None)


def test_assignment_is_refused_to_executors(client, executor, appeal):
    client.force_login(executor)
    response = client.post(url("assign", appeal), {"department": Department.objects.get(code="sales").pk})
    assert response.status_code == 403
    appeal.refresh_from_db()
    assert appeal.department.code == "audit"


def test_head_extends_the_deadline_once_with_a_reason(client, supervisor, appeal):
    client.force_login(supervisor)
    before = appeal.due_at
    response = client.post(url("extend", appeal), {"days": 10, "reason": "Нужен акт проверки"}, headers=HTMX)
    appeal.refresh_from_db()
    assert appeal.is_extended and appeal.due_at > before
    assert f"Срок ответа продлён до {timezone.localtime(appeal.due_at):%d.%m.%Y}" in response.content.decode()
    again = client.post(url("extend", appeal), {"days": 5, "reason": "Ещё"}, headers=HTMX)
    assert "Продлить срок (один раз)" not in again.content.decode()
    assert "повторное продление не допускается" in again.content.decode()
    assert kinds(appeal).count(E.DEADLINE_EXTENDED) == 1


def test_extension_without_a_reason_is_refused(client, supervisor, appeal):
    client.force_login(supervisor)
    response = client.post(url("extend", appeal), {"days": 10, "reason": ""}, headers=HTMX)
    assert "Причина продления: Обязательное поле." in response.content.decode()
    appeal.refresh_from_db()
    assert not appeal.is_extended


def test_extension_is_refused_to_executors(client, executor, appeal):
    client.force_login(executor)
    assert client.post(url("extend", appeal), {"days": 10, "reason": "x"}).status_code == 403


def test_classify_changes_kind_and_topic(client, executor, appeal):
    client.force_login(executor)
    meters = Topic.objects.get(code="meters")
    client.post(url("classify", appeal), {"kind": Kind.CLAIM, "topic": meters.pk}, headers=HTMX)
    appeal.refresh_from_db()
    assert (appeal.kind, appeal.topic) == (Kind.CLAIM, meters)


def test_urgency_is_set_by_a_head_for_complaints_only(client, supervisor, operator):
    urgent = UrgencyCategory.objects.create(name="Срочная", code="urgent", days=5)
    complaint = register(registered_by=operator, kind=Kind.COMPLAINT)
    question = register(registered_by=operator)
    client.force_login(supervisor)
    client.post(url("urgency", complaint), {"urgency": urgent.pk}, headers=HTMX)
    refused = client.post(url("urgency", question), {"urgency": urgent.pk}, headers=HTMX)
    complaint.refresh_from_db()
    question.refresh_from_db()
    assert complaint.urgency == urgent
    assert question.urgency is None
    assert "Категория срочности устанавливается для жалоб." in refused.content.decode()


def test_anyone_who_sees_the_appeal_flags_a_conflict(client, executor, appeal):
    client.force_login(executor)
    response = client.post(url("conflict", appeal), {"note": "Клиент угрожает жалобой в прокуратуру"}, headers=HTMX)
    appeal.refresh_from_db()
    assert appeal.is_conflict
    assert "конфликтная ситуация" in response.content.decode()


def test_conflict_without_a_description_is_refused(client, executor, appeal):
    client.force_login(executor)
    client.post(url("conflict", appeal), {"note": ""}, headers=HTMX)
    appeal.refresh_from_db()
    assert not appeal.is_conflict


def test_apology_and_note_go_to_the_timeline(client, executor, appeal):
    client.force_login(executor)
    client.post(url("apology", appeal), {"text": "Извинились за ошибку в счёте"}, headers=HTMX)
    response = client.post(url("note", appeal), {"text": "Запросили акт у подрядчика"}, headers=HTMX)
    assert appeal.events.get(kind=E.APOLOGY).data == {"text": "Извинились за ошибку в счёте"}
    assert appeal.events.get(kind=E.NOTE).actor == executor
    html = response.content.decode()
    assert "Извинились за ошибку в счёте" in html and "Запросили акт у подрядчика" in html


def test_head_puts_a_decision_under_control_and_the_owner_completes_it(client, supervisor, executor, appeal):
    due = timezone.localdate() + datetime.timedelta(days=7)
    client.force_login(supervisor)
    client.post(url("control_add", appeal), {"decision": "Провести проверку прибора учёта", "owner": executor.pk,
                                            "due_date": due.isoformat()}, headers=HTMX)
    item = ControlItem.objects.get()
    assert (item.owner, item.due_date, item.status) == (executor, due, ControlItem.Status.OPEN)
    client.force_login(executor)
    response = client.post(url("control_complete", appeal), {"item": item.pk, "result": "Проверка проведена"},
                           headers=HTMX)
    item.refresh_from_db()
    assert (item.status, item.result) == (ControlItem.Status.DONE, "Проверка проведена")
    assert "Решение отмечено исполненным." in response.content.decode()


def test_control_item_in_the_past_is_refused(client, supervisor, executor, appeal):
    client.force_login(supervisor)
    response = client.post(url("control_add", appeal), {"decision": "Проверить", "owner": executor.pk,
                                                       "due_date": "2020-01-01"}, headers=HTMX)
    assert "Срок исполнения решения уже прошёл." in response.content.decode()
    assert not ControlItem.objects.exists()


def test_control_item_of_another_appeal_is_404(client, supervisor, executor, appeal, operator):
    other = register(registered_by=operator)
    item = add_control_item(appeal=other, decision="Проверить", owner=executor,
                            due_date=timezone.localdate(), added_by=supervisor)
    client.force_login(supervisor)
    response = client.post(url("control_complete", appeal), {"item": item.pk, "result": "Готово"})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.status == ControlItem.Status.OPEN


def test_control_items_are_added_by_heads_only(client, executor, appeal):
    client.force_login(executor)
    response = client.post(url("control_add", appeal), {"decision": "x", "owner": executor.pk,
                                                       "due_date": timezone.localdate().isoformat()})
    assert response.status_code == 403


def test_head_leaves_an_appeal_without_consideration_and_a_notice_is_drafted(client, supervisor, appeal):
    client.force_login(supervisor)
    response = client.post(url("non_consideration", appeal), {
        "ground": "offensive", "comment": "Нецензурная брань", "notice_text": "Ваше обращение не рассматривается."},
        headers=HTMX)
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.NOT_CONSIDERED
    assert appeal.non_consideration.ground == "offensive"
    notice = appeal.replies.get(purpose=Reply.Purpose.NON_CONSIDERATION)
    assert notice.status == Reply.Status.DRAFT
    html = response.content.decode()
    assert "Уведомление клиенту подготовлено" in html
    assert "Уведомление об оставлении без рассмотрения — на подпись" in html


def test_repeated_question_needs_an_earlier_appeal_that_exists(client, supervisor, appeal):
    client.force_login(supervisor)
    response = client.post(url("non_consideration", appeal), {"ground": "repeated", "earlier_appeal": "2026-999999",
                                                             "notice_text": "Текст"}, headers=HTMX)
    assert "Обращение № 2026-999999 не найдено." in response.content.decode()
    assert not NonConsideration.objects.exists()
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.REGISTERED


def test_non_consideration_is_refused_to_executors(client, executor, appeal):
    client.force_login(executor)
    assert client.post(url("non_consideration", appeal), {"ground": "offensive"}).status_code == 403


def test_close_needs_a_sent_reply(client, executor, signatory, appeal):
    client.force_login(executor)
    refused = client.post(url("close", appeal), {"resolution": ""}, headers=HTMX)
    assert "Нельзя закрыть обращение, пока ответ не направлен клиенту." in refused.content.decode()
    reply = draft_reply(appeal=appeal, text="Показания учтены.", author=executor)
    submit_reply(reply=reply, submitted_by=executor, signatory=signatory)
    approve_reply(reply=reply, approved_by=signatory)
    response = client.post(url("close", appeal), {"resolution": "Разъяснено"}, headers=HTMX)
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.CLOSED
    assert "Обращение закрыто." in response.content.decode()


def test_actions_on_another_departments_appeal_are_404_for_an_executor(client, executor, operator):
    sales = register(registered_by=operator, topic=Topic.objects.get(code="payments"))
    client.force_login(executor)
    for name, data in (("take", {}), ("classify", {"kind": "claim"}), ("conflict", {"note": "x"}),
                       ("apology", {"text": "x"}), ("close", {})):
        assert client.post(url(name, sales), data).status_code == 404, name
    assert kinds(sales) == [E.REGISTERED, E.ROUTED, E.ACKNOWLEDGED]
