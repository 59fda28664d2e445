import pytest
from auditlog.models import LogEntry

from abonent.channels.phone.models import Call
from abonent.customers.tests.factories import BillingAccountFactory, ContractFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_identification_gate_in_the_browser(page, login, agent, pbx):
    account = BillingAccountFactory(number="9900112233", contract=ContractFactory(number="7788-Э"))
    pbx(event="newCall", call_id="b-1", direction="in", from_="+73852200000", to="+73852501240")
    pbx(event="answer", call_id="b-1", answeringNumber="101")
    login("agent")
    page.goto("/callcentre/")
    page.wait_for_selector("text=Разговор: 8 (3852) 20-00-00")
    page.get_by_role("link", name="Карточка звонка").click()
    page.wait_for_selector("text=№ 7788-Э")
    assert page.locator("#settlements").count() == 0
    page.get_by_label("Способ").select_option("account_number")
    page.get_by_label("Как представился звонящий").fill("Иванов Пётр, бухгалтер")
    page.get_by_label("Названный номер лицевого счёта или договора").fill("9900112233")
    page.get_by_role("button", name="Записать идентификацию").click()
    page.wait_for_selector("#settlements")
    assert "ещё не загружены" in page.locator("#settlements").inner_text()
    customer = account.contract.customer
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_pk=str(customer.pk)).count() == 1
    assert Call.objects.get().identifications.get().caller_name == "Иванов Пётр, бухгалтер"
