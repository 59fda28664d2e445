"""Browser journey: an energy manager sends a reading, meets the jump confirmation, confirms it and finds it
in the meter's history and chart."""

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from abonent.billing.tests.test_readings_support import add_history, always_open_group, make_meter, portal_user
from abonent.customers.tests.factories import BillingAccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, user, base_url: str) -> None:
    """The session of a logged-in client, handed to the browser (the journey is about readings, not login)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


@pytest.fixture
def energy_manager_page(page, live_server):
    account = BillingAccountFactory(object_name="Магазин «Продукты»")
    meter = make_meter(account=account, group=always_open_group())
    this_month = timezone.localdate().replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    add_history(meter, last_month, months=7)  # 10 000 … 16 000, 1 000 kWh a month
    sign_in(page, portal_user(account, username="energetik"), live_server.url)
    return page, account, meter


def test_energy_manager_confirms_an_unusual_reading_and_sees_it_in_the_history(energy_manager_page):
    page, account, meter = energy_manager_page
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(f"/portal/accounts/{account.pk}/readings/")
    card = page.locator(f"#meter-{meter.pk}")
    card.get_by_label("Показание за").fill("19 800")
    card.get_by_role("button", name="Передать показание").click()

    card = page.locator(f"#meter-{meter.pk}")
    card.get_by_text("Необычно большой расход.").wait_for()
    assert "Расход: 3\u00a0800 кВт·ч, в среднем за месяц: 1\u00a0000 кВт·ч." in card.inner_text()
    assert meter.readings.count() == 7
    card.get_by_label("Я проверил(а) показание, оно верное").check()
    card.get_by_role("button", name="Подтвердить и передать").click()

    page.locator(".messages li.success").wait_for()
    assert "Показание 19\u00a0800 по прибору" in page.locator(".messages").inner_text()
    reading = meter.readings.order_by("-period").first()
    assert (reading.value, reading.jump_confirmed) == (19800, True)

    page.get_by_role("link", name="История и график расхода").click()
    history = page.locator("#reading-history tbody tr").first
    assert "19\u00a0800" in history.inner_text() and "3\u00a0800" in history.inner_text()
    assert "подтверждён" in history.inner_text()
    assert page.locator(".reading-chart svg .bar").count() == 7
    with page.expect_download() as download:
        page.get_by_role("link", name="Скачать CSV").click()
    assert download.value.suggested_filename == f"meter-{meter.pk}-readings.csv"
