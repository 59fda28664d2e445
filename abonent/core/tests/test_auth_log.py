import json
import logging

import pytest
from django.urls import reverse
from pythonjsonlogger.json import JsonFormatter

pytestmark = pytest.mark.django_db


def test_login_success_and_failure_are_logged(client, operator, caplog):
    caplog.set_level(logging.INFO, logger="abonent.auth")
    client.post(reverse("login"), {"username": operator.username, "password": "wrong"})
    client.post(reverse("login"), {"username": operator.username, "password": "pass"})
    records = [(r.getMessage(), getattr(r, "user", None)) for r in caplog.records if r.name == "abonent.auth"]
    assert ("login failed", operator.username) in records
    assert ("login ok", operator.username) in records
    assert all(getattr(r, "password", None) != "pass" for r in caplog.records)


def test_json_log_lines_carry_the_fields(caplog):
    formatter = JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                              rename_fields={"levelname": "level", "name": "logger"}, json_ensure_ascii=False)
    record = logging.LogRecord("abonent.auth", logging.WARNING, __file__, 1, "login failed", None, None)
    record.user = "иванов"
    line = json.loads(formatter.format(record))
    assert line["level"] == "WARNING" and line["logger"] == "abonent.auth" and line["user"] == "иванов"
