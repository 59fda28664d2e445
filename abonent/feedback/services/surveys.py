"""The satisfaction survey after a reply (passive feedback, standard section 4): a sweep finds sent replies
without a survey and creates one per reply (a unique constraint makes a second run a no-op); the survey
goes by the reply's channel, or by e-mail/EDO when the reply went on paper; the customer answers once
through a signed link; a low rating or an unresolved question opens a control item for the head."""

import datetime
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from abonent.appeals import delivery
from abonent.appeals.errors import AppealError
from abonent.appeals.models import Appeal, Kind, Reply
from abonent.appeals.services import add_control_item, add_note
from abonent.calendar.services import add_working_days
from abonent.feedback import links
from abonent.feedback.errors import FeedbackError
from abonent.feedback.models import Survey, SurveyPolicy
from abonent.organisation.models import Channel, Department, Organisation

log = logging.getLogger(__name__)

# Replies sent longer ago than this get no survey: after an outage or on the first run the customer is
# not asked about a reply they read weeks ago.
LOOKBACK = datetime.timedelta(days=7)
# Thanks need no "was your question resolved".
NOT_SURVEYED_KINDS = (Kind.THANKS,)
SS = Survey.Status


def replies_awaiting_survey(now: datetime.datetime | None = None) -> QuerySet[Reply]:
    now = now or timezone.now()
    return (Reply.objects.filter(status=Reply.Status.SENT, purpose=Reply.Purpose.ANSWER,
                                 sent_at__gte=now - LOOKBACK, survey__isnull=True)
            .exclude(appeal__kind__in=NOT_SURVEYED_KINDS).order_by("sent_at", "pk"))


def create_survey(*, reply: Reply, policy: SurveyPolicy | None = None) -> tuple[Survey, bool]:
    """The survey of a reply: created once; a second call (or a concurrent worker) gets the same row."""
    policy = policy or SurveyPolicy.current()
    appeal = reply.appeal
    try:
        with transaction.atomic():
            survey = Survey.objects.create(
                reply=reply, appeal=appeal, department_id=appeal.department_id, executor_id=reply.executor_id,
                expires_at=timezone.now() + datetime.timedelta(days=policy.valid_days))
    except IntegrityError:
        return Survey.objects.get(reply=reply), False
    return survey, True


def create_due_surveys(now: datetime.datetime | None = None, limit: int = 500) -> int:
    policy = SurveyPolicy.current()
    if not policy.is_enabled:
        return 0
    created = 0
    for reply in replies_awaiting_survey(now).select_related("appeal")[:limit]:
        created += create_survey(reply=reply, policy=policy)[1]
    return created


# --- sending ---


def _footer() -> str:
    org = Organisation.current()
    return f"\n\n{org.short_name}\nТелефон: {org.phone_display}" if org else ""


def survey_notice(survey: Survey) -> delivery.Notice:
    appeal, reply = survey.appeal, survey.reply
    received = timezone.localtime(appeal.received_at)
    outgoing = f" (исх. № {reply.outgoing_number} от {reply.outgoing_date:%d.%m.%Y})" if reply.outgoing_number else ""
    body = (
        f"Здравствуйте!\n\nНа Ваше обращение № {appeal.number} от {received:%d.%m.%Y} направлен ответ{outgoing}.\n"
        f"Пожалуйста, оцените его: помог ли ответ решить Ваш вопрос. Это три коротких вопроса, "
        f"меньше минуты:\n\n{links.survey_url(survey)}\n\n"
        f"Ссылка действует до {timezone.localtime(survey.expires_at):%d.%m.%Y} и предназначена только Вам. "
        f"Ваша оценка помогает нам работать лучше; если вопрос не решён, руководитель подразделения "
        f"разберётся и свяжется с Вами."
    )
    return delivery.Notice(appeal=appeal, subject=f"Оцените ответ на обращение № {appeal.number}",
                           body=body + _footer())


def survey_channels(survey: Survey) -> list[str]:
    """The reply's own channel when it carries notices; otherwise (a letter on paper, a phone reply)
    e-mail when an address is known, then EDO when the customer writes to us by EDO."""
    appeal: Appeal = survey.appeal
    channels = []
    sender = delivery.sender_for(survey.reply.channel)
    if sender is not None and getattr(sender, "sends_notices", True):
        channels.append(survey.reply.channel)
    has_email = bool(appeal.sender_email or (appeal.customer and appeal.customer.email))
    if has_email and Channel.EMAIL not in channels and delivery.can_send(Channel.EMAIL):
        channels.append(Channel.EMAIL)
    uses_edo = appeal.channel == Channel.EDO or (
        appeal.customer_id and Appeal.objects.filter(customer_id=appeal.customer_id, channel=Channel.EDO).exists())
    if uses_edo and Channel.EDO not in channels and delivery.can_send(Channel.EDO):
        channels.append(Channel.EDO)
    return channels


def send_survey(*, survey_id: int) -> Survey | None:
    """Hands the survey to the first channel that accepts it, once. A transient failure leaves it pending
    for the next sweep (up to the common number of attempts); permanent failures try the next channel."""
    with transaction.atomic():
        survey = (Survey.objects.select_for_update(skip_locked=True, of=("self",))
                  .select_related("appeal__customer", "reply").filter(pk=survey_id, status=SS.PENDING).first())
        if survey is None:
            return None
        failures = []
        for channel in survey_channels(survey):
            try:
                delivery.sender_for(channel).send_notice(survey_notice(survey))
            except delivery.DeliveryError as error:
                if error.permanent:
                    failures.append(f"{Channel(channel).label}: {error.message}")
                    continue
                survey.attempts += 1
                survey.failure = error.message
                if survey.attempts > len(delivery.RETRY_DELAYS):
                    survey.status = SS.FAILED
                survey.save(update_fields=["attempts", "failure", "status", "updated_at"])
                return survey
            survey.status, survey.channel, survey.sent_at, survey.failure = SS.SENT, channel, timezone.now(), ""
            survey.save(update_fields=["status", "channel", "sent_at", "failure", "updated_at"])
            return survey
        survey.status = SS.FAILED if failures else SS.NO_ADDRESS
        survey.failure = "; ".join(failures) or "Нет канала для опроса: ответ направлен на бумаге, e-mail не указан."
        survey.save(update_fields=["status", "failure", "updated_at"])
        return survey


# --- the customer's answer ---


@dataclass(frozen=True)
class SurveyAnswer:
    rating: int
    is_resolved: bool
    comment: str = ""


def survey_for_token(token: str) -> Survey | None:
    nonce = links.unsign(token, links.SURVEY_SALT)
    if nonce is None:
        return None
    return Survey.objects.select_related("appeal", "reply").filter(nonce=nonce).first()


def validate_answer(answer: SurveyAnswer) -> None:
    if answer.rating not in range(1, 6):
        raise FeedbackError("Выберите оценку от 1 до 5.", field="rating")
    if len(answer.comment) > 4000:
        raise FeedbackError("Комментарий длиннее 4000 знаков — сократите его, пожалуйста.", field="comment")


def answer_survey(*, survey: Survey, answer: SurveyAnswer) -> tuple[Survey, bool]:
    """Stores the customer's answer once: (survey, True) the first time, (survey, False) afterwards with
    nothing changed. A low rating or "not resolved" opens a control item for the department's head."""
    validate_answer(answer)
    with transaction.atomic():
        survey = (Survey.objects.select_for_update(of=("self",)).select_related("appeal", "reply", "department")
                  .get(pk=survey.pk))
        if survey.is_answered:
            return survey, False
        if survey.is_expired:
            raise FeedbackError("Срок действия ссылки истёк.")
        policy = SurveyPolicy.current()
        survey.rating, survey.is_resolved, survey.comment = answer.rating, answer.is_resolved, answer.comment.strip()
        survey.answered_at, survey.status = timezone.now(), SS.ANSWERED
        survey.is_low = answer.rating <= policy.low_rating or not answer.is_resolved
        survey.save()
        add_note(appeal=survey.appeal, author=None, text=_summary(survey))
        if survey.is_low:
            survey.control_item = _open_control_item(survey, policy)
            survey.save(update_fields=["control_item", "updated_at"])
    return survey, True


def _summary(survey: Survey) -> str:
    resolved = "вопрос решён" if survey.is_resolved else "вопрос не решён"
    comment = f" Комментарий: «{survey.comment}»" if survey.comment else ""
    number = f" {survey.reply.outgoing_number}" if survey.reply.outgoing_number else ""
    return f"Оценка клиента по ответу{number}: {survey.rating} из 5, {resolved}.{comment}"


def control_owner(department: Department):
    """Who answers for a low rating: the head of the department that replied, else the reception group's
    head (standard 1.5.2: coordination and control of customer service)."""
    candidates = [department.head]
    reception = Department.objects.filter(is_reception_group=True).select_related("head").first()
    if reception is not None:
        candidates.append(reception.head)
    for user in candidates:
        if user is not None and user.is_staff_member and user.has_perm("appeals.control_appeals"):
            return user
    return None


def _open_control_item(survey: Survey, policy: SurveyPolicy):
    owner = control_owner(survey.department)
    if owner is None:
        log.warning("low rating on %s: no head to put it under control", survey.appeal.number)
        return None
    decision = (f"Разобрать оценку клиента по опросу после ответа: {survey.rating} из 5, "
                f"{'вопрос решён' if survey.is_resolved else 'вопрос не решён'}"
                f"{f'; комментарий клиента: «{survey.comment}»' if survey.comment else ''}. "
                f"Связаться с клиентом, устранить причину, результат отметить здесь.")
    due = add_working_days(timezone.localdate(), policy.control_days)
    try:
        # Put on control in the head's name: the survey is the head's instrument (standard, section 4).
        return add_control_item(appeal=survey.appeal, decision=decision, owner=owner, due_date=due, added_by=owner)
    except AppealError as error:
        log.warning("low rating on %s not put under control: %s", survey.appeal.number, error.message)
        return None
