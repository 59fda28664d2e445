import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from abonent.appeals.models import Appeal, ControlItem, Kind, UrgencyCategory
from abonent.appeals.services import (
    add_control_item,
    decide_non_consideration,
    extend_deadline,
    flag_conflict,
    set_urgency,
    take_appeal,
)
from abonent.appeals.tests.factories import register
from abonent.organisation.models import Topic

pytestmark = pytest.mark.usefixtures("organisation")
CONTROL = reverse("appeals:control")


def set_due(appeal: Appeal, delta: datetime.timedelta) -> Appeal:
    Appeal.objects.filter(pk=appeal.pk).update(due_at=timezone.now() + delta)
    appeal.refresh_from_db()
    return appeal


def numbers(appeals) -> list[str]:
    return [a.number for a in appeals]


def test_control_screen_groups_deadlines_by_department_and_executor(client, operator, executor, supervisor):
    readings = Topic.objects.get(code="readings")
    late = register(registered_by=operator, topic=readings)
    take_appeal(appeal=late, executor=executor)
    late = set_due(late, datetime.timedelta(days=-3))
    soon = set_due(register(registered_by=operator, topic=readings), datetime.timedelta(hours=4))
    extended = register(registered_by=operator)
    extend_deadline(appeal=extended, days=5, reason="Запрошены документы", extended_by=supervisor)
    client.force_login(supervisor)

    response = client.get(CONTROL)

    assert response.status_code == 200
    assert numbers(response.context["overdue"]) == [late.number]
    assert numbers(response.context["due_soon"]) == [soon.number]
    rows = {(r["department"], r["executor"]): (r["total"], r["overdue"], r["due_soon"], r["extended"])
            for r in response.context["workload"]}
    assert rows == {
        ("Группа по приёму потребителей ОПЭЮЛ", "не назначен"): (1, 0, 0, 1),
        ("Отдел технического аудита", "Волков Д. Т."): (1, 1, 0, 0),
        ("Отдел технического аудита", "не назначен"): (1, 0, 1, 0),
    }
    assert response.context["totals"] == {"total": 3, "overdue": 1, "due_soon": 1, "extended": 1}
    html = response.content.decode()
    assert late.get_absolute_url() in html and soon.get_absolute_url() in html


def test_conflicts_complaints_control_items_and_pending_notices(client, operator, executor, supervisor):
    urgent = UrgencyCategory.objects.create(name="Срочная", code="urgent", days=5)
    conflict = register(registered_by=operator)
    flag_conflict(appeal=conflict, flagged_by=operator, note="Клиент недоволен")
    complaint = register(registered_by=operator, kind=Kind.COMPLAINT)
    set_urgency(appeal=complaint, urgency=urgent, set_by=supervisor)
    unrated = register(registered_by=operator, kind=Kind.COMPLAINT)
    item = add_control_item(appeal=complaint, decision="Проверить счёт", owner=executor,
                            due_date=timezone.localdate(), added_by=supervisor)
    ControlItem.objects.filter(pk=item.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=1))
    rejected = register(registered_by=operator)
    decide_non_consideration(appeal=rejected, ground="offensive", decided_by=supervisor,
                             notice_text="Обращение не рассматривается.")
    client.force_login(supervisor)

    response = client.get(CONTROL)

    assert numbers(response.context["conflicts"]) == [conflict.number]
    assert numbers(response.context["complaints"]) == [unrated.number, complaint.number]
    assert [i.pk for i in response.context["control_items"]] == [item.pk]
    assert [d.appeal for d in response.context["awaiting_notice"]] == [rejected]
    html = response.content.decode()
    assert "не установлена" in html  # the complaint without an urgency category
    assert "просрочено" in html  # the overdue control item
    assert "Проверить счёт" in html


def test_control_is_for_heads_only(client, executor, operator, signatory):
    for user in (executor, operator, signatory):
        client.force_login(user)
        assert client.get(CONTROL).status_code == 403


def test_control_runs_a_fixed_number_of_queries(client, operator, supervisor, django_assert_max_num_queries):
    for _ in range(3):
        set_due(register(registered_by=operator), datetime.timedelta(days=-1))
    client.force_login(supervisor)
    client.get(CONTROL)
    with django_assert_max_num_queries(20) as few:
        client.get(CONTROL)
    for _ in range(10):
        set_due(register(registered_by=operator), datetime.timedelta(days=-1))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(CONTROL)
    assert len(response.context["overdue"]) == 13
