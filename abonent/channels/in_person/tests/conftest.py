import datetime

import pytest
from django.utils import timezone

from abonent.channels.in_person import services
from abonent.customers.tests.factories import ContractFactory, CustomerFactory, RepresentativeFactory


@pytest.fixture
def contract(db):
    customer = CustomerFactory(name="Общество с ограниченной ответственностью «Алтайский Пекарь»",
                               short_name="ООО «Алтайский Пекарь»", email="bakery@example.ru",
                               postal_address="656000, г. Барнаул, ул. Попова, 5")
    return ContractFactory(customer=customer, number="7788-Э")


@pytest.fixture
def valid_representative(contract):
    today = timezone.localdate()
    return RepresentativeFactory(customer=contract.customer, full_name="Сидоров Алексей Юрьевич", poa_number="12/Д",
                                 poa_issued_on=today - datetime.timedelta(days=30),
                                 poa_valid_until=today + datetime.timedelta(days=300))


@pytest.fixture
def expired_representative(contract):
    today = timezone.localdate()
    return RepresentativeFactory(customer=contract.customer, full_name="Кузнецов Игорь Петрович", poa_number="3/Д",
                                 poa_issued_on=today - datetime.timedelta(days=400),
                                 poa_valid_until=today - datetime.timedelta(days=1))


@pytest.fixture
def visit(operator):
    return services.start_visit(visitor_name="Сидоров Алексей Юрьевич", specialist=operator)


@pytest.fixture
def identified_visit(visit, contract, operator):
    return services.identify_visitor(visit=visit, method="contract_number", contract_number=contract.number,
                                     identified_by=operator)


@pytest.fixture
def desk(client, operator):
    client.force_login(operator)
    return client
