"""A constructed month of work (October 2026 in Barnaul, UTC+7) whose every figure is known, and the head
roles granted the reports' permissions (as users/roles.py is asked to grant them)."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache

from abonent.appeals.models import Appeal, AppealEvent, NonConsideration, UrgencyCategory
from abonent.channels.phone.models import Call
from abonent.organisation.models import Department, Topic
from abonent.reports.tests.factories import (
    appeal,
    call,
    control_item,
    event,
    local,
    not_considered,
    notice,
    survey,
)
from abonent.users import roles
from abonent.users.models import User

REPORT_PERMISSIONS = ("view_reports", "write_proposals")
NOW = local(2026, 11, 10, 12, 0)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def report_roles(organisation):
    """The head roles with the reports' permissions."""
    roles.sync_roles()
    permissions = Permission.objects.filter(content_type__app_label="reports", codename__in=REPORT_PERMISSIONS)
    for name in roles.HEAD_ROLES:
        Group.objects.get(name=name).permissions.add(*permissions)


def staff(username: str, role: str, department: str, *, email: str = "", **extra) -> User:
    """A staff login in a role (the roles are synced by the report_roles fixture)."""
    user = User.objects.create_user(username=username, password="pass", email=email,  # noqa: S106 - test login
                                    last_name=extra.pop("last_name", "Тестов"),
                                    first_name=extra.pop("first_name", "Тест"), middle_name="Тестович",
                                    department=Department.objects.get(code=department), **extra)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def sales_head(report_roles):
    return staff("saleshead", roles.SALES_HEAD, "sales", email="sales.head@bges.ru", last_name="Лебедева",
                 first_name="Анна")


@pytest.fixture
def reception_head(report_roles):
    return staff("receptionhead", roles.RECEPTION_HEAD, "reception", email="reception.head@bges.ru",
                 last_name="Морозова", first_name="Елена")


@pytest.fixture
def audit_head(report_roles):
    return staff("audithead", roles.AUDIT_HEAD, "audit", email="", last_name="Орлов", first_name="Юрий")


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


class Month:
    """Handles to the constructed rows."""


@pytest.fixture
def october(month_data, now):
    """The constructed month, looked at on 10 November 2026."""
    return month_data


@pytest.fixture
def month_data(report_roles):
    """The constructed month without travelling in time (for the browser, whose cookies follow the real
    clock); every figure of October is the same whenever after October it is looked at."""
    d = {code: Department.objects.get(code=code) for code in ("sales", "audit", "reception")}
    topics = {code: Topic.objects.get(code=code) for code in ("payments", "readings")}
    e1 = staff("exec_sales", roles.EXECUTOR, "sales", last_name="Петров", first_name="Пётр")
    e2 = staff("exec_audit", roles.EXECUTOR, "audit", last_name="Волков", first_name="Дмитрий")
    urgent = UrgencyCategory.objects.create(name="Срочная", code="urgent-test", days=10, order=1)
    m = Month()
    m.departments, m.e1, m.e2, m.urgent = d, e1, e2, urgent
    # Registered in October.
    m.a1 = appeal(registered=local(2026, 10, 1), department=d["sales"], topic=topics["payments"], executor=e1,
                  due=local(2026, 10, 31), answered=local(2026, 10, 3))
    m.a2 = appeal(registered=local(2026, 10, 2), department=d["sales"], topic=topics["payments"], executor=e1,
                  due=local(2026, 11, 1), answered=local(2026, 10, 6))
    m.a3 = appeal(registered=local(2026, 10, 5, 9), department=d["sales"], channel="phone", kind="complaint",
                  executor=e1, urgency=urgent, is_conflict=True, due=local(2026, 10, 15, 9),
                  answered=local(2026, 10, 20, 9))
    event(m.a3, AppealEvent.Kind.APOLOGY, local(2026, 10, 6), text="Приносим извинения.")
    m.a4 = appeal(registered=local(2026, 10, 10, 12), department=d["audit"], channel="web", topic=topics["readings"],
                  executor=e2, is_extended=True, due=local(2026, 11, 9, 12))
    # 00:30 local on 1 October is still 30 September in UTC: it belongs to October.
    m.a5 = appeal(registered=local(2026, 10, 1, 0, 30), department=d["audit"], channel="post", kind="claim",
                  executor=e2, due=local(2026, 10, 3))
    # 23:30 local on 31 October.
    m.a6 = appeal(registered=local(2026, 10, 31, 23, 30), department=d["reception"], channel="phone",
                  kind="complaint", due=local(2026, 11, 30))
    m.a10 = appeal(registered=local(2026, 10, 12), department=d["audit"], channel="web", executor=e2,
                   status=Appeal.Status.NOT_CONSIDERED)
    m.a10b = appeal(registered=local(2026, 10, 13), department=d["reception"], channel="email",
                    status=Appeal.Status.NOT_CONSIDERED)
    not_considered(m.a10, ground=NonConsideration.Ground.OFFENSIVE, decided=local(2026, 10, 13), by=e2)
    not_considered(m.a10b, ground=NonConsideration.Ground.NO_CONTACTS, decided=local(2026, 10, 14), by=e2,
                   told=False)
    # Registered the evening before October, answered in October (counts among October's replies).
    m.a7 = appeal(registered=local(2026, 9, 30, 23, 30), department=d["sales"], executor=e1,
                  due=local(2026, 10, 30), answered=local(2026, 10, 2, 23, 30))
    # 00:10 local on 1 November is 31 October 17:10 UTC: not October's.
    m.a8 = appeal(registered=local(2026, 11, 1, 0, 10), department=d["sales"])
    # Registered in August, answered late in October.
    m.a9 = appeal(registered=local(2026, 8, 27), department=d["audit"], executor=e2, due=local(2026, 9, 26),
                  answered=local(2026, 10, 5))
    # Open since August, overdue, nobody assigned.
    m.a11 = appeal(registered=local(2026, 8, 1), department=d["audit"], due=local(2026, 8, 31))
    # September, answered in September on time (the month before).
    m.a12 = appeal(registered=local(2026, 9, 1), department=d["sales"], executor=e1, due=local(2026, 10, 1),
                   answered=local(2026, 9, 5))
    m.a13 = appeal(registered=local(2026, 9, 2), department=d["sales"], executor=e1, due=local(2026, 10, 2),
                   answered=local(2026, 9, 4))
    # Decisions under control, put in October.
    m.c1 = control_item(m.a3, owner=e1, created=local(2026, 10, 6), due=dt.date(2026, 10, 25), done=True)
    m.c2 = control_item(m.a5, owner=e2, created=local(2026, 10, 7), due=dt.date(2026, 10, 20))
    # Calls: Monday 5 and Tuesday 6 October.
    m.op1 = staff("op1", roles.CALL_CENTRE, "reception", last_name="Соколова", first_name="Мария")
    m.op2 = staff("op2", roles.CALL_CENTRE, "reception", last_name="Егоров", first_name="Илья")
    call(started=local(2026, 10, 5, 10, 0), wait=5, talk=180, operator=m.op1)
    call(started=local(2026, 10, 5, 10, 30), wait=12, talk=400, operator=m.op1)
    call(started=local(2026, 10, 5, 11, 0), wait=20, talk=120, operator=m.op2)
    call(started=local(2026, 10, 5, 11, 30), wait=150, outcome=Call.Outcome.ABANDONED)
    call(started=local(2026, 10, 6, 9, 15), wait=8, talk=200, operator=m.op2)
    call(started=local(2026, 10, 6, 20, 0), wait=0, outcome=Call.Outcome.OUTSIDE_HOURS, is_outside_hours=True)
    # September: one call, answered within 12 s.
    call(started=local(2026, 9, 15, 10, 0), wait=4, talk=100, operator=m.op1)
    add_notices(m)
    add_surveys(m)
    return m


def add_notices(m: Month) -> None:
    """October: e-mail delivered and bounced, EDO read, a phone call still queued, portal delivered;
    September: one e-mail delivered."""
    from abonent.customers.tests.factories import CustomerFactory

    customer = CustomerFactory()
    for channel, day, status in [("email", 5, "delivered"), ("email", 6, "failed"), ("edo", 7, "read"),
                                 ("phone", 8, "queued"), ("portal", 9, "delivered")]:
        notice(customer=customer, channel=channel, created=local(2026, 10, day), status=status)
    notice(customer=customer, channel="email", created=local(2026, 9, 10), status="delivered")


def add_surveys(m: Month) -> None:
    """October answers: 5, 4, 1 (low, under control) in sales, 3 in audit; one survey unanswered.
    September: one answer, 5."""
    survey(m.a1, sent=local(2026, 10, 3), answered=local(2026, 10, 4), rating=5, resolved=True)
    survey(m.a2, sent=local(2026, 10, 6), answered=local(2026, 10, 7), rating=4, resolved=True)
    survey(m.a3, sent=local(2026, 10, 20), answered=local(2026, 10, 21), rating=1, resolved=False, control=m.c1)
    survey(m.a9, sent=local(2026, 10, 5), answered=local(2026, 10, 6), rating=3)
    survey(m.a7, sent=local(2026, 10, 3))
    survey(m.a12, sent=local(2026, 9, 5), answered=local(2026, 9, 6), rating=5, resolved=True)
