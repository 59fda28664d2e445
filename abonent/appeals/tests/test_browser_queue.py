import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from abonent.appeals.models import Appeal
from abonent.appeals.search import index_appeal
from abonent.appeals.tests.factories import register
from abonent.organisation.models import Topic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def settled(page):
    """htmx wires swapped-in content after its settle delay; a person never clicks within those ms, a test may."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def test_head_works_the_queue_tabs_and_search_then_gets_a_refusal_on_the_card(page, login, operator, executor,
                                                                             supervisor):
    readings = Topic.objects.get(code="readings")
    late = register(registered_by=operator, topic=readings, subject="Перерасчёт за март")
    Appeal.objects.filter(pk=late.pk).update(due_at=timezone.now() - datetime.timedelta(days=2))
    other = register(registered_by=operator, subject="Заключение договора")
    for appeal in (late, other):
        index_appeal(appeal.pk)

    login("supervisor")
    page.goto("/appeals/?tab=all")
    rows = page.locator("#queue-results tbody tr")
    expect(rows).to_have_count(2)
    page.get_by_role("link", name=re.compile("^Просрочены")).click()
    expect(page.locator(".tab.active")).to_contain_text("Просрочены")
    expect(page).to_have_url(re.compile(r"tab=overdue"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("просрочено")

    page.get_by_role("link", name=re.compile("^Все")).click()
    expect(page.locator(".tab.active")).to_have_text("Все")
    settled(page)
    search = page.get_by_label("Поиск: номер, ИНН или слова из текста")
    search.fill("заключение")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(other.number)

    rows.first.get_by_role("link", name=other.number).click()
    page.get_by_text("Направить / назначить исполнителя").click()
    page.locator("#assign_executor").select_option(label="Волков Д. Т. (ОТА)")
    page.get_by_role("button", name="Назначить").click()  # the reception group, but the executor is in audit
    expect(page.locator("details[open] [role=alert]")).to_contain_text("не работает в подразделении")
    other.refresh_from_db()
    assert other.executor is None
