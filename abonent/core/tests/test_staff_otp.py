"""The staff second factor: enrolment on the first login (QR, secret, code, backup codes shown once), the code
step on later logins, a session without the code reaching nothing but these pages (back office, admin site,
audit log, operations page), wrong codes counted as failed logins, and the setting's off state."""

import datetime as dt
import logging
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from abonent.core import otp
from abonent.core.testing.otp import code_for, confirmed_device

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC)
HOME = reverse("core:home")
SETUP = reverse("security:otp_setup")
VERIFY = reverse("security:otp_verify")


def password_step(client, user, password="pass", next_url=""):  # noqa: S107
    data = {"username": user.username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def verified(client) -> bool:
    return DEVICE_ID_SESSION_KEY in client.session


@pytest.fixture
def enrolled(operator):
    """A staff member with a confirmed app and backup codes, set up five minutes ago."""
    device = otp.pending_device(operator)
    with time_machine.travel(NOW - dt.timedelta(minutes=5), tick=False):
        _, codes = otp.confirm_device(user=operator, code=code_for(device, NOW - dt.timedelta(minutes=5)))
    device.refresh_from_db()
    return operator, device, codes


# --- The first login: enrolment ---------------------------------------------------------------------------


def test_first_login_goes_to_the_enrolment_and_nothing_else_opens(client, operator, it_admin):
    response = password_step(client, operator)
    assert response.status_code == 302 and response["Location"] == f"{SETUP}?next=%2F"
    assert "_auth_user_id" in client.session and not verified(client)
    for url in (HOME, reverse("appeals:queue"), reverse("customers:list"), reverse("admin:index"),
                reverse("core:audit_log"), reverse("core:operations"), reverse("security:profile")):
        refused = client.get(url)
        assert refused.status_code == 302, url
        assert refused["Location"].startswith(SETUP), url
    assert client.get(SETUP).status_code == 200


def test_an_unverified_it_admin_reaches_neither_the_audit_log_nor_the_operations_page(client, it_admin):
    confirmed_device(it_admin)
    password_step(client, it_admin)
    for url in (reverse("core:audit_log"), reverse("core:operations"), reverse("admin:index"),
                reverse("security:staff")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(VERIFY), url


@time_machine.travel(NOW, tick=False)
def test_enrolment_shows_a_qr_of_the_secret_and_a_right_code_switches_it_on(client, operator):
    operator.email = "smirnova@bges.ru"
    operator.save()
    password_step(client, operator)
    page = client.get(SETUP, {"next": "/customers/"})
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=operator)
    assert not device.confirmed
    # The QR is inline SVG of the otpauth URL of exactly this device; no script, no image request.
    assert otp.qr_svg(otp.otpauth_url(device, "operator")) in html
    assert "<script" not in html.split("<main>")[1]
    assert "otpauth://totp/" in otp.otpauth_url(device, "operator")
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    assert secret == otp.secret_of(device)

    wrong = client.post(SETUP, {"code": "000000", "next": "/customers/"})
    assert wrong.status_code == 200 and "Код не подошёл" in wrong.content.decode()
    assert not verified(client)

    key_before = client.session.session_key
    done = client.post(SETUP, {"code": code_for(device), "next": "/customers/"})
    assert done.status_code == 302 and done["Location"].startswith(reverse("security:otp_backup_codes"))
    device.refresh_from_db()
    assert device.confirmed and verified(client)
    assert client.session.session_key != key_before  # a privilege change gets a new session key
    assert [m.subject for m in mail.outbox] == ["Абонент: настроен второй фактор входа"]

    codes_page = client.get(done["Location"])
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", codes_page.content.decode())
    assert len(codes) == otp.BACKUP_CODE_COUNT
    assert set(StaticToken.objects.filter(device__user=operator).values_list("token", flat=True)) == set(codes)
    assert 'href="/customers/"' in codes_page.content.decode()
    # Shown once.
    again = client.get(done["Location"]).content.decode()
    assert not re.findall(r"<li><code>", again) and "осталось: 10" in again
    assert client.get(HOME).status_code == 200


def test_enrolment_needs_a_fresh_password(client, operator):
    """A session cookie alone (say, after the IT administrator reset the factor) cannot enrol a phone."""
    with time_machine.travel(NOW, tick=False):
        password_step(client, operator)
    with time_machine.travel(NOW + dt.timedelta(minutes=otp.REAUTH_MAX_AGE // 60 + 1), tick=False):
        response = client.get(SETUP)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("security:reauth"))
        assert client.post(response["Location"], {"password": "pass"}).status_code == 302
        assert client.get(SETUP).status_code == 200


def test_an_enrolled_login_cannot_enrol_again_without_its_code(client, enrolled):
    operator, _, _ = enrolled
    password_step(client, operator)
    response = client.get(SETUP)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=operator).count() == 1


# --- Later logins: the code step ---------------------------------------------------------------------------


def test_a_later_login_asks_for_the_code_and_a_right_one_opens_the_back_office(client, enrolled, caplog):
    operator, device, _ = enrolled
    caplog.set_level(logging.INFO, logger="abonent.auth")
    with time_machine.travel(NOW, tick=False):
        response = password_step(client, operator, next_url="/customers/")
        assert response["Location"] == f"{VERIFY}?next=%2Fcustomers%2F"
        page = client.get(response["Location"])
        assert page.status_code == 200 and "Код для входа" in page.content.decode()
        wrong = client.post(VERIFY, {"code": "123456", "next": "/customers/"})
        assert "Код не подошёл" in wrong.content.decode() and not verified(client)
        # django-otp's throttling: right after a wrong code even the right one is refused.
        assert client.post(VERIFY, {"code": code_for(device), "next": "/customers/"}).status_code == 200
    key_before = client.session.session_key
    with time_machine.travel(NOW + dt.timedelta(seconds=5), tick=False):
        ok = client.post(VERIFY, {"code": code_for(device), "next": "/customers/"})
        assert ok.status_code == 302 and ok["Location"] == "/customers/"
        assert verified(client) and client.session.session_key != key_before
        assert client.get("/customers/").status_code == 200
    messages = [r.getMessage() for r in caplog.records if r.name == "abonent.auth"]
    assert messages == ["login ok", "login failed", "login failed", "second factor ok"]


def test_the_code_step_refuses_an_outside_next(client, enrolled):
    operator, device, _ = enrolled
    password_step(client, operator)
    response = client.post(VERIFY, {"code": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == HOME


def test_a_backup_code_works_once(client, enrolled):
    operator, _, codes = enrolled
    password_step(client, operator)
    assert client.post(VERIFY, {"code": codes[0].upper()})["Location"] == HOME
    client.post(reverse("logout"))
    password_step(client, operator)
    again = client.post(VERIFY, {"code": codes[0]})
    assert again.status_code == 200 and not verified(client)
    assert StaticToken.objects.filter(device__user=operator).count() == otp.BACKUP_CODE_COUNT - 1


def test_too_many_wrong_codes_send_back_to_the_password(client, enrolled, settings):
    settings.AXES_FAILURE_LIMIT = 50
    operator, _, _ = enrolled
    password_step(client, operator)
    for _ in range(4):
        client.post(VERIFY, {"code": "000000"})
    response = client.post(VERIFY, {"code": "000000"})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_wrong_codes_count_as_failed_logins_for_axes(client, enrolled, settings):
    settings.AXES_FAILURE_LIMIT = 3
    operator, device, _ = enrolled
    password_step(client, operator)
    client.post(VERIFY, {"code": "000000"})
    client.post(VERIFY, {"code": "000001"})
    locked = client.post(VERIFY, {"code": "000002"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # The right password and code do not help during the cool-off.
    assert password_step(client, operator).status_code == 429


def test_a_portal_login_gets_no_second_factor_pages(client, organisation):
    from abonent.portal.tests.factories_auth import portal_login

    user = portal_login("buh@example.ru")
    client.force_login(user)
    assert client.get(VERIFY)["Location"].startswith(reverse("login"))
    assert client.get(SETUP)["Location"].startswith(reverse("login"))


def test_the_api_is_not_behind_the_code_step(client, operator):
    """API tokens are a credential of their own (issued by the IT administrator): no session, no code step."""
    from abonent.api.auth import issue_token

    raw = issue_token(operator, "Интеграция")
    response = client.get("/api/appeals", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200


# --- staff_required and the test client ---------------------------------------------------------------------


def test_staff_required_alone_refuses_an_unverified_session(rf, operator):
    from django.contrib.sessions.backends.db import SessionStore

    from abonent.core.permissions import staff_required

    @staff_required()
    def view(request):
        raise AssertionError("must not run")

    request = rf.get("/customers/")
    request.session = SessionStore()
    operator.is_verified = lambda: False
    request.user = operator
    response = view(request)
    assert response.status_code == 302 and response["Location"].startswith(SETUP)


def test_force_login_in_tests_leaves_a_verified_session(client, operator):
    client.force_login(operator)
    assert verified(client)
    assert client.get(HOME).status_code == 200


def test_a_session_without_the_code_from_force_login_is_stopped(client, operator):
    operator.backend = "abonent.users.backends.CachedModelBackend"
    client._login(operator, operator.backend)  # the test patch's bypass: only the password step
    assert client.get(HOME)["Location"].startswith(SETUP)


# --- Without the rule ----------------------------------------------------------------------------------------


def test_with_the_rule_off_a_login_without_an_app_goes_straight_in(client, operator, settings):
    settings.STAFF_OTP_REQUIRED = False
    response = password_step(client, operator)
    assert response["Location"] == HOME
    assert client.get(HOME).status_code == 200


def test_with_the_rule_off_an_enrolled_login_still_gives_its_code(client, enrolled, settings):
    settings.STAFF_OTP_REQUIRED = False
    operator, device, _ = enrolled
    response = password_step(client, operator)
    assert response["Location"].startswith(VERIFY)
    assert client.get(HOME)["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": code_for(device)})
    assert client.get(HOME).status_code == 200


def test_backup_codes_are_kept_only_as_django_otp_tokens(enrolled):
    operator, _, codes = enrolled
    assert StaticDevice.objects.get(user=operator).confirmed
    assert sorted(codes) == sorted(StaticToken.objects.values_list("token", flat=True))


def test_demo_staff_share_one_demo_app_key(operator, supervisor):
    secret = otp.seed_demo_second_factor([operator, supervisor])
    assert secret == otp.seed_demo_second_factor([operator, supervisor])  # idempotent
    devices = TOTPDevice.objects.filter(user__in=[operator, supervisor], confirmed=True)
    assert devices.count() == 2 and {otp.secret_of(d) for d in devices} == {secret}


# --- The demo installation ----------------------------------------------------------------------------------


@pytest.mark.parametrize("demo", [True, False])
def test_the_demo_apps_code_is_shown_on_a_demo_installation_only(client, operator, settings, demo):
    settings.ALLOW_DEMO_DATA = demo
    otp.seed_demo_second_factor([operator])
    with time_machine.travel(NOW, tick=False):
        password_step(client, operator)
        page = client.get(VERIFY).content.decode()
        shown = re.search(r"сейчас его код — <strong>(\d{6})</strong>", page)
        assert bool(shown) is demo
        if demo:
            assert client.post(VERIFY, {"code": shown.group(1)}).status_code == 302
            assert verified(client)


def test_an_app_of_its_own_is_never_shown_even_on_a_demo_installation(client, enrolled, settings):
    settings.ALLOW_DEMO_DATA = True
    operator, _, _ = enrolled
    with time_machine.travel(NOW, tick=False):
        password_step(client, operator)
        assert "data-demo-code" not in client.get(VERIFY).content.decode()
