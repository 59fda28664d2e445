"""`manage.py check --deploy --fail-level WARNING` passes with production settings from the environment,
and refuses the embedded default's mail-to-files outside development."""

import os
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
