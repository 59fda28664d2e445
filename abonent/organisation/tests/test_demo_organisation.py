import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from abonent.customers.models import Customer
from abonent.organisation.models import Channel, Department, Mailbox, Organisation, WorkingHours
from abonent.users.models import User


def test_demo_organisation_is_the_standards(organisation):
    assert organisation.short_name == "АО «Барнаульская горэлектросеть»"
    assert organisation.reception_place == "г. Барнаул, ул. Ползунова, 50, каб. 109"
    assert organisation.postal_address == "656015, г. Барнаул, ул. Деповская, 19"
    assert organisation.phone_display == "8 (3852) 50-12-40"
    assert set(Mailbox.objects.values_list("address", flat=True)) == {"meter@bges.ru", "ServiceCenter-OPEYUL@bges.ru"}
    organisation.full_clean()


@pytest.mark.parametrize("channel", [Channel.PHONE, Channel.IN_PERSON])
def test_demo_hours_are_the_standards(organisation, channel):
    hours = {h.weekday: (h.opens_at, h.closes_at) for h in WorkingHours.objects.filter(channel=channel)}
    eight, five, four = datetime.time(8), datetime.time(17), datetime.time(16)
    assert hours == {0: (eight, five), 1: (eight, five), 2: (eight, five), 3: (eight, five), 4: (eight, four)}


def test_one_reception_group(organisation):
    assert Department.reception_group().code == "reception"


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_valid(settings):
    settings.ALLOW_DEMO_DATA = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = (Customer.objects.count(), User.objects.count(), Organisation.objects.count())
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts == (Customer.objects.count(), User.objects.count(), Organisation.objects.count())
    assert counts[0] == 50
    kinds = set(Customer.objects.values_list("kind", flat=True))
    assert kinds == {"legal_entity", "sole_proprietor", "housing_association", "managing_company"}
    for customer in Customer.objects.all():
        customer.full_clean()
    for login in ("admin", "reception", "executor", "head", "signatory", "callcenter"):
        assert User.objects.get(username=login).check_password("demo")


@pytest.mark.django_db
def test_seed_demo_refused_on_a_production_install(settings):
    settings.ALLOW_DEMO_DATA = False
    with pytest.raises(CommandError, match="запрещены"):
        call_command("seed_demo")
    assert not Customer.objects.exists()
