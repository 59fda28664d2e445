import datetime as dt
import json

import pytest
from django.urls import reverse

from abonent.channels.phone import services
from abonent.channels.phone.models import PhoneExtension
from abonent.users import roles

BARNAUL = dt.timezone(dt.timedelta(hours=7))
# Wednesday 11.03.2026, a working day: the line is open 08:00–17:00.
DAY = dt.date(2026, 3, 11)


def at(hour: int, minute: int = 0, second: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=BARNAUL)


def _call_centre_user(username: str, first_name: str, last_name: str, extension: str):
    from django.contrib.auth.models import Group

    from abonent.organisation.models import Department
    from abonent.users.models import User

    roles.sync_roles()
    user = User.objects.create_user(username=username, password="pass",  # noqa: S106 - test login
                                    first_name=first_name, last_name=last_name, middle_name="Игоревна",
                                    department=Department.objects.get(code="reception"))
    user.groups.add(Group.objects.get(name=roles.CALL_CENTRE))
    PhoneExtension.objects.create(user=user, extension=extension)
    return user


@pytest.fixture
def agent(organisation):
    """A call-centre operator at extension 101."""
    return _call_centre_user("agent", "Анна", "Карпова", "101")


@pytest.fixture
def agent2(organisation):
    return _call_centre_user("agent2", "Мария", "Белова", "102")


@pytest.fixture
def token(db):
    return services.issue_pbx_token("АТС FreePBX")


@pytest.fixture
def pbx(client, token):
    """Sends one PBX event (form-encoded like Zammad's generic CTI, or JSON) and returns the response."""

    def send(as_json: bool = False, **fields):
        if "call_id" in fields:
            fields["callId"] = fields.pop("call_id")
        for name in ("time",):
            if isinstance(fields.get(name), dt.datetime):
                fields[name] = fields[name].isoformat()
        if "from_" in fields:
            fields["from"] = fields.pop("from_")
        url = reverse("phone:pbx_event", args=[token])
        if as_json:
            return client.post(url, data=json.dumps(fields), content_type="application/json")
        if "user" in fields:
            fields["user[]"] = fields.pop("user")
        return client.post(url, data=fields)

    return send
