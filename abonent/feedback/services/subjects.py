"""Active feedback (standard, section 4): thanks, reviews, suggestions and complaints arrive as appeals of
their kinds through every channel; staff name the department and/or employee they are about."""

from django.db import transaction

from abonent.appeals.models import FEEDBACK_KINDS, Appeal
from abonent.appeals.services import add_note
from abonent.feedback.errors import FeedbackError
from abonent.feedback.models import FeedbackSubject
from abonent.organisation.models import Department


def can_set_subject(user, appeal: Appeal) -> bool:
    return appeal.kind in FEEDBACK_KINDS and user.is_staff_member and user.has_perm("appeals.work_on_appeal")


@transaction.atomic
def set_feedback_subject(*, appeal: Appeal, department: Department | None, employee, set_by) -> FeedbackSubject | None:
    """Names whom the feedback is about. An employee alone brings their department; both empty clears
    the mark. The change is in the audit log and on the appeal's timeline."""
    if not can_set_subject(set_by, appeal):
        if appeal.kind not in FEEDBACK_KINDS:
            raise FeedbackError(f"Обращение № {appeal.number} — не жалоба, не благодарность, не предложение "
                                f"и не отзыв.")
        raise FeedbackError("Нет прав на изменение обращения.")
    if employee is not None and not employee.is_staff_member:
        raise FeedbackError("Выберите действующего сотрудника.", field="employee")
    if employee is not None and department is None:
        department = employee.department
    if employee is not None and department is not None and employee.department_id not in (None, department.pk):
        raise FeedbackError(f"{employee.full_name} работает в подразделении «{employee.department}», "
                            f"а не «{department}».", field="employee")
    current = FeedbackSubject.objects.select_for_update().filter(appeal=appeal).first()
    if department is None and employee is None:
        if current is not None:
            current.delete()
            add_note(appeal=appeal, author=set_by, text="Снята отметка, о ком отзыв.")
        return None
    if current is not None and (current.department_id, current.employee_id) == (
            department.pk if department else None, employee.pk if employee else None):
        return current
    subject = current or FeedbackSubject(appeal=appeal)
    subject.department, subject.employee, subject.set_by = department, employee, set_by
    subject.save()
    about = ", ".join(p for p in (f"подразделение «{department}»" if department else "",
                                  f"сотрудник {employee.full_name}" if employee else "") if p)
    add_note(appeal=appeal, author=set_by, text=f"{appeal.get_kind_display().capitalize()} касается: {about}.")
    return subject
