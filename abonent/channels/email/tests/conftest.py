"""Real servers for the e-mail channel's tests: a Dovecot IMAP server started once per session on a free
loopback port in a throwaway directory (as `nobody`, since imap-login refuses root), and an aiosmtpd
SMTP sink in the test process."""

import time
import uuid
from pathlib import Path

import pytest

from abonent.channels.email.client import ImapSession, ImapSettings
from abonent.channels.email.testing import DovecotServer, dovecot_available, free_port

FIXTURES = Path(__file__).parent / "fixtures"
IMAP_USER, IMAP_PASSWORD = "support@test.local", "secret"



def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(scope="session")
def dovecot():
    """(host, port) of a private Dovecot instance; stopped and removed at the end of the session."""
    if not dovecot_available():
        pytest.skip("dovecot-imapd is not installed")
    server = DovecotServer({IMAP_USER: IMAP_PASSWORD})
    server.start()
    try:
        yield "127.0.0.1", server.port
    finally:
        server.stop()


@pytest.fixture
def imap_folder(dovecot):
    """A fresh folder of the test account for one test: ImapSettings pointing at it."""
    host, port = dovecot
    folder = f"t{uuid.uuid4().hex[:12]}"
    settings = ImapSettings(host=host, port=port, security="plain", username=IMAP_USER, password=IMAP_PASSWORD,
                            folder="INBOX")
    with ImapSession(settings) as imap:
        imap.box.folder.create(folder)
    return ImapSettings(host=host, port=port, security="plain", username=IMAP_USER, password=IMAP_PASSWORD,
                        folder=folder)


@pytest.fixture
def connection(organisation, imap_folder):
    from abonent.channels.email.models import MailboxConnection
    from abonent.organisation.models import Mailbox

    mailbox = Mailbox.objects.get_or_create(organisation=organisation, address="meter@bges.ru",
                                            defaults={"title": "Показания и вопросы"})[0]
    return MailboxConnection.objects.create(
        mailbox=mailbox, host=imap_folder.host, port=imap_folder.port, security="plain",
        username=imap_folder.username, password=imap_folder.password, folder=imap_folder.folder)


class Sink:
    def __init__(self):
        self.envelopes = []
        self.peers = []  # the client's (host, port) of each message: one per SMTP connection
        self.refuse_code = None
        self.refuse = {}  # address → reply, for one recipient refused among others

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_code:
            return self.refuse_code
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.peers.append(session.peer)
        return "250 Message accepted for delivery"


class SmtpServer:
    """An aiosmtpd sink that can be stopped and started again on the same port (an outage)."""

    def __init__(self):
        self.port = free_port()
        self.sink = Sink()
        self.controller = None

    def start(self):
        from aiosmtpd.controller import Controller

        for _ in range(50):
            try:
                self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
                self.controller.start()
                return
            except (OSError, RuntimeError):
                time.sleep(0.1)
        raise RuntimeError("SMTP sink did not start")

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server(settings):
    server = SmtpServer()
    server.start()
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5}}}
    yield server
    server.stop()
