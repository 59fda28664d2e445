"""The quarantine screen and the mailbox admin (password never shown back)."""

import pytest

from abonent.channels.email.models import InboundEmail, MailboxConnection
from abonent.organisation.models import Mailbox

pytestmark = pytest.mark.urls("abonent.channels.email.tests.urls")
RAW = b"\x01\x02garbage"


@pytest.fixture
def quarantined(organisation):
    mailbox = Mailbox.objects.get_or_create(organisation=organisation, address="meter@bges.ru")[0]
    connection = MailboxConnection.objects.create(mailbox=mailbox, host="127.0.0.1", port=143, security="plain",
                                                  username="u", password="p")
    return InboundEmail.objects.create(connection=connection, folder="INBOX", uidvalidity=1, uid=7, raw=RAW,
                                       size=len(RAW), status=InboundEmail.Status.QUARANTINED,
                                       detail="В письме не найдено ни отправителя, ни текста, ни вложений.")


def test_reception_sees_the_quarantine_and_downloads_the_raw_message(client, operator, quarantined):
    client.force_login(operator)
    page = client.get("/mail/quarantine/")
    assert page.status_code == 200
    assert "В письме не найдено ни отправителя, ни текста, ни вложений." in page.content.decode()
    raw = client.get(f"/mail/quarantine/{quarantined.pk}/raw/")
    assert (raw.status_code, raw["Content-Type"], raw.content) == (200, "message/rfc822", RAW)
    assert raw["Content-Disposition"] == f'attachment; filename="message-{quarantined.pk}.eml"'


def test_executor_without_registration_rights_is_refused(client, executor, quarantined):
    client.force_login(executor)
    assert client.get("/mail/quarantine/").status_code == 403
    assert client.get(f"/mail/quarantine/{quarantined.pk}/raw/").status_code == 403


def test_marking_registered_by_hand_links_the_appeal_and_leaves_the_list(client, operator, quarantined):
    from abonent.appeals.tests.factories import register

    appeal = register(registered_by=operator)
    client.force_login(operator)
    response = client.post(f"/mail/quarantine/{quarantined.pk}/resolve/", {"appeal_number": appeal.number})
    assert response.status_code == 302
    quarantined.refresh_from_db()
    assert (quarantined.status, quarantined.appeal, quarantined.resolved_by) == (
        InboundEmail.Status.RESOLVED, appeal, operator)
    assert "В карантине нет писем." in client.get("/mail/quarantine/").content.decode()


def test_unknown_appeal_number_changes_nothing(client, operator, quarantined):
    client.force_login(operator)
    response = client.post(f"/mail/quarantine/{quarantined.pk}/resolve/", {"appeal_number": "2026-999999"},
                           follow=True)
    assert "Обращение № 2026-999999 не найдено." in response.content.decode()
    quarantined.refresh_from_db()
    assert (quarantined.status, quarantined.appeal) == (InboundEmail.Status.QUARANTINED, None)


def test_admin_never_shows_the_password_and_keeps_it_when_left_blank(admin_client, quarantined):
    connection = quarantined.connection
    connection.password = "s3cret-imap"
    connection.save()
    url = f"/admin/email_channel/mailboxconnection/{connection.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200 and "s3cret-imap" not in page.content.decode()
    data = {"mailbox": connection.mailbox_id, "host": "127.0.0.1", "port": 10143, "security": "plain",
            "username": "u", "password": "", "folder": "INBOX", "processed_folder": "", "poll_enabled": "on"}
    assert admin_client.post(url, data).status_code == 302
    connection.refresh_from_db()
    assert (connection.port, connection.password) == (10143, "s3cret-imap")


def test_admin_refuses_plain_imap_to_a_remote_server(admin_client, quarantined):
    url = f"/admin/email_channel/mailboxconnection/{quarantined.connection.pk}/change/"
    data = {"mailbox": quarantined.connection.mailbox_id, "host": "mail.bges.ru", "port": 143, "security": "plain",
            "username": "u", "password": "", "folder": "INBOX", "processed_folder": "", "poll_enabled": "on"}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Без шифрования можно подключаться только к серверу на 127.0.0.1." in response.content.decode()
