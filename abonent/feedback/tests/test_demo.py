import pytest

from abonent.appeals.models import ControlItem
from abonent.feedback.models import FeedbackSubject, Questionnaire, Response, Survey


@pytest.mark.django_db
def test_demo_feedback_loads_once():
    from abonent.demo import appeals as demo_appeals
    from abonent.demo import feedback as demo_feedback
    from abonent.demo.customers import seed_customers
    from abonent.demo.organisation import seed_organisation
    from abonent.demo.staff import seed_staff

    seed_organisation()
    seed_staff()
    seed_customers()
    demo_appeals.seed()
    first = demo_feedback.seed()
    assert first["questionnaires"] == 3 and first["poll_responses"] == 12
    assert first["subjects"] == FeedbackSubject.objects.count() > 0
    assert first["surveys"] == Survey.objects.answered().count() > 0
    counts = (Questionnaire.objects.count(), Response.objects.count(), Survey.objects.count(),
              FeedbackSubject.objects.count(), ControlItem.objects.count())
    second = demo_feedback.seed()
    assert (second["subjects"], second["surveys"]) == (0, 0)
    assert counts == (Questionnaire.objects.count(), Response.objects.count(), Survey.objects.count(),
                      FeedbackSubject.objects.count(), ControlItem.objects.count())
    assert Questionnaire.objects.get(slug="kachestvo-obsluzhivaniya").status == "open"
