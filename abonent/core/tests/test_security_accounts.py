"""A login's open sessions (the person's list and "end the others", the IT administrator's "end all of this
login", the command), a blocked login losing its sessions, and the password rules (context words, long
passwords, no composition rules)."""

import datetime as dt

import pytest
import time_machine
from auditlog.models import LogEntry
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from abonent.core import sessions
from abonent.core.passwords import ContextWordsValidator
from abonent.core.testing.otp import code_for, confirmed_device

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC)
HOME = reverse("core:home")


def full_login(user, address="203.0.113.7", agent="Firefox/140") -> Client:
    client = Client(REMOTE_ADDR=address, HTTP_USER_AGENT=agent)
    device = confirmed_device(user)
    client.post(reverse("login"), {"username": user.username, "password": "pass"})
    client.post(reverse("security:otp_verify"), {"code": code_for(device)})
    return client


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_person_sees_their_sessions_and_ends_the_others(operator, executor):
    office = full_login(operator, "203.0.113.7", "Firefox/140")
    home = full_login(operator, "198.51.100.9", "Chrome/150")
    someone_else = full_login(executor)
    page = office.get(reverse("security:profile")).content.decode()
    table = page.split('id="sessions"')[1].split("</table>")[0]
    assert "203.0.113.7" in table and "198.51.100.9" in table and "Chrome/150" in table
    assert table.count("<tr>") == 3 and table.count("этот сеанс") == 1
    assert [s.ip for s in sessions.sessions_of(operator)] != [] and len(sessions.sessions_of(operator)) == 2

    response = office.post(reverse("security:sessions_end_others"))
    assert response.status_code == 302
    assert "Другие сеансы завершены: 1." in office.get(reverse("security:profile")).content.decode()
    assert home.get(HOME)["Location"].startswith(reverse("login"))
    assert office.get(HOME).status_code == 200
    assert someone_else.get(HOME).status_code == 200


def test_ending_other_sessions_needs_a_fresh_password(operator):
    client = full_login(operator)
    with time_machine.travel(NOW + dt.timedelta(minutes=11), tick=False):
        response = client.post(reverse("security:sessions_end_others"))
    assert response["Location"].startswith(reverse("security:reauth"))


def test_it_admin_ends_every_session_of_a_staff_member_audited(it_admin, operator):
    theirs = [full_login(operator), full_login(operator)]
    admin = full_login(it_admin)
    response = admin.post(reverse("security:staff_sessions_end", args=[operator.pk]))
    assert response.status_code == 302
    for client in theirs:
        assert client.get(HOME)["Location"].startswith(reverse("login"))
    assert admin.get(HOME).status_code == 200
    entry = LogEntry.objects.get_for_object(operator).get(additional_data__has_key="sessions_ended_by")
    assert entry.actor == it_admin and entry.changes == {"сеансы": ["2", "завершены"]}


def test_only_the_it_admin_ends_someone_elses_sessions(operator, executor):
    theirs = full_login(executor)
    client = full_login(operator)
    assert client.post(reverse("security:staff_sessions_end", args=[executor.pk])).status_code == 403
    assert theirs.get(HOME).status_code == 200


def test_the_command_ends_one_logins_or_everybodys_sessions(operator, executor, capsys):
    mine, theirs = full_login(operator), full_login(executor)
    call_command("end_sessions", user="operator")
    assert "Завершено сеансов operator: 1." in capsys.readouterr().out
    assert mine.get(HOME).status_code == 302 and theirs.get(HOME).status_code == 200
    call_command("end_sessions", all=True)
    assert theirs.get(HOME).status_code == 302
    with pytest.raises(CommandError, match="Учётной записи «nobody» нет."):
        call_command("end_sessions", user="nobody")


def test_a_blocked_login_loses_every_session_at_once(operator):
    client = full_login(operator)
    operator.is_active = False
    operator.save()
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_logout_ends_the_session_on_the_server(operator):
    client = full_login(operator)
    key = client.session.session_key
    client.post(reverse("logout"))
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=key).exists()


# --- Passwords ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["Абонент-2026-зима", "мой.barnaul.пароль", "f,jytyn-zima-2026",
                                      "BGES-2026-zima", "ГорЭлектроСеть123!", "Барнаульский-пароль"])
def test_passwords_with_the_systems_names_are_refused(password):
    with pytest.raises(ValidationError) as refused:
        ContextWordsValidator().validate(password)
    assert refused.value.messages == ["Пароль не должен содержать название системы, организации или города: такие "
                                      "пароли подбирают первыми."]


def test_the_validator_is_on_for_every_password(operator):
    with pytest.raises(ValidationError):
        validate_password("Абонент-2026-зима", operator)
    validate_password("Зимний-вечер-2026", operator)


def test_long_passwords_of_any_characters_work_unchanged(client, operator):
    password = "очень длинная фраза из слов ✓ с пробелами и знаками !@#$%^&*() " * 2
    assert len(password) > 64
    validate_password(password, operator)
    operator.set_password(password)
    operator.save()
    response = client.post(reverse("login"), {"username": "operator", "password": password})
    assert response.status_code == 302
    assert client.post(reverse("login"), {"username": "operator", "password": password.strip()}).status_code == 200
