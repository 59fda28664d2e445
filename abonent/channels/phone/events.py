"""Parsing of the PBX's webhook payloads (pure: no database).

The fields follow Zammad's «Generic CTI» API — event newCall/answer/hangup, from, to, direction in/out,
callId, user[], cause, answeringNumber — so a PBX already set up for Zammad works unchanged. Our own
events: ringing (an operator's phone rings), queue (entered the queue), transfer (to an extension or a
department: field `target`), ivr (digits keyed: field `digits`). Optional: `time` (ISO 8601 or Unix
seconds; else the moment of receipt), `sequence` (the PBX's event number, for de-duplication),
`recording` (a URL or id of the recording), `recordingWarning` (the line played the warning, 2.2.2.2).
"""

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from abonent.core.validators import normalize_phone

EVENTS = ("newCall", "ringing", "queue", "answer", "transfer", "ivr", "hangup")
CAUSES = ("normalClearing", "busy", "cancel", "noAnswer", "congestion", "notFound", "forwarded")
MAX_ID = 100
_TRUE = ("1", "true", "yes", "on")


class PayloadError(ValueError):
    """A payload the webhook refuses with 400; the message is Russian and goes back to the PBX."""


@dataclass(frozen=True)
class PbxEventData:
    event: str
    call_id: str
    time: dt.datetime | None
    direction: str = ""
    from_number: str = ""
    to_number: str = ""
    users: tuple[str, ...] = ()
    cause: str = ""
    answering_number: str = ""
    target: str = ""
    digits: str = ""
    recording: str = ""
    recording_warning: bool = False
    sequence: str = ""
    raw: dict = field(default_factory=dict)

    @property
    def dedup_key(self) -> str:
        """The PBX's own sequence number when it sends one, else a hash of the whole payload: the same event
        delivered twice is recognised either way."""
        if self.sequence:
            return f"seq:{self.sequence}"[:64]
        return hashlib.sha256(json.dumps(self.raw, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def normalize_number(value: str) -> str:
    """Russian numbers as +7XXXXXXXXXX; extensions, foreign and hidden numbers as sent."""
    value = (value or "").strip()
    try:
        return normalize_phone(value)
    except ValueError:
        return value[:32]


def payload_from_form(data) -> dict:
    """A QueryDict of a form-encoded POST as a plain dict; `user[]` (or repeated `user`) becomes a list."""
    result = {key: data.get(key) for key in data if key not in ("user", "user[]")}
    users = data.getlist("user[]") or data.getlist("user")
    if users:
        result["user"] = users
    return result


def _text(raw: Mapping, name: str, limit: int = 200) -> str:
    value = raw.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str | int):
        raise PayloadError(f"Поле «{name}» должно быть строкой.")
    value = str(value).strip()
    if len(value) > limit:
        raise PayloadError(f"Поле «{name}» длиннее {limit} символов.")
    return value


def _time(raw: Mapping) -> dt.datetime | None:
    value = raw.get("time")
    if value in (None, ""):
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.replace(".", "", 1).isdigit()):
        try:
            return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
        except (OverflowError, ValueError, OSError):
            raise PayloadError("Поле «time»: неверное время.") from None
    if not isinstance(value, str):
        raise PayloadError("Поле «time»: нужна дата ISO 8601 или число секунд Unix.")
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        raise PayloadError(f"Поле «time»: «{value[:40]}» — не дата ISO 8601 и не число секунд Unix.")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _users(raw: Mapping) -> tuple[str, ...]:
    value = raw.get("user", raw.get("user[]", []))
    if isinstance(value, str | int):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise PayloadError("Поле «user» должно быть строкой или списком строк.")
    return tuple(str(v).strip() for v in value if str(v).strip())


def parse(raw: Mapping) -> PbxEventData:
    """Checks a payload and returns it typed; anything wrong is a PayloadError naming the field."""
    if not isinstance(raw, Mapping):
        raise PayloadError("Ожидается объект JSON или поля формы.")
    event = _text(raw, "event")
    if event not in EVENTS:
        raise PayloadError(f"Неизвестное событие «{event[:40]}»: допустимы {', '.join(EVENTS)}." if event
                           else "Не указано событие (поле «event»).")
    call_id = _text(raw, "callId", MAX_ID)
    if not call_id:
        raise PayloadError("Не указан идентификатор звонка (поле «callId»).")
    direction = _text(raw, "direction")
    if direction and direction not in ("in", "out"):
        raise PayloadError(f"Поле «direction»: «{direction[:20]}» — допустимо in или out.")
    if event == "newCall" and not direction:
        raise PayloadError("Для newCall нужно направление (поле «direction»: in или out).")
    cause = _text(raw, "cause")
    if cause and cause not in CAUSES:
        raise PayloadError(f"Поле «cause»: неизвестная причина «{cause[:40]}».")
    from_number, to_number = _text(raw, "from", 64), _text(raw, "to", 64)
    if event == "newCall" and not (from_number or to_number):
        raise PayloadError("Для newCall нужен номер звонящего или вызываемого (поля «from», «to»).")
    digits = _text(raw, "digits", 50)
    if event == "ivr" and not digits:
        raise PayloadError("Для события ivr нужны введённые цифры (поле «digits»).")
    target = _text(raw, "target", 200)
    if event == "transfer" and not target:
        raise PayloadError("Для события transfer нужно, куда переведён звонок (поле «target»).")
    return PbxEventData(
        event=event, call_id=call_id, time=_time(raw), direction=direction,
        from_number=normalize_number(from_number), to_number=normalize_number(to_number), users=_users(raw),
        cause=cause, answering_number=_text(raw, "answeringNumber", 64), target=target, digits=digits,
        recording=_text(raw, "recording", 500),
        recording_warning=_text(raw, "recordingWarning").lower() in _TRUE,
        sequence=_text(raw, "sequence", 50), raw=dict(raw),
    )
