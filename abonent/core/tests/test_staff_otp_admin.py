"""The staff member's own security page (password and second factor changes behind a fresh password) and the
IT administrator's audited reset of someone's second factor."""

import datetime as dt
import logging

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from abonent.core import otp
from abonent.core.testing.otp import code_for, confirmed_device

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC)
STALE = NOW + dt.timedelta(minutes=otp.REAUTH_MAX_AGE // 60 + 1)
REAUTH = reverse("security:reauth")


def full_login(client, user, at=NOW):
    """The password and the code, as a person does it, at `at`."""
    device = confirmed_device(user)
    with time_machine.travel(at, tick=False):
        client.post(reverse("login"), {"username": user.username, "password": "pass"})
        client.post(reverse("security:otp_verify"), {"code": code_for(device)})
        assert DEVICE_ID_SESSION_KEY in client.session
    return device


# --- Re-authentication before the staff member's own changes ---------------------------------------------


def test_the_security_page_shows_the_state(client, operator):
    full_login(client, operator)
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("security:profile")).content.decode()
    assert "Приложение-аутентификатор настроено" in page and 'id="codes-left">0<' in page


def test_a_password_change_needs_the_current_password(client, operator):
    full_login(client, operator)
    url = reverse("security:password_change")
    with time_machine.travel(STALE, tick=False):
        page = client.get(url)
        assert page.status_code == 200 and 'name="old_password"' in page.content.decode()
        wrong = client.post(url, {"old_password": "wrong", "new_password1": "Зимний-вечер-2026",
                                  "new_password2": "Зимний-вечер-2026"})
        assert wrong.status_code == 200
        assert "Ваш старый пароль введен неправильно" in wrong.content.decode()
    operator.refresh_from_db()
    assert operator.check_password("pass")


def test_wrong_current_passwords_at_the_change_lock_out(client, operator, settings):
    settings.AXES_FAILURE_LIMIT = 2
    full_login(client, operator)
    data = {"old_password": "wrong", "new_password1": "Зимний-вечер-2026", "new_password2": "Зимний-вечер-2026"}
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        client.post(reverse("security:password_change"), data)
        locked = client.post(reverse("security:password_change"), data)
        assert locked.status_code == 429
        assert "_auth_user_id" not in client.session


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(client, operator):
    operator.email = "smirnova@bges.ru"
    operator.save()
    elsewhere = Client()
    full_login(elsewhere, operator)
    full_login(client, operator)
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        assert elsewhere.get(reverse("core:home")).status_code == 200
        response = client.post(reverse("security:password_change"), {
            "old_password": "pass", "new_password1": "Зимний-вечер-2026", "new_password2": "Зимний-вечер-2026"})
        assert response.status_code == 302 and response["Location"] == reverse("security:profile")
        assert client.get(reverse("core:home")).status_code == 200
        gone = elsewhere.get(reverse("core:home"))
        assert gone.status_code == 302 and gone["Location"].startswith(reverse("login"))
    operator.refresh_from_db()
    assert operator.check_password("Зимний-вечер-2026")
    assert [m.subject for m in mail.outbox] == ["Абонент: пароль изменён"]


def test_a_weak_new_password_is_refused_in_russian(client, operator):
    full_login(client, operator)
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        response = client.post(reverse("security:password_change"), {
            "old_password": "pass", "new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    assert "Введённый пароль слишком широко распространён." in response.content.decode()


def test_a_password_changed_by_anyone_ends_every_session_of_the_login(client, operator):
    """Django's session auth hash: the admin or the IT administrator setting a password logs the person out."""
    full_login(client, operator)
    operator.set_password("Другой-пароль-2026")
    operator.save()
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        assert client.get(reverse("core:home"))["Location"].startswith(reverse("login"))


def test_moving_to_a_new_phone_keeps_the_old_app_until_the_new_one_is_confirmed(client, operator):
    old = full_login(client, operator)
    with time_machine.travel(STALE, tick=False):
        assert client.get(reverse("security:otp_setup"))["Location"].startswith(REAUTH)
        client.post(REAUTH, {"password": "pass"})
        assert client.get(reverse("security:otp_setup")).status_code == 200
        new = TOTPDevice.objects.get(user=operator, confirmed=False)
        assert TOTPDevice.objects.filter(pk=old.pk, confirmed=True).exists()
        client.post(reverse("security:otp_setup"), {"code": code_for(new)})
        assert client.session[DEVICE_ID_SESSION_KEY] == new.persistent_id
    assert list(TOTPDevice.objects.filter(user=operator).values_list("pk", "confirmed")) == [(new.pk, True)]


def test_new_backup_codes_need_a_fresh_password_and_replace_the_old_ones(client, operator):
    full_login(client, operator)
    old = otp.new_backup_codes(user=operator)
    url = reverse("security:backup_codes_new")
    with time_machine.travel(STALE, tick=False):
        assert client.post(url)["Location"].startswith(REAUTH)
        client.post(REAUTH, {"password": "pass"})
        response = client.post(url)
        page = client.get(response["Location"]).content.decode()
    assert not any(code in page for code in old)
    assert otp.backup_codes_left(operator) == otp.BACKUP_CODE_COUNT


def test_repeated_wrong_passwords_at_the_confirmation_lock_out(client, operator, settings):
    settings.AXES_FAILURE_LIMIT = 2
    full_login(client, operator)
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        client.post(REAUTH, {"password": "wrong"})
        locked = client.post(REAUTH, {"password": "wrong"})
        assert locked.status_code == 429
        assert "_auth_user_id" not in client.session


# --- The IT administrator's reset ----------------------------------------------------------------------------


def test_it_admin_sees_who_has_a_second_factor(client, it_admin, operator, executor):
    confirmed_device(operator)
    full_login(client, it_admin)
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("security:staff")).content.decode()
    row = page.split(f'id="staff-{operator.pk}"')[1].split("</tr>")[0]
    assert "настроено" in row and "Сбросить второй фактор" in row
    assert "не настроено" in page.split(f'id="staff-{executor.pk}"')[1].split("</tr>")[0]


def test_others_cannot_open_or_reset(client, operator, executor):
    confirmed_device(executor)
    full_login(client, operator)
    with time_machine.travel(NOW, tick=False):
        assert client.get(reverse("security:staff")).status_code == 403
        assert client.post(reverse("security:staff_reset", args=[executor.pk])).status_code == 403
    assert TOTPDevice.objects.filter(user=executor).exists()


def test_it_admin_resets_a_second_factor_audited_and_the_persons_sessions_lose_it(client, it_admin, operator,
                                                                                    caplog):
    caplog.set_level(logging.INFO, logger="abonent.security")
    operator.email = "smirnova@bges.ru"
    operator.save()
    theirs = Client()
    full_login(theirs, operator)
    otp.new_backup_codes(user=operator)
    full_login(client, it_admin)
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        response = client.post(reverse("security:staff_reset", args=[operator.pk]))
        assert response.status_code == 302 and response["Location"] == reverse("security:staff")
        assert not TOTPDevice.objects.filter(user=operator).exists()
        assert not StaticDevice.objects.filter(user=operator).exists()
        # The person's open session is back at the enrolment ...
        stopped = theirs.get(reverse("core:home"))
        assert stopped["Location"].startswith(reverse("security:otp_setup"))
    with time_machine.travel(STALE, tick=False):
        # ... which, once the password entered at login is no longer fresh, wants it again first.
        assert theirs.get(stopped["Location"])["Location"].startswith(REAUTH)
    entry = LogEntry.objects.get_for_object(operator).get(additional_data__has_key="second_factor_reset_by")
    assert entry.actor == it_admin and entry.action == LogEntry.Action.UPDATE
    assert entry.changes == {"второй фактор": ["настроен", "сброшен"]}
    assert entry.additional_data == {"second_factor_reset_by": "itadmin"}
    assert any(r.getMessage() == "second factor reset" and r.user == "operator" and r.by == "itadmin"
               for r in caplog.records)
    assert [m.subject for m in mail.outbox] == ["Абонент: второй фактор сброшен администратором"]


def test_a_reset_needs_the_admins_fresh_password(client, it_admin, operator):
    confirmed_device(operator)
    full_login(client, it_admin)
    with time_machine.travel(STALE, tick=False):
        response = client.post(reverse("security:staff_reset", args=[operator.pk]))
    assert response["Location"].startswith(REAUTH)
    assert TOTPDevice.objects.filter(user=operator).exists()


def test_an_admin_does_not_reset_their_own_factor_here(client, it_admin):
    device = full_login(client, it_admin)
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        client.post(reverse("security:staff_reset", args=[it_admin.pk]))
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_a_portal_login_is_not_reset_here(client, it_admin, organisation):
    from abonent.portal.tests.factories_auth import portal_login

    customer = portal_login("buh@example.ru")
    full_login(client, it_admin)
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        assert client.post(reverse("security:staff_reset", args=[customer.pk])).status_code == 404


def test_the_it_admins_tile_counts_staff_without_an_app(it_admin, operator, executor, supervisor):
    confirmed_device(it_admin)
    confirmed_device(operator)
    [tile] = otp.tiles(it_admin)
    assert (tile.count, tile.title, tile.url, tile.tone) == (
        2, "сотрудника без второго фактора", reverse("security:staff"), "warn")
    assert otp.tiles(operator) == []


def test_every_staff_member_has_a_link_to_their_security_page_and_only_it_admins_to_everybodys(
        client, it_admin, operator, supervisor, executor):
    own, staff = reverse("security:profile"), reverse("security:staff")
    for user in (operator, supervisor):
        client.force_login(user)
        page = client.get(reverse("core:home")).content.decode()
        assert f'<a href="{own}">Безопасность входа</a>' in page
        assert f'href="{staff}"' not in page
    client.force_login(it_admin)
    page = client.get(reverse("core:home")).content.decode()
    assert f'<a href="{own}">Безопасность входа</a>' in page
    assert f'<a href="{staff}">Второй фактор сотрудников</a>' in page
    # The tile is on the home page too: the executor never logged in (force_login gives the others an app).
    assert f'href="{staff}"><b>1</b> сотрудник без второго фактора</a>' in page


def test_a_portal_page_has_no_staff_security_links(client):
    from abonent.portal.tests.factories_auth import portal_login

    client.force_login(portal_login())
    page = client.get(reverse("portal:profile")).content.decode()
    assert reverse("security:profile") not in page and reverse("security:staff") not in page
