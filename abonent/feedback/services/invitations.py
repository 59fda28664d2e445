"""Distribution of a questionnaire by personal links (standard, section 4: remote polls by e-mail and EDO):
one invitation per recipient, created once (inviting again adds only new recipients), sent after commit
through the e-mail or EDO outbox."""

import logging

from django.db import transaction
from django.utils import timezone

from abonent.customers.models import Customer
from abonent.feedback import links
from abonent.feedback.errors import FeedbackError
from abonent.feedback.models import Invitation, Questionnaire
from abonent.feedback.services.questionnaires import can_build
from abonent.organisation.models import Channel, Organisation

log = logging.getLogger(__name__)
IS = Invitation.Status
CHANNELS = (Channel.EMAIL, Channel.EDO)


def _require(questionnaire: Questionnaire, user) -> None:
    if not can_build(user):
        raise FeedbackError("Рассылать анкеты может руководитель.")
    if questionnaire.status != Questionnaire.Status.OPEN:
        raise FeedbackError("Рассылать можно только проводимую анкету: сначала начните опрос.")


def _enqueue(ids: list[int]) -> None:
    from abonent.feedback.tasks import send_invitation

    for pk in ids:
        transaction.on_commit(lambda pk=pk: send_invitation.enqueue(pk))


@transaction.atomic
def invite_customers(*, questionnaire: Questionnaire, customers, channel: str, invited_by) -> int:
    """Invites each customer once per channel; by e-mail only those with an address, by EDO those with
    an INN. Returns the number of new invitations."""
    _require(questionnaire, invited_by)
    if questionnaire.audience != Questionnaire.Audience.CUSTOMERS:
        raise FeedbackError("Эта анкета — для сотрудников.")
    if channel not in CHANNELS:
        raise FeedbackError("Рассылка — по электронной почте или через ЭДО.", field="channel")
    already = set(Invitation.objects.filter(questionnaire=questionnaire, channel=channel)
                  .values_list("customer_id", flat=True))
    new = []
    for customer in customers:
        if customer.pk in already or (channel == Channel.EMAIL and not customer.email):
            continue
        new.append(Invitation(questionnaire=questionnaire, channel=channel, customer=customer,
                              email=customer.email if channel == Channel.EMAIL else ""))
    created = Invitation.objects.bulk_create(new)
    _enqueue([i.pk for i in created])
    return len(created)


@transaction.atomic
def invite_staff(*, questionnaire: Questionnaire, users, invited_by) -> int:
    """Invites employees by e-mail, each once; without an address they answer after signing in."""
    _require(questionnaire, invited_by)
    if questionnaire.audience != Questionnaire.Audience.STAFF:
        raise FeedbackError("Эта анкета — для клиентов.")
    already = set(Invitation.objects.filter(questionnaire=questionnaire).values_list("user_id", flat=True))
    new = [Invitation(questionnaire=questionnaire, channel=Channel.EMAIL, user=user, email=user.email)
           for user in users if user.pk not in already and user.is_staff_member and user.email]
    created = Invitation.objects.bulk_create(new)
    _enqueue([i.pk for i in created])
    return len(created)


def invitation_text(invitation: Invitation) -> tuple[str, str]:
    questionnaire = invitation.questionnaire
    org = Organisation.current()
    until = (f"\nОпрос проводится до {timezone.localtime(questionnaire.closes_at):%d.%m.%Y}."
             if questionnaire.closes_at else "")
    intro = f"{questionnaire.intro.strip()}\n\n" if questionnaire.intro.strip() else ""
    body = (f"Здравствуйте!\n\n{intro}Просим Вас ответить на вопросы анкеты «{questionnaire.title}». "
            f"Ссылка персональная, ответить по ней можно один раз:\n\n{links.invitation_url(invitation)}\n{until}"
            + (f"\n\n{org.short_name}\nТелефон: {org.phone_display}" if org else ""))
    return f"Анкета «{questionnaire.title}»", body


def send_invitation(*, invitation_id: int) -> Invitation | None:
    """Writes the invitation into the e-mail or EDO outbox, once."""
    with transaction.atomic():
        invitation = (Invitation.objects.select_for_update(skip_locked=True, of=("self",))
                      .filter(pk=invitation_id, status=IS.PENDING).select_related("questionnaire", "customer").first())
        if invitation is None:
            return None
        subject, body = invitation_text(invitation)
        try:
            provider_id = (_send_email(invitation, subject, body) if invitation.channel == Channel.EMAIL
                           else _send_edo(invitation, subject, body))
        except FeedbackError as error:  # no address, no EDO box: retrying will not help
            invitation.attempts += 1
            invitation.failure, invitation.status = error.message, IS.FAILED
            invitation.save(update_fields=["attempts", "failure", "status", "updated_at"])
            return invitation
        invitation.status, invitation.sent_at, invitation.provider_id = IS.SENT, timezone.now(), provider_id
        invitation.save(update_fields=["status", "sent_at", "provider_id", "updated_at"])
        return invitation


def _send_email(invitation: Invitation, subject: str, body: str) -> str:
    from abonent.channels.email.outbox import enqueue_email

    if not invitation.email:
        raise FeedbackError("Не указан адрес электронной почты.")
    return enqueue_email(to=[invitation.email], subject=subject, body=body).message_id


def _send_edo(invitation: Invitation, subject: str, body: str) -> str:
    """An EDO document to the customer's INN/KPP through our first active box (no appeal to answer)."""
    from abonent.channels.edo.models import EdoBox, EdoOutgoing, EdoOutgoingFile
    from abonent.channels.edo.tasks import deliver_edo

    customer = invitation.customer
    if customer is None or not customer.inn:
        raise FeedbackError("У клиента не указан ИНН для ЭДО.")
    box = EdoBox.objects.filter(polling_enabled=True).order_by("pk").first()
    if box is None:
        raise FeedbackError("Не настроен ни один ящик ЭДО.")
    outgoing = EdoOutgoing.objects.create(box=box, counterparty_inn=customer.inn, counterparty_kpp=customer.kpp,
                                          title=subject[:500])
    EdoOutgoingFile.objects.create(outgoing=outgoing, name="Анкета.txt", content=f"{subject}\n\n{body}\n".encode())
    transaction.on_commit(lambda: deliver_edo.enqueue(outgoing.pk))
    return str(outgoing.operation_id)


def customers_for_distribution(*, channel: str, inns: list[str] | None = None):
    """Active customers to invite: all of them, or those with the given INNs."""
    customers = Customer.objects.filter(is_active=True).order_by("pk")
    if inns:
        customers = customers.filter(inn__in=inns)
    if channel == Channel.EMAIL:
        customers = customers.exclude(email="")
    return customers
