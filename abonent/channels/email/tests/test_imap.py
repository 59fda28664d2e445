"""The poller against a real Dovecot: exactly once across re-polls and crashes, flag or move, no deletes."""

import pytest
from django.db import DatabaseError

from abonent.appeals.models import Appeal
from abonent.channels.email import inbound, tasks
from abonent.channels.email.client import PROCESSED_KEYWORD, ImapSession, ImapSettings
from abonent.channels.email.models import InboundEmail, MailboxConnection
from abonent.channels.email.tests.conftest import fixture_bytes

pytestmark = pytest.mark.mail
BATCH = ["cp1251_8bit.eml", "koi8r_qp.eml", "utf8_base64.eml", "html_only.eml", "nested_multipart.eml",
         "forwarded.eml", "autoreply.eml", "unreadable.eml"]


def append_all(imap_folder, names):
    with ImapSession(imap_folder) as imap:
        for name in names:
            imap.append(fixture_bytes(name))


def server_state(settings: ImapSettings, folder: str | None = None) -> list[tuple[int, bool]]:
    with ImapSession(ImapSettings(**{**settings.__dict__, "folder": folder or settings.folder})) as imap:
        flagged = {int(u) for u in imap.box.uids(f"KEYWORD {PROCESSED_KEYWORD}")}
        return [(int(u), int(u) in flagged) for u in imap.box.uids("ALL")]


def test_poll_registers_each_message_once_and_flags_it(connection, imap_folder):
    append_all(imap_folder, BATCH)
    result = inbound.poll_mailbox(connection.pk)
    assert result.seen == 8
    assert result.outcomes == {"registered": 6, "ignored": 1, "quarantined": 1}
    assert Appeal.objects.count() == 6
    assert sorted(Appeal.objects.values_list("subject", flat=True)) == [
        "Fwd: Акт допуска", "Акт сверки № 15", "Вопрос по счёту за декабрь", "Задолженность",
        "Показания за декабрь", "Показания прибора учёта"]
    assert server_state(imap_folder) == [(uid, True) for uid in range(1, 9)]  # all still there, all flagged
    connection.refresh_from_db()
    assert (connection.registered_count, connection.last_error) == (6, "")
    assert connection.last_poll_at is not None
    assert inbound.poll_mailbox(connection.pk).seen == 0
    assert Appeal.objects.count() == 6


def test_crash_mid_batch_then_repoll_registers_nothing_twice(connection, imap_folder, monkeypatch):
    append_all(imap_folder, BATCH)
    real_process, calls = inbound.process, []

    def crash_after_three(record, **kwargs):
        if len(calls) == 3:
            raise RuntimeError("worker killed")
        calls.append(record.uid)
        return real_process(record, **kwargs)

    monkeypatch.setattr(inbound, "process", crash_after_three)
    with pytest.raises(RuntimeError, match="worker killed"):
        inbound.poll_mailbox(connection.pk)
    assert Appeal.objects.count() == 3
    # The flag means "recorded": the whole chunk was recorded before the crash, so all of it is flagged.
    assert all(flag for _, flag in server_state(imap_folder))
    monkeypatch.setattr(inbound, "process", real_process)
    # The crash left message 4 on recorded but unregistered; the lock was released.
    assert InboundEmail.objects.get(uid=4).status == InboundEmail.Status.RECEIVED
    result = inbound.poll_mailbox(connection.pk)
    assert (result.recorded, result.seen) == (0, 5)
    assert Appeal.objects.count() == 6
    assert sorted(Appeal.objects.values_list("source_key", flat=True)) == sorted(set(
        Appeal.objects.values_list("source_key", flat=True)))
    assert not InboundEmail.objects.filter(status=InboundEmail.Status.RECEIVED).exists()


def test_recorded_but_unflagged_message_is_only_flagged_on_repoll(connection, imap_folder, monkeypatch):
    append_all(imap_folder, ["cp1251_8bit.eml"])
    monkeypatch.setattr(inbound.ImapSession, "mark_processed", lambda self, uids: None)
    inbound.poll_mailbox(connection.pk)
    assert server_state(imap_folder) == [(1, False)]
    monkeypatch.undo()
    assert inbound.poll_mailbox(connection.pk).seen == 0
    assert server_state(imap_folder) == [(1, True)]
    assert Appeal.objects.count() == 1


def test_a_message_is_flagged_once_recorded_before_it_is_registered(connection, imap_folder, monkeypatch):
    append_all(imap_folder, ["cp1251_8bit.eml", "koi8r_qp.eml"])
    flagged_when = []
    real_mark = inbound.ImapSession.mark_processed

    def mark_processed(self, uids):
        if uids:
            flagged_when.append(sorted(InboundEmail.objects.filter(uid__in=uids).values_list("status", flat=True)))
        real_mark(self, uids)

    def parser_down(record, **kwargs):
        raise RuntimeError("parser down")

    monkeypatch.setattr(inbound.ImapSession, "mark_processed", mark_processed)
    monkeypatch.setattr(inbound, "process", parser_down)
    with pytest.raises(RuntimeError):
        inbound.poll_mailbox(connection.pk)
    # Recorded (committed) and flagged, not yet registered: the registration's state is in the record.
    assert flagged_when == [["received", "received"]]
    assert server_state(imap_folder) == [(1, True), (2, True)]
    monkeypatch.undo()
    assert inbound.poll_mailbox(connection.pk).outcomes == {"registered": 2}
    assert Appeal.objects.count() == 2


def test_nothing_is_flagged_when_the_record_is_not_committed(connection, imap_folder, monkeypatch):
    append_all(imap_folder, ["cp1251_8bit.eml", "koi8r_qp.eml"])

    def disk_full(*args):
        raise DatabaseError("could not write to file")

    monkeypatch.setattr(inbound, "record_chunk", disk_full)
    with pytest.raises(DatabaseError):
        inbound.poll_mailbox(connection.pk)
    assert server_state(imap_folder) == [(1, False), (2, False)]
    monkeypatch.undo()
    assert inbound.poll_mailbox(connection.pk).outcomes == {"registered": 2}
    assert server_state(imap_folder) == [(1, True), (2, True)]


def test_processed_messages_are_moved_when_a_folder_is_configured(connection, imap_folder):
    connection.processed_folder = f"{imap_folder.folder}.Обработано"
    connection.save()
    append_all(imap_folder, ["cp1251_8bit.eml", "koi8r_qp.eml"])
    assert inbound.poll_mailbox(connection.pk).seen == 2
    assert server_state(imap_folder) == []
    assert len(server_state(imap_folder, connection.processed_folder)) == 2
    assert inbound.poll_mailbox(connection.pk).seen == 0
    assert Appeal.objects.count() == 2


def test_same_message_in_a_new_uidvalidity_is_not_registered_again(connection, imap_folder):
    append_all(imap_folder, ["cp1251_8bit.eml"])
    inbound.poll_mailbox(connection.pk)
    InboundEmail.objects.update(uidvalidity=0)  # as if the server renumbered the folder
    with ImapSession(imap_folder) as imap:
        imap.box.flag(["1"], PROCESSED_KEYWORD, False)
    result = inbound.poll_mailbox(connection.pk)
    assert result.outcomes == {"duplicate": 1}
    assert Appeal.objects.count() == 1


def test_a_locked_mailbox_is_skipped(connection, imap_folder):
    append_all(imap_folder, ["cp1251_8bit.eml"])
    token = inbound.acquire_lock(connection.pk)
    assert inbound.poll_mailbox(connection.pk).skipped
    assert not Appeal.objects.exists()
    inbound.release_lock(connection.pk, token)
    assert inbound.poll_mailbox(connection.pk).seen == 1


def test_wrong_password_is_shown_on_the_mailbox(connection):
    MailboxConnection.objects.filter(pk=connection.pk).update(password="wrong")
    result = inbound.poll_mailbox(connection.pk)
    connection.refresh_from_db()
    assert result.error and connection.last_error.startswith("IMAP 127.0.0.1:")
    assert connection.locked_until is None


def test_cron_task_polls_every_enabled_mailbox(connection, imap_folder):
    append_all(imap_folder, ["koi8r_qp.eml"])
    assert tasks.poll_mailboxes.call() == 1
    assert Appeal.objects.count() == 1
