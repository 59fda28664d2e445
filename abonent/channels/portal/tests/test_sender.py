"""The portal reply channel through the real appeals flow: registration (the acknowledgement shown in the
portal), draft → submit → approve → send (the reply visible in the portal, an e-mail «ответ готов» to the
customer's portal logins), extensions, failures."""

import pytest
from django.core import mail
from django.utils import timezone

from abonent.appeals import delivery
from abonent.appeals.models import Appeal, AppealEvent, Reply
from abonent.appeals.services import approve_reply, draft_reply, extend_deadline, submit_reply
from abonent.appeals.tests.factories import register
from abonent.channels.portal.models import PortalNotice
from abonent.channels.portal.sender import PortalSender, portal_logins
from abonent.customers.models import PortalAccess
from abonent.customers.tests.factories import BillingAccountFactory
from abonent.organisation.models import Channel
from abonent.users.models import User

pytestmark = pytest.mark.django_db
E = AppealEvent.Kind


def portal_user(email, **extra):
    return User.objects.create_user(username=email or "noemail", email=email, password="pass",  # noqa: S106
                                    kind=User.Kind.CUSTOMER, last_name="Петров", first_name="Иван", **extra)


def link(user, account, role=PortalAccess.Role.MANAGER, status=PortalAccess.Status.ACTIVE):
    return PortalAccess.objects.create(user=user, account=account, role=role, status=status,
                                       granted_via=PortalAccess.GrantedVia.STAFF, decided_at=timezone.now())


@pytest.fixture
def account(db):
    return BillingAccountFactory()


@pytest.fixture
def logins(account):
    """Who is told: the manager and the accountant of the customer (both see appeals); not a revoked link,
    not a login without e-mail, not a login of another customer."""
    director, accountant = portal_user("director@example.ru"), portal_user("buh@example.ru")
    link(director, account)
    link(accountant, BillingAccountFactory(contract=account.contract), PortalAccess.Role.ACCOUNTANT)
    link(portal_user("former@example.ru"), account, status=PortalAccess.Status.REVOKED)
    link(portal_user(""), account)
    link(portal_user("other@example.ru"), BillingAccountFactory())
    return director, accountant


@pytest.fixture
def appeal(account, organisation):
    appeal = register(channel=Channel.PORTAL, reply_channel=Channel.PORTAL, billing_account=account,
                      sender_email="director@example.ru")
    mail.outbox.clear()
    return appeal


def answer(appeal, executor, signatory, text="Начисление за март выполнено по показаниям прибора учёта."):
    reply = draft_reply(appeal=appeal, text=text, author=executor)
    submit_reply(reply=reply, submitted_by=executor, signatory=signatory)
    approve_reply(reply=reply, approved_by=signatory)
    reply.refresh_from_db()
    return reply


def test_the_sender_is_registered_for_the_portal():
    assert isinstance(delivery.sender_for(Channel.PORTAL), PortalSender)


def test_the_acknowledgement_is_shown_on_the_appeal_in_the_portal(appeal):
    [notice] = PortalNotice.objects.filter(appeal=appeal)
    assert notice.subject == f"Обращение № {appeal.number} зарегистрировано"
    assert f"под № {appeal.number}" in notice.body and "способ ответа: личный кабинет" in notice.body
    acknowledged = appeal.events.get(kind=E.ACKNOWLEDGED)
    assert acknowledged.data["provider_id"] == f"portal:notice:{notice.pk}"
    assert mail.outbox == []


def test_the_same_notice_twice_is_shown_once(appeal):
    sender = PortalSender()
    from abonent.appeals import notices

    first = sender.send_notice(notices.acknowledgement(appeal))
    assert sender.send_notice(notices.acknowledgement(appeal)) == first
    assert PortalNotice.objects.filter(appeal=appeal).count() == 1


def test_a_reply_is_sent_to_the_portal_and_the_logins_are_told_by_email(appeal, logins, executor, signatory):
    reply = answer(appeal, executor, signatory)
    appeal.refresh_from_db()
    assert (reply.status, reply.provider_id) == (Reply.Status.SENT, f"portal:reply:{reply.pk}")
    assert appeal.status == Appeal.Status.ANSWERED
    assert appeal.events.filter(kind=E.REPLY_SENT, data__channel=Channel.PORTAL).count() == 1
    assert appeal.attachments.filter(role="reply", original_name=f"Ответ {reply.outgoing_number}.pdf").exists()
    [message] = mail.outbox
    assert sorted(message.to) == ["buh@example.ru", "director@example.ru"]
    assert message.subject == f"Ответ на обращение № {appeal.number} готов"
    assert f"исх. № {reply.outgoing_number}" in message.body
    assert f"/portal/appeals/{appeal.pk}/" in message.body
    assert "показаниям прибора учёта" not in message.body  # the reply itself is read in the portal
    assert message.attachments == []


def test_the_logins_told_are_those_that_see_the_customers_appeals(appeal, logins):
    assert portal_logins(appeal) == sorted([*logins, User.objects.get(username="noemail")], key=lambda u: u.pk)


def test_a_reply_without_portal_logins_is_still_delivered_to_the_portal(appeal, executor, signatory):
    reply = answer(appeal, executor, signatory)
    assert reply.status == Reply.Status.SENT
    assert mail.outbox == []


def test_a_lost_email_does_not_undo_the_reply(appeal, logins, executor, signatory, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr("abonent.channels.portal.sender.send_mail", broken)
    reply = answer(appeal, executor, signatory)
    assert reply.status == Reply.Status.SENT


def test_an_appeal_without_a_customer_cannot_be_answered_in_the_portal(organisation, executor, signatory):
    appeal = register(channel=Channel.PORTAL, reply_channel=Channel.PORTAL)
    assert appeal.customer is None
    assert not PortalNotice.objects.filter(appeal=appeal).exists()
    reply = answer(appeal, executor, signatory)
    assert reply.status == Reply.Status.FAILED
    assert "Клиент обращения не определён" in reply.failure
    assert appeal.events.filter(kind=E.REPLY_FAILED).exists()


def test_an_extension_notice_is_shown_in_the_portal(appeal, supervisor):
    extend_deadline(appeal=appeal, days=10, reason="Нужна проверка прибора учёта на месте.", extended_by=supervisor)
    notices = list(PortalNotice.objects.filter(appeal=appeal).order_by("pk"))
    assert len(notices) == 2
    assert notices[1].subject == f"Продление срока рассмотрения обращения № {appeal.number}"
    assert "Причина: Нужна проверка прибора учёта на месте." in notices[1].body
