"""Staff entry of readings on behalf of a customer (phone, reception desk)."""

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.context_processors import PermWrapper
from django.contrib.auth.models import Group
from django.template.loader import render_to_string
from django.urls import include, path, reverse

from abonent import urls as root_urls
from abonent.billing import urls as billing_urls
from abonent.billing import urls_readings
from abonent.billing.models import MeterReading
from abonent.billing.readings import submit_reading
from abonent.billing.tests.test_readings_support import add_history, apartment_group, make_meter, portal_user
from abonent.customers.tests.factories import BillingAccountFactory
from abonent.users import roles
from abonent.users.models import User

# billing/urls.py includes urls_readings; until it does, these tests mount it themselves.
_billing = [p for p in billing_urls.urlpatterns if getattr(p, "name", None) != "customer_readings"]
urlpatterns = [p for p in root_urls.urlpatterns if str(p.pattern) != "billing/"] + [
    path("billing/", include((_billing + urls_readings.urlpatterns, "billing"))),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]
NOV, OCT = dt.date(2026, 11, 1), dt.date(2026, 10, 1)


@pytest.fixture(autouse=True)
def _in_the_window(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def account():
    return BillingAccountFactory()


@pytest.fixture
def customer(account):
    return account.contract.customer


@pytest.fixture
def meter(account):
    m = make_meter(account=account, group=apartment_group())
    add_history(m, OCT, months=7)  # 10 000 … 16 000, 1 000 kWh a month
    return m


@pytest.fixture
def staff(client, operator):
    client.force_login(operator)
    return client


def url(customer):
    return reverse("billing:customer_readings", args=[customer.pk])


def post(client, meter, value, **extra):
    prefix = f"m{meter.pk}"
    data = {"meter": meter.pk, f"{prefix}-value": value}
    data.update({f"{prefix}-{k}": v for k, v in extra.items()})
    return client.post(url(meter.account.contract.customer), data)


def test_reception_sees_the_customers_meters_by_account(staff, customer, account, meter):
    second = make_meter(account=BillingAccountFactory(contract=account.contract), group=apartment_group())
    closed = make_meter(account=BillingAccountFactory(contract=account.contract, is_active=False))
    response = staff.get(url(customer))
    assert response.status_code == 200
    text = response.content.decode()
    assert f"Лицевой счёт № {account.number}" in text and f"Прибор № {second.serial_number}" in text
    assert f"Прибор № {closed.serial_number}" not in text
    assert "<b>16\u00a0000</b> за октябрь 2026" in text and f'name="m{meter.pk}-reported_by"' in text


def test_staff_reading_is_recorded_as_staff_with_who_reported_it(staff, operator, meter):
    response = post(staff, meter, "17 100", reported_by="Иванов И. И., главный энергетик")
    assert response.status_code == 302
    reading = meter.readings.get(period=NOV)
    assert (reading.value, reading.consumption, reading.source, reading.submitted_by) == (
        Decimal("17100"), Decimal("1100"), MeterReading.Source.STAFF, operator)
    (entry,) = LogEntry.objects.get_for_object(reading)
    assert entry.actor == operator and entry.additional_data["note"] == "Иванов И. И., главный энергетик"
    page = staff.get(response["Location"]).content.decode()
    assert f"Показание 17\u00a0100 по прибору № {meter.serial_number} за ноябрь 2026 принято." in page


def test_staff_meets_the_same_refusals(staff, meter):
    response = post(staff, meter, "1500")
    assert response.status_code == 400
    assert "меньше предыдущего" in response.content.decode()
    assert not meter.readings.filter(period=NOV).exists()


def test_a_reading_sent_after_the_window_closed_shows_the_refusal_and_the_value(client, operator, meter,
                                                                               time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 26, 17, 30, tzinfo=dt.UTC), tick=False)  # 00:30 on the 27th locally
    client.force_login(operator)
    response = post(client, meter, "17 250")
    assert response.status_code == 400
    text = response.content.decode()
    assert "Показания по этому прибору принимаются с 23 по 26 число; следующий приём: 23.12.2026–26.12.2026." in text
    assert "«17 250» не принято" in text
    assert not meter.readings.filter(period__gte=NOV).exists()


def test_staff_confirms_an_unusual_jump_with_the_customer(staff, meter):
    response = post(staff, meter, "20000")
    assert response.status_code == 200 and "Уточните показание у клиента." in response.content.decode()
    assert not meter.readings.filter(period=NOV).exists()
    assert post(staff, meter, "20000", confirm_jump="on", asked_value="20000").status_code == 302
    assert meter.readings.get(period=NOV).jump_confirmed is True


def test_staff_entry_replaces_the_customers_own_in_the_window(staff, meter):
    submit_reading(meter=meter, value="17000", user=portal_user(meter.account))
    assert "новое показание заменит его" in staff.get(url(meter.account.contract.customer)).content.decode()
    post(staff, meter, "17050")
    assert list(meter.readings.filter(period=NOV).values_list("value", "source")) == [(Decimal("17050"), "staff")]


def test_viewing_is_recorded_on_the_customer(staff, operator, customer, meter):
    staff.get(url(customer))
    entry = LogEntry.objects.get_for_object(customer).get(action=LogEntry.Action.ACCESS)
    assert entry.actor == operator and entry.additional_data == {"viewed": "показания приборов учёта"}


def test_a_meter_of_another_customer_answers_404(staff, customer, meter):
    other = make_meter(group=apartment_group())
    response = staff.post(url(customer), {"meter": other.pk, f"m{other.pk}-value": "5"})
    assert response.status_code == 404
    assert not other.readings.exists()


def staff_in_role(role: str, username: str):
    roles.sync_roles()
    user = User.objects.create_user(username=username, password="pass", last_name="Тест", first_name="Роль")  # noqa: S106
    user.groups.add(Group.objects.get(name=role))
    return user


def call_centre_user():
    return staff_in_role(roles.CALL_CENTRE, "cc")


def executor_without_confidential_access():
    # Department executors work on appeals without the customer's money and readings.
    return staff_in_role(roles.EXECUTOR, "exec-no-confidential")


def test_staff_without_confidential_access_are_refused(client, organisation, customer, meter):
    client.force_login(executor_without_confidential_access())
    assert client.get(url(customer)).status_code == 403
    assert post(client, meter, "17000").status_code == 403
    assert not meter.readings.filter(period=NOV).exists()


def test_portal_logins_are_refused(client, customer, meter):
    client.force_login(portal_user(meter.account))
    assert client.get(url(customer)).status_code == 403


def test_the_card_link_shows_for_staff_with_the_permission(operator, customer):
    html = render_to_string("billing/readings/_card_link.html", {"customer": customer, "perms": PermWrapper(operator)})
    assert f'href="{url(customer)}"' in html
    # Call-centre operators take readings by phone.
    html = render_to_string("billing/readings/_card_link.html",
                            {"customer": customer, "perms": PermWrapper(call_centre_user())})
    assert f'href="{url(customer)}"' in html
    other = executor_without_confidential_access()
    html = render_to_string("billing/readings/_card_link.html", {"customer": customer, "perms": PermWrapper(other)})
    assert "Показания" not in html
