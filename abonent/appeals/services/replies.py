"""Replies: the executor drafts, an authorised signatory approves, the reply goes out through the
reply channel with an outgoing number (standard 2.2.4.3, 2.2.6, 2.2.7, 2.2.8). A typical question may
be answered by the reception group from the knowledge base without a signature (standard 2.2.6)."""

from django.db import transaction
from django.utils import timezone

from abonent.appeals import delivery
from abonent.appeals.errors import AppealError
from abonent.appeals.models import Appeal, AppealEvent, Attachment, Kind, Reply, TypicalAnswer
from abonent.appeals.services import numbering
from abonent.appeals.services.events import record_event
from abonent.appeals.services.workflow import locked, set_status

S = Appeal.Status
R = Reply.Status


def _executor_snapshot(user) -> dict:
    if not user.full_name.strip() or not user.phone:
        raise AppealError("В ответе указываются ФИО и телефон исполнителя: заполните их в профиле сотрудника.")
    return {"executor": user, "executor_name": user.full_name, "executor_phone": user.phone_display}


@transaction.atomic
def draft_reply(*, appeal: Appeal, text: str, author, typical_answer: TypicalAnswer | None = None,
                purpose: str = Reply.Purpose.ANSWER) -> Reply:
    """A new draft, or the author's current draft rewritten. The author becomes the executor."""
    if not author.has_perm("appeals.work_on_appeal"):
        raise AppealError("Нет прав на подготовку ответа.")
    appeal = locked(appeal)
    if purpose == Reply.Purpose.ANSWER and not appeal.is_open:
        raise AppealError(f"Обращение № {appeal.number} уже {appeal.get_status_display()}.")
    if not text.strip():
        raise AppealError("Текст ответа пуст: ответ должен содержать информацию по существу вопросов.", field="text")
    reply = appeal.replies.filter(status__in=[R.DRAFT, R.RETURNED], purpose=purpose).first()
    fields = {"text": text.strip(), "typical_answer": typical_answer, "channel": appeal.reply_channel,
              **_executor_snapshot(author)}
    if reply is None:
        reply = Reply.objects.create(appeal=appeal, purpose=purpose, **fields)
    else:
        for name, value in fields.items():
            setattr(reply, name, value)
        reply.status = R.DRAFT
        reply.save()
    if appeal.status == S.REGISTERED and purpose == Reply.Purpose.ANSWER:
        if appeal.executor_id is None:
            appeal.executor = author
        set_status(appeal, S.IN_PROGRESS)
        appeal.save(update_fields=["executor", "status", "updated_at"])
    record_event(appeal, AppealEvent.Kind.REPLY_DRAFTED, actor=author, reply=reply.pk)
    return reply


@transaction.atomic
def submit_reply(*, reply: Reply, submitted_by, signatory) -> Reply:
    """The executor sends the draft to an authorised signatory."""
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    if reply.status not in (R.DRAFT, R.RETURNED):
        raise AppealError(f"Ответ уже {reply.get_status_display()}.")
    if not (signatory.is_active and signatory.can_sign_replies and signatory.has_perm("appeals.approve_reply")):
        raise AppealError(f"{signatory.full_name} не уполномочен подписывать ответы клиентам.", field="signatory")
    reply.status, reply.signatory = R.ON_APPROVAL, signatory
    reply.save(update_fields=["status", "signatory", "updated_at"])
    appeal = locked(reply.appeal)
    if reply.purpose == Reply.Purpose.ANSWER:
        set_status(appeal, S.ON_APPROVAL)
        appeal.save(update_fields=["status", "updated_at"])
    record_event(appeal, AppealEvent.Kind.REPLY_SUBMITTED, actor=submitted_by, reply=reply.pk,
                 signatory=signatory.full_name)
    return reply


@transaction.atomic
def return_reply(*, reply: Reply, returned_by, comment: str) -> Reply:
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    if reply.status != R.ON_APPROVAL or reply.signatory_id != returned_by.pk:
        raise AppealError("Вернуть на доработку может подписант, которому ответ передан на подпись.")
    if not comment.strip():
        raise AppealError("Укажите, что доработать.", field="comment")
    reply.status = R.RETURNED
    reply.save(update_fields=["status", "updated_at"])
    appeal = locked(reply.appeal)
    if reply.purpose == Reply.Purpose.ANSWER:
        set_status(appeal, S.IN_PROGRESS)
        appeal.save(update_fields=["status", "updated_at"])
    record_event(appeal, AppealEvent.Kind.REPLY_RETURNED, actor=returned_by, reply=reply.pk, comment=comment.strip())
    return reply


def _number(reply: Reply) -> None:
    today = timezone.localdate()
    reply.outgoing_number = f"Исх-{today.year}-{numbering.take_number('outgoing', today.year):05d}"
    reply.outgoing_date = today


@transaction.atomic
def approve_reply(*, reply: Reply, approved_by) -> Reply:
    """The signatory signs: the reply gets its outgoing number and date; sending follows after commit."""
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    if reply.status != R.ON_APPROVAL:
        raise AppealError("Подписать можно только ответ, переданный на подпись.")
    if reply.signatory_id != approved_by.pk:
        raise AppealError("Ответ передан на подпись другому должностному лицу.")
    if not (approved_by.can_sign_replies and approved_by.has_perm("appeals.approve_reply")):
        raise AppealError("Нет полномочий подписывать ответы клиентам.")
    _number(reply)
    reply.status, reply.approved_at = R.APPROVED, timezone.now()
    reply.signatory_name, reply.signatory_position = approved_by.full_name, approved_by.position
    reply.save()
    record_event(reply.appeal, AppealEvent.Kind.REPLY_APPROVED, actor=approved_by, reply=reply.pk,
                 outgoing_number=reply.outgoing_number)
    return reply


@transaction.atomic
def approve_typical_reply(*, reply: Reply, sent_by) -> Reply:
    """Standard 2.2.6/2.2.7: a typical general question the reception group answers itself, when no
    official reply under an authorised signature is required."""
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    appeal = reply.appeal
    if reply.typical_answer_id is None or appeal.kind != Kind.QUESTION:
        raise AppealError("Без подписи направляется только ответ на типовой вопрос из базы знаний.")
    if reply.status not in (R.DRAFT, R.RETURNED):
        raise AppealError(f"Ответ уже {reply.get_status_display()}.")
    if not sent_by.has_perm("appeals.register_appeal"):
        raise AppealError("Ответить на типовой вопрос может специалист группы по приёму потребителей.")
    _number(reply)
    reply.status, reply.approved_at = R.APPROVED, timezone.now()
    reply.save()
    appeal = locked(appeal)
    appeal.is_typical = True
    appeal.save(update_fields=["is_typical", "updated_at"])
    record_event(appeal, AppealEvent.Kind.REPLY_APPROVED, actor=sent_by, reply=reply.pk,
                 outgoing_number=reply.outgoing_number, typical=True)
    return reply


def send_reply(*, reply_id: int) -> Reply:
    """Delivers an approved reply through its channel, once. Called by the task after approval; a
    transient failure leaves the reply approved for a retry, a permanent one marks it failed for staff."""
    from abonent.appeals.documents import render_reply_pdf

    with transaction.atomic():
        reply = Reply.objects.select_for_update().select_related("appeal").get(pk=reply_id)
        if reply.status != R.APPROVED:
            return reply
        sender = delivery.sender_for(reply.channel)
        if sender is None:
            return _fail(reply, f"Канал «{reply.get_channel_display()}» не подключён для отправки ответов.")
        pdf = render_reply_pdf(reply)
        try:
            provider_id = sender.send_reply(reply, pdf)
        except delivery.DeliveryError as error:
            if error.permanent:
                return _fail(reply, error.message)
            raise
        _store_pdf(reply, pdf)
        reply.status, reply.sent_at, reply.provider_id = R.SENT, timezone.now(), provider_id
        reply.save(update_fields=["status", "sent_at", "provider_id", "updated_at"])
        appeal = locked(reply.appeal)
        if reply.purpose == Reply.Purpose.ANSWER:
            set_status(appeal, S.ANSWERED)
            appeal.answered_at = reply.sent_at
            appeal.save(update_fields=["status", "answered_at", "updated_at"])
        record_event(appeal, AppealEvent.Kind.REPLY_SENT, reply=reply.pk, channel=reply.channel,
                     provider_id=provider_id, outgoing_number=reply.outgoing_number)
    return reply


@transaction.atomic
def mark_failed(*, reply_id: int, message: str) -> Reply:
    reply = Reply.objects.select_for_update().select_related("appeal").get(pk=reply_id)
    if reply.status != R.APPROVED:
        return reply
    return _fail(reply, message)


def _fail(reply: Reply, message: str) -> Reply:
    reply.status, reply.failure = R.FAILED, message
    reply.save(update_fields=["status", "failure", "updated_at"])
    record_event(reply.appeal, AppealEvent.Kind.REPLY_FAILED, reply=reply.pk, failure=message)
    return reply


@transaction.atomic
def mark_reply_undelivered(*, reply_id: int, reason: str) -> Reply:
    """The channel accepted the reply but could not deliver it (a bounce, a permanent refusal after
    queueing): the reply becomes failed and the appeal goes back to work, so staff resend it by another
    channel. A reply not yet sent is left to the ordinary failure path."""
    reply = Reply.objects.select_for_update().select_related("appeal").get(pk=reply_id)
    if reply.status != R.SENT:
        return reply
    reply.status, reply.failure = R.FAILED, reason
    reply.save(update_fields=["status", "failure", "updated_at"])
    appeal = locked(reply.appeal)
    if reply.purpose == Reply.Purpose.ANSWER and appeal.status == S.ANSWERED:
        set_status(appeal, S.IN_PROGRESS)
        appeal.answered_at = None
        appeal.save(update_fields=["status", "answered_at", "updated_at"])
    record_event(appeal, AppealEvent.Kind.REPLY_FAILED, reply=reply.pk, failure=reason, after_sending=True)
    return reply


@transaction.atomic
def resend_reply(*, reply: Reply, channel: str, resent_by) -> Reply:
    """After a permanent failure staff choose another channel (or fix the address) and send again."""
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    if reply.status != R.FAILED:
        raise AppealError("Повторно отправляется только ответ, который не удалось доставить.")
    reply.status, reply.channel, reply.failure, reply.delivery_attempts = R.APPROVED, channel, "", 0
    reply.save(update_fields=["status", "channel", "failure", "delivery_attempts", "updated_at"])
    record_event(reply.appeal, AppealEvent.Kind.NOTE, actor=resent_by,
                 text=f"Ответ {reply.outgoing_number} направляется повторно: {reply.get_channel_display()}")
    from abonent.appeals.tasks import deliver_reply

    transaction.on_commit(lambda: deliver_reply.enqueue(reply.pk))
    return reply


def _store_pdf(reply: Reply, pdf: bytes) -> Attachment:
    import hashlib

    from abonent.appeals.files import CheckedFile
    from abonent.appeals.services.attachments import store_file

    name = f"Ответ {reply.outgoing_number}.pdf"
    return store_file(reply.appeal, CheckedFile(name=name, content=pdf, content_type="application/pdf",
                                                sha256=hashlib.sha256(pdf).hexdigest()), role=Attachment.Role.REPLY)
