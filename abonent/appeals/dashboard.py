import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from abonent.appeals.models import Appeal, Reply
from abonent.calendar.services import add_working_days
from abonent.core.dashboard import Tile


def tiles(user) -> list[Tile]:
    if not user.has_perm("appeals.view_appeal"):
        return []
    queue = reverse("appeals:queue")
    now = timezone.now()
    horizon_day = add_working_days(timezone.localdate(), settings.APPEAL_REMINDER_WORKING_DAYS)
    horizon = timezone.make_aware(datetime.datetime.combine(horizon_day, datetime.time.max))
    scope = Appeal.objects.all()
    if not (user.has_perm("appeals.reassign_appeal") or user.has_perm("appeals.register_appeal")):
        scope = scope.filter(department_id=user.department_id)
    result = [
        Tile("мои обращения на исполнении", Appeal.objects.open().filter(executor=user).count(), f"{queue}?tab=mine"),
        Tile("без исполнителя", scope.open().filter(executor__isnull=True).count(), f"{queue}?tab=unassigned"),
        Tile("срок ответа скоро", scope.due_within(horizon, now).count(), f"{queue}?tab=due_soon", "warn"),
        Tile("просрочено", scope.overdue(now).count(), f"{queue}?tab=overdue", "bad"),
    ]
    if user.has_perm("appeals.approve_reply") and user.can_sign_replies:
        waiting = Reply.objects.filter(status=Reply.Status.ON_APPROVAL, signatory=user).count()
        result.append(Tile("ответов на подпись", waiting, reverse("appeals:approvals"), "warn" if waiting else ""))
    return result
