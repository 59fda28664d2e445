import pytest
from django.db import IntegrityError

from abonent.feedback.models import SurveyPolicy


@pytest.mark.django_db
def test_survey_policy_is_seeded_with_the_defaults():
    policy = SurveyPolicy.current()
    assert (policy.is_enabled, policy.valid_days, policy.low_rating) == (True, 30, 2)
    assert SurveyPolicy.objects.count() == 1


def test_questionnaire_may_not_close_before_it_opens(supervisor):
    import datetime

    from django.utils import timezone

    from abonent.feedback.models import Questionnaire

    now = timezone.now()
    with pytest.raises(IntegrityError):
        Questionnaire.objects.create(title="А", slug="a", created_by=supervisor, opens_at=now,
                                     closes_at=now - datetime.timedelta(days=1))
