"""The notification screens in a browser, as a head uses them: the journal and a proof of notice, a template's
example with its variables, a campaign's example, dry run and approval."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from abonent.notifications import compose
from abonent.notifications.models import Campaign, NotificationType
from abonent.notifications.tests.factories import account_of, balance

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_head_finds_a_notice_and_shows_its_proof(page, login, supervisor):
    account = account_of()
    compose.notify(type_code="debt", customer=account.customer, account=account, key="b",
                   debt=Decimal("1234.50"), as_of=dt.date(2026, 5, 1))
    login("supervisor")
    page.goto("/notifications/")
    page.get_by_label("Канал").select_option(label="электронная почта")
    page.get_by_role("button", name="Показать").click()
    rows = page.locator("#journal tbody tr")
    expect(rows).to_have_count(1)
    rows.first.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Задолженность")
    text = page.locator("#notice-text")
    expect(text).to_contain_text("задолженность 1\u00a0234,50\u00a0₽")
    assert text.inner_text().startswith(f"Уважаемый клиент {account.customer}!\n\nПо данным на 01.05.2026")


def test_head_previews_a_template_for_a_customer_found_by_inn(page, login, supervisor):
    account = account_of()
    balance(account, dt.date(2026, 4, 30), "15000.50")
    kind = NotificationType.objects.get(code="debt")
    login("supervisor")
    page.goto(f"/notifications/types/{kind.pk}/preview/")
    page.get_by_label("Канал").select_option(label="личный кабинет")
    page.get_by_label("Клиент для примера").fill(account.customer.inn)
    page.get_by_role("button", name="Показать").click()
    expect(page.locator("#preview")).to_contain_text("Задолженность 15\u00a0000,50\u00a0₽")
    variables = page.locator("#variables")
    expect(variables.get_by_role("row", name=re.compile(r"\{\{ as_of\|date:'d\.m\.Y' \}\}\s+30\.04\.2026"))) \
        .to_be_visible()


def test_head_sees_a_campaigns_example_counts_it_and_approves_it(page, login, supervisor):
    targets = [account_of() for _ in range(2)]
    campaign = Campaign.objects.create(title="Новый порядок", type=NotificationType.objects.get(code="rules_change"),
                                       subject="Изменение порядка приёма показаний",
                                       text="Первая строка.\nВторая строка.", created_by=supervisor)
    login("supervisor")
    page.goto(f"/notifications/campaigns/{campaign.pk}/")
    samples = page.locator("#samples")
    expect(samples).to_contain_text(f"Уважаемый клиент {targets[0].customer}!")
    assert "Первая строка.\nВторая строка." in samples.inner_text()  # as the letter has it, line by line
    page.get_by_role("button", name="Пробный подсчёт").click()
    expect(page.locator("#dry-run")).to_contain_text("клиентов — 2, уведомлений — 2")
    expect(page.locator("#dry-run-channels")).to_contain_text("электронная почта: 2")
    page.get_by_role("button", name="Утвердить и разослать").click()
    expect(page.locator("#campaign-status")).to_have_text("разослана")
