"""`manage.py check --deploy --fail-level WARNING` passes with production settings from the environment,
and refuses the embedded default's mail-to-files outside development."""

import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

PRODUCTION = {
    "DEBUG": "false", "HTTPS": "true", "EMAIL_HOST": "smtp.example.ru", "ALLOWED_HOSTS": "abonent.example.ru",
    "SECRET_KEY": secrets.token_urlsafe(64),
}


def check_deploy(**overrides: str) -> subprocess.CompletedProcess:
    test_only = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}  # set by the test run itself
    env = {k: v for k, v in os.environ.items() if k not in test_only} | PRODUCTION | overrides
    return subprocess.run(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, timeout=120,
    )


def test_production_settings_pass_the_deploy_check():
    done = check_deploy()
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


def test_without_https_the_deploy_check_fails():
    done = check_deploy(HTTPS="false")
    assert done.returncode != 0
    assert "security.W008" in done.stderr or "security.W004" in done.stderr


# --- SECRET_KEY_FALLBACKS: a planned rotation keeps sessions and links in letters valid ----------------------


def test_key_fallbacks_come_from_the_variable_separated_by_commas_or_spaces(monkeypatch):
    from abonent.settings import _secret_key_fallbacks

    monkeypatch.delenv("SECRET_KEY_FALLBACKS_FILE", raising=False)
    monkeypatch.delenv("SECRET_KEY_FALLBACKS", raising=False)
    assert _secret_key_fallbacks() == []
    monkeypatch.setenv("SECRET_KEY_FALLBACKS", "old-key-1, old-key-2\told-key-3")
    assert _secret_key_fallbacks() == ["old-key-1", "old-key-2", "old-key-3"]


def test_key_fallbacks_come_from_a_file_one_key_a_line(monkeypatch, tmp_path):
    from abonent.settings import _secret_key_fallbacks

    keys = tmp_path / "fallbacks"
    keys.write_text("old-key-1\n\nold-key-2\n")
    monkeypatch.delenv("SECRET_KEY_FALLBACKS", raising=False)
    monkeypatch.setenv("SECRET_KEY_FALLBACKS_FILE", str(keys))
    assert _secret_key_fallbacks() == ["old-key-1", "old-key-2"]


def test_a_letter_signed_with_the_former_key_still_opens_after_the_rotation(settings):
    from django.core import signing

    former, current = secrets.token_urlsafe(50), secrets.token_urlsafe(50)
    settings.SECRET_KEY = former
    token = signing.dumps({"u": 1}, salt="abonent.test")
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = current, [former]
    assert signing.loads(token, salt="abonent.test") == {"u": 1}
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(signing.BadSignature):
        signing.loads(token, salt="abonent.test")


def test_the_production_settings_read_the_fallbacks_file_and_the_deploy_check_judges_its_keys(tmp_path):
    keys = tmp_path / "fallbacks"
    keys.write_text(f"{secrets.token_urlsafe(64)}\nweak\n")
    done = check_deploy(SECRET_KEY_FALLBACKS_FILE=str(keys))
    assert done.returncode != 0
    assert "SECRET_KEY_FALLBACKS[1]" in done.stderr and "security.W025" in done.stderr
    keys.write_text(f"{secrets.token_urlsafe(64)}\n{secrets.token_urlsafe(64)}\n")
    assert check_deploy(SECRET_KEY_FALLBACKS_FILE=str(keys)).returncode == 0


def test_rate_limits_come_from_the_environment_as_name_rate_pairs(monkeypatch):
    from abonent.settings import env_pairs

    monkeypatch.setenv("RATE_LIMITS", "portal_signup=20/h, *=100/m")
    assert env_pairs("RATE_LIMITS") == {"portal_signup": "20/h", "*": "100/m"}
    monkeypatch.setenv("RATE_LIMITS", "portal_signup")
    with pytest.raises(ValueError, match="name=value"):
        env_pairs("RATE_LIMITS")


# --- The operator's documentation keeps up with the settings ------------------------------------------------


def _documented() -> str:
    return (settings.BASE_DIR / "README.md").read_text() + (settings.BASE_DIR / "docs/deployment.md").read_text()


def test_every_variable_the_settings_read_is_documented():
    source = (settings.BASE_DIR / "abonent/settings.py").read_text()
    readers = r"(?:os\.environ\.get\(|os\.environ\[|env_bool\(|env_list\(|env_pairs\(|env_secret\()"
    names = set(re.findall(readers + r'"([A-Z0-9_]+)"', source))
    names |= {f"{name}_FILE" for name in re.findall(r'env_secret\("([A-Z0-9_]+)"', source)}
    assert {"SECRET_KEY_FALLBACKS_FILE", "STAFF_OTP_REQUIRED", "API_RATE_LIMIT", "LOG_FORMAT"} <= names
    documented = _documented()
    assert sorted(name for name in names if f"`{name}`" not in documented) == []


def test_the_nginx_example_pins_tls_hides_its_version_and_refuses_the_api_over_plain_http():
    nginx = re.search(r"```nginx\n(.*?)```", (settings.BASE_DIR / "docs/deployment.md").read_text(), re.S).group(1)
    https, plain = nginx.split("server {")[1:3]
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in https and "server_tokens off;" in https
    ciphers = re.search(r"ssl_ciphers ([^;]+);", https).group(1).split(":")
    assert ciphers and all(c.startswith("ECDHE-") and ("GCM" in c or "CHACHA20" in c) for c in ciphers)
    assert "listen 80;" in plain and "server_tokens off;" in plain
    assert "location /api/ { return 403; }" in plain
    assert "location / { return 301 https://$host$request_uri; }" in plain
