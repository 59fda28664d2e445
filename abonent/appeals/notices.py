"""Texts of the notices the customer and staff receive about an appeal. Plain Russian, one place."""

from django.utils import timezone

from abonent.appeals.delivery import Notice
from abonent.appeals.models import Appeal
from abonent.appeals.services.deadlines import term_text
from abonent.organisation.models import Organisation


def _footer() -> str:
    org = Organisation.current()
    if org is None:
        return ""
    return f"\n\n{org.short_name}\nТелефон: {org.phone_display}\n{org.site}"


def acknowledgement(appeal: Appeal) -> Notice:
    registered = timezone.localtime(appeal.registered_at)
    due = timezone.localtime(appeal.due_at)
    body = (
        f"Ваше обращение от {timezone.localtime(appeal.received_at):%d.%m.%Y} зарегистрировано "
        f"{registered:%d.%m.%Y} в {registered:%H:%M} под № {appeal.number}.\n"
        f"Срок рассмотрения — не более {term_text(kind=appeal.kind, urgency=appeal.urgency)}: "
        f"ответ будет направлен не позднее {due:%d.%m.%Y} "
        f"(способ ответа: {appeal.get_reply_channel_display()}).\n"
        f"При обращении по этому вопросу называйте номер {appeal.number}."
    )
    return Notice(appeal=appeal, subject=f"Обращение № {appeal.number} зарегистрировано", body=body + _footer())


def extension(appeal: Appeal, *, reason: str) -> Notice:
    body = (
        f"Срок рассмотрения Вашего обращения № {appeal.number} продлён до "
        f"{timezone.localtime(appeal.due_at):%d.%m.%Y}.\nПричина: {reason}"
    )
    return Notice(appeal=appeal, subject=f"Продление срока рассмотрения обращения № {appeal.number}",
                  body=body + _footer())


def staff_message(appeal: Appeal, headline: str) -> tuple[str, str]:
    """(subject, body) for a message to staff about an appeal."""
    due = timezone.localtime(appeal.due_at)
    body = (
        f"{headline}\n\nОбращение № {appeal.number} ({appeal.get_kind_display()}) от {appeal.sender_display or '—'}\n"
        f"Подразделение: {appeal.department}\n"
        f"Исполнитель: {appeal.executor.full_name if appeal.executor else 'не назначен'}\n"
        f"Срок ответа: {due:%d.%m.%Y %H:%M}\n\n{appeal.subject or appeal.text[:300]}"
    )
    return f"{headline}: № {appeal.number}", body
