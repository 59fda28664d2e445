"""Appeal notices (registered, reply sent, deadline extended) are sent by the appeals module once; this app
records them in the journal from the channel's outbox, sends nothing itself, and copies them to the portal."""

import pytest

from abonent.appeals.services import approve_reply, draft_reply, extend_deadline, submit_reply
from abonent.appeals.tests.factories import register
from abonent.channels.email.models import OutgoingEmail
from abonent.notifications import appeal_events, tasks
from abonent.notifications.models import Notification, NotificationPreference, NotificationType
from abonent.notifications.tests.factories import portal_user

pytestmark = pytest.mark.django_db
N = Notification.Status


@pytest.fixture
def appeal(account, operator):
    return register(registered_by=operator, customer=account.customer, billing_account=account,
                    sender_email="buh@example.ru", reply_channel="email")


def test_acknowledgement_is_recorded_from_the_outbox_without_a_second_letter(appeal):
    [mail] = OutgoingEmail.objects.filter(appeal=appeal)
    assert tasks.mirror_appeal_notices.call() == 1
    notice = Notification.objects.get()
    assert (notice.kind, notice.channel, notice.appeal, notice.customer) == (
        "appeal_registered", "email", appeal, appeal.customer)
    assert (notice.recipient, notice.subject, notice.body, notice.provider_id) == (
        "buh@example.ru", mail.subject, mail.body, mail.message_id)
    assert notice.status == N.DELIVERED  # the SMTP server took it
    assert tasks.mirror_appeal_notices.call() == 0
    assert OutgoingEmail.objects.filter(appeal=appeal).count() == 1
    tasks.dispatch_due.call()
    assert OutgoingEmail.objects.count() == 1


def test_portal_login_gets_a_copy_unless_declined(appeal, account, operator):
    portal_user(account)
    appeal_events.sweep()
    copy = Notification.objects.get(channel="portal")
    assert copy.subject == f"Обращение № {appeal.number} зарегистрировано"
    assert copy.status == N.DELIVERED and copy.appeal == appeal
    NotificationPreference.objects.create(customer=account.customer, channel="portal", is_enabled=False,
                                          type=NotificationType.objects.get(code="appeal_registered"))
    second = register(registered_by=operator, customer=account.customer, sender_email="buh@example.ru",
                      reply_channel="email")
    appeal_events.sweep()
    assert list(Notification.objects.filter(appeal=second).values_list("channel", flat=True)) == ["email"]


def test_extension_and_reply_are_recorded_once_each(appeal, supervisor, executor, signatory):
    extend_deadline(appeal=appeal, days=10, reason="Нужна проверка прибора учёта.", extended_by=supervisor)
    reply = draft_reply(appeal=appeal, text="Начисление выполнено верно.", author=executor)
    submit_reply(reply=reply, submitted_by=executor, signatory=signatory)
    approve_reply(reply=reply, approved_by=signatory)
    assert OutgoingEmail.objects.filter(appeal=appeal).count() == 3
    appeal_events.sweep()
    appeal_events.sweep()
    rows = {n.kind: n for n in Notification.objects.filter(channel="email")}
    assert set(rows) == {"appeal_registered", "appeal_extended", "appeal_reply_sent"}
    assert rows["appeal_extended"].subject == f"Продление срока рассмотрения обращения № {appeal.number}"
    assert "Причина: Нужна проверка прибора учёта." in rows["appeal_extended"].body
    reply.refresh_from_db()
    assert rows["appeal_reply_sent"].provider_id == reply.provider_id
    assert rows["appeal_reply_sent"].body.endswith("[Вложение: ответ с подписью, PDF]")
    assert Notification.objects.count() == 3
    assert OutgoingEmail.objects.filter(appeal=appeal).count() == 3


def test_appeal_without_a_customer_is_not_in_the_journal(operator):
    register(registered_by=operator, sender_email="someone@example.ru")
    assert appeal_events.sweep() == 0
