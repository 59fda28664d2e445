"""Appeals for tests, made through the services as production makes them."""

from abonent.appeals.services import AppealDraft, register_appeal


def register(registered_by=None, source_key=None, **fields):
    defaults = {"text": "Прошу разъяснить начисление за октябрь по договору.", "channel": "email",
                "sender_name": "Иванов Иван Иванович", "sender_email": "ivanov@example.ru",
                "sender_address": "656000, г. Барнаул, ул. Попова, 1"}
    draft = AppealDraft(**{**defaults, **fields})
    return register_appeal(draft=draft, registered_by=registered_by, source_key=source_key).appeal
