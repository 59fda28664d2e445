"""Portal readings pages: the meters of an account with their forms, the jump confirmation, the meter's
history with chart and CSV; roles and other customers' ids answer 404; every view is in the audit log."""

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from abonent.billing.models import MeterReading
from abonent.billing.tests.test_readings_support import (
    add_history,
    add_reading,
    apartment_group,
    grant,
    make_meter,
    portal_user,
)
from abonent.customers.models import PortalAccess
from abonent.customers.tests.factories import BillingAccountFactory

pytestmark = pytest.mark.django_db
NOV, OCT = dt.date(2026, 11, 1), dt.date(2026, 10, 1)


@pytest.fixture(autouse=True)
def _in_the_window(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC), tick=False)  # 17:00 in Barnaul


@pytest.fixture
def account():
    return BillingAccountFactory()


@pytest.fixture
def meter(account):
    m = make_meter(account=account, group=apartment_group())
    add_history(m, OCT, months=7)  # 10 000 … 16 000, 1 000 kWh a month
    return m


@pytest.fixture
def manager(account):
    return portal_user(account, PortalAccess.Role.ENERGY_MANAGER)


@pytest.fixture
def client_in(client, manager):
    client.force_login(manager)
    return client


def readings_url(account):
    return reverse("portal:readings", args=[account.pk])


def post_reading(client, meter, value, **extra):
    prefix = f"m{meter.pk}"
    data = {"meter": meter.pk, f"{prefix}-value": value}
    data.update({f"{prefix}-{k}": v for k, v in extra.items()})
    return client.post(readings_url(meter.account), data)


def accesses(obj):
    return list(LogEntry.objects.get_for_object(obj).filter(action=LogEntry.Action.ACCESS))


# --- the account's meters ---

def test_energy_manager_sees_the_meters_with_last_reading_and_open_window(client_in, account, meter):
    inactive = make_meter(account=account, group=apartment_group(), is_active=False)
    response = client_in.get(readings_url(account))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    text = response.content.decode()
    assert f"Прибор № {meter.serial_number}" in text and f"Прибор № {inactive.serial_number}" in text
    assert "<b>16\u00a0000</b> за октябрь 2026" in text
    assert "до 26.11.2026 включительно, за ноябрь 2026" in text
    assert f'name="m{meter.pk}-value"' in text and 'inputmode="decimal"' in text
    assert f'name="m{inactive.pk}-value"' not in text and "прибор снят с учёта" in text


def test_the_page_costs_the_same_queries_for_many_meters(client_in, account, meter, django_assert_num_queries):
    client_in.get(readings_url(account))  # warm the session and the content types
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client_in.get(readings_url(account))
    for _ in range(4):
        m = make_meter(account=account, group=None)
        add_reading(m, OCT, "100")
    with django_assert_num_queries(len(one.captured_queries) + 1):  # + the default group
        client_in.get(readings_url(account))


@pytest.fixture
def after_the_window(client, manager, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 26, 17, 30, tzinfo=dt.UTC), tick=False)  # 00:30 on the 27th locally
    client.force_login(manager)
    return client


def test_outside_the_window_there_is_no_form_but_the_next_dates(after_the_window, account, meter):
    client_in = after_the_window
    text = client_in.get(readings_url(account)).content.decode()
    assert "следующий приём: 23.12.2026–26.12.2026 (за декабрь 2026)" in text
    assert f'name="m{meter.pk}-value"' not in text


def test_a_post_outside_the_window_is_refused_with_its_dates(after_the_window, meter):
    response = post_reading(after_the_window, meter, "17000")
    assert response.status_code == 400
    assert "следующий приём: 23.12.2026–26.12.2026" in response.content.decode()
    assert not meter.readings.filter(period=dt.date(2026, 12, 1)).exists()


def test_a_reading_is_accepted_with_a_russian_message(client_in, manager, meter):
    response = post_reading(client_in, meter, "17 250,5")
    assert response.status_code == 302
    assert response["Location"] == f"{readings_url(meter.account)}#meter-{meter.pk}"
    reading = meter.readings.get(period=NOV)
    assert (reading.value, reading.consumption, reading.source, reading.submitted_by) == (
        Decimal("17250.5"), Decimal("1250.5"), MeterReading.Source.PORTAL, manager)
    text = client_in.get(response["Location"]).content.decode()
    assert (f"Показание 17\u00a0250,5 по прибору № {meter.serial_number} за ноябрь 2026 принято. "
            "Расход: 1\u00a0250,5 кВт·ч.") in text
    assert "уже передано" in text


def test_a_rollover_past_zero_is_accepted_through_the_page_and_shown_as_such(client_in, account):
    meter = make_meter(account=account, group=apartment_group(), digits=6)
    add_reading(meter, OCT, "999800")

    response = post_reading(client_in, meter, "000150")

    assert response.status_code == 302
    reading = meter.readings.get(period=NOV)
    assert (reading.value, reading.consumption, reading.rolled_over) == (Decimal("150"), Decimal("350"), True)
    page = client_in.get(response["Location"]).content.decode()
    assert (f"Показание 150 по прибору № {meter.serial_number} за ноябрь 2026 принято. Расход: 350 кВт·ч "
            "(прибор перешёл через ноль).") in page
    history = client_in.get(reverse("portal:meter", args=[meter.pk])).content.decode()
    assert "через ноль</span>" in history


def test_a_lower_value_is_refused_and_nothing_is_saved(client_in, meter):
    response = post_reading(client_in, meter, "1500")
    assert response.status_code == 400
    assert "меньше предыдущего — 16\u00a0000 за октябрь 2026" in response.content.decode()
    assert not meter.readings.filter(period=NOV).exists()


@pytest.mark.parametrize(("value", "message"), [("", "Укажите показание прибора."), ("abc", "должно быть числом")])
def test_a_malformed_value_is_refused(client_in, meter, value, message):
    response = post_reading(client_in, meter, value)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_an_unusual_jump_shows_the_figures_and_asks_for_confirmation(client_in, meter):
    response = post_reading(client_in, meter, "20000")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Необычно большой расход." in text
    assert "Расход: <b>4\u00a0000 кВт·ч</b>, в среднем за месяц: 1\u00a0000 кВт·ч." in text
    assert f'name="m{meter.pk}-confirm_jump"' in text and f'name="m{meter.pk}-asked_value" value="20000"' in text
    assert not meter.readings.filter(period=NOV).exists()

    response = post_reading(client_in, meter, "20000", confirm_jump="on", asked_value="20000")
    assert response.status_code == 302
    reading = meter.readings.get(period=NOV)
    assert (reading.consumption, reading.jump_confirmed) == (Decimal("4000"), True)


def test_a_confirmation_does_not_cover_a_changed_value(client_in, meter):
    response = post_reading(client_in, meter, "21000", confirm_jump="on", asked_value="20000")
    assert response.status_code == 200 and "Необычно большой расход." in response.content.decode()
    assert not meter.readings.filter(period=NOV).exists()


def test_a_second_submission_replaces_the_first(client_in, meter):
    post_reading(client_in, meter, "17000")
    post_reading(client_in, meter, "17100")
    assert list(meter.readings.filter(period=NOV).values_list("value", flat=True)) == [Decimal("17100")]


def test_viewing_the_readings_is_in_the_audit_log(client_in, manager, account, meter):
    client_in.get(readings_url(account))
    (entry,) = accesses(account)
    assert entry.actor == manager and entry.additional_data == {"viewed": "показания приборов учёта"}


# --- one meter: history, chart, CSV ---

def test_meter_history_with_consumption_and_chart(client_in, manager, meter):
    add_reading(meter, NOV, "17500", "1500", source=MeterReading.Source.PORTAL, rolled_over=False,
                jump_confirmed=True)
    response = client_in.get(reverse("portal:meter", args=[meter.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count("<tr><td>") == 8
    assert "<td>ноябрь 2026</td>" in text and "17\u00a0500" in text and "1\u00a0500" in text
    assert "подтверждён" in text
    svg = text[text.index("<svg"):text.index("</svg>")]
    assert "<script" not in svg and "<style" not in svg and "style=" not in svg
    assert svg.count('class="rect reactive tooltip-trigger"') == 7  # months with a known consumption
    assert "11.2026" in svg and "05.2026" in svg and "04.2026" not in svg
    (entry,) = accesses(meter)
    assert entry.actor == manager and entry.additional_data["viewed"].startswith("история показаний")


def test_meter_without_consumption_has_no_chart(client_in, account):
    m = make_meter(account=account, group=apartment_group())
    text = client_in.get(reverse("portal:meter", args=[m.pk])).content.decode()
    assert "<svg" not in text and "Показаний ещё нет." in text


def test_meter_history_as_csv(client_in, manager, meter):
    add_reading(meter, NOV, "17500.25", "1500.25", source=MeterReading.Source.PORTAL, rolled_over=True)
    response = client_in.get(reverse("portal:meter_csv", args=[meter.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="meter-{meter.pk}-readings.csv"'
    lines = response.content.decode("utf-8").split("\r\n")
    assert lines[0] == ("\ufeffЛицевой счёт;Прибор;Тарифная зона;Расчётный период;Дата снятия;Показание;"
                        "Расход, кВт·ч;Источник;Переход через ноль;Необычный расход подтверждён")
    assert lines[1] == (f"{meter.account.number};{meter.serial_number};сутки;11.2026;01.11.2026;17500,250;"
                        "1500,250;личный кабинет;да;нет")
    assert lines[-2].startswith(f"{meter.account.number};{meter.serial_number};сутки;04.2026;01.04.2026;10000,000;;")
    assert len(lines) == 10  # header, 8 readings, the final empty line
    assert accesses(meter)[0].additional_data["viewed"].endswith("(CSV)")


# --- who may see what ---

@pytest.mark.parametrize("role", [PortalAccess.Role.ENERGY_MANAGER, PortalAccess.Role.MANAGER])
def test_roles_with_readings_reach_the_pages(client, account, meter, role):
    client.force_login(portal_user(account, role))
    assert client.get(readings_url(account)).status_code == 200
    assert client.get(reverse("portal:meter", args=[meter.pk])).status_code == 200


def test_an_accountant_has_no_readings(client, account, meter):
    client.force_login(portal_user(account, PortalAccess.Role.ACCOUNTANT))
    assert client.get(readings_url(account)).status_code == 404
    assert post_reading(client, meter, "17000").status_code == 404
    assert client.get(reverse("portal:meter", args=[meter.pk])).status_code == 404
    assert client.get(reverse("portal:meter_csv", args=[meter.pk])).status_code == 404
    assert not meter.readings.filter(period=NOV).exists()


def test_another_customers_account_and_meter_answer_404(client_in, account, meter):
    other = make_meter(group=apartment_group())
    assert client_in.get(readings_url(other.account)).status_code == 404
    assert post_reading(client_in, other, "5").status_code == 404
    assert client_in.get(reverse("portal:meter", args=[other.pk])).status_code == 404
    assert client_in.get(reverse("portal:meter_csv", args=[other.pk])).status_code == 404
    assert client_in.get(reverse("portal:meter", args=[999999])).status_code == 404
    assert accesses(other.account) == [] and accesses(other) == []


def test_a_foreign_meter_posted_to_my_account_answers_404(client_in, account, meter):
    other = make_meter(group=apartment_group())
    response = client_in.post(readings_url(account), {"meter": other.pk, f"m{other.pk}-value": "5"})
    assert response.status_code == 404
    assert not other.readings.exists()


def test_anonymous_visitors_and_staff_logins_go_to_the_portal_login(client, operator, account, meter):
    for url in (readings_url(account), reverse("portal:meter", args=[meter.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))
    client.force_login(operator)
    assert client.get(readings_url(account))["Location"].startswith(reverse("portal:login"))
    assert post_reading(client, meter, "17000").status_code == 302
    assert not meter.readings.filter(period=NOV).exists()


def test_a_revoked_link_answers_404(client, account, meter, manager):
    PortalAccess.objects.filter(user=manager).update(status=PortalAccess.Status.REVOKED)
    client.force_login(manager)
    assert client.get(readings_url(account)).status_code == 404
    assert client.get(reverse("portal:meter", args=[meter.pk])).status_code == 404


def test_one_login_with_two_accounts_reaches_both(client, account, meter, manager):
    second = make_meter(group=apartment_group())
    grant(manager, second.account)
    client.force_login(manager)
    assert client.get(readings_url(second.account)).status_code == 200
    assert client.get(reverse("portal:meter", args=[second.pk])).status_code == 200


def test_a_post_after_the_window_closed_shows_the_refusal_and_the_typed_value(after_the_window, meter):
    """The page was opened inside the window and sent after it closed: the form is gone from the page, but the
    refusal and the value typed are shown, so the customer knows what happened and what they sent."""
    response = post_reading(after_the_window, meter, "17 250,5")
    assert response.status_code == 400
    text = response.content.decode()
    assert ("Показания по этому прибору принимаются с 23 по 26 число; следующий приём: 23.12.2026–26.12.2026."
            in text)
    assert "17 250,5" in text
    assert not meter.readings.filter(period__gte=NOV).exists()
