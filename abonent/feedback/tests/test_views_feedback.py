import datetime

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from abonent.appeals.models import AppealEvent, Kind
from abonent.appeals.tests.factories import register
from abonent.feedback.errors import FeedbackError
from abonent.feedback.models import FeedbackSubject
from abonent.feedback.services.subjects import set_feedback_subject
from abonent.organisation.models import Department


@pytest.fixture
def thanks(operator):
    return register(registered_by=operator, kind=Kind.THANKS, channel="email",
                    text="Благодарим специалиста Смирнову О. за быстрый ответ.")


def test_thanks_card_shows_the_subject_panel_and_a_question_card_does_not(client, operator, thanks):
    question = register(registered_by=operator)
    client.force_login(operator)
    page = client.get(thanks.get_absolute_url()).content.decode()
    assert 'id="feedback-subject"' in page and "О ком благодарность" in page and "Указать, о ком" in page
    assert 'id="feedback-subject"' not in client.get(question.get_absolute_url()).content.decode()


def test_staff_set_the_subject_on_the_card_with_htmx_and_it_is_audited(client, operator, thanks):
    reception = Department.objects.get(code="reception")
    client.force_login(operator)
    response = client.post(reverse("feedback:appeal_subject", args=[thanks.number]),
                           {"department": "", "employee": operator.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Сохранено." in response.content.decode() and operator.full_name in response.content.decode()
    subject = FeedbackSubject.objects.get(appeal=thanks)
    assert (subject.department, subject.employee, subject.set_by) == (reception, operator, operator)
    entry = LogEntry.objects.get_for_object(subject).get()
    assert (entry.action, entry.actor) == (LogEntry.Action.CREATE, operator)
    note = thanks.events.filter(kind=AppealEvent.Kind.NOTE).last()
    assert note.data["text"] == (f"Благодарность касается: подразделение «{reception}», "
                                 f"сотрудник {operator.full_name}.")


def test_subject_without_htmx_redirects_to_the_card(client, operator, thanks):
    client.force_login(operator)
    audit = Department.objects.get(code="audit")
    response = client.post(reverse("feedback:appeal_subject", args=[thanks.number]), {"department": audit.pk})
    assert response.status_code == 302 and response["Location"] == thanks.get_absolute_url()
    assert FeedbackSubject.objects.get(appeal=thanks).department == audit


def test_employee_of_another_department_is_refused_and_nothing_changes(client, operator, executor, thanks):
    client.force_login(operator)
    reception = Department.objects.get(code="reception")
    response = client.post(reverse("feedback:appeal_subject", args=[thanks.number]),
                           {"department": reception.pk, "employee": executor.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "работает в подразделении" in response.content.decode()
    assert not FeedbackSubject.objects.exists()


def test_clearing_both_removes_the_mark(operator, thanks):
    set_feedback_subject(appeal=thanks, department=None, employee=operator, set_by=operator)
    set_feedback_subject(appeal=thanks, department=None, employee=None, set_by=operator)
    assert not FeedbackSubject.objects.exists()


def test_subject_only_for_feedback_kinds_and_for_staff_who_work_on_appeals(operator, signatory):
    question = register(registered_by=operator)
    with pytest.raises(FeedbackError, match="не жалоба, не благодарность"):
        set_feedback_subject(appeal=question, department=None, employee=operator, set_by=operator)
    complaint = register(registered_by=operator, kind=Kind.COMPLAINT)
    with pytest.raises(FeedbackError, match="Нет прав"):
        set_feedback_subject(appeal=complaint, department=None, employee=operator, set_by=signatory)
    assert not FeedbackSubject.objects.exists()


def test_appeal_outside_the_users_scope_is_a_404(client, executor, operator):
    other = register(registered_by=operator, kind=Kind.REVIEW)
    other.department = Department.objects.get(code="reception")
    other.save(update_fields=["department"])
    client.force_login(executor)  # an executor of the audit department
    response = client.post(reverse("feedback:appeal_subject", args=[other.number]), {"employee": executor.pk})
    assert response.status_code == 404
    assert not FeedbackSubject.objects.exists()


def test_feedback_list_counts_by_kind_department_and_employee(client, head, operator, executor):
    reception, audit = Department.objects.get(code="reception"), Department.objects.get(code="audit")
    made = [
        (Kind.THANKS, "email", None, operator), (Kind.THANKS, "phone", None, operator),
        (Kind.COMPLAINT, "email", audit, None), (Kind.REVIEW, "web", audit, executor),
        (Kind.SUGGESTION, "post", None, None), (Kind.QUESTION, "email", None, None),
    ]
    for kind, channel, department, employee in made:
        appeal = register(registered_by=operator, kind=kind, channel=channel)
        if department or employee:
            set_feedback_subject(appeal=appeal, department=department, employee=employee, set_by=operator)
    client.force_login(head)
    today = timezone.localdate()
    response = client.get(reverse("feedback:list"), {"start": today.isoformat(), "end": today.isoformat()})
    counts = response.context["counts"]
    assert counts["total"] == 5
    assert counts["kinds"] == [("жалоба", 1), ("предложение", 1), ("благодарность", 2), ("отзыв", 1)]
    by_department = {row.label: row.cells() for row in counts["by_department"]}
    assert by_department == {reception.name: [0, 0, 2, 0], audit.name: [1, 0, 0, 1], "не указано": [0, 1, 0, 0]}
    by_employee = {row.label: row.total for row in counts["by_employee"]}
    assert by_employee == {operator.full_name: 2, executor.full_name: 1, "не указан": 2}
    by_channel = {row.label: row.total for row in counts["by_channel"]}
    assert by_channel == {"электронная почта": 2, "телефон": 1, "интернет-приёмная": 1, "почта": 1}
    filtered = client.get(reverse("feedback:list"), {"employee": operator.pk, "kind": "thanks"})
    assert filtered.context["counts"]["total"] == 2
    assert len(filtered.context["appeals"]) == 2
    earlier = today - datetime.timedelta(days=40)
    empty = client.get(reverse("feedback:list"), {"start": earlier.isoformat(), "end": earlier.isoformat()})
    assert empty.context["counts"]["total"] == 0
