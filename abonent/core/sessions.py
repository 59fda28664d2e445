"""The open sessions of a login: a list for the person, and ending them — the person's other sessions, or every
session of a login by the IT administrator (ASVS 7.4.5, 7.5.2). Sessions live in the database (Django's
default SESSION_ENGINE), keyed by a random id and not by the login, so a login's sessions are found by reading
every unexpired one: fine for the few thousand a supplier has, and these are rare actions."""

import datetime
import logging
from dataclasses import dataclass

from django.contrib.sessions.models import Session
from django.utils import timezone

from abonent.core.middleware import AGENT_KEY, IP_KEY, LAST_SEEN_KEY, LOGIN_AT_KEY

log = logging.getLogger("abonent.security")


@dataclass(frozen=True)
class SessionInfo:
    key: str
    login_at: datetime.datetime | None
    last_seen: datetime.datetime | None
    ip: str
    agent: str
    expires_at: datetime.datetime


def _moment(value) -> datetime.datetime | None:
    return datetime.datetime.fromtimestamp(value, tz=datetime.UTC) if value else None


def _of(user):
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = session.get_decoded()
        if data.get("_auth_user_id") == str(user.pk):
            yield session, data


def sessions_of(user) -> list[SessionInfo]:
    """The login's unexpired sessions, the most recently active first."""
    found = [SessionInfo(key=session.session_key, login_at=_moment(data.get(LOGIN_AT_KEY)),
                         last_seen=_moment(data.get(LAST_SEEN_KEY)), ip=data.get(IP_KEY, ""),
                         agent=data.get(AGENT_KEY, ""), expires_at=session.expire_date)
             for session, data in _of(user)]
    epoch = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    return sorted(found, key=lambda s: s.last_seen or s.login_at or epoch, reverse=True)


def end_sessions(user, *, keep: str | None = None) -> int:
    """Ends every session of the login except `keep` (the current one); returns how many ended."""
    keys = [session.session_key for session, _ in _of(user) if session.session_key != keep]
    Session.objects.filter(session_key__in=keys).delete()
    log.warning("sessions ended", extra={"user": user.get_username(), "count": len(keys), "kept": bool(keep)})
    return len(keys)


def end_all_sessions() -> int:
    """Every login is logged out (after a suspected compromise); returns how many sessions ended."""
    count, _ = Session.objects.all().delete()
    log.warning("all sessions ended", extra={"count": count})
    return count
