"""The organisation and the opening hours the calendar tests rely on (standard 2.2.2.3)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from abonent.core.validators import is_valid_inn, is_valid_ogrn
from abonent.organisation.models import Channel, Organisation, WorkingHours

BARNAUL = ZoneInfo("Asia/Barnaul")
# Mon-Thu 08:00-17:00, Fri 08:00-16:00, weekends closed.
HOURS = {0: (8, 17), 1: (8, 17), 2: (8, 17), 3: (8, 17), 4: (8, 16)}
INN, OGRN = "2224009099", "1022200000008"  # demo values with valid check digits


def local(*args: int) -> dt.datetime:
    """An aware moment in Barnaul time."""
    return dt.datetime(*args, tzinfo=BARNAUL)


@pytest.fixture
def service_hours(db) -> Organisation:
    assert is_valid_inn(INN) and is_valid_ogrn(OGRN)
    org = Organisation.objects.create(
        full_name="Акционерное общество «Тестовая энергосбытовая компания»",
        short_name="АО «ТЭК»", inn=INN, kpp="222401001", ogrn=OGRN,
        reception_address="г. Барнаул, ул. Ползунова, 50",
        postal_address="656015, г. Барнаул, ул. Деповская, 19",
        phone="+73852501240",
    )
    org.full_clean()
    for channel in (Channel.PHONE, Channel.IN_PERSON):
        for weekday, (opens, closes) in HOURS.items():
            WorkingHours.objects.create(
                organisation=org, channel=channel, weekday=weekday,
                opens_at=dt.time(opens), closes_at=dt.time(closes),
            )
    return org
