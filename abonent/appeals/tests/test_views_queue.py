import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from abonent.appeals import selectors
from abonent.appeals.models import Appeal, Kind
from abonent.appeals.search import index_appeal
from abonent.appeals.services import assign_appeal, take_appeal
from abonent.appeals.tests.factories import register
from abonent.organisation.models import Department, Topic

pytestmark = pytest.mark.usefixtures("organisation")
QUEUE = reverse("appeals:queue")


def readings():
    return Topic.objects.get(code="readings")  # routed to the audit department, the executor's


def set_due(appeal: Appeal, delta: datetime.timedelta) -> Appeal:
    """Deadlines in the past or near future without waiting for them (test setup only)."""
    Appeal.objects.filter(pk=appeal.pk).update(due_at=timezone.now() + delta)
    appeal.refresh_from_db()
    return appeal


def numbers(response) -> list[str]:
    return [row.appeal.number for row in response.context["rows"]]


def test_executor_starts_on_my_appeals_and_sees_only_their_own(client, operator, executor):
    mine = register(registered_by=operator, topic=readings(), subject="Мой вопрос")
    take_appeal(appeal=mine, executor=executor)
    register(registered_by=operator, topic=readings(), subject="Чужой в отделе")
    client.force_login(executor)

    response = client.get(QUEUE)

    assert response.status_code == 200
    assert response.context["tab"] == "mine"
    assert numbers(response) == [mine.number]
    assert "Мой вопрос" in response.content.decode()


def test_reception_specialist_starts_on_the_department_tab(client, operator):
    appeal = register(registered_by=operator)  # no topic: the reception group's queue
    client.force_login(operator)
    response = client.get(QUEUE)
    assert response.context["tab"] == "department"
    assert numbers(response) == [appeal.number]


def test_tabs_show_counts_of_open_appeals(client, operator, executor):
    taken = register(registered_by=operator, topic=readings())
    take_appeal(appeal=taken, executor=executor)
    set_due(taken, datetime.timedelta(days=-1))
    soon = set_due(register(registered_by=operator, topic=readings()), datetime.timedelta(hours=5))
    register(registered_by=operator, topic=readings())
    client.force_login(executor)

    response = client.get(QUEUE)

    tabs = {name: count for name, _, count in response.context["tabs"]}
    assert tabs == {"mine": 1, "department": 3, "unassigned": 2, "due_soon": 1, "overdue": 1}
    assert numbers(client.get(QUEUE, {"tab": "overdue"})) == [taken.number]
    assert numbers(client.get(QUEUE, {"tab": "due_soon"})) == [soon.number]


def test_all_tab_is_for_heads_and_the_reception_group(client, executor, supervisor):
    client.force_login(executor)
    assert "all" not in [name for name, _, _ in client.get(QUEUE).context["tabs"]]
    assert client.get(QUEUE, {"tab": "all"}).context["tab"] == "mine"
    client.force_login(supervisor)
    tabs = client.get(QUEUE).context["tabs"]
    assert ("all", "Все", None) in tabs  # no count: that would be a COUNT over the whole registry


def test_executor_never_sees_another_departments_appeal_in_any_tab(client, operator, executor):
    sales = register(registered_by=operator, topic=Topic.objects.get(code="payments"))
    assert sales.department.code == "sales"
    client.force_login(executor)
    for tab in ("mine", "department", "unassigned", "due_soon", "overdue", "all"):
        assert sales.number not in numbers(client.get(QUEUE, {"tab": tab, "status": ""}))
    assert numbers(client.get(QUEUE, {"tab": "department", "q": sales.number})) == []


def test_queue_columns_and_deadline_badges(client, operator, executor):
    overdue = set_due(register(registered_by=operator, topic=readings(), kind=Kind.COMPLAINT,
                               sender_organisation="ООО «Ромашка»", subject="Не учтены показания"),
                      datetime.timedelta(days=-2))
    soon = set_due(register(registered_by=operator, topic=readings()), datetime.timedelta(hours=3))
    client.force_login(executor)

    response = client.get(QUEUE, {"tab": "department"})

    assert [(row.appeal.number, row.state) for row in response.context["rows"]] == [(overdue.number, "overdue"),
                                                                                   (soon.number, "soon")]
    html = response.content.decode()
    assert "ООО «Ромашка»" in html and "Не учтены показания" in html and "жалоба" in html
    for appeal in (overdue, soon):
        assert f'<a href="{appeal.get_absolute_url()}">{appeal.number}</a>' in html
    local = timezone.localtime
    assert (f'<span class="badge bad" title="срок нарушен">{local(overdue.due_at):%d.%m.%Y} · просрочено</span>'
            in html)
    assert f'<span class="badge warn" title="срок истекает">{local(soon.due_at):%d.%m.%Y} · скоро</span>' in html
    assert "<td>ОТА</td>" in html


def test_deadline_tabs_ask_for_open_appeals_once(executor, supervisor):
    """The status list twice made PostgreSQL misjudge how many appeals are overdue and sort them."""
    for user in (executor, supervisor):
        for tab in ("due_soon", "overdue"):
            sql = str(selectors.queue(user, tab, selectors.QueueFilters()).query)
            assert sql.count('"status" IN') == 1, sql
            closed = str(selectors.queue(user, tab, selectors.QueueFilters(status="closed")).query)
            assert closed.count('"status" IN') == 1 and '"status" = closed' in closed, closed


def test_filters_by_kind_channel_and_status(client, operator, supervisor):
    complaint = register(registered_by=operator, kind=Kind.COMPLAINT, channel="phone")
    register(registered_by=operator, kind=Kind.QUESTION, channel="email")
    client.force_login(supervisor)
    assert numbers(client.get(QUEUE, {"tab": "all", "kind": "complaint"})) == [complaint.number]
    assert numbers(client.get(QUEUE, {"tab": "all", "channel": "phone"})) == [complaint.number]
    assert numbers(client.get(QUEUE, {"tab": "all", "status": "closed"})) == []


def test_department_filter_is_offered_only_to_those_who_see_all(client, operator, executor, supervisor):
    sales = register(registered_by=operator, topic=Topic.objects.get(code="payments"))
    register(registered_by=operator, topic=readings())
    client.force_login(supervisor)
    response = client.get(QUEUE, {"tab": "all", "department": Department.objects.get(code="sales").pk})
    assert numbers(response) == [sales.number]
    client.force_login(executor)
    assert "department" not in client.get(QUEUE).context["filter_form"].fields


def test_search_by_number_and_by_words(client, operator, supervisor):
    wanted = register(registered_by=operator, subject="Перерасчёт за электроэнергию",
                      text="Прошу сделать перерасчёт за март.")
    other = register(registered_by=operator, subject="Заключение договора", text="Прошу заключить договор.")
    for appeal in (wanted, other):
        index_appeal(appeal.pk)  # the SQLite full-text index, kept by the intake (a no-op on PostgreSQL)
    client.force_login(supervisor)
    assert numbers(client.get(QUEUE, {"tab": "all", "q": wanted.number})) == [wanted.number]
    assert numbers(client.get(QUEUE, {"tab": "all", "q": str(wanted.sequence)})) == [wanted.number]
    assert numbers(client.get(QUEUE, {"tab": "all", "q": "перерасчёт"})) == [wanted.number]


def test_pages_go_by_keyset_with_a_next_link(client, operator, supervisor, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    appeals = [register(registered_by=operator) for _ in range(5)]
    client.force_login(supervisor)

    first = client.get(QUEUE, {"tab": "all"})
    cursor = first.context["page"].next_cursor
    second = client.get(QUEUE, {"tab": "all", "after": cursor})
    third = client.get(QUEUE, {"tab": "all", "after": second.context["page"].next_cursor})

    newest_first = [a.number for a in reversed(appeals)]
    assert numbers(first) + numbers(second) + numbers(third) == newest_first
    assert third.context["page"].next_cursor == ""
    assert "Следующая страница" in first.content.decode()
    assert "Следующая страница" not in third.content.decode()
    assert numbers(client.get(QUEUE, {"tab": "all", "after": "garbage"})) == newest_first[:2]


def test_queue_page_runs_a_fixed_number_of_queries(client, operator, executor, supervisor,
                                                   django_assert_max_num_queries):
    def fill(count):
        for _ in range(count):
            appeal = register(registered_by=operator, topic=readings())
            assign_appeal(appeal=appeal, department=appeal.department, executor=executor, assigned_by=supervisor)

    client.force_login(supervisor)
    fill(2)
    client.get(QUEUE, {"tab": "all"})  # warm the session and the permission caches of the test client
    with django_assert_max_num_queries(12) as few:
        client.get(QUEUE, {"tab": "all"})
    fill(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(QUEUE, {"tab": "all"})
    assert len(response.context["rows"]) == 22


def test_htmx_request_gets_only_the_queue_partial(client, operator):
    register(registered_by=operator)
    client.force_login(operator)
    response = client.get(QUEUE, {"tab": "unassigned"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="queue">')
    assert "<html" not in html
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_queue_refuses_those_without_the_permission(client, it_admin):
    client.force_login(it_admin)
    assert client.get(QUEUE).status_code == 403


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
