import pytest
from django.core import mail
from playwright.sync_api import expect

from abonent.appeals.models import Appeal, Reply, TypicalAnswer
from abonent.appeals.tests.factories import register
from abonent.organisation.models import Topic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ANSWER = "Показания принимаются в личном кабинете с 20 по 25 число месяца."


def settled(page):
    """htmx wires swapped-in content after its settle delay; a person never clicks within those ms, a test may."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def logout(page):
    page.get_by_role("button", name="Выйти").click()
    page.wait_for_url("**/login/**")


def test_executor_drafts_with_a_typical_answer_signatory_approves_executor_closes(page, login, operator, executor,
                                                                                   signatory):
    readings = Topic.objects.get(code="readings")
    TypicalAnswer.objects.create(question="Как передать показания?", answer=ANSWER, topic=readings)
    appeal = register(registered_by=operator, topic=readings, sender_email="client@example.ru",
                      subject="Как передать показания", text="Подскажите, как передать показания счётчика.")
    mail.outbox.clear()

    login("executor1")
    page.goto(appeal.get_absolute_url())
    page.get_by_role("button", name="Взять в работу").click()
    expect(page.get_by_text("Обращение принято в работу.")).to_be_visible()
    settled(page)
    page.get_by_role("button", name="Вставить: Как передать показания?").click()
    expect(page.get_by_label("Текст ответа")).to_have_value(ANSWER)
    settled(page)
    page.get_by_label("Подписант").select_option(label="Новиков П. Т.")
    page.get_by_role("button", name="Передать на подпись").click()
    expect(page.get_by_text("Ответ передан на подпись: Новиков П. Т.")).to_be_visible()
    expect(page.locator("#appeal-status")).to_have_text("ответ на подписи")
    logout(page)

    login("signer")
    page.goto("/appeals/approvals/")
    card = page.locator("article.approval")
    expect(card).to_contain_text(appeal.number)
    expect(card).to_contain_text(ANSWER)
    card.get_by_role("button", name="Подписать").click()
    expect(card).to_contain_text("направлен клиенту: электронная почта")
    reply = Reply.objects.get()
    assert reply.status == Reply.Status.SENT
    assert [m.to for m in mail.outbox] == [["client@example.ru"]]
    page.goto(appeal.get_absolute_url())
    expect(page.locator("#appeal-status")).to_have_text("ответ направлен")
    logout(page)

    login("executor1")
    page.goto(appeal.get_absolute_url())
    page.get_by_label("Итог (необязательно)").fill("Разъяснено, показания приняты.")
    page.get_by_role("button", name="Закрыть обращение").click()
    expect(page.get_by_text("Обращение закрыто.")).to_be_visible()
    expect(page.locator("#appeal-status")).to_have_text("закрыто")
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.CLOSED
