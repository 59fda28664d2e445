"""Demo appeals: a few weeks of the registry's life through every channel, made by the services as
production makes them, then moved back in time so queues show due-soon and overdue work."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from abonent.appeals.models import Appeal, AppealEvent, TypicalAnswer, UrgencyCategory
from abonent.appeals.services import (
    AppealDraft,
    approve_reply,
    deadlines,
    draft_reply,
    register_appeal,
    submit_reply,
    take_appeal,
)
from abonent.customers.models import Customer
from abonent.organisation.models import Topic
from abonent.users.models import User

URGENCY = [("critical", "Критическая", 3, "Угроза ограничения режима потребления, аварийная ситуация"),
           ("high", "Высокая", 10, "Ошибка в начислениях, нарушение сроков по договору"),
           ("normal", "Обычная", 30, "Прочие жалобы")]
TYPICAL = [
    ("Как передать показания прибора учёта?",
     "Показания передаются ежемесячно до окончания расчётного периода через личный кабинет, по электронной "
     "почте meter@bges.ru или по телефону 8 (3852) 50-12-40.", "readings"),
    ("Где получить счёт на оплату?",
     "Счета, счета-фактуры и акты доступны в личном кабинете на вкладке «Финансовые документы», а также "
     "выдаются в центре по приёму потребителей: г. Барнаул, ул. Ползунова, 50, каб. 109.", "payments"),
    ("Какие документы нужны для заключения договора энергоснабжения?",
     "Заявление, копии учредительных документов, документы о праве на объект, акт об осуществлении "
     "технологического присоединения, сведения о приборах учёта. Бланки размещены на сайте www.bges.ru.",
     "contract"),
    ("В какие сроки нужно оплачивать электроэнергию?",
     "30 % стоимости — до 10-го числа, 40 % — до 25-го числа текущего месяца, окончательный расчёт — до 18-го "
     "числа следующего месяца (для ТСЖ и управляющих компаний — до 15-го числа).", "payments"),
]
TEXTS = [
    ("question", "readings", "Не можем передать показания через личный кабинет",
     "Добрый день! Второй день не получается передать показания счётчика через личный кабинет, выдаёт ошибку. "
     "Прошу принять показания: 045612 кВт·ч на 25-е число."),
    ("claim", "payments", "Претензия по начислению за октябрь",
     "Просим произвести перерасчёт за октябрь: начисление выполнено по среднему, хотя показания были переданы "
     "в срок. Прилагаем фото прибора учёта."),
    ("complaint", "quality", "Жалоба на перерывы в подаче электроэнергии",
     "На объекте по ул. Попова трижды за неделю отключали электроэнергию без предупреждения, остановлено "
     "производство. Требуем разобраться и сообщить причины."),
    ("service_request", "services", "Заявка на энергоаудит",
     "Просим провести энергетическое обследование производственного цеха и подготовить коммерческое предложение."),
    ("question", "contract", "Переоформление договора на нового собственника",
     "В связи со сменой собственника здания просим сообщить порядок переоформления договора энергоснабжения."),
    ("thanks", "service-quality", "Благодарность специалисту",
     "Благодарим специалиста группы по приёму потребителей Смирнову О. П. за оперативную помощь с документами."),
    ("suggestion", "portal", "Предложение по личному кабинету",
     "Предлагаем добавить в личный кабинет выгрузку актов сверки в Excel."),
    ("question", "debt", "Уведомление о задолженности",
     "Получили уведомление о задолженности, но оплата была произведена 12-го числа. Просим проверить."),
    ("claim", "meters", "Замена прибора учёта",
     "Прибор учёта вышел из строя, просим согласовать замену и сообщить, как будут начислены объёмы за период."),
    ("review", "service-quality", "Отзыв о работе центра обслуживания",
     "Удобный режим работы, но в пятницу приём до 16:00 — не всегда успеваем."),
]
CHANNELS = ["email", "post", "in_person", "phone", "web", "email", "post", "email"]


def seed() -> int:
    for code, name, days, description in URGENCY:
        UrgencyCategory.objects.get_or_create(code=code, defaults={"name": name, "days": days,
                                                                    "description": description, "order": days})
    for question, answer, topic in TYPICAL:
        TypicalAnswer.objects.get_or_create(question=question,
                                            defaults={"answer": answer, "topic": Topic.objects.get(code=topic)})
    if Appeal.objects.filter(source_key__startswith="demo:").exists():
        return Appeal.objects.count()
    rng = random.Random(7)
    customers = list(Customer.objects.order_by("pk")[:30])
    reception = User.objects.get(username="reception")
    executor = User.objects.get(username="executor")
    signatory = User.objects.get(username="signatory")
    for n in range(40):
        kind, topic, subject, text = TEXTS[n % len(TEXTS)]
        customer = customers[n % len(customers)]
        channel = CHANNELS[n % len(CHANNELS)]
        contact = customer.contacts.first()
        draft = AppealDraft(
            text=text, channel=channel, kind=kind, subject=subject, topic=Topic.objects.get(code=topic),
            customer=customer, sender_name=contact.full_name if contact else "", sender_organisation=customer.name,
            sender_inn=customer.inn, sender_email=customer.email, sender_phone=customer.phone,
            sender_address=customer.postal_address,
            urgency=UrgencyCategory.objects.get(code="high") if kind == "complaint" else None,
        )
        appeal = register_appeal(draft=draft, registered_by=None if channel in ("email", "web") else reception,
                                 source_key=f"demo:{n}").appeal
        _backdate(appeal, days=rng.randint(0, 40))
        if n % 5 == 0 and appeal.department == executor.department:
            take_appeal(appeal=appeal, executor=executor)
        if n % 7 == 3:
            reply = draft_reply(appeal=appeal, text="Сообщаем, что по Вашему обращению проведена проверка. "
                                "Перерасчёт будет отражён в счёте за следующий расчётный период.", author=executor)
            submit_reply(reply=reply, submitted_by=executor, signatory=signatory)
            if n % 2:
                approve_reply(reply=reply, approved_by=signatory)
    return Appeal.objects.count()


@transaction.atomic
def _backdate(appeal: Appeal, *, days: int) -> None:
    """Demo only: move an appeal and its events `days` back so deadlines fall due at different times."""
    shift = datetime.timedelta(days=days, hours=random.Random(appeal.pk).randint(0, 6))
    registered = timezone.now() - shift
    due = deadlines.due_at(registered_at=registered, kind=appeal.kind, urgency=appeal.urgency)
    Appeal.objects.filter(pk=appeal.pk).update(registered_at=registered, received_at=registered, due_at=due)
    AppealEvent.objects.filter(appeal=appeal).update(at=registered)
