"""The «о ком отзыв» panel of the appeal card, shared by the card's template tag and the htmx action."""

from abonent.appeals.models import FEEDBACK_KINDS, Appeal
from abonent.feedback.forms import SubjectForm
from abonent.feedback.models import FeedbackSubject
from abonent.feedback.services.subjects import can_set_subject


def subject_panel(user, appeal: Appeal, *, form: SubjectForm | None = None, notice: str = "") -> dict:
    if appeal.kind not in FEEDBACK_KINDS:
        return {"shown": False}
    subject = FeedbackSubject.objects.filter(appeal=appeal).select_related("department", "employee").first()
    if form is None:
        form = SubjectForm(initial={"department": subject.department_id if subject else None,
                                    "employee": subject.employee_id if subject else None},
                           auto_id="subject_%s")
    return {"appeal": appeal, "subject": subject, "form": form, "notice": notice,
            "shown": True, "can_edit": can_set_subject(user, appeal)}
