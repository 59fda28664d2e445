"""Background work of feedback: the sweep that creates and sends the survey after each sent reply, and the
sending of questionnaire invitations. Idempotent: a second run finds nothing new to do."""

from crontask import cron
from django.tasks import task

from abonent.feedback.models import Invitation, Survey


@task(queue_name="notifications")
def send_survey(survey_id: int) -> None:
    from abonent.feedback.services.surveys import send_survey as send

    send(survey_id=survey_id)


@task(queue_name="notifications")
def send_invitation(invitation_id: int) -> None:
    from abonent.feedback.services.invitations import send_invitation as send

    send(invitation_id=invitation_id)


@cron("*/5 * * * *")
@task(queue_name="notifications")
def sweep_surveys() -> dict:
    """Creates the survey of every recently sent reply that has none, then sends the pending ones (new,
    and those a transient failure or a crash left behind)."""
    from abonent.feedback.services.surveys import create_due_surveys

    created = create_due_surveys()
    pending = list(Survey.objects.filter(status=Survey.Status.PENDING).order_by("pk")
                   .values_list("pk", flat=True)[:500])
    for survey_id in pending:
        send_survey.call(survey_id)
    invitations = list(Invitation.objects.filter(status=Invitation.Status.PENDING).order_by("pk")
                       .values_list("pk", flat=True)[:500])
    for invitation_id in invitations:
        send_invitation.call(invitation_id)
    return {"created": created, "pending": len(pending), "invitations": len(invitations)}
