import copy
import json
import logging
import logging.config
import re

import pytest
from django.conf import settings
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


def _formatter(name: str) -> logging.Formatter:
    """The formatter as settings.LOGGING builds it, without reconfiguring the test run's logging."""
    configurator = logging.config.DictConfigurator(copy.deepcopy(settings.LOGGING))
    return configurator.configure_formatter(configurator.config["formatters"][name])


def _record() -> logging.LogRecord:
    record = logging.LogRecord("abonent.auth", logging.INFO, __file__, 1, "login ok", None, None)
    record.user = "иванов"
    return record


def test_json_log_time_is_iso_8601_with_the_utc_offset():
    line = json.loads(_formatter("json").format(_record()))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", line["time"])
    assert line["level"] == "INFO" and line["logger"] == "abonent.auth" and line["user"] == "иванов"


def test_plain_log_time_is_iso_8601_with_the_utc_offset():
    line = _formatter("plain").format(_record())
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} INFO abonent.auth login ok", line)


def test_the_auth_log_has_the_client_address_behind_the_proxy_not_the_proxys(client, operator, caplog,
                                                                              settings):
    settings.SITE_TRUSTED_PROXY_COUNT = 1
    caplog.set_level(logging.INFO, logger="abonent.auth")
    behind_nginx = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "10.9.9.9, 203.0.113.7"}
    client.post(reverse("login"), {"username": operator.username, "password": "wrong"}, **behind_nginx)
    client.post(reverse("login"), {"username": operator.username, "password": "pass"}, **behind_nginx)
    records = {r.getMessage(): r.ip for r in caplog.records if r.name == "abonent.auth"}
    assert records == {"login failed": "203.0.113.7", "login ok": "203.0.113.7"}
