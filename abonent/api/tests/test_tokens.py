import datetime
import hashlib
import logging

import pytest
import time_machine
from auditlog.models import LogEntry
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from abonent.api.auth import authenticate_token, issue_token, revoke_token
from abonent.api.models import ApiToken
from abonent.demo.api_tokens import DEMO_TOKEN
from abonent.demo.api_tokens import seed as seed_demo_token
from abonent.users.models import User

NOW = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.UTC)


def test_issued_token_is_kept_only_as_its_hash(operator):
    raw = issue_token(operator, "Шлюз ЭДО")

    token = ApiToken.objects.get()
    assert (token.user, token.name, token.prefix) == (operator, "Шлюз ЭДО", raw[:8])
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {token.key_hash, token.prefix, token.name}
    assert len(raw) > 40


def test_token_authenticates_its_user(operator):
    raw = issue_token(operator, "АТС")
    assert authenticate_token(raw) == operator


@pytest.mark.parametrize("raw", ["", "abn_unknown", "x" * 500])
def test_unknown_token_is_refused(operator, raw):
    issue_token(operator, "АТС")
    assert authenticate_token(raw) is None


def test_revoked_token_is_refused(operator):
    raw = issue_token(operator, "АТС")
    revoke_token(ApiToken.objects.get())
    assert authenticate_token(raw) is None


def test_expired_token_is_refused(operator):
    with time_machine.travel(NOW, tick=False):
        raw = issue_token(operator, "АТС", expires_at=NOW + datetime.timedelta(days=1))
        assert authenticate_token(raw) == operator
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        assert authenticate_token(raw) is None


def test_token_of_a_blocked_login_is_refused(operator):
    raw = issue_token(operator, "АТС")
    User.objects.filter(pk=operator.pk).update(is_active=False)
    assert authenticate_token(raw) is None


def test_tokens_are_for_staff_logins_only(operator, customer):
    portal_user = User.objects.create_user(username="client", password="pass", kind=User.Kind.CUSTOMER)
    with pytest.raises(ValueError, match="только сотрудникам"):
        issue_token(portal_user, "Портал")
    # A token that somehow belongs to a portal login is refused all the same.
    raw = issue_token(operator, "АТС")
    User.objects.filter(pk=operator.pk).update(kind=User.Kind.CUSTOMER)
    assert authenticate_token(raw) is None


def test_last_use_is_written_at_most_once_a_minute(operator):
    with time_machine.travel(NOW, tick=False):
        raw = issue_token(operator, "АТС")
        authenticate_token(raw)
    token = ApiToken.objects.get()
    assert token.last_used_at == NOW

    with time_machine.travel(NOW + datetime.timedelta(seconds=59), tick=False):
        authenticate_token(raw)
    token.refresh_from_db()
    assert token.last_used_at == NOW

    with time_machine.travel(NOW + datetime.timedelta(seconds=61), tick=False):
        authenticate_token(raw)
    token.refresh_from_db()
    assert token.last_used_at == NOW + datetime.timedelta(seconds=61)


# --- The process's copy of the known tokens ---


def test_a_known_token_is_checked_without_a_query(operator, django_assert_num_queries):
    raw = issue_token(operator, "АТС")
    first = authenticate_token(raw)
    with django_assert_num_queries(0):
        again = authenticate_token(raw)
    assert first == again == operator
    assert again is not first  # each request its own instance of the login (permissions are kept on it)


def test_revoking_a_known_token_refuses_it_at_once(operator):
    raw = issue_token(operator, "АТС")
    assert authenticate_token(raw) == operator
    revoke_token(ApiToken.objects.get())
    assert authenticate_token(raw) is None


def test_blocking_the_login_of_a_known_token_refuses_it_at_once(operator):
    raw = issue_token(operator, "АТС")
    assert authenticate_token(raw) == operator
    operator.is_active = False
    operator.save()
    assert authenticate_token(raw) is None


def test_a_change_bypassing_the_models_is_seen_within_a_minute(operator):
    with time_machine.travel(NOW, tick=False):
        raw = issue_token(operator, "АТС")
        assert authenticate_token(raw) == operator
        User.objects.filter(pk=operator.pk).update(is_active=False)  # e.g. raw SQL by an administrator
    with time_machine.travel(NOW + datetime.timedelta(seconds=61), tick=False):
        assert authenticate_token(raw) is None


# --- Through HTTP ---


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "Token"])
def test_bearer_and_token_schemes_are_accepted(client, operator, scheme):
    raw = issue_token(operator, "АТС")
    response = client.get("/api/appeals", headers={"Authorization": f"{scheme} {raw}"})
    assert response.status_code == 200


def test_request_without_token_is_401_in_russian(client, organisation):
    response = client.get("/api/appeals")
    assert response.status_code == 401
    assert response.json() == {"detail": "Нужен токен доступа: заголовок «Authorization: Bearer <токен>».",
                                "field": None}
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer abn_wrong", "Basic dXNlcjpwYXNz", "Token", "abn_only"])
def test_bad_credentials_are_401(client, operator, header):
    issue_token(operator, "АТС")
    response = client.get("/api/appeals", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["detail"].startswith(("Токен доступа недействителен", "Нужен токен доступа"))


def test_every_refusal_is_logged_without_the_token(client, operator, caplog):
    raw = issue_token(operator, "АТС")
    revoke_token(ApiToken.objects.get())
    with caplog.at_level(logging.WARNING, logger="abonent.security"):
        client.get("/api/appeals", headers={"Authorization": f"Bearer {raw}"})
        client.get("/api/appeals", headers={"Authorization": "Bearer abn_guess"})
        client.get("/api/appeals")
    records = [r for r in caplog.records if r.name == "abonent.security"]
    messages = [r.getMessage() for r in records]
    assert len(records) == 3
    assert "revoked token" in messages[0] and f"token id={ApiToken.objects.get().pk}" in messages[0]
    assert "unknown token" in messages[1]
    assert "no Authorization header" in messages[2]
    assert not any(raw in m or raw[:8] in m or "abn_guess" in m for m in messages)


# --- The IT administrator's admin ---


@pytest.fixture
def admin_client(client, it_admin):
    User.objects.filter(pk=it_admin.pk).update(is_staff=True)
    client.force_login(it_admin)
    return client


def test_it_admin_issues_a_token_and_sees_it_once(admin_client, operator):
    response = admin_client.post(reverse("admin:api_apitoken_add"), {"user": operator.pk, "name": "Шлюз ЭДО"},
                                 follow=True)

    assert response.status_code == 200
    token = ApiToken.objects.get()
    shown = [str(m) for m in get_messages(response.wsgi_request)] or [
        m.message for m in response.context["messages"]]
    text = " ".join(shown)
    raw = text.split("выдан: ", 1)[1].split(" ", 1)[0]
    assert authenticate_token(raw) == operator
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    # Never again: the change page shows only the prefix.
    page = admin_client.get(reverse("admin:api_apitoken_change", args=[token.pk])).content.decode()
    assert raw not in page and f"{raw[:8]}…" in page


def test_admin_offers_only_active_staff_logins(admin_client, operator):
    User.objects.create_user(username="client", password="pass", kind=User.Kind.CUSTOMER)
    response = admin_client.post(reverse("admin:api_apitoken_add"), {"user": User.objects.get(username="client").pk,
                                                                      "name": "Портал"})
    assert response.status_code == 200  # the form again, with an error
    assert not ApiToken.objects.exists()


def test_it_admin_revokes_tokens(admin_client, operator):
    raw = issue_token(operator, "АТС")
    token = ApiToken.objects.get()
    response = admin_client.post(reverse("admin:api_apitoken_changelist"),
                                 {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert authenticate_token(raw) is None


def test_tokens_are_not_deleted(admin_client, operator):
    issue_token(operator, "АТС")
    token = ApiToken.objects.get()
    response = admin_client.post(reverse("admin:api_apitoken_delete", args=[token.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_staff_without_user_management_cannot_see_tokens(client, operator):
    User.objects.filter(pk=operator.pk).update(is_staff=True)
    client.force_login(operator)
    assert client.get(reverse("admin:api_apitoken_changelist")).status_code == 403
    assert client.get(reverse("admin:api_apitoken_add")).status_code == 403


def test_token_changes_are_audited_without_the_hash(operator):
    issue_token(operator, "АТС")
    token = ApiToken.objects.get()
    revoke_token(token)
    entries = LogEntry.objects.get_for_object(token).order_by("timestamp", "pk")
    assert [e.action for e in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert all("key_hash" not in e.changes_dict for e in entries)
    assert "revoked_at" in entries[1].changes_dict


# --- Demo data ---


def test_demo_seed_gives_reception_the_known_token_once(organisation):
    from abonent.demo.staff import seed_staff

    seed_staff()
    first = seed_demo_token()
    again = seed_demo_token()

    assert first.pk == again.pk and ApiToken.objects.count() == 1
    assert (first.name, first.prefix) == ("Демо-интеграция", "demo-rec")
    assert authenticate_token(DEMO_TOKEN) == User.objects.get(username="reception")
    assert first.expires_at is None and timezone.now() >= first.created_at
