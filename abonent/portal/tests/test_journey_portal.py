"""The portal journey of issue 5: a customer with two billing accounts logs in, opens both accounts, submits a
meter reading, downloads an invoice PDF, pays through the provider's (fake) checkout, writes an appeal; staff
answer it through the appeals services; the customer reads the reply and downloads its signed PDF."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from abonent.appeals.models import Appeal, Reply
from abonent.appeals.services import approve_reply, draft_reply, submit_reply
from abonent.billing.models import Balance, Charge, FinancialDocument, Meter, MeterReading, Payment, ReadingGroup
from abonent.billing.payments.fake import FakeProvider
from abonent.customers.models import PortalAccess
from abonent.customers.tests.factories import BillingAccountFactory, ContractFactory, CustomerFactory
from abonent.organisation.models import Channel
from abonent.portal.tests.factories_auth import PASSWORD, link, portal_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_fake(settings, live_server):
    with FakeProvider(shop_id="test-shop", secret_key="test-secret", webhook_secret="test-webhook",  # noqa: S106
                      webhook_url=f"{live_server.url}/payments/webhook/") as provider:
        settings.PAYMENTS = provider.settings()
        settings.SECURE_CSP = {**settings.SECURE_CSP, "form-action": ["'self'", provider.url]}
        yield provider


def month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


@pytest.fixture
def customer_with_two_accounts(organisation):
    today = dt.date.today()
    customer = CustomerFactory(short_name="ООО «Хлебозавод № 1»", name="Общество «Хлебозавод № 1»")
    contract = ContractFactory(customer=customer, number="22-0007001")
    bakery = BillingAccountFactory(contract=contract, number="2200070011", object_name="Пекарня")
    shop = BillingAccountFactory(contract=contract, number="2200070012", object_name="Магазин")
    last_month = month_start(today, 1)
    Charge.objects.create(account=bakery, external_id="j-c1", period=last_month, amount=Decimal("12200.00"),
                          vat=Decimal("2200.00"), planned_amount=Decimal("10000.00"), volume_kwh=Decimal("1000"))
    Payment.objects.create(account=bakery, external_id="j-p1", paid_on=last_month + dt.timedelta(days=5),
                           amount=Decimal("3000.00"))
    Balance.objects.create(account=bakery, as_of=today, amount=Decimal("9200.00"))
    Balance.objects.create(account=shop, as_of=today, amount=Decimal("-150.00"))
    FinancialDocument.objects.create(account=bakery, external_id="j-d1", kind=FinancialDocument.Kind.INVOICE,
                                     number="С-7001", issued_on=last_month + dt.timedelta(days=27),
                                     period=last_month, amount=Decimal("12200.00"), vat=Decimal("2200.00"))
    always_open = ReadingGroup.objects.create(name="Журнал: приём весь месяц", first_day=1, last_day=31)
    meter = Meter.objects.create(account=bakery, external_id="j-m1", serial_number="011223344",
                                 reading_group=always_open)
    MeterReading.objects.create(meter=meter, period=month_start(today, 2), taken_on=month_start(today, 1),
                                value=Decimal("1000"), source=MeterReading.Source.BILLING)
    user = portal_login("director@hlebozavod.ru", last_name="Егоров", first_name="Виктор")
    link(user, bakery, PortalAccess.Role.MANAGER)
    link(user, shop, PortalAccess.Role.MANAGER)
    return user, bakery, shop, meter


def test_customer_with_two_accounts_reads_pays_writes_and_reads_the_reply(
        page, live_server, live_fake, customer_with_two_accounts, executor, signatory):
    user, bakery, shop, meter = customer_with_two_accounts

    # Log in through the portal's own page.
    page.goto("/portal/login/")
    page.get_by_label("Электронная почта").fill("director@hlebozavod.ru")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.goto("/portal/")
    main = page.locator("main")
    expect(main).to_contain_text("ООО «Хлебозавод № 1»")
    expect(page.locator("#account-" + str(bakery.pk))).to_contain_text("Задолженность 9\xa0200,00\xa0₽")
    expect(page.locator("#account-" + str(shop.pk))).to_contain_text("Переплата (аванс) 150,00\xa0₽")

    # Both accounts.
    page.get_by_role("link", name="Лицевой счёт № 2200070012").click()
    expect(page.get_by_role("heading", name="Лицевой счёт № 2200070012")).to_be_visible()
    expect(main).to_contain_text("Переплата (аванс) 150,00\xa0₽")
    page.goto("/portal/")
    page.get_by_role("link", name="Лицевой счёт № 2200070011").click()
    expect(page.get_by_role("heading", name="Лицевой счёт № 2200070011")).to_be_visible()
    expect(page.locator("#schedule-title")).to_contain_text("График платежей на")
    expect(main).to_contain_text("Задолженность 9\xa0200,00\xa0₽")

    # A meter reading.
    page.locator(".portal-links").get_by_role("link", name="Показания").click()
    page.get_by_label(re.compile("^Показание за")).fill("1100")
    page.get_by_role("button", name="Передать показание").click()
    expect(page.locator(".messages")).to_be_visible()
    assert MeterReading.objects.filter(meter=meter, source=MeterReading.Source.PORTAL,
                                       value=Decimal("1100")).exists()

    # The invoice as PDF.
    page.goto(f"/portal/accounts/{bakery.pk}/")
    page.locator(".portal-links").get_by_role("link", name="Счета и акты").click()
    expect(main).to_contain_text("Счёт на оплату № С-7001")
    with page.expect_download() as download:
        page.get_by_role("link", name="скачать").first.click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"

    # Pay the debt through the provider's checkout page.
    page.goto(f"/portal/accounts/{bakery.pk}/")
    page.locator("#schedule-title").locator("..").get_by_role("link", name="Оплатить").click()
    page.get_by_role("button", name="Перейти к оплате").click()
    page.wait_for_url(f"{live_fake.url}/checkout/**")
    page.get_by_role("button", name="Оплатить").click()
    page.wait_for_url(f"{live_server.url}/portal/payments/**")
    expect(page.locator(".badge")).to_have_text("Оплачено")
    assert Payment.objects.filter(account=bakery, amount=Decimal("9200.00")).exists()

    # An appeal.
    page.goto("/portal/")
    page.get_by_role("navigation").get_by_role("link", name="Обращения").click()
    page.get_by_role("link", name="Написать обращение").click()
    page.get_by_label("Лицевой счёт").select_option(str(bakery.pk))
    page.get_by_label("Вид обращения").select_option("question")
    page.get_by_label("Кратко о чём обращение").fill("Начисление за прошлый месяц")
    page.get_by_label("Текст обращения").fill("Прошу разъяснить, из чего сложилось начисление за прошлый месяц.")
    page.get_by_role("button", name="Отправить обращение").click()
    expect(page.locator(".messages")).to_contain_text("Обращение зарегистрировано под №")
    appeal = Appeal.objects.get()
    assert (appeal.channel, appeal.reply_channel, appeal.billing_account) == (Channel.PORTAL, Channel.PORTAL, bakery)
    expect(main).to_contain_text(f"Обращение № {appeal.number}")

    # Staff answer through the services: draft, submit, sign; the reply goes out at once.
    reply = draft_reply(appeal=appeal, text="Начисление выполнено по показаниям прибора № 011223344.",
                        author=executor)
    submit_reply(reply=reply, submitted_by=executor, signatory=signatory)
    approve_reply(reply=reply, approved_by=signatory)
    reply.refresh_from_db()
    assert reply.status == Reply.Status.SENT

    # The customer reads the reply and downloads it with the signature.
    page.reload()
    expect(main).to_contain_text(f"Ответ исх. № {reply.outgoing_number}")
    expect(main).to_contain_text("Начисление выполнено по показаниям прибора № 011223344.")
    with page.expect_download() as download:
        page.get_by_role("link", name="Скачать ответ с подписью (PDF)").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
