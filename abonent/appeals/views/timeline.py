"""The appeal's timeline in words: each AppealEvent kind rendered as the Russian lines a person reads
under the event's label (who moved it where, to which date the term was extended and why, ...)."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from abonent.appeals.models import AppealEvent, Kind
from abonent.core.text import days_text
from abonent.organisation.models import Channel

E = AppealEvent.Kind


@dataclass(frozen=True)
class TimelineEntry:
    event: AppealEvent
    lines: list[str]

    @property
    def css(self) -> str:
        return {E.OVERDUE: "bad", E.REPLY_FAILED: "bad", E.CONFLICT: "warn", E.REPLY_RETURNED: "warn",
                E.REPLY_SENT: "ok", E.CLOSED: "ok"}.get(self.event.kind, "")


def _date(value: str) -> str:
    """An ISO date or moment from the event data as dd.mm.yyyy (local date for a moment)."""
    if not value:
        return "—"
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return f"{moment:%d.%m.%Y}"


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or "—"


def _registered(d: dict) -> list[str]:
    lines = [f"Канал: {_label(Channel, d.get('channel', ''))}"]
    if d.get("term"):
        lines.append(f"Срок рассмотрения: {d['term']}")
    return lines


def _routed(d: dict) -> list[str]:
    rule = f" (правило «{d['rule']}»)" if d.get("rule") else ""
    return [f"Подразделение: {d.get('department', '—')}{rule}"]


def _reassigned(d: dict) -> list[str]:
    before = d.get("before") or {}
    old = f"{before.get('department', '—')}, {before.get('executor') or 'без исполнителя'}"
    new = f"{d.get('department', '—')}, {d.get('executor') or 'без исполнителя'}"
    lines = [f"{old} → {new}"]
    if d.get("reason"):
        lines.append(f"Причина: {d['reason']}")
    return lines


def _classified(d: dict) -> list[str]:
    before = d.get("before") or {}
    return [f"Вид: {_label(Kind, before.get('kind', ''))} → {_label(Kind, d.get('kind', ''))}",
            f"Тема: {before.get('topic') or '—'} → {d.get('topic') or '—'}"]


def _extended(d: dict) -> list[str]:
    days = d.get("days")
    term = f"на {days_text(int(days))} " if days else ""
    return [f"Продлён {term}— с {_date(d.get('before', ''))} до {_date(d.get('due_at', ''))}",
            f"Причина: {d.get('reason', '—')}"]


def _approved(d: dict) -> list[str]:
    line = f"Исх. № {d.get('outgoing_number', '—')}"
    if d.get("typical"):
        line += " — ответ на типовой вопрос без подписи (стандарт 2.2.6)"
    return [line]


def _sent(d: dict) -> list[str]:
    return [f"Исх. № {d.get('outgoing_number', '—')}, {_label(Channel, d.get('channel', ''))}"]


def _not_considered(d: dict) -> list[str]:
    lines = [f"Основание: {d.get('ground_label', d.get('ground', '—'))}"]
    if d.get("earlier"):
        lines.append(f"Ранее рассмотренное обращение № {d['earlier']}")
    lines.append("Клиенту направляется уведомление" if d.get("customer_told") else "Уведомить клиента нельзя")
    return lines


def _text(key: str, prefix: str = "") -> Callable[[dict], list[str]]:
    return lambda d: [f"{prefix}{d[key]}"] if d.get(key) else []


_DESCRIBE: dict[str, Callable[[dict], list[str]]] = {
    E.REGISTERED: _registered,
    E.ACKNOWLEDGED: lambda d: [f"Способ: {_label(Channel, d.get('channel', ''))}"],
    E.ROUTED: _routed,
    E.REASSIGNED: _reassigned,
    E.MESSAGE_ADDED: lambda d: [", ".join(x for x in (d.get("author"), _label(Channel, d.get("channel", ""))) if x)],
    E.NOTE: _text("text"),
    E.CLASSIFIED: _classified,
    E.REPLY_SUBMITTED: _text("signatory", "Подписант: "),
    E.REPLY_RETURNED: _text("comment", "Что доработать: "),
    E.REPLY_APPROVED: _approved,
    E.REPLY_SENT: _sent,
    E.REPLY_FAILED: _text("failure", "Причина: "),
    E.DEADLINE_EXTENDED: _extended,
    E.REMINDER: lambda d: [f"Срок ответа: {_date(d.get('due_at', ''))}"],
    E.OVERDUE: lambda d: [f"Срок ответа был: {_date(d.get('due_at', ''))}"],
    E.CONFLICT: _text("note"),
    E.APOLOGY: _text("text"),
    E.URGENCY_SET: lambda d: [f"{d.get('urgency', '—')}; срок ответа — до {_date(d.get('due_at', ''))}"],
    E.CONTROL_ADDED: lambda d: [d.get("decision", ""),
                                f"Ответственный: {d.get('owner', '—')}, срок: {_date(d.get('due_date', ''))}"],
    E.CONTROL_DONE: _text("result", "Результат: "),
    E.NOT_CONSIDERED: _not_considered,
    E.CLOSED: _text("resolution", "Итог: "),
}


def describe(event: AppealEvent) -> list[str]:
    handler = _DESCRIBE.get(event.kind)
    return [line for line in handler(event.data or {}) if line] if handler else []


def timeline(events) -> list[TimelineEntry]:
    return [TimelineEntry(event, describe(event)) for event in events]
