import datetime

import pytest
import time_machine
from auditlog.models import LogEntry
from django.urls import reverse

from abonent.customers.models import Contract, Customer, Representative
from abonent.customers.tests.factories import ContractFactory, CustomerFactory, RepresentativeFactory

VALID = {
    "kind": "legal_entity", "name": "Общество с ограниченной ответственностью «Ромашка»",
    "short_name": "ООО «Ромашка»", "inn": "2221000700", "kpp": "222101001", "ogrn": "1022200523135",
    "legal_address": "г. Барнаул, ул. Попова, 1", "postal_address": "г. Барнаул, ул. Попова, 1",
    "phone": "8 (3852) 22-33-44", "email": "romashka@example.ru", "is_active": "on",
}


@pytest.fixture
def staff_client(client, operator):
    client.force_login(operator)
    return client


def test_create_customer_normalises_phone_and_is_audited(staff_client, operator):
    response = staff_client.post(reverse("customers:create"), VALID)
    customer = Customer.objects.get(inn="2221000700")
    assert response.status_code == 302
    assert customer.phone == "+73852223344"
    entry = LogEntry.objects.get_for_object(customer).get(action=LogEntry.Action.CREATE)
    assert entry.actor == operator
    assert entry.remote_addr == "127.0.0.1"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("inn", "2221000701", "контрольным числом"),
    ("kpp", "22210100", "КПП — 9 знаков"),
    ("ogrn", "1022200523136", "ОГРН должен состоять из 13 цифр"),
    ("phone", "12-34", "Телефон указан неверно"),
    ("email", "not-an-email", "адрес электронной почты"),
    ("inn", "222512345610", "У организации ИНН из 10 цифр"),
])
def test_invalid_requisites_are_refused_with_a_russian_message_and_nothing_saved(staff_client, field, value, message):
    response = staff_client.post(reverse("customers:create"), {**VALID, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Customer.objects.exists()


def test_sole_proprietor_needs_ogrnip_and_no_kpp(staff_client):
    data = {**VALID, "kind": "sole_proprietor", "inn": "222512345610", "kpp": "222101001", "ogrn": "1022200523135"}
    response = staff_client.post(reverse("customers:create"), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "У индивидуального предпринимателя нет КПП" in page
    assert "ОГРНИП должен состоять из 15 цифр" in page
    data.update(kpp="", ogrn="304222116900100")
    assert staff_client.post(reverse("customers:create"), data).status_code == 302
    assert Customer.objects.get(inn="222512345610").is_sole_proprietor


def test_duplicate_contract_number_is_refused(staff_client):
    existing = ContractFactory(number="1234")
    other = CustomerFactory()
    response = staff_client.post(reverse("customers:contract_create", args=[other.pk]), {
        "number": "1234", "signed_on": "2026-01-10", "valid_from": "2026-01-11", "status": "active",
        "price_category": "1", "max_capacity_kw": "100"})
    assert response.status_code == 400
    assert "Договор с таким номером уже есть" in response.content.decode()
    assert list(Contract.objects.all()) == [existing]


def test_contract_ending_before_it_starts_is_refused(staff_client, customer):
    response = staff_client.post(reverse("customers:contract_create", args=[customer.pk]), {
        "number": "77", "signed_on": "2026-01-10", "valid_from": "2026-01-11", "valid_to": "2026-01-01",
        "status": "active", "price_category": "1", "max_capacity_kw": "100"})
    assert response.status_code == 400
    assert "раньше даты начала" in response.content.decode()
    assert not Contract.objects.exists()


@time_machine.travel(datetime.datetime(2026, 11, 29, 10, 0, tzinfo=datetime.UTC))
def test_expired_power_of_attorney_is_refused(staff_client, customer):
    response = staff_client.post(reverse("customers:representative_create", args=[customer.pk]), {
        "full_name": "Сидоров А. Ю.", "poa_number": "5/Д", "poa_issued_on": "2025-01-01",
        "poa_valid_until": "2026-11-28"})
    assert response.status_code == 400
    assert "Срок действия доверенности истёк" in response.content.decode()
    assert not Representative.objects.exists()


def test_expired_power_of_attorney_never_counts(customer):
    rep = RepresentativeFactory(customer=customer, poa_issued_on=datetime.date(2025, 1, 1),
                                poa_valid_until=datetime.date(2025, 12, 31))
    assert rep.is_valid_on(datetime.date(2025, 12, 31))
    assert not rep.is_valid_on(datetime.date(2026, 1, 1))
    assert list(Representative.objects.valid_on(datetime.date(2026, 1, 1))) == []
    rep.poa_valid_until = datetime.date(2027, 1, 1)
    rep.is_revoked = True
    assert not rep.is_valid_on(datetime.date(2026, 1, 1))


def test_viewing_a_customer_card_is_in_the_audit_log(staff_client, operator, customer):
    response = staff_client.get(customer.get_absolute_url())
    assert response.status_code == 200
    access = LogEntry.objects.get_for_object(customer).get(action=LogEntry.Action.ACCESS)
    assert access.actor == operator
    assert "карточка клиента" in access.additional_data["viewed"]


def test_change_is_audited_with_the_old_and_new_value(staff_client, customer):
    staff_client.post(reverse("customers:edit", args=[customer.pk]), {
        **VALID, "inn": customer.inn, "kpp": customer.kpp, "ogrn": customer.ogrn, "short_name": "ООО «Новое»"})
    entry = LogEntry.objects.get_for_object(customer).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.changes_dict["short_name"][1] == "ООО «Новое»"


def test_audit_log_cannot_be_edited_through_the_admin(client, organisation):
    from django.contrib import admin

    from abonent.users.models import User

    entry = LogEntry.objects.log_create(CustomerFactory(), force_log=True, action=LogEntry.Action.ACCESS)
    client.force_login(User.objects.create_superuser("root", "r@example.ru", "pass"))
    change_url = reverse("admin:auditlog_logentry_change", args=[entry.pk])
    client.post(change_url, {"object_repr": "подмена"})
    client.post(reverse("admin:auditlog_logentry_delete", args=[entry.pk]), {"post": "yes"})
    entry.refresh_from_db()
    assert entry.object_repr != "подмена"
    assert admin.site._registry[LogEntry].has_add_permission(None) is False


def test_executor_cannot_create_customers(client, executor):
    client.force_login(executor)
    assert client.get(reverse("customers:create")).status_code == 403
    assert client.post(reverse("customers:create"), VALID).status_code == 403
    assert not Customer.objects.exists()


def test_customer_search_by_name_inn_and_contract(staff_client):
    a = CustomerFactory(name="Общество «Алтайский Пекарь»", short_name="ООО «Алтайский Пекарь»")
    b = CustomerFactory()
    ContractFactory(customer=b, number="5555-1")
    assert list(Customer.objects.search("пекарь")) == [a]
    assert list(Customer.objects.search(b.inn)) == [b]
    assert list(Customer.objects.search("5555")) == [b]
    response = staff_client.get(reverse("customers:list"), {"q": "пекарь"}, headers={"HX-Request": "true"})
    assert "Алтайский Пекарь" in response.content.decode()
    assert "<html" not in response.content.decode()


def test_customer_list_has_no_n_plus_one(staff_client, django_assert_max_num_queries):
    for _ in range(10):
        ContractFactory()
    with django_assert_max_num_queries(12):
        staff_client.get(reverse("customers:list"))


def test_audit_log_page_for_heads_only(client, supervisor, operator):
    client.force_login(operator)
    assert client.get(reverse("core:audit_log")).status_code == 403
    client.force_login(supervisor)
    assert client.get(reverse("core:audit_log")).status_code == 200
