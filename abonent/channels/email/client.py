"""IMAP plumbing only (imap-tools over imaplib): connect, read UIDVALIDITY and pending UIDs, fetch raw
bytes by UID without setting \\Seen, and flag or move what was processed. Imports no models; never deletes."""

import contextlib
import imaplib
import re
import ssl
from dataclasses import dataclass

from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted

PROCESSED_KEYWORD = "$AbonentRegistered"
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
_FETCH_UID = re.compile(rb"UID (\d+)")


class ImapError(Exception):
    """The server could not be reached or refused us; the poll is retried next time."""


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    security: str  # "ssl" | "starttls" | "plain"
    username: str
    password: str
    folder: str = "INBOX"
    processed_folder: str = ""
    timeout: float = 30.0


class ImapSession:
    """One logged-in session on one folder; use as a context manager."""

    def __init__(self, settings: ImapSettings):
        self.settings = settings
        self.box: MailBox | MailBoxUnencrypted | MailBoxStartTls | None = None

    def __enter__(self) -> "ImapSession":
        s = self.settings
        try:
            if s.security == "ssl":
                box = MailBox(s.host, s.port, timeout=s.timeout, ssl_context=ssl.create_default_context())
            elif s.security == "starttls":
                box = MailBoxStartTls(s.host, s.port, timeout=s.timeout, ssl_context=ssl.create_default_context())
            elif s.host in LOOPBACK:
                box = MailBoxUnencrypted(s.host, s.port, timeout=s.timeout)
            else:
                raise ImapError("Подключение без шифрования разрешено только к 127.0.0.1.")
            box.login(s.username, s.password, initial_folder=s.folder)
        except ImapError:
            raise
        except (imaplib.IMAP4.error, OSError, Exception) as error:  # imap-tools raises its own error types too
            raise ImapError(f"IMAP {s.host}:{s.port}: {error}") from error
        self.box = box
        return self

    def __exit__(self, *exc) -> None:
        if self.box is not None:
            with contextlib.suppress(Exception):  # the connection may already be gone
                self.box.logout()

    @property
    def client(self) -> imaplib.IMAP4:
        assert self.box is not None
        return self.box.client

    def uidvalidity(self) -> int:
        status = self.box.folder.status(self.settings.folder, ["UIDVALIDITY"])
        return int(status["UIDVALIDITY"])

    def pending_uids(self) -> list[int]:
        """UIDs still in the folder and not marked processed, oldest first."""
        criteria = "ALL" if self.settings.processed_folder else f"NOT KEYWORD {PROCESSED_KEYWORD}"
        return sorted(int(uid) for uid in self.box.uids(criteria))

    def fetch_raw(self, uids: list[int]) -> dict[int, bytes]:
        """The exact bytes of each message (BODY.PEEK[] leaves \\Seen alone for the staff's mail client)."""
        if not uids:
            return {}
        typ, data = self.client.uid("FETCH", ",".join(map(str, uids)), "(UID BODY.PEEK[])")
        if typ != "OK":
            raise ImapError(f"FETCH: {data!r}")
        found: dict[int, bytes] = {}
        for item in data:
            if isinstance(item, tuple) and (match := _FETCH_UID.search(item[0])):
                found[int(match.group(1))] = item[1]
        return found

    def mark_processed(self, uids: list[int]) -> None:
        if not uids:
            return
        target = self.settings.processed_folder
        if target:
            if not self.box.folder.exists(target):
                self.box.folder.create(target)
            self.box.move([str(u) for u in uids], target)
        else:
            self.box.flag([str(u) for u in uids], PROCESSED_KEYWORD, True)

    def append(self, raw: bytes, folder: str | None = None) -> None:
        """For tests and the benchmark: put a message into a folder as a mail server would."""
        typ, data = self.client.append(folder or self.settings.folder, None, None, raw)
        if typ != "OK":
            raise ImapError(f"APPEND: {data!r}")
