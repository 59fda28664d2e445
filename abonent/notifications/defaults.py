"""The default policy seeded by the data migration: the notice types of standard 3.5.6.1 and the appeal
events, their Russian templates per channel, the daily rules and the channel rates. Plain data, so the
migration and the tests read the same values; the heads edit the rows afterwards."""

FOOTER = "\n\n{{ organisation.short_name }}{% if organisation.phone %}\nТелефон: {{ organisation.phone }}{% endif %}" \
         "{% if organisation.site %}\n{{ organisation.site }}{% endif %}"
ACCOUNT = "{% if account %} по лицевому счёту № {{ account.number }}{% if account.address %} ({{ account.address }})" \
          "{% endif %}{% endif %}"

TYPES = [
    {
        "code": "debt", "order": 10, "source": "billing", "is_mandatory": False,
        "name": "Задолженность",
        "description": "Напоминание о задолженности по последнему сальдо, загруженному из биллинга.",
        "default_channels": ["email", "edo", "portal"],
        "templates": {
            "email": ("Задолженность{% if account %} по лицевому счёту № {{ account.number }}{% endif %}",
                      "Уважаемый клиент {{ customer.short_name }}!\n\n"
                      "По данным на {{ as_of|date:'d.m.Y' }}" + ACCOUNT + " за Вами числится задолженность "
                      "{{ debt|money }}{% if overdue %}, в том числе просроченная {{ overdue|money }}{% endif %}.\n"
                      "Просим погасить задолженность. Если оплата уже произведена, не обращайте внимания "
                      "на это сообщение." + FOOTER),
            "edo": ("Уведомление о задолженности{% if account %} по лицевому счёту № {{ account.number }}{% endif %}",
                    "{{ customer.name }}, ИНН {{ customer.inn }}\n\n"
                    "По данным на {{ as_of|date:'d.m.Y' }}" + ACCOUNT + " задолженность составляет "
                    "{{ debt|money }}{% if overdue %}, в том числе просроченная {{ overdue|money }}{% endif %}.\n"
                    "Просим погасить задолженность." + FOOTER),
            "phone": ("", "Здравствуйте. Это {{ organisation.short_name }}. "
                          "По лицевому счёту {{ account.number }} задолженность {{ debt|money }}. "
                          "Просим оплатить. Спасибо."),
            "portal": ("Задолженность {{ debt|money }}",
                       "По данным на {{ as_of|date:'d.m.Y' }}" + ACCOUNT + " задолженность составляет "
                       "{{ debt|money }}{% if overdue %}, в том числе просроченная {{ overdue|money }}{% endif %}."),
        },
    },
    {
        "code": "debt_limitation", "order": 20, "source": "billing", "is_mandatory": True,
        "name": "Задолженность: предупреждение об ограничении",
        "description": "Обязательное уведомление о задолженности перед введением ограничения режима потребления "
                       "(ПП РФ № 442): направляется всеми доступными каналами, отказ клиента не учитывается.",
        "default_channels": ["email", "edo", "phone", "portal"],
        "templates": {
            "email": ("Уведомление о введении ограничения режима потребления электрической энергии",
                      "{{ customer.name }}, ИНН {{ customer.inn }}\n\n"
                      "По состоянию на {{ as_of|date:'d.m.Y' }}" + ACCOUNT + " задолженность за электрическую "
                      "энергию составляет {{ debt|money }}.\n"
                      "Если задолженность не будет погашена, с {{ limitation_date|date:'d.m.Y' }} будет введено "
                      "ограничение режима потребления электрической энергии. В этот день Вы обязаны "
                      "самостоятельно ограничить потребление.\n"
                      "При полном погашении задолженности до этой даты ограничение не вводится." + FOOTER),
            "edo": ("Уведомление о введении ограничения режима потребления электрической энергии",
                    "{{ customer.name }}, ИНН {{ customer.inn }}\n\n"
                    "По состоянию на {{ as_of|date:'d.m.Y' }}" + ACCOUNT + " задолженность за электрическую "
                    "энергию составляет {{ debt|money }}.\n"
                    "Если задолженность не будет погашена, с {{ limitation_date|date:'d.m.Y' }} будет введено "
                    "ограничение режима потребления электрической энергии. В этот день Вы обязаны "
                    "самостоятельно ограничить потребление.\n"
                    "При полном погашении задолженности до этой даты ограничение не вводится." + FOOTER),
            "phone": ("", "Здравствуйте. Это {{ organisation.short_name }}. По лицевому счёту {{ account.number }} "
                          "задолженность {{ debt|money }}. Если она не будет погашена, "
                          "с {{ limitation_date|date_long }} будет введено ограничение подачи электроэнергии. "
                          "Уведомление направлено также по электронной почте."),
            "portal": ("Предупреждение об ограничении с {{ limitation_date|date:'d.m.Y' }}",
                       "Задолженность" + ACCOUNT + " на {{ as_of|date:'d.m.Y' }} — {{ debt|money }}. "
                       "Если она не будет погашена, с {{ limitation_date|date:'d.m.Y' }} будет введено ограничение "
                       "режима потребления. При полном погашении долга ограничение не вводится."),
        },
    },
    {
        "code": "payment_due", "order": 30, "source": "billing", "is_mandatory": False,
        "name": "Приближение срока оплаты",
        "description": "Напоминание о ближайшем сроке оплаты по графику (30 % до 10-го, 40 % до 25-го, "
                       "окончательный расчёт до 18-го; ТСЖ и УК — до 15-го) клиентам с неоплаченной частью.",
        "default_channels": ["email", "portal"],
        "templates": {
            "email": ("Срок оплаты {{ due_date|date:'d.m.Y' }}{% if account %}: лицевой счёт № "
                      "{{ account.number }}{% endif %}",
                      "Уважаемый клиент {{ customer.short_name }}!\n\n"
                      "Напоминаем, что {{ due_date|date:'d.m.Y' }} — срок оплаты" + ACCOUNT +
                      " за {{ period }} ({{ label }}).\nК оплате: {{ amount_due|money }}.\n"
                      "Если оплата уже произведена, не обращайте внимания на это сообщение." + FOOTER),
            "edo": ("Напоминание о сроке оплаты {{ due_date|date:'d.m.Y' }}",
                    "{{ customer.name }}, ИНН {{ customer.inn }}\n\n"
                    "{{ due_date|date:'d.m.Y' }} — срок оплаты" + ACCOUNT + " за {{ period }} ({{ label }}).\n"
                    "К оплате: {{ amount_due|money }}." + FOOTER),
            "phone": ("", "Здравствуйте. Это {{ organisation.short_name }}. Напоминаем, что до "
                          "{{ due_date|date_long }} нужно оплатить {{ amount_due|money }} "
                          "по лицевому счёту {{ account.number }}."),
            "portal": ("Оплатить до {{ due_date|date:'d.m.Y' }}: {{ amount_due|money }}",
                       "{{ due_date|date:'d.m.Y' }} — срок оплаты" + ACCOUNT + " за {{ period }} ({{ label }}). "
                       "К оплате: {{ amount_due|money }}."),
        },
    },
    {
        "code": "rules_change", "order": 40, "source": "campaign", "is_mandatory": False,
        "name": "Изменение правил обслуживания",
        "description": "Рассылка об изменении правил предоставления услуг.",
        "default_channels": ["email", "edo", "portal"],
        "templates": {
            "email": ("{{ subject }}", "Уважаемый клиент {{ customer.short_name }}!\n\n{{ text }}" + FOOTER),
            "edo": ("{{ subject }}", "{{ customer.name }}, ИНН {{ customer.inn }}\n\n{{ text }}" + FOOTER),
            "phone": ("", "Здравствуйте. Это {{ organisation.short_name }}. {{ subject }}. "
                          "Подробности направлены по электронной почте и в личный кабинет."),
            "portal": ("{{ subject }}", "{{ text }}"),
        },
    },
    {
        "code": "documents_ready", "order": 50, "source": "billing", "is_mandatory": False,
        "name": "Документы и счета готовы",
        "description": "Сообщение о необходимости получить документы и счета на оплату.",
        "default_channels": ["email", "edo", "portal"],
        "templates": {
            "email": ("Документы за {{ period }} готовы",
                      "Уважаемый клиент {{ customer.short_name }}!\n\n"
                      "Готовы документы" + ACCOUNT + " за {{ period }}:\n"
                      "{% for d in documents %}— {{ d.kind }} № {{ d.number }} от {{ d.issued_on|date:'d.m.Y' }} "
                      "на {{ d.amount|money }}\n{% endfor %}"
                      "Их можно получить в личном кабинете или в центре обслуживания клиентов." + FOOTER),
            "edo": ("Документы за {{ period }} готовы",
                    "{{ customer.name }}, ИНН {{ customer.inn }}\n\nГотовы документы" + ACCOUNT +
                    " за {{ period }}:\n{% for d in documents %}— {{ d.kind }} № {{ d.number }} от "
                    "{{ d.issued_on|date:'d.m.Y' }} на {{ d.amount|money }}\n{% endfor %}" + FOOTER),
            "phone": ("", "Здравствуйте. Это {{ organisation.short_name }}. Документы за {{ period }} по лицевому "
                          "счёту {{ account.number }} готовы. Их можно получить в личном кабинете."),
            "portal": ("Документы за {{ period }} готовы",
                       "Готовы документы" + ACCOUNT + " за {{ period }}: "
                       "{% for d in documents %}{{ d.kind }} № {{ d.number }} на {{ d.amount|money }}"
                       "{% if not forloop.last %}; {% endif %}{% endfor %}."),
        },
    },
]

APPEAL_TYPES = [
    ("appeal_registered", 60, "Обращение зарегистрировано",
     "Обращение № {{ appeal.number }} зарегистрировано",
     "Ваше обращение зарегистрировано {{ appeal.registered_at|date:'d.m.Y' }} под № {{ appeal.number }}. "
     "Ответ будет направлен не позднее {{ appeal.due_at|date:'d.m.Y' }}."),
    ("appeal_reply_sent", 70, "Ответ на обращение направлен",
     "Ответ на обращение № {{ appeal.number }} направлен",
     "Ответ на обращение № {{ appeal.number }} направлен {{ appeal.reply_sent_at|date:'d.m.Y' }} "
     "({{ appeal.reply_channel }})."),
    ("appeal_extended", 80, "Срок рассмотрения обращения продлён",
     "Срок рассмотрения обращения № {{ appeal.number }} продлён",
     "Срок рассмотрения обращения № {{ appeal.number }} продлён до {{ appeal.due_at|date:'d.m.Y' }}."
     "{% if reason %} Причина: {{ reason }}{% endif %}"),
]

for code, order, name, subject, body in APPEAL_TYPES:
    TYPES.append({
        "code": code, "order": order, "source": "appeal", "is_mandatory": False, "name": name,
        "description": "Сообщение по обращению уходит способом ответа, который выбрал клиент (его отправляет "
                       "модуль обращений); здесь оно записывается в журнал уведомлений, а копия — в личный кабинет.",
        "default_channels": ["portal"],
        "templates": {"portal": (subject, body)},
    })

RULES = [
    {"name": "За 3 рабочих дня до срока оплаты — клиентам с неоплаченной частью", "type": "payment_due",
     "trigger": "due_date", "days_before": 3, "working_days": True, "min_amount": "0.00", "repeat_days": 0},
    {"name": "О задолженности по сальдо из биллинга (не чаще раза в 7 дней)", "type": "debt",
     "trigger": "debt", "days_before": 0, "working_days": True, "min_amount": "0.00", "repeat_days": 7},
    {"name": "О готовности документов и счетов", "type": "documents_ready",
     "trigger": "documents", "days_before": 0, "working_days": True, "min_amount": "0.00", "repeat_days": 0},
]

CHANNEL_RATES = {"email": 1200, "edo": 300, "phone": 30, "portal": 100000}
