"""Sessions: idle timeouts (30 minutes for staff, 60 for the portal, switched off in test settings and on here),
the absolute limit from the login, a new session key at login; the refused-access log."""

import datetime as dt
import logging

import pytest
import time_machine
from django.urls import reverse

from abonent.core.middleware import LAST_SEEN_KEY, LOGIN_AT_KEY

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC)
HOME = reverse("core:home")


@pytest.fixture
def timeouts(settings):
    settings.SESSION_IDLE_TIMEOUT_STAFF = 30 * 60
    settings.SESSION_IDLE_TIMEOUT_PORTAL = 60 * 60
    settings.SESSION_ABSOLUTE_TIMEOUT = 8 * 3600


def at(minutes: float):
    return time_machine.travel(NOW + dt.timedelta(minutes=minutes), tick=False)


def test_production_settings_have_the_timeouts():
    from abonent import settings as production

    assert production.SESSION_IDLE_TIMEOUT_STAFF == 30 * 60
    assert production.SESSION_IDLE_TIMEOUT_PORTAL == 60 * 60
    assert production.SESSION_ABSOLUTE_TIMEOUT == production.SESSION_COOKIE_AGE == 8 * 3600


def test_a_staff_session_ends_after_thirty_idle_minutes(client, operator, timeouts):
    with at(0):
        client.force_login(operator)
        assert client.get(HOME).status_code == 200
    with at(29):
        assert client.get(HOME).status_code == 200
    with at(58):  # 29 minutes after the last request: still alive
        assert client.get(HOME).status_code == 200
    with at(89):
        response = client.get(reverse("customers:list"))
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next=/customers/"
        assert "_auth_user_id" not in client.session
        page = client.get(response["Location"]).content.decode()
        assert "Сеанс завершён из-за долгого бездействия" in page


def test_an_htmx_request_of_an_expired_session_redirects_the_whole_page(client, operator, timeouts):
    with at(0):
        client.force_login(operator)
        client.get(HOME)
    with at(31):
        response = client.get(reverse("customers:list"), headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Redirect"] == reverse("login")


def test_a_portal_session_lives_sixty_idle_minutes(client, organisation, timeouts):
    from abonent.portal.tests.factories_auth import portal_login

    with at(0):
        client.force_login(portal_login("buh@example.ru"))
        assert client.get(reverse("portal:profile")).status_code == 200
    with at(59):
        assert client.get(reverse("portal:profile")).status_code == 200
    with at(120):
        response = client.get(reverse("portal:profile"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))


def test_an_active_session_still_ends_eight_hours_after_the_login(client, operator, timeouts):
    with at(0):
        client.force_login(operator)
    for minutes in range(0, 8 * 60, 25):
        with at(minutes):
            assert client.get(HOME).status_code == 200, minutes
    with at(8 * 60 + 1):
        response = client.get(HOME)
        assert response.status_code == 302
        assert "слишком много времени" in client.get(response["Location"]).content.decode()


def test_the_last_seen_mark_is_written_at_most_once_a_minute(client, operator, timeouts):
    with at(0):
        client.force_login(operator)
        client.get(HOME)
        seen = client.session[LAST_SEEN_KEY]
    with at(0.5):
        client.get(HOME)
        assert client.session[LAST_SEEN_KEY] == seen
    with at(2):
        client.get(HOME)
        assert client.session[LAST_SEEN_KEY] == seen + 120
        assert client.session[LOGIN_AT_KEY] == int(NOW.timestamp())


def test_anonymous_visitors_get_no_session_from_the_timeouts(client, organisation, timeouts):
    response = client.get(reverse("site:index"))
    assert response.status_code == 200 and "sessionid" not in response.cookies


def test_the_login_gives_a_new_session_key(client, operator):
    client.get(reverse("login"))
    before = client.session.session_key
    client.post(reverse("login"), {"username": "operator", "password": "pass"})
    assert client.session.session_key != before


def test_a_new_login_restarts_the_absolute_limit(client, operator, timeouts, settings):
    settings.SESSION_IDLE_TIMEOUT_STAFF = 0
    with at(0):
        client.force_login(operator)
        client.get(HOME)
    with at(7 * 60):
        client.post(reverse("logout"))
        client.force_login(operator)
    with at(9 * 60):
        assert client.get(HOME).status_code == 200


# --- Refused access in the security log ---------------------------------------------------------------------


def records(caplog):
    return [r for r in caplog.records if r.name == "abonent.security" and r.getMessage() == "access refused"]


def test_a_403_of_a_permission_check_is_logged(client, executor, caplog):
    caplog.set_level(logging.WARNING, logger="abonent.security")
    client.force_login(executor)
    assert client.get(reverse("core:audit_log")).status_code == 403
    [record] = records(caplog)
    assert (record.status, record.user, record.kind, record.path) == (403, "executor1", "staff", "/audit/")


def test_a_portal_404_for_another_customers_account_is_logged(client, organisation, caplog):
    from abonent.customers.tests.factories import BillingAccountFactory
    from abonent.portal.tests.factories_auth import portal_login

    caplog.set_level(logging.WARNING, logger="abonent.security")
    client.force_login(portal_login("buh@example.ru"))
    other = BillingAccountFactory()
    url = reverse("portal:account", args=[other.pk])
    assert client.get(url).status_code == 404
    [record] = records(caplog)
    assert (record.status, record.user, record.kind, record.path) == (404, "buh@example.ru", "customer", url)


def test_a_csrf_refusal_is_logged(operator, caplog):
    from django.test import Client

    caplog.set_level(logging.WARNING, logger="abonent.security")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(operator)
    assert strict.post(reverse("logout")).status_code == 403
    assert [r.status for r in records(caplog)] == [403]


def test_anonymous_404s_are_not_logged(client, db, caplog):
    caplog.set_level(logging.WARNING, logger="abonent.security")
    assert client.get("/no-such-page/").status_code == 404
    assert records(caplog) == []
