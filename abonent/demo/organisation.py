"""The organisation exactly as the customer-service standard describes it."""

import datetime

from abonent.organisation.models import Channel, Department, Mailbox, Organisation, Topic, WorkingHours

ORGANISATION = {
    "full_name": "Акционерное общество «Барнаульская горэлектросеть»",
    "short_name": "АО «Барнаульская горэлектросеть»",
    # Requisites are demo values with valid checksums, not the company's real ones.
    "inn": "2221000700",
    "kpp": "222101001",
    "ogrn": "1022200523135",
    "bank_name": "Алтайское отделение № 8644 ПАО Сбербанк",
    "bic": "040173604",
    "bank_account": "40702810702000012345",
    "correspondent_account": "30101810200000000604",
    "legal_address": "656015, Алтайский край, г. Барнаул, ул. Деповская, 19",
    "reception_address": "г. Барнаул, ул. Ползунова, 50",
    "reception_room": "109",
    "postal_address": "656015, г. Барнаул, ул. Деповская, 19",
    "phone": "+73852501240",
    "site": "https://www.bges.ru",
}
MAILBOXES = {
    "meter@bges.ru": "Показания приборов учёта и обращения (стандарт 2.2.6)",
    "ServiceCenter-OPEYUL@bges.ru": "Обращения юридических лиц, группа по приёму потребителей ОПЭЮЛ",
}
# Standard 2.2.2.3: Mon-Thu 08:00-17:00, Fri 08:00-16:00, no lunch break; weekends and holidays closed.
HOURS = {0: ("08:00", "17:00"), 1: ("08:00", "17:00"), 2: ("08:00", "17:00"), 3: ("08:00", "17:00"),
         4: ("08:00", "16:00")}
TOPICS = [
    ("contract", "Заключение и изменение договора энергоснабжения"),
    ("payments", "Расчёты, счета и оплата"),
    ("debt", "Задолженность, ограничение и возобновление подачи"),
    ("readings", "Показания приборов учёта"),
    ("meters", "Приборы учёта: установка, замена, поверка"),
    ("quality", "Качество электроэнергии и перерывы в подаче"),
    ("services", "Дополнительные (энергосервисные) услуги"),
    ("portal", "Личный кабинет"),
    ("service-quality", "Качество обслуживания"),
    ("other", "Прочие вопросы"),
]
DEPARTMENTS = [
    # code, name, short name, reception group?, phone, topics
    ("reception", "Группа по приёму потребителей ОПЭЮЛ", "ГПП", True, "+73852501240",
     ["portal", "service-quality", "other"]),
    ("sales", "Отдел продаж электроэнергии юридическим лицам", "ОПЭЮЛ", False, "+73852501241",
     ["contract", "payments", "debt"]),
    ("audit", "Отдел технического аудита", "ОТА", False, "+73852501242", ["readings", "meters", "quality"]),
    ("services", "Отдел энергосервисных услуг", "ОЭУ", False, "+73852501243", ["services"]),
    ("it", "Отдел информационных технологий", "ОИТ", False, "+73852501244", []),
]


def seed_organisation() -> Organisation:
    org = Organisation.current()
    if org is None:
        org = Organisation(**ORGANISATION)
        org.full_clean()
        org.save()
    for address, title in MAILBOXES.items():
        Mailbox.objects.get_or_create(address=address, defaults={"organisation": org, "title": title})
    for channel in (Channel.PHONE, Channel.IN_PERSON):
        for weekday, (opens, closes) in HOURS.items():
            WorkingHours.objects.get_or_create(
                organisation=org, channel=channel, weekday=weekday,
                defaults={"opens_at": datetime.time.fromisoformat(opens),
                          "closes_at": datetime.time.fromisoformat(closes)},
            )
    topics = {code: Topic.objects.get_or_create(code=code, defaults={"name": name})[0] for code, name in TOPICS}
    for code, name, short, is_reception, phone, topic_codes in DEPARTMENTS:
        dept, created = Department.objects.get_or_create(
            code=code, defaults={"name": name, "short_name": short, "is_reception_group": is_reception, "phone": phone}
        )
        if created:
            dept.topics.set([topics[c] for c in topic_codes])
    return org
