import datetime
from decimal import Decimal

import factory

from abonent.core.validators import complete_inn, complete_ogrn, complete_ogrnip
from abonent.customers.models import BillingAccount, ContactPerson, Contract, Customer, Representative


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    kind = Customer.Kind.LEGAL_ENTITY
    name = factory.Sequence(lambda n: f"Общество с ограниченной ответственностью «Тест-{n}»")
    short_name = factory.Sequence(lambda n: f"ООО «Тест-{n}»")
    inn = factory.Sequence(lambda n: complete_inn(f"2224{50000 + n:05d}"))
    kpp = "222401001"
    ogrn = factory.Sequence(lambda n: complete_ogrn(f"1022240{n:05d}"))
    legal_address = "656000, г. Барнаул, пр-т Ленина, 1"
    postal_address = "656000, г. Барнаул, пр-т Ленина, 1"
    phone = "+73852200000"
    email = factory.Sequence(lambda n: f"client{n}@example.ru")


class SoleProprietorFactory(CustomerFactory):
    kind = Customer.Kind.SOLE_PROPRIETOR
    name = factory.Sequence(lambda n: f"Индивидуальный предприниматель Петров Пётр {n}")
    short_name = factory.Sequence(lambda n: f"ИП Петров П. {n}")
    inn = factory.Sequence(lambda n: complete_inn(f"2224{500000 + n:06d}"))
    kpp = ""
    ogrn = factory.Sequence(lambda n: complete_ogrnip(f"30422240{n:06d}"))


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    customer = factory.SubFactory(CustomerFactory)
    number = factory.Sequence(lambda n: f"T-{n:05d}")
    signed_on = datetime.date(2024, 1, 10)
    valid_from = datetime.date(2024, 1, 11)
    max_capacity_kw = Decimal("150")


class BillingAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BillingAccount

    contract = factory.SubFactory(ContractFactory)
    number = factory.Sequence(lambda n: f"99{n:08d}")
    object_name = "Склад"
    address = "г. Барнаул, ул. Попова, 10"


class ContactPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPerson

    customer = factory.SubFactory(CustomerFactory)
    full_name = "Иванов Иван Иванович"
    phone = "+79131234567"
    email = "ivanov@example.ru"


class RepresentativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Representative

    customer = factory.SubFactory(CustomerFactory)
    full_name = "Сидоров Алексей Юрьевич"
    poa_number = factory.Sequence(lambda n: f"{n}/Д")
    poa_issued_on = datetime.date(2026, 1, 15)
    poa_valid_until = datetime.date(2027, 12, 31)
