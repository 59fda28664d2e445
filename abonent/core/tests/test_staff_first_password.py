"""A staff password the IT administrator typed (a new account, or a reset in the admin) is changed by the person
at the next login before anything else opens (ASVS 6.4.1). Through the pages with the Django test client: the
admin's forms, the password, the second factor, then the forced change."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from abonent.core.testing.otp import code_for, confirmed_device
from abonent.users.models import User

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC)
ONE_TIME = "Временный-пароль-4417"
OWN = "Свой-пароль-на-зиму-8802"
CHANGE = reverse("security:password_change")
HOME = reverse("core:home")


@pytest.fixture
def admin(it_admin) -> Client:
    """The IT administrator in the Django admin (is_staff, as the demo's «admin» login)."""
    it_admin.is_staff = True
    it_admin.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(it_admin)
    return client


def change_own_password(client, old: str, new: str = OWN):
    return client.post(CHANGE, {"old_password": old, "new_password1": new, "new_password2": new})


def assert_only_the_password_change_opens(client) -> None:
    for url in (HOME, reverse("appeals:queue"), reverse("admin:index"), reverse("security:profile")):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, CHANGE), url
    htmx = client.get(HOME, headers={"HX-Request": "true"})
    assert (htmx.status_code, htmx["HX-Redirect"]) == (204, CHANGE)
    page = client.get(CHANGE)
    assert page.status_code == 200 and "Пароль вам задал администратор" in page.content.decode()


def test_a_new_staff_account_changes_the_administrators_password_at_its_first_login(admin):
    added = admin.post(reverse("admin:users_user_add"), {
        "username": "novikova", "usable_password": "true", "password1": ONE_TIME, "password2": ONE_TIME})
    assert added.status_code == 302
    person = User.objects.get(username="novikova")
    assert (person.kind, person.must_change_password) == (User.Kind.STAFF, True)

    client = Client()
    with time_machine.travel(NOW, tick=False):
        client.post(reverse("login"), {"username": "novikova", "password": ONE_TIME})
        # The second factor first (enrolment), and its backup codes are still shown once.
        client.get(reverse("security:otp_setup"))
        device = TOTPDevice.objects.get(user=person, confirmed=False)
        enrolled = client.post(reverse("security:otp_setup"), {"code": code_for(device)})
        assert enrolled["Location"].startswith(reverse("security:otp_backup_codes"))
        assert "Резервные коды" in client.get(enrolled["Location"]).content.decode()
        assert_only_the_password_change_opens(client)

        assert change_own_password(client, ONE_TIME)["Location"] == reverse("security:profile")
        person.refresh_from_db()
        assert person.check_password(OWN) and not person.must_change_password
        assert client.get(HOME).status_code == 200
        assert "Пароль вам задал администратор" not in client.get(CHANGE).content.decode()


def test_a_password_the_administrator_sets_is_changed_at_the_next_login_and_a_weak_one_is_refused(
        admin, operator):
    url = reverse("admin:auth_user_password_change", args=[operator.pk])
    assert admin.post(url, {"usable_password": "true", "password1": ONE_TIME, "password2": ONE_TIME}).status_code == 302
    operator.refresh_from_db()
    assert operator.must_change_password and operator.check_password(ONE_TIME)

    client = Client()
    device = confirmed_device(operator)
    with time_machine.travel(NOW, tick=False):
        client.post(reverse("login"), {"username": operator.username, "password": ONE_TIME})
        # Until the code is given, the code step comes first, as for every login.
        assert client.get(HOME)["Location"].startswith(reverse("security:otp_verify"))
        client.post(reverse("security:otp_verify"), {"code": code_for(device)})
        assert_only_the_password_change_opens(client)
        weak = change_own_password(client, ONE_TIME, new="12345678")
        assert weak.status_code == 200
        operator.refresh_from_db()
        assert operator.must_change_password and operator.check_password(ONE_TIME)
        assert client.get(HOME).status_code == 302

        assert change_own_password(client, ONE_TIME).status_code == 302
        assert client.get(HOME).status_code == 200
    operator.refresh_from_db()
    assert not operator.must_change_password


def test_other_staff_and_portal_logins_are_not_held(client, operator):
    from abonent.portal.tests.factories_auth import portal_login

    client.force_login(operator)
    assert client.get(HOME).status_code == 200
    # The flag means nothing for a portal login: the portal's passwords always come from the person.
    customer = portal_login(must_change_password=True)
    portal = Client()
    portal.force_login(customer)
    assert portal.get(reverse("portal:profile")).status_code == 200


def test_a_portal_login_given_a_password_in_the_admin_is_not_flagged(admin):
    customer = User.objects.create_user(username="buh@example.ru", password="x", kind=User.Kind.CUSTOMER)
    url = reverse("admin:auth_user_password_change", args=[customer.pk])
    assert admin.post(url, {"usable_password": "true", "password1": ONE_TIME, "password2": ONE_TIME}).status_code == 302
    customer.refresh_from_db()
    assert not customer.must_change_password
