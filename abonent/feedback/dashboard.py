from django.urls import reverse
from django.utils import timezone

from abonent.core.dashboard import Tile
from abonent.feedback.models import Questionnaire, Response, Survey


def tiles(user) -> list[Tile]:
    result = []
    if user.has_perm("feedback.view_feedback"):
        low = Survey.objects.low().exclude(control_item__status="done").count()
        result.append(Tile("низких оценок не разобрано", low, f"{reverse('feedback:low_ratings')}?state=open",
                           "bad" if low else ""))
    if user.has_perm("feedback.build_questionnaire"):
        running = Questionnaire.objects.filter(status=Questionnaire.Status.OPEN).count()
        result.append(Tile("анкет и опросов проводится", running, reverse("feedback:questionnaires")))
    if user.is_staff_member:
        now = timezone.now()
        waiting = [q for q in Questionnaire.objects.filter(audience=Questionnaire.Audience.STAFF,
                                                           status=Questionnaire.Status.OPEN)
                   .exclude(pk__in=Response.objects.filter(respondent=user).values("questionnaire_id"))
                   if q.is_accepting(now)]
        if waiting:
            result.append(Tile("анкет ждут Вашего ответа", len(waiting), reverse("feedback:my_questionnaires"), "warn"))
    return result
