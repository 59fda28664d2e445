"""The optional second factor: setup with a QR and a code, backup codes shown once, the two-step login
(not logged in until the code), a backup code working once, wrong codes, switching it off."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from abonent.portal.tests.factories_auth import PASSWORD, portal_login
from abonent.users import portal_logins

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC)


def code_at(device: TOTPDevice, when: dt.datetime) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = when.timestamp()
    return f"{totp.token():06d}"


@pytest.fixture
def fresh(client, organisation):
    """A logged-in login that has just entered its password."""
    user = portal_login()
    client.post(reverse("portal:login"), {"username": user.email, "password": PASSWORD})
    return client, user


@pytest.fixture
def with_totp():
    """A login with a confirmed TOTP device and backup codes."""
    user = portal_login()
    device = portal_logins.pending_totp_device(user)
    with time_machine.travel(NOW - dt.timedelta(minutes=5), tick=False):
        codes = portal_logins.confirm_totp(user=user, code=code_at(device, NOW - dt.timedelta(minutes=5)))
    device.refresh_from_db()
    return user, device, codes


@time_machine.travel(NOW, tick=False)
def test_setup_shows_a_qr_and_the_secret_and_a_right_code_switches_it_on(fresh):
    client, user = fresh

    page = client.get(reverse("portal:totp_setup"))
    assert page.status_code == 200
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    assert "<svg" in html and "<script" not in html.split("<main>")[1]
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    import base64
    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key
    assert client.get(reverse("portal:totp_setup")).status_code == 200
    assert TOTPDevice.objects.filter(user=user).count() == 1  # the same pending device, not a new one

    wrong = client.post(reverse("portal:totp_setup"), {"code": "000000"})
    assert "Код не подошёл" in wrong.content.decode()
    assert not portal_logins.has_two_factor(user)

    with time_machine.travel(NOW + dt.timedelta(seconds=40), tick=False):
        response = client.post(reverse("portal:totp_setup"), {"code": code_at(device, NOW + dt.timedelta(seconds=40))})
    assert response.status_code == 302 and response["Location"] == reverse("portal:totp_backup_codes")
    assert portal_logins.has_two_factor(user)
    assert mail.outbox[-1].subject == "Вход в личный кабинет: включён второй фактор"


def test_backup_codes_are_shown_once(fresh):
    client, user = fresh
    device = portal_logins.pending_totp_device(user)
    client.post(reverse("portal:totp_setup"), {"code": code_at(device, dt.datetime.now(dt.UTC))})

    first = client.get(reverse("portal:totp_backup_codes")).content.decode()
    shown = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", first)
    assert len(shown) == portal_logins.BACKUP_CODE_COUNT
    assert set(shown) == set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    second = client.get(reverse("portal:totp_backup_codes")).content.decode()
    assert not any(code in second for code in shown)
    assert "показываются только один раз" in second


def test_setup_needs_a_fresh_password(client):
    user = portal_login()
    client.force_login(user)
    assert client.get(reverse("portal:totp_setup"))["Location"].startswith(reverse("portal:reauth"))
    assert not TOTPDevice.objects.exists()


def test_with_a_second_factor_the_password_alone_does_not_log_in(client, with_totp):
    user, device, _ = with_totp
    with time_machine.travel(NOW, tick=False):
        response = client.post(reverse("portal:login"), {"username": user.email, "password": PASSWORD})
        assert response.status_code == 302 and response["Location"] == reverse("portal:login_otp")
        assert "_auth_user_id" not in client.session
        assert client.get(reverse("portal:profile")).status_code == 302  # still anonymous

        done = client.post(reverse("portal:login_otp"), {"code": code_at(device, NOW)})

        assert done.status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)
        assert client.session["otp_device_id"] == device.persistent_id
        assert client.get(reverse("portal:profile")).status_code == 200


def test_a_backup_code_works_once(client, with_totp):
    user, _, codes = with_totp
    for attempt in range(2):
        client.post(reverse("portal:login"), {"username": user.email, "password": PASSWORD})
        response = client.post(reverse("portal:login_otp"), {"code": codes[0].upper()})
        if attempt == 0:
            assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)
            assert portal_logins.backup_codes_left(user) == portal_logins.BACKUP_CODE_COUNT - 1
            client.post(reverse("portal:logout"))
        else:
            assert response.status_code == 200 and "Код не подошёл" in response.content.decode()
            assert "_auth_user_id" not in client.session


def test_too_many_wrong_codes_send_back_to_the_password(client, with_totp):
    user, _, _ = with_totp
    client.post(reverse("portal:login"), {"username": user.email, "password": PASSWORD})
    for _ in range(4):
        assert client.post(reverse("portal:login_otp"), {"code": "zzzzzzzz"}).status_code == 200
    response = client.post(reverse("portal:login_otp"), {"code": "zzzzzzzz"})
    assert response.status_code == 302 and response["Location"] == reverse("portal:login")
    assert client.get(reverse("portal:login_otp"))["Location"] == reverse("portal:login")
    assert "_auth_user_id" not in client.session


def test_the_code_step_expires(client, with_totp):
    user, device, _ = with_totp
    with time_machine.travel(NOW, tick=False):
        client.post(reverse("portal:login"), {"username": user.email, "password": PASSWORD})
    later = NOW + dt.timedelta(minutes=6)
    with time_machine.travel(later, tick=False):
        response = client.post(reverse("portal:login_otp"), {"code": code_at(device, later)})
    assert response["Location"] == reverse("portal:login")
    assert "_auth_user_id" not in client.session


def test_the_code_step_without_a_password_goes_to_login(client):
    assert client.get(reverse("portal:login_otp"))["Location"] == reverse("portal:login")


def test_switching_off_and_new_codes_need_a_fresh_password(client, with_totp):
    user, _, old_codes = with_totp
    client.force_login(user)
    assert client.post(reverse("portal:totp_disable"))["Location"].startswith(reverse("portal:reauth"))
    assert portal_logins.has_two_factor(user)

    client.post(reverse("portal:reauth"), {"password": PASSWORD})
    client.post(reverse("portal:totp_new_codes"))
    page = client.get(reverse("portal:totp_backup_codes")).content.decode()
    new_codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)
    assert len(new_codes) == portal_logins.BACKUP_CODE_COUNT and not set(new_codes) & set(old_codes)

    response = client.post(reverse("portal:totp_disable"))
    assert response["Location"] == reverse("portal:profile")
    assert not portal_logins.has_two_factor(user) and portal_logins.backup_codes_left(user) == 0
    assert mail.outbox[-1].subject == "Вход в личный кабинет: второй фактор отключён"
    client.post(reverse("portal:logout"))
    assert client.post(reverse("portal:login"), {"username": user.email, "password": PASSWORD})[
        "Location"] != reverse("portal:login_otp")


def test_wrong_codes_count_as_failed_logins_for_the_lockout(client, with_totp, settings):
    user, device, _ = with_totp
    with time_machine.travel(NOW, tick=False):
        failures = 0
        while failures < settings.AXES_FAILURE_LIMIT - 1:
            client.post(reverse("portal:login"), {"username": user.email, "password": PASSWORD})
            for _ in range(min(4, settings.AXES_FAILURE_LIMIT - 1 - failures)):
                client.post(reverse("portal:login_otp"), {"code": "zzzzzzzz"})
                failures += 1
        client.post(reverse("portal:login"), {"username": user.email, "password": PASSWORD})
        locked = client.post(reverse("portal:login_otp"), {"code": "zzzzzzzz"})
        assert locked.status_code == 429 and "Повторите попытку после" in locked.content.decode()
        # Even the right password and code are refused now.
        assert client.post(reverse("portal:login"), {"username": user.email, "password": PASSWORD}).status_code == 429
        assert "_auth_user_id" not in client.session
