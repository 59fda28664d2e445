import time
import uuid

import pytest
from django.core.cache import cache

from abonent.site import services


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The rate limit lives in the cache, which outlives a test in the same process."""
    cache.clear()
    yield
    cache.clear()


def form_data(*, token: uuid.UUID | None = None, seconds_ago: int = 60, **overrides) -> dict:
    """A filled web reception form, shown `seconds_ago` seconds before it is sent."""
    data = {
        "stamp": services.new_stamp(token=token or uuid.uuid4(), issued_at=time.time() - seconds_ago),
        "sender_name": "Иванов Иван Иванович",
        "sender_organisation": "ООО «Ромашка»",
        "sender_inn": "",
        "sender_email": "ivanov@example.ru",
        "sender_phone": "",
        "reply_channel": "email",
        "sender_address": "",
        "kind": "question",
        "topic": "",
        "subject": "Счёт за электроэнергию",
        "text": "Прошу разъяснить, почему в счёте за октябрь выросла сумма.",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return data
