"""Builders shared by the readings tests (billing and portal). No tests here."""

import datetime as dt
from decimal import Decimal
from itertools import count

from abonent.billing.models import Meter, MeterReading, ReadingGroup
from abonent.customers.models import PortalAccess
from abonent.customers.tests.factories import BillingAccountFactory
from abonent.users.models import User

_seq = count(1)


def apartment_group() -> ReadingGroup:
    group, _ = ReadingGroup.objects.get_or_create(
        name="Тест: приборы в многоквартирных домах", defaults={"first_day": 23, "last_day": 26})
    return group


def previous_month_group() -> ReadingGroup:
    group, _ = ReadingGroup.objects.get_or_create(
        name="Тест: прочие приборы", defaults={"first_day": 1, "last_day": 2, "for_previous_month": True})
    return group


def always_open_group() -> ReadingGroup:
    group, _ = ReadingGroup.objects.get_or_create(name="Тест: весь месяц", defaults={"first_day": 1, "last_day": 31})
    return group


def make_meter(*, account=None, group: ReadingGroup | None = None, digits: int = 6, ratio="1", **extra) -> Meter:
    n = next(_seq)
    return Meter.objects.create(
        account=account or BillingAccountFactory(), external_id=f"test-meter-{n}", serial_number=f"0110{n:05d}",
        model_name="Меркурий 230", digits=digits, ratio=Decimal(ratio), reading_group=group,
        location="ВРУ-0,4 кВ", **extra,
    )


def add_reading(meter: Meter, period: dt.date, value, consumption=None, *, source=MeterReading.Source.BILLING,
                **extra) -> MeterReading:
    return MeterReading.objects.create(
        meter=meter, period=period, taken_on=extra.pop("taken_on", period), value=Decimal(str(value)),
        consumption=None if consumption is None else Decimal(str(consumption)), source=source,
        external_id=f"test-reading-{next(_seq)}" if source == MeterReading.Source.BILLING else None, **extra,
    )


def add_history(meter: Meter, last_period: dt.date, *, months: int, start: int = 10000, monthly: int = 1000):
    """`months` billing readings ending at `last_period`, `monthly` kWh each (ratio 1)."""
    value = start
    periods = []
    p = last_period
    for _ in range(months):
        periods.insert(0, p)
        p = (p - dt.timedelta(days=1)).replace(day=1)
    readings = []
    for i, period in enumerate(periods):
        readings.append(add_reading(meter, period, value, None if i == 0 else monthly))
        value += monthly
    return readings


def portal_user(account, role=PortalAccess.Role.ENERGY_MANAGER, *, username: str | None = None) -> User:
    user = User.objects.create_user(
        username=username or f"portal{next(_seq)}", password="pass",  # noqa: S106 - test login
        kind=User.Kind.CUSTOMER, last_name="Энергетиков", first_name="Пётр", email=f"p{next(_seq)}@example.ru",
    )
    grant(user, account, role)
    return user


def grant(user, account, role=PortalAccess.Role.ENERGY_MANAGER) -> PortalAccess:
    return PortalAccess.objects.create(
        user=user, account=account, role=role, status=PortalAccess.Status.ACTIVE,
        granted_via=PortalAccess.GrantedVia.STAFF,
    )
