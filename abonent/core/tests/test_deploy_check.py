"""`manage.py check --deploy --fail-level WARNING` passes with production settings from the environment,
and refuses the embedded default's mail-to-files outside development."""

import os
import secrets
import subprocess
import sys

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
