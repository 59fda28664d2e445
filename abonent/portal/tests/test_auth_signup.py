"""Sign-up with the consent to personal-data processing, the confirmation link and its password check."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from abonent.portal.tests.factories_auth import PASSWORD, portal_login
from abonent.users.models import PersonalDataConsent, User
from abonent.users.portal_logins import CONSENT_VERSION

pytestmark = pytest.mark.django_db
SIGNUP = "/portal/signup/"


def form(**overrides) -> dict:
    data = {"email": "Buh@Example.ru", "last_name": "Сидорова", "first_name": "Анна", "middle_name": "Петровна",
            "phone": "8 (913) 765-43-21", "password1": PASSWORD, "password2": PASSWORD, "consent": "on"}
    data.update(overrides)
    return data


def confirmation_link(message) -> str:
    return re.search(r"http://testserver(/portal/signup/confirm/\S+/)", message.body).group(1)


def test_sign_up_creates_an_inactive_login_with_the_consent_and_mails_a_link(client, organisation):
    response = client.post(SIGNUP, form(), REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Firefox/140")

    assert response.status_code == 302 and response["Location"] == reverse("portal:signup_done")
    user = User.objects.get(username="buh@example.ru")
    assert (user.kind, user.is_active, user.email_confirmed_at) == (User.Kind.CUSTOMER, False, None)
    assert (user.email, user.last_name, user.first_name, user.middle_name, user.phone) == (
        "buh@example.ru", "Сидорова", "Анна", "Петровна", "+79137654321")
    consent = PersonalDataConsent.objects.get(user=user)
    assert (consent.purpose, consent.version, consent.ip_address, consent.user_agent) == (
        "portal", CONSENT_VERSION, "203.0.113.7", "Firefox/140")
    assert organisation.full_name in consent.text and "152-ФЗ" in consent.text
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["buh@example.ru"]
    assert mail.outbox[0].subject == "Подтвердите регистрацию в личном кабинете"
    assert "buh@example.ru" in client.get(response["Location"]).content.decode()


def test_the_page_shows_the_consent_text_and_sign_up_needs_consent(client, organisation):
    page = client.get(SIGNUP).content.decode()
    assert "152-ФЗ" in page and f"редакция {CONSENT_VERSION}" in page

    data = form()
    del data["consent"]
    response = client.post(SIGNUP, data)

    assert response.status_code == 200
    assert "Без согласия на обработку персональных данных зарегистрироваться нельзя." in response.content.decode()
    assert not User.objects.exists() and not mail.outbox


@pytest.mark.parametrize(("overrides", "error"), [
    ({"password2": "другой-пароль-2026"}, "Пароли не совпадают."),
    ({"password1": "12345678", "password2": "12345678"}, "Введённый пароль слишком широко распространён."),
    ({"phone": "12345"}, "Телефон указан неверно"),
    ({"email": "не-адрес"}, "Введите адрес электронной почты"),
])
def test_bad_sign_up_data_is_refused_in_russian(client, organisation, overrides, error):
    response = client.post(SIGNUP, form(**overrides))

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not User.objects.exists() and not PersonalDataConsent.objects.exists()


def test_login_is_refused_until_the_address_is_confirmed_and_the_letter_is_sent_again(client, organisation):
    client.post(SIGNUP, form())
    response = client.post("/portal/login/", {"username": "buh@example.ru", "password": PASSWORD})

    assert response.status_code == 200
    assert "Адрес электронной почты ещё не подтверждён" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 2 and mail.outbox[1].subject == "Подтвердите регистрацию в личном кабинете"


def test_the_link_asks_for_the_sign_up_password_and_then_the_login_works(client, organisation):
    client.post(SIGNUP, form())
    link = confirmation_link(mail.outbox[0])

    assert client.get(link).status_code == 200
    wrong = client.post(link, {"password": "не тот пароль"})
    assert "Пароль не совпадает с заданным при регистрации." in wrong.content.decode()
    assert not User.objects.get().is_active

    response = client.post(link, {"password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == reverse("portal:login")
    user = User.objects.get()
    assert user.is_active and user.email_confirmed_at is not None
    login = client.post("/portal/login/", {"username": "buh@example.ru", "password": PASSWORD})
    assert login.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    # The link is spent: opening it again only says so.
    client.post(reverse("portal:logout"))
    again = client.get(link, follow=True)
    assert "Адрес электронной почты уже подтверждён" in again.content.decode()


def test_signing_up_again_replaces_unconfirmed_details_and_kills_the_first_link(client, organisation):
    client.post(SIGNUP, form())
    first_link = confirmation_link(mail.outbox[0])
    client.post(SIGNUP, form(last_name="Иванова", password1="Другой-пароль-2027", password2="Другой-пароль-2027"))

    assert User.objects.count() == 1 and User.objects.get().last_name == "Иванова"
    assert PersonalDataConsent.objects.count() == 2
    stale = client.get(first_link)
    assert stale.status_code == 400 and "Ссылка устарела или уже использована." in stale.content.decode()
    response = client.post(confirmation_link(mail.outbox[1]), {"password": "Другой-пароль-2027"})
    assert response.status_code == 302 and User.objects.get().is_active


def test_a_taken_address_is_not_revealed_and_its_owner_is_warned(client, organisation):
    owner = portal_login("buh@example.ru")

    response = client.post(SIGNUP, form(password1="Новый-пароль-2027", password2="Новый-пароль-2027"))

    assert response.status_code == 302 and response["Location"] == reverse("portal:signup_done")
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD) and owner.last_name == "Петров"
    assert not PersonalDataConsent.objects.exists()
    assert [m.subject for m in mail.outbox] == ["Попытка регистрации в личном кабинете"]
    assert "/portal/password/reset/" in mail.outbox[0].body


def test_a_forged_or_unknown_confirmation_link_answers_404_or_refuses(client, organisation):
    client.post(SIGNUP, form())
    link = confirmation_link(mail.outbox[0])
    uid = link.split("/")[4]

    assert client.get(f"/portal/signup/confirm/{uid}/abc-123/").status_code == 400
    assert client.get("/portal/signup/confirm/Zm9v/abc-123/").status_code == 404
    assert client.post(f"/portal/signup/confirm/{uid}/abc-123/", {"password": PASSWORD}).status_code == 400
    assert not User.objects.get().is_active
