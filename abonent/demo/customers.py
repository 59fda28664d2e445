"""Fifty business customers of all four kinds, deterministic so that a re-run changes nothing."""

import datetime
import random
from decimal import Decimal

from abonent.core.validators import complete_inn, complete_ogrn, complete_ogrnip
from abonent.customers.models import BillingAccount, ContactPerson, Contract, Customer, Representative

STREETS = ["пр-т Ленина", "пр-т Красноармейский", "ул. Попова", "ул. Малахова", "пр-т Строителей",
           "ул. Советская", "ул. Молодёжная", "пр-т Космонавтов", "ул. Павловский тракт", "ул. Антона Петрова",
           "ул. Шумакова", "ул. Георгия Исакова", "пр-т Комсомольский", "ул. Взлётная", "ул. Северо-Западная"]
LEGAL = ["Алтайтеплосервис", "СибАгроТрейд", "Барнаульский хлебокомбинат № 3", "АлтайСтройМонтаж",
         "Прибой-Алтай", "Сибирский Пекарь", "ТехноПарк Барнаул", "Алтайская Логистика", "Меридиан",
         "Энергомашсервис", "Алтайкоксохимснаб", "Западно-Сибирская мебельная фабрика", "Алтай-Фарм",
         "Горизонт-Авто", "Сибирь-Полимер", "Барнаульская типография", "Ремстройсервис", "Чистый Город"]
LEGAL_FORMS = ["ООО", "АО", "ООО", "ООО", "ПАО"]
PEOPLE = [("Иванов", "Сергей", "Петрович"), ("Петрова", "Анна", "Викторовна"), ("Сидоров", "Алексей", "Юрьевич"),
          ("Кузьмина", "Татьяна", "Александровна"), ("Фёдоров", "Михаил", "Олегович"),
          ("Николаева", "Ирина", "Сергеевна"), ("Егоров", "Виктор", "Иванович"), ("Павлова", "Светлана", "Николаевна"),
          ("Орлов", "Константин", "Дмитриевич"), ("Андреева", "Марина", "Геннадьевна"),
          ("Макаров", "Роман", "Владимирович"), ("Захарова", "Людмила", "Аркадьевна")]
HOUSING = ["Северное", "Солнечный", "Парковый", "Берёзка", "Строитель-2", "Уют", "Весна", "Радуга"]
MANAGING = ["Доверие", "Жилищник Индустриального района", "Управдом", "Алтайсервис ЖКХ", "Твой Дом",
            "Комфорт-Сервис"]
# (kind, count): 50 in all
MIX = [(Customer.Kind.LEGAL_ENTITY, 24), (Customer.Kind.SOLE_PROPRIETOR, 12),
       (Customer.Kind.HOUSING_ASSOCIATION, 8), (Customer.Kind.MANAGING_COMPANY, 6)]
OBJECTS = ["Административное здание", "Производственный цех", "Склад", "Магазин", "Котельная",
           "Многоквартирный дом", "Офис", "Автомастерская"]


def _address(rng: random.Random) -> str:
    return f"656{rng.randint(10, 99):03d}, г. Барнаул, {rng.choice(STREETS)}, {rng.randint(1, 250)}"


def _name(kind: str, i: int, rng: random.Random) -> tuple[str, str]:
    if kind == Customer.Kind.SOLE_PROPRIETOR:
        last, first, middle = PEOPLE[i % len(PEOPLE)]
        return (f"Индивидуальный предприниматель {last} {first} {middle}", f"ИП {last} {first[0]}. {middle[0]}.")
    if kind == Customer.Kind.HOUSING_ASSOCIATION:
        word = HOUSING[i % len(HOUSING)]
        return (f"Товарищество собственников жилья «{word}»", f"ТСЖ «{word}»")
    if kind == Customer.Kind.MANAGING_COMPANY:
        word = MANAGING[i % len(MANAGING)]
        return (f"Общество с ограниченной ответственностью «Управляющая компания «{word}»", f"ООО «УК «{word}»")
    form = LEGAL_FORMS[i % len(LEGAL_FORMS)]
    word = LEGAL[i % len(LEGAL)]
    full = {"ООО": "Общество с ограниченной ответственностью", "АО": "Акционерное общество",
            "ПАО": "Публичное акционерное общество"}[form]
    return f"{full} «{word}»", f"{form} «{word}»"


def _requisites(kind: str, serial: int) -> dict[str, str]:
    tax_office = f"222{serial % 5 + 1}"
    if kind == Customer.Kind.SOLE_PROPRIETOR:
        return {"inn": complete_inn(f"{tax_office}{serial:06d}"), "kpp": "",
                "ogrn": complete_ogrnip(f"3042221{serial:07d}")}
    return {"inn": complete_inn(f"{tax_office}{serial:05d}"), "kpp": f"{tax_office}01001",
            "ogrn": complete_ogrn(f"10222{serial:07d}")}


def seed_customers() -> int:
    rng = random.Random(2026)
    today = datetime.date(2026, 1, 1)
    serial = 0
    for kind, count in MIX:
        for i in range(count):
            serial += 1
            name, short = _name(kind, i, rng)
            req = _requisites(kind, serial)
            address = _address(rng)
            customer, created = Customer.objects.get_or_create(inn=req["inn"], kpp=req["kpp"], defaults={
                "kind": kind, "name": name, "short_name": short, "ogrn": req["ogrn"],
                "legal_address": address, "postal_address": address,
                "phone": f"+73852{rng.randint(200000, 799999)}",
                "email": f"client{serial:03d}@example.ru",
            })
            if not created:
                continue
            _contracts(customer, serial, rng, today)
    return Customer.objects.count()


def _contracts(customer: Customer, serial: int, rng: random.Random, today: datetime.date) -> None:
    for n in range(1 + (serial % 3 == 0)):
        signed = today - datetime.timedelta(days=rng.randint(200, 3000))
        contract = Contract.objects.create(
            customer=customer, number=f"{serial:04d}{'' if n == 0 else f'-{n}'}", signed_on=signed,
            valid_from=signed + datetime.timedelta(days=1), status=Contract.Status.ACTIVE,
            price_category=rng.choice([1, 1, 1, 2, 3, 4]),
            max_capacity_kw=Decimal(rng.choice([15, 50, 120, 150, 250, 500, 670, 1200])),
        )
        for k in range(1 + rng.randint(0, 2)):
            BillingAccount.objects.create(
                contract=contract, number=f"22{serial:04d}{n}{k:02d}", object_name=rng.choice(OBJECTS),
                address=_address(rng),
            )
    last, first, middle = PEOPLE[serial % len(PEOPLE)]
    ContactPerson.objects.create(customer=customer, full_name=f"{last} {first} {middle}",
                                 position="Главный энергетик" if serial % 2 else "Бухгалтер",
                                 phone=f"+7913{rng.randint(1000000, 9999999)}", email=f"energo{serial:03d}@example.ru")
    if serial % 4 == 0:
        last, first, middle = PEOPLE[(serial + 5) % len(PEOPLE)]
        Representative.objects.create(
            customer=customer, full_name=f"{last} {first} {middle}", identity_document="паспорт 01 23 456789",
            poa_number=f"{serial}/Д", poa_issued_on=datetime.date(2026, 1, 15),
            poa_valid_until=datetime.date(2027, 12, 31) if serial % 8 else datetime.date(2026, 6, 30),
            powers="Подача и получение документов, подписание актов сверки",
        )
