"""Login by e-mail and password through axes: success, failure, lockout with the time to retry, staff
refused, logout; password reset by e-mail; re-authentication before changing the password or e-mail."""

import datetime as dt
import re

import pytest
import time_machine
from auditlog.models import LogEntry
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.urls import reverse

from abonent.portal.auth.common import home_url
from abonent.portal.tests.factories_auth import PASSWORD, portal_login
from abonent.users.models import User

pytestmark = pytest.mark.django_db
LOGIN = "/portal/login/"
NOW = dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC)  # 10:00 in Barnaul


def login(client, email="director@example.ru", password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": email, "password": password}, **extra)


def test_login_by_email_and_password_goes_to_the_portal_home(client):
    user = portal_login()

    response = login(client, "  Director@Example.RU ")

    assert response.status_code == 302 and response["Location"] == home_url()
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_keeps_a_local_next_and_ignores_a_foreign_one(client):
    portal_login()
    response = client.post(LOGIN, {"username": "director@example.ru", "password": PASSWORD,
                                   "next": "/portal/profile/"})
    assert response["Location"] == "/portal/profile/"
    client.post(reverse("portal:logout"))
    response = client.post(LOGIN, {"username": "director@example.ru", "password": PASSWORD,
                                   "next": "https://evil.example/"})
    assert response["Location"] == home_url()


def test_a_wrong_password_gets_one_neutral_message(client):
    portal_login()

    for email, password in [("director@example.ru", "не тот"), ("nobody@example.ru", PASSWORD)]:
        response = login(client, email, password)
        assert response.status_code == 200
        assert "Неверный адрес электронной почты или пароль." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_blocked_login_cannot_log_in(client):
    portal_login(is_active=False)
    response = login(client)
    assert "Неверный адрес электронной почты или пароль." in response.content.decode()


def test_staff_are_refused_with_a_russian_message(client, operator):
    response = login(client, "operator", "pass")

    assert response.status_code == 200
    assert "Это вход в личный кабинет клиента. Сотрудники входят в рабочее место" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_staff_session_is_sent_to_the_portal_login(client, operator):
    client.force_login(operator)
    response = client.get(reverse("portal:profile"))
    assert response.status_code == 302 and response["Location"].startswith(f"{LOGIN}?next=")


@time_machine.travel(NOW, tick=False)
def test_repeated_failures_lock_the_login_out_with_the_time_to_retry(client):
    portal_login()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, password="не тот").status_code == 200

    locked = login(client, password="не тот")
    assert locked.status_code == 429
    page = locked.content.decode()
    retry_at = (NOW + dt.timedelta(hours=settings.AXES_COOLOFF_TIME)).astimezone(dt.timezone(dt.timedelta(hours=7)))
    assert f"Повторите попытку после {retry_at:%H:%M}." in page
    assert "Вход временно заблокирован" not in page  # the portal's page, not the back office's
    # The right password does not help while locked.
    assert login(client).status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_ends_after_the_cool_off(client):
    portal_login()
    with time_machine.travel(NOW, tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            login(client, password="не тот")
        assert login(client).status_code == 429
    later = NOW + dt.timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1)
    with time_machine.travel(later, tick=False):
        assert login(client).status_code == 302


def test_by_username_and_address_a_stranger_cannot_lock_the_real_person_out(client, settings):
    """With the portal's lockout parameters (username + IP address): failures from the attacker's address
    lock only that address for this login."""
    settings.AXES_LOCKOUT_PARAMETERS = "abonent.portal.auth.lockout.lockout_parameters"
    portal_login()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, password="не тот", REMOTE_ADDR="198.51.100.66")
    assert login(client, REMOTE_ADDR="198.51.100.66").status_code == 429

    assert login(client, REMOTE_ADDR="203.0.113.10").status_code == 302


def test_the_lockout_parameters_split_portal_and_staff_logins(rf):
    from abonent.portal.auth.lockout import PORTAL_PARAMETERS, STAFF_PARAMETERS, lockout_parameters

    assert lockout_parameters(rf.post(LOGIN)) == PORTAL_PARAMETERS
    assert lockout_parameters(rf.post("/portal/profile/confirm-password/")) == PORTAL_PARAMETERS
    assert lockout_parameters(rf.post("/login/")) == STAFF_PARAMETERS
    assert lockout_parameters(AccessAttempt(path_info="/portal/login/")) == PORTAL_PARAMETERS


def test_logout_is_a_post(client):
    user = portal_login()
    client.force_login(user)

    assert client.get(reverse("portal:logout")).status_code == 405
    response = client.post(reverse("portal:logout"))
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


# --- Password reset ---

def reset_link(message) -> str:
    return re.search(r"http://testserver(/portal/password/reset/\S+/)", message.body).group(1)


def test_password_reset_by_email_sets_a_new_password_and_lifts_a_lockout(client):
    user = portal_login()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, password="не тот")
    assert login(client).status_code == 429

    response = client.post(reverse("portal:password_reset"), {"email": "DIRECTOR@example.ru"})
    assert response.status_code == 302 and response["Location"] == reverse("portal:password_reset_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Восстановление пароля в личном кабинете"
    form_page = client.get(reset_link(mail.outbox[0]), follow=True)
    assert "Новый пароль" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "Совсем-новый-2027", "new_password2": "Совсем-новый-2027"})

    assert done.status_code == 302 and done["Location"] == reverse("portal:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("Совсем-новый-2027")
    assert login(client, password="Совсем-новый-2027").status_code == 302
    # The link works once.
    assert "Ссылка устарела" in client.get(reset_link(mail.outbox[0]), follow=True).content.decode()


def test_password_reset_mails_only_confirmed_portal_logins(client, operator):
    operator.email = "operator@bges.ru"
    operator.save()
    portal_login("new@example.ru", confirmed=False)

    for email in ["operator@bges.ru", "new@example.ru", "nobody@example.ru"]:
        response = client.post(reverse("portal:password_reset"), {"email": email})
        assert response.status_code == 302
    assert mail.outbox == []


# --- Re-authentication before sensitive changes ---

@pytest.fixture
def logged_in(client):
    user = portal_login()
    client.force_login(user)  # no password entered in this session
    return client, user


def test_changing_the_password_asks_for_the_password_first(logged_in):
    client, user = logged_in
    url = reverse("portal:password_change")

    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('portal:reauth')}?next=%2Fportal%2Fprofile%2Fpassword%2F"
    wrong = client.post(reverse("portal:reauth"), {"password": "не тот", "next": url})
    assert "Неверный пароль." in wrong.content.decode()
    ok = client.post(reverse("portal:reauth"), {"password": PASSWORD, "next": url})
    assert ok["Location"] == url

    changed = client.post(url, {"new_password1": "Новый-пароль-2027", "new_password2": "Новый-пароль-2027"})
    assert changed.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Новый-пароль-2027")
    assert client.session["_auth_user_id"] == str(user.pk)  # this session continues
    assert mail.outbox[-1].subject == "Пароль в личном кабинете изменён"


def test_the_fresh_password_expires(logged_in):
    client, _ = logged_in
    with time_machine.travel(NOW, tick=False):
        client.post(reverse("portal:reauth"), {"password": PASSWORD})
        assert client.get(reverse("portal:email_change")).status_code == 200
    with time_machine.travel(NOW + dt.timedelta(minutes=11), tick=False):
        assert client.get(reverse("portal:email_change")).status_code == 302


def test_login_by_password_counts_as_fresh(client):
    portal_login()
    login(client)
    assert client.get(reverse("portal:password_change")).status_code == 200


def test_changing_the_email_is_confirmed_from_the_new_address(logged_in):
    client, user = logged_in
    client.post(reverse("portal:reauth"), {"password": PASSWORD})
    portal_login("taken@example.ru")

    taken = client.post(reverse("portal:email_change"), {"email": "taken@example.ru"})
    assert "Этот адрес уже используется другой учётной записью." in taken.content.decode()
    response = client.post(reverse("portal:email_change"), {"email": "New@Example.ru"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "director@example.ru"  # not yet
    letter = mail.outbox[-1]
    assert letter.to == ["new@example.ru"]
    link = re.search(r"http://testserver(/portal/profile/email/\S+/)", letter.body).group(1)

    assert client.get(link).status_code == 200  # a GET changes nothing
    user.refresh_from_db()
    assert user.email == "director@example.ru"
    assert client.post(link).status_code == 302
    user.refresh_from_db()
    assert (user.email, user.username) == ("new@example.ru", "new@example.ru")
    assert mail.outbox[-1].to == ["director@example.ru"]
    assert mail.outbox[-1].subject == "Адрес для входа в личный кабинет изменён"
    # Spent.
    assert client.post(link).status_code == 400


def test_a_forged_email_change_link_changes_nothing(client):
    user = portal_login()
    response = client.post(reverse("portal:email_change_confirm", kwargs={"token": "forged:token"}))
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.email == "director@example.ru"


def test_profile_edits_the_name_without_the_password_and_leaves_the_phone_alone(logged_in):
    client, user = logged_in
    phone = user.phone
    page = client.get(reverse("portal:profile")).content.decode()
    assert "director@example.ru" in page and "Второй фактор" in page
    assert 'name="phone"' not in page and reverse("portal:phone_change") in page

    response = client.post(reverse("portal:profile"), {"last_name": "Сидоров", "first_name": "Пётр",
                                                       "middle_name": "", "phone": "+7 913 000-00-01"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.last_name, user.first_name, user.middle_name, user.phone) == ("Сидоров", "Пётр", "", phone)


def test_changing_the_phone_asks_for_the_password_first_and_is_audited(logged_in):
    client, user = logged_in
    phone = user.phone
    url = reverse("portal:phone_change")

    refused = client.post(url, {"phone": "+7 913 000-00-01"})
    assert refused.status_code == 302
    assert refused["Location"] == f"{reverse('portal:reauth')}?next=%2Fportal%2Fprofile%2F"
    assert client.get(url)["Location"] == f"{reverse('portal:reauth')}?next=%2Fportal%2Fprofile%2Fphone%2F"
    user.refresh_from_db()
    assert user.phone == phone
    assert not LogEntry.objects.get_for_object(user).filter(changes_text__contains="phone").exists()

    assert client.post(reverse("portal:reauth"), {"password": PASSWORD, "next": url})["Location"] == url
    wrong = client.post(url, {"phone": "12345"})
    assert "Телефон указан неверно" in wrong.content.decode()
    changed = client.post(url, {"phone": "8 (913) 000-00-01"})
    assert changed.status_code == 302 and changed["Location"] == reverse("portal:profile")
    user.refresh_from_db()
    assert user.phone == "+79130000001"
    entry = LogEntry.objects.get_for_object(user).get(action=LogEntry.Action.UPDATE)
    assert entry.actor == user
    assert entry.changes_dict == {"phone": [phone, "+79130000001"]}


def test_consents_are_readable_but_not_editable_in_the_admin(admin_client, client, organisation):
    client.post("/portal/signup/", {"email": "a@example.ru", "last_name": "А", "first_name": "Б",
                                    "phone": "89131234567", "password1": PASSWORD, "password2": PASSWORD,
                                    "consent": "on"})
    consent = User.objects.get(username="a@example.ru").consents.get()
    assert admin_client.get("/admin/users/personaldataconsent/").status_code == 200
    assert admin_client.get(f"/admin/users/personaldataconsent/{consent.pk}/change/").status_code == 200
    delete = admin_client.post(f"/admin/users/personaldataconsent/{consent.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
