import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from abonent.channels.in_person import services
from abonent.channels.in_person.models import VisitDocument
from abonent.channels.in_person.services import DocumentEntry
from abonent.customers.tests.factories import ContractFactory, CustomerFactory

URL = reverse("in_person:documents")
T = VisitDocument.Type


def _issue(operator, contract, doc_type: str, *, copies: int = 1, title: str = "", when=None, direction="issued"):
    with time_machine.travel(when or timezone.now(), tick=False):
        visit = services.start_visit(visitor_name="Сидоров Алексей Юрьевич", specialist=operator)
        services.identify_visitor(visit=visit, method="contract_number", contract_number=contract.number,
                                  identified_by=operator)
        return services.record_document(visit=visit, entry=DocumentEntry(
            direction=direction, doc_type=doc_type, title=title, copies=copies, receiver_name="Сидоров А. Ю."),
            recorded_by=operator)


@pytest.fixture
def other_contract(db):
    return ContractFactory(customer=CustomerFactory(name="ТСЖ «Кедр»", short_name="ТСЖ «Кедр»"), number="5500")


@pytest.fixture
def register(operator, contract, other_contract):
    """Three issued this month (two to the bakery), one received, one issued two months ago."""
    today = timezone.localdate()
    noon = timezone.make_aware(datetime.datetime.combine(today, datetime.time(12)))
    return {
        "payment": _issue(operator, contract, T.PAYMENT_DOCUMENT, copies=2, title="Счёт-фактура за январь"),
        "statement": _issue(operator, contract, T.STATEMENT, title="Выписка по лицевому счёту"),
        "kedr": _issue(operator, other_contract, T.CERTIFICATE, copies=3, title="Справка об отсутствии долга"),
        "received": _issue(operator, contract, T.APPLICATION, title="Заявление о перерасчёте", direction="received"),
        "old": _issue(operator, contract, T.PAYMENT_DOCUMENT, title="Акт за прошлый квартал",
                      when=noon - datetime.timedelta(days=62)),
    }


def _titles(response) -> set[str]:
    return {d.title for d in response.context["page"]}


def test_register_shows_issued_documents_of_this_month_with_totals(desk, register):
    response = desk.get(URL)
    assert response.status_code == 200
    assert _titles(response) == {"Счёт-фактура за январь", "Выписка по лицевому счёту", "Справка об отсутствии долга"}
    assert response.context["totals"] == {"count": 3, "copies": 6}
    assert response.context["by_type"] == [
        {"label": "справка", "count": 1, "copies": 3},
        {"label": "выписка", "count": 1, "copies": 1},
        {"label": "платёжный документ (счёт, счёт-фактура, акт)", "count": 1, "copies": 2},
    ]
    page = response.content.decode()
    assert "Реестр выданных документов" in page
    assert 'id="register-count">3<' in page and 'id="register-copies">6<' in page
    today = timezone.localdate()
    assert f'name="date_from" value="{today.replace(day=1).isoformat()}"' in page
    assert f'name="date_to" value="{today.isoformat()}"' in page


def test_register_filters_by_type(desk, register):
    response = desk.get(URL, {"direction": "issued", "doc_type": "payment_document"})
    assert _titles(response) == {"Счёт-фактура за январь"}
    assert response.context["totals"] == {"count": 1, "copies": 2}


def test_register_filters_by_customer_name_inn_or_contract(desk, register, other_contract):
    assert _titles(desk.get(URL, {"direction": "issued", "q": "кедр"})) == {"Справка об отсутствии долга"}
    assert _titles(desk.get(URL, {"direction": "issued", "q": other_contract.customer.inn})) == {
        "Справка об отсутствии долга"}
    assert _titles(desk.get(URL, {"direction": "issued", "q": "7788-Э"})) == {
        "Счёт-фактура за январь", "Выписка по лицевому счёту"}


def test_register_filters_by_period(desk, register):
    today = timezone.localdate()
    old_day = timezone.localdate(register["old"].recorded_at)
    response = desk.get(URL, {"direction": "issued", "date_from": old_day.isoformat(),
                              "date_to": old_day.isoformat()})
    assert _titles(response) == {"Акт за прошлый квартал"}
    response = desk.get(URL, {"direction": "issued", "date_from": (today - datetime.timedelta(days=90)).isoformat(),
                              "date_to": today.isoformat()})
    assert response.context["totals"] == {"count": 4, "copies": 7}
    assert f"За период с {old_day:%d.%m.%Y} по {old_day:%d.%m.%Y}" in desk.get(URL, {
        "date_from": old_day.isoformat(), "date_to": old_day.isoformat()}).content.decode()


def test_register_of_received_and_of_all_documents(desk, register):
    received = desk.get(URL, {"direction": "received"})
    assert _titles(received) == {"Заявление о перерасчёте"}
    assert "Реестр принятых документов" in received.content.decode()
    everything = desk.get(URL, {"direction": ""})
    assert everything.context["totals"] == {"count": 4, "copies": 7}


def test_register_rows_for_htmx(desk, register):
    response = desk.get(URL, {"direction": "issued", "doc_type": "statement"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.lstrip().startswith('<p id="register-period">')
    assert "Выписка по лицевому счёту" in page and "<html" not in page


def test_register_makes_a_fixed_number_of_queries(desk, register, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = desk.get(URL, {"direction": ""})
    assert len(response.context["page"].object_list) == 4
