"""The portal's home page, account state and financial documents: what each role sees, 404 for anything
not linked to the login, the audit of every view of money, and fixed query counts."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from abonent.billing.models import Balance, Charge, FinancialDocument, Payment
from abonent.customers.models import Customer, PortalAccess
from abonent.customers.tests.factories import BillingAccountFactory, ContractFactory, CustomerFactory
from abonent.users.models import User

pytestmark = pytest.mark.django_db

D = Decimal
R = PortalAccess.Role
NOW = dt.datetime(2026, 4, 15, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


# --- Helpers shared with the appeals tests ---------------------------------------------------------------


def portal_user(email: str = "director@example.ru", **extra) -> User:
    defaults = {"last_name": "Петров", "first_name": "Иван", "middle_name": "Сергеевич", "phone": "+79131234567"}
    return User.objects.create_user(username=email, email=email, password="pass",  # noqa: S106
                                    kind=User.Kind.CUSTOMER, **{**defaults, **extra})


def link(user: User, account, role: str = R.MANAGER, status: str = PortalAccess.Status.ACTIVE) -> PortalAccess:
    return PortalAccess.objects.create(user=user, account=account, role=role, status=status,
                                       granted_via=PortalAccess.GrantedVia.STAFF, decided_at=timezone.now())


def text_of(response) -> str:
    """The page's visible text, whitespace collapsed (non-breaking spaces kept as in money)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html))


def accesses_logged(obj) -> list[str]:
    return [e.additional_data["viewed"] for e in LogEntry.objects.get_for_object(obj)
            .filter(action=LogEntry.Action.ACCESS).order_by("pk")]


_numbers = iter(range(1, 10**6))


def charge(account, period, amount, planned=None):
    return Charge.objects.create(account=account, external_id=f"c{next(_numbers)}", period=period,
                                 amount=D(amount), planned_amount=D(planned) if planned else None)


def pay(account, paid_on, amount, **extra):
    return Payment.objects.create(account=account, external_id=f"p{next(_numbers)}", paid_on=paid_on,
                                  amount=D(amount), **extra)


def document(account, kind=FinancialDocument.Kind.INVOICE, issued_on=dt.date(2026, 3, 31), **extra):
    n = next(_numbers)
    fields = {"number": f"С-{n}", "period": issued_on.replace(day=1), "amount": D("149972.16"),
              "vat": D("27044.16"), **extra}
    return FinancialDocument.objects.create(account=account, external_id=f"d{n}", kind=kind, issued_on=issued_on,
                                            **fields)


# --- Fixtures ---------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def steel():
    customer = CustomerFactory(name="Акционерное общество «Сталь»", short_name="АО «Сталь»")
    return customer


@pytest.fixture
def plant(steel):
    account = BillingAccountFactory(contract__customer=steel, number="2200000001", object_name="Цех № 1")
    charge(account, dt.date(2026, 3, 1), "149972.16", planned="144204.00")
    charge(account, dt.date(2026, 4, 1), "0.00", planned="150000.00")
    pay(account, dt.date(2026, 3, 6), "43261.20")
    pay(account, dt.date(2026, 3, 24), "57681.60")
    pay(account, dt.date(2026, 4, 9), "45000.00", document_number="311")
    Balance.objects.create(account=account, as_of=dt.date(2026, 4, 10), amount=D("49029.36"), overdue=D("0"))
    return account


@pytest.fixture
def warehouse(steel):
    account = BillingAccountFactory(contract=ContractFactory(customer=steel), number="2200000002",
                                    object_name="Склад")
    Balance.objects.create(account=account, as_of=dt.date(2026, 4, 10), amount=D("-1200.50"))
    return account


@pytest.fixture
def housing_account():
    customer = CustomerFactory(kind=Customer.Kind.HOUSING_ASSOCIATION, name="ТСЖ «Берёзка»", short_name="ТСЖ «Берёзка»")
    account = BillingAccountFactory(contract__customer=customer, number="2200000003", object_name="Дом")
    charge(account, dt.date(2026, 3, 1), "30000.00")
    Balance.objects.create(account=account, as_of=dt.date(2026, 3, 31), amount=D("30000.00"), overdue=D("5000"))
    return account


@pytest.fixture
def director(plant, warehouse, housing_account):
    user = portal_user()
    link(user, plant)
    link(user, warehouse, R.ACCOUNTANT)
    link(user, housing_account, R.ENERGY_MANAGER)
    return user


@pytest.fixture
def client_in(client, director):
    client.force_login(director)
    return client


@pytest.fixture
def stranger_account():
    account = BillingAccountFactory(number="2299999999")
    Balance.objects.create(account=account, as_of=dt.date(2026, 4, 10), amount=D("777.00"))
    return account


# --- Home -------------------------------------------------------------------------------------------------


def test_home_groups_the_accounts_by_customer_with_balance_and_next_payment(client_in, plant, warehouse,
                                                                              housing_account):
    response = client_in.get(reverse("portal:home"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = text_of(response)
    steel_at, housing_at = page.index("АО «Сталь»"), page.index("ТСЖ «Берёзка»")
    assert steel_at < page.index("№ 2200000001") < page.index("№ 2200000002") < housing_at \
        < page.index("№ 2200000003")
    assert "Задолженность 49\xa0029,36\xa0₽ по данным на 10.04.2026" in page
    assert "Переплата (аванс) 1\xa0200,50\xa0₽ по данным на 10.04.2026" in page
    # The 30 % of April is paid (09.04); the March balance is due 20.04 (18.04 is a Saturday).
    assert "Ближайший платёж: до 20.04.2026 — 49\xa0029,36\xa0₽" in page
    # The energy manager of the housing association sees no money at all.
    assert "30\xa0000,00" not in page and "5\xa0000,00" not in page
    assert "Ваша роль не даёт доступа к расчётам по этому счёту." in page
    html = response.content.decode()
    assert f'href="{reverse("portal:account", args=[plant.pk])}"' in html
    assert f'href="{reverse("portal:account", args=[housing_account.pk])}"' not in html
    assert f'href="{reverse("portal:documents", args=[warehouse.pk])}"' in html
    assert f'{reverse("portal:appeal_new")}?account={housing_account.pk}' in html


def test_home_links_follow_the_role(client_in, plant, warehouse, housing_account):
    html = client_in.get(reverse("portal:home")).content.decode()
    # The energy manager reads meters; the accountant pays; neither crosses over.
    assert f'href="{reverse("portal:readings", kwargs={"account_id": housing_account.pk})}"' in html
    assert f'href="{reverse("portal:readings", kwargs={"account_id": warehouse.pk})}"' not in html
    assert f'href="{reverse("portal:pay", kwargs={"account_id": warehouse.pk})}"' in html
    assert f'href="{reverse("portal:pay", kwargs={"account_id": housing_account.pk})}"' not in html


def test_accountant_reaches_finance_but_not_readings(client, warehouse):
    accountant = portal_user("buh@example.ru")
    link(accountant, warehouse, R.ACCOUNTANT)
    client.force_login(accountant)
    assert client.get(reverse("portal:account", args=[warehouse.pk])).status_code == 200
    assert client.get(reverse("portal:documents", args=[warehouse.pk])).status_code == 200
    assert client.get(reverse("portal:readings", kwargs={"account_id": warehouse.pk})).status_code == 404


def test_home_records_each_view_of_money(client_in, plant, warehouse, housing_account):
    client_in.get(reverse("portal:home"))
    assert accesses_logged(plant) == ["сальдо и ближайший платёж (главная страница личного кабинета)"]
    assert len(accesses_logged(warehouse)) == 1
    assert accesses_logged(housing_account) == []


def test_home_without_billing_data_says_so(client, director_without_data):
    client.force_login(director_without_data)
    page = text_of(client.get(reverse("portal:home")))
    assert "Сальдо: данные из биллинга ещё не загружены." in page
    assert "Ближайший платёж" not in page


@pytest.fixture
def director_without_data():
    user = portal_user("new@example.ru")
    link(user, BillingAccountFactory())
    return user


def test_home_without_accounts_offers_to_link_one(client):
    client.force_login(portal_user("alone@example.ru"))
    page = text_of(client.get(reverse("portal:home")))
    assert "ещё не подключён ни один лицевой счёт" in page


def test_home_costs_the_same_queries_for_five_accounts_but_the_audit_rows(client, django_assert_max_num_queries):
    one = portal_user("one@example.ru")
    five = portal_user("five@example.ru")
    for user, count in ((one, 1), (five, 5)):
        for n in range(count):
            account = BillingAccountFactory()
            charge(account, dt.date(2026, 3, 1), "1000.00", planned="1000.00")
            pay(account, dt.date(2026, 4, 2), "300.00")
            Balance.objects.create(account=account, as_of=dt.date(2026, 4, 1), amount=D("1000.00"))
            link(user, account, R.MANAGER if n % 2 else R.ACCOUNTANT)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for user in (one, five):
        client.force_login(user)
        client.get(reverse("portal:home"))  # warm the content-type cache
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("portal:home")).status_code == 200
        counts.append(len(queries))
    assert counts[1] == counts[0] + 4  # one audit row more per account, nothing else
    with django_assert_max_num_queries(counts[0] + 4):
        client.get(reverse("portal:home"))
    # The fixed part: session, user, accesses, balances, charges, payments, the calendar of the
    # business due dates (9), the menu's capabilities, the organisation; plus the audit rows.
    assert counts[1] <= 25


def test_staff_and_anonymous_visitors_go_to_the_portal_login(client, operator):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))
    client.force_login(operator)
    assert client.get(reverse("portal:home")).status_code == 302


# --- Account state ----------------------------------------------------------------------------------------


def test_account_state_shows_balance_schedule_and_history(client_in, plant):
    response = client_in.get(reverse("portal:account", args=[plant.pk]))
    assert response.status_code == 200
    page = text_of(response)
    assert "Задолженность 49\xa0029,36\xa0₽ по данным на 10.04.2026" in page
    assert "График платежей на апрель 2026" in page
    assert re.search(r"10\.04\.2026 30 % стоимости объёма.*?45\xa0000,00\xa0₽ 45\xa0000,00\xa0₽ 0,00\xa0₽ оплачено",
                     page)
    assert re.search(r"20\.04\.2026 перенос с 18\.04 окончательный расчёт.*?49\xa0029,36\xa0₽ 0,00\xa0₽ "
                     r"49\xa0029,36\xa0₽ к оплате", page)
    assert re.search(r"27\.04\.2026 перенос с 25\.04 40 %.*?60\xa0000,00\xa0₽", page)
    assert re.search(r"18\.05\.2026 окончательный расчёт.*?— 0,00\xa0₽ — сумма определится после начисления", page)
    assert "март 2026 149\xa0972,16\xa0₽ 100\xa0942,80\xa0₽ 1 начисление, 2 оплаты" in page
    assert "09.04.2026 — 45\xa0000,00\xa0₽, платёжное поручение № 311" in page
    assert accesses_logged(plant) == ["состояние расчётов: сальдо, график платежей, начисления и оплаты"]


def test_housing_association_schedule_has_one_payment_by_the_15th(client, housing_account):
    accountant = portal_user("buh@example.ru")
    link(accountant, housing_account, R.ACCOUNTANT)
    client.force_login(accountant)
    page = text_of(client.get(reverse("portal:account", args=[housing_account.pk])))
    assert "Оплата за месяц вносится до 15-го числа следующего месяца." in page
    assert re.search(r"15\.04\.2026 оплата за месяц стоимость за март 2026 30\xa0000,00\xa0₽ 03\.2026 "
                     r"30\xa0000,00\xa0₽ 0,00\xa0₽ 30\xa0000,00\xa0₽ к оплате", page)
    assert "в том числе просрочено 5\xa0000,00\xa0₽" in page


def test_account_history_pages_through_years(client, django_assert_max_num_queries):
    user = portal_user("history@example.ru")
    account = BillingAccountFactory()
    link(user, account)
    for year in range(2021, 2026):
        for month in range(1, 13):
            charge(account, dt.date(year, month, 1), f"{year}.{month:02d}")
            pay(account, dt.date(year, month, 20), "10.00")
    client.force_login(user)
    first = text_of(client.get(reverse("portal:account", args=[account.pk])))
    assert "стр. 1 из 5" in first and "декабрь 2025" in first and "январь 2025" in first
    assert "декабрь 2024" not in first
    last = text_of(client.get(reverse("portal:account", args=[account.pk]), {"page": 5}))
    assert "январь 2021 2\xa0021,01\xa0₽ 10,00\xa0₽" in last
    with django_assert_max_num_queries(30):
        client.get(reverse("portal:account", args=[account.pk]), {"page": 3})


def test_account_without_data_says_so(client, director_without_data):
    client.force_login(director_without_data)
    account = director_without_data.portal_accesses.get().account
    page = text_of(client.get(reverse("portal:account", args=[account.pk])))
    assert "Сальдо: данные из биллинга ещё не загружены." in page
    assert "Расчёт графика невозможен: данные из биллинга ещё не загружены." in page
    assert "Начислений и оплат нет: данные из биллинга ещё не загружены." in page


def test_pay_button_on_the_account_state(client_in, plant):
    html = client_in.get(reverse("portal:account", args=[plant.pk])).content.decode()
    assert f'href="{reverse("portal:pay", kwargs={"account_id": plant.pk})}"' in html


@pytest.mark.parametrize("name", ["portal:account", "portal:documents"])
def test_energy_manager_gets_404_for_finance_pages(client_in, housing_account, name):
    assert client_in.get(reverse(name, args=[housing_account.pk])).status_code == 404


@pytest.mark.parametrize("name", ["portal:account", "portal:documents"])
def test_other_customers_and_unconfirmed_accounts_are_404(client_in, director, stranger_account, name):
    assert client_in.get(reverse(name, args=[stranger_account.pk])).status_code == 404
    pending = BillingAccountFactory()
    link(director, pending, status=PortalAccess.Status.PENDING)
    assert client_in.get(reverse(name, args=[pending.pk])).status_code == 404
    assert client_in.get(reverse(name, args=[999999])).status_code == 404
    assert accesses_logged(stranger_account) == []


def test_revoked_link_closes_the_account(client_in, director, plant):
    PortalAccess.objects.filter(user=director, account=plant).update(status=PortalAccess.Status.REVOKED)
    assert client_in.get(reverse("portal:account", args=[plant.pk])).status_code == 404
    assert "2200000001" not in text_of(client_in.get(reverse("portal:home")))


# --- Documents --------------------------------------------------------------------------------------------


def test_documents_filter_by_kind_and_period_and_page(client_in, plant):
    for month in range(1, 13):
        document(plant, issued_on=dt.date(2025, month, 28), number=f"С-25-{month:02d}")
        document(plant, kind=FinancialDocument.Kind.ACT, issued_on=dt.date(2025, month, 28), number=f"А-25-{month:02d}")
    url = reverse("portal:documents", args=[plant.pk])
    page = text_of(client_in.get(url))
    assert "стр. 1 из 2" in page and "Счёт на оплату № С-25-12" in page
    acts = text_of(client_in.get(url, {"kind": "act", "period_from": "2025-03", "period_to": "2025-05"}))
    assert re.findall(r"№ ([СА]-25-\d\d)", acts) == ["А-25-05", "А-25-04", "А-25-03"]
    second = text_of(client_in.get(url, {"page": 2}))
    assert "стр. 2 из 2" in second
    assert re.findall(r"№ ([СА]-25-\d\d)", second) == ["А-25-02", "С-25-02", "А-25-01", "С-25-01"]
    invoices = text_of(client_in.get(url, {"kind": "invoice", "page": 2}))  # 12 fit on one page: the last
    assert "С-25-12" in invoices and "А-25" not in invoices
    bad = client_in.get(url, {"period_from": "2025-06", "period_to": "2025-01"})
    assert bad.status_code == 400 and "Конец периода раньше его начала." in text_of(bad)
    assert accesses_logged(plant)[-1] == "список финансовых документов"


def test_document_page_shows_the_document(client_in, plant):
    doc = document(plant, due_on=dt.date(2026, 4, 10), lines=[
        {"name": "Электрическая энергия (мощность)", "quantity": "12480", "price": "9.85", "amount": "149972.16",
         "vat": "27044.16"}])
    response = client_in.get(reverse("portal:document", args=[doc.pk]))
    assert response.status_code == 200
    page = text_of(response)
    assert f"Счёт на оплату № {doc.number} от 31.03.2026" in page
    assert "Сумма с НДС 149\xa0972,16\xa0₽" in page and "Оплатить до 10.04.2026" in page
    assert reverse("portal:document_pdf", args=[doc.pk]) + "?inline=1" in response.content.decode()
    assert accesses_logged(doc) == ["финансовый документ"]


def test_documents_of_others_and_of_the_energy_manager_are_404(client_in, stranger_account, housing_account):
    for doc in (document(stranger_account), document(housing_account)):
        assert client_in.get(reverse("portal:document", args=[doc.pk])).status_code == 404
        assert client_in.get(reverse("portal:document_pdf", args=[doc.pk])).status_code == 404


def test_document_pdf_downloads_and_opens_inline_for_printing(client_in, plant):
    doc = document(plant)
    response = client_in.get(reverse("portal:document_pdf", args=[doc.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("attachment;")
    inline = client_in.get(reverse("portal:document_pdf", args=[doc.pk]), {"inline": "1"})
    assert inline["Content-Disposition"].startswith("inline;")
    assert accesses_logged(doc) == ["PDF финансового документа", "PDF финансового документа (печать)"]
