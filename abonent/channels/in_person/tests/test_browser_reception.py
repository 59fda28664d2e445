import re

import pytest
from playwright.sync_api import expect

from abonent.appeals.models import Appeal
from abonent.channels.in_person.models import Visit, VisitDocument

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

def _card_loaded(page) -> None:
    # Wait for the load event, not just the URL: htmx binds its triggers on DOMContentLoaded, and typing into
    # the search box before that would send nothing.
    page.wait_for_url(re.compile(r"/reception/\d+/$"), wait_until="load")


def test_specialist_serves_a_visitor_from_start_to_end(page, login, operator, contract):
    login("operator")
    page.goto("/reception/")
    expect(page.get_by_role("heading", name="Приём посетителей")).to_be_visible()

    page.get_by_label("Посетитель (ФИО, как представился)").fill("Сидоров Алексей Юрьевич")
    page.get_by_role("button", name="Начать приём").click()
    _card_loaded(page)
    expect(page.locator("#visit-state")).to_have_text("идёт приём")

    page.get_by_label("Номер договора энергоснабжения").fill("7788-Э")
    page.get_by_role("button", name="Идентифицировать по договору").click()
    # The htmx answer carries its own notice (role="status"): the card was swapped in place, not reloaded.
    expect(page.get_by_role("status")).to_have_text("Посетитель идентифицирован.")
    expect(page.locator("#identification")).to_contain_text(contract.customer.name)

    page.get_by_label("Движение").select_option("issued")
    page.get_by_label("Вид документа").select_option("statement")
    page.locator("#document_title").fill("Выписка по лицевому счёту за январь")
    page.get_by_role("button", name="Внести документ в реестр").click()
    expect(page.get_by_text("Документ внесён в реестр.")).to_be_visible()
    expect(page.locator("#visit-documents")).to_contain_text("Выписка по лицевому счёту за январь")

    page.get_by_label("Вид обращения").select_option("complaint")
    page.get_by_label("Текст обращения (со слов посетителя или по заявлению)").fill(
        "Третий месяц не выдают акт сверки, специалист отказал без объяснений.")
    page.get_by_label("Способ ответа").select_option("in_person")
    page.get_by_role("button", name="Зарегистрировать обращение").click()
    expect(page.locator("#appeal-number")).to_have_text(re.compile(r"№ \d{4}-\d{6}"))
    appeal = Appeal.objects.get()
    expect(page.locator("#appeal-number")).to_have_text(f"№ {appeal.number}")
    stamp = page.get_by_role("link", name="Печать копии с отметкой о регистрации")
    expect(stamp).to_have_attribute("href", f"/appeals/{appeal.number}/stamp.pdf")

    page.get_by_label("Итог приёма: что разъяснено или сделано").fill(
        "Выдана выписка, жалоба зарегистрирована, посетителю сообщены номер и срок ответа.")
    page.get_by_role("button", name="Завершить приём").click()
    expect(page.locator("#visit-state")).to_have_text("приём завершён")
    expect(page.locator("#visit-outcome")).to_contain_text("жалоба зарегистрирована")

    visit = Visit.objects.get()
    assert (visit.customer, visit.identification, visit.appeal, visit.specialist, visit.ended_by) == (
        contract.customer, "contract_number", appeal, operator, operator)
    assert (appeal.kind, appeal.channel, appeal.reply_channel, appeal.customer) == (
        "complaint", "in_person", "in_person", contract.customer)
    document = VisitDocument.objects.get()
    assert (document.direction, document.doc_type, document.receiver_name) == (
        "issued", "statement", "Сидоров Алексей Юрьевич")
    assert sorted(visit.purpose_codes) == ["appeal", "documents_issued"]

    page.goto("/reception/")
    expect(page.locator("#visit-log")).to_contain_text(f"№ {appeal.number}")
    expect(page.locator("#visit-log")).to_contain_text("завершён")


def test_specialist_finds_the_customer_and_checks_the_power_of_attorney(
        page, login, operator, contract, valid_representative, expired_representative):
    login("operator")
    page.goto("/reception/")
    page.get_by_label("Посетитель (ФИО, как представился)").fill("Кузнецов Игорь Петрович")
    page.get_by_role("button", name="Начать приём").click()
    _card_loaded(page)

    page.get_by_label("Найти клиента: наименование, ИНН или № договора").fill("пекарь")
    results = page.locator("#customer-results tbody tr")
    expect(results).to_have_count(1)
    results.get_by_role("button", name="Выбрать").click()
    select = page.get_by_label("Представитель по доверенности")
    until = f"{expired_representative.poa_valid_until:%d.%m.%Y}"
    expired = f"Кузнецов Игорь Петрович, дов. № 3/Д по {until} — недействительна"
    expect(select.locator("option", has_text="Кузнецов")).to_have_text(expired)

    select.select_option(label=expired)
    page.get_by_role("button", name="Идентифицировать по доверенности").click()
    expect(page.locator("#identification .errorlist")).to_contain_text(
        f"истекла {expired_representative.poa_valid_until:%d.%m.%Y}")
    assert Visit.objects.get().identification == "none"

    page.get_by_label("Представитель по доверенности").select_option(str(valid_representative.pk))
    page.get_by_role("button", name="Идентифицировать по доверенности").click()
    expect(page.get_by_role("status")).to_have_text("Посетитель идентифицирован.")
    expect(page.locator("#identification")).to_contain_text("действительна на дату приёма")
    visit = Visit.objects.get()
    assert (visit.representative, visit.poa_valid, visit.customer) == (valid_representative, True, contract.customer)
