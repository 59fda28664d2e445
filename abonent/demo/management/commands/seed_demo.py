from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from abonent.core.otp import seed_demo_second_factor
from abonent.demo import api_tokens
from abonent.demo import appeals as demo_appeals
from abonent.demo import billing as demo_billing
from abonent.demo import feedback as demo_feedback
from abonent.demo import notifications as demo_notifications
from abonent.demo import phone as demo_phone
from abonent.demo import portal as demo_portal
from abonent.demo import site as demo_site
from abonent.demo.customers import seed_customers
from abonent.demo.organisation import seed_organisation
from abonent.demo.staff import DEMO_PASSWORD, STAFF, seed_staff


class Command(BaseCommand):
    help = "Загрузить демонстрационные данные (повторный запуск ничего не дублирует)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="загрузить, даже если ALLOW_DEMO_DATA выключен")

    def handle(self, *args, force: bool = False, **options):
        if not (settings.ALLOW_DEMO_DATA or force):
            raise CommandError("Демонстрационные данные запрещены в этой установке (ALLOW_DEMO_DATA=false).")
        with transaction.atomic():
            seed_organisation()
            demo_site.seed()
            staff = seed_staff()
            otp_secret = seed_demo_second_factor(staff)
            count = seed_customers()
            demo_billing.seed()
            appeal_count = demo_appeals.seed()
            demo_feedback.seed()
            api_tokens.seed()
            demo_phone.seed()
            portal_result = demo_portal.seed()
            demo_notifications.seed()
        loaded = f"Демонстрационные данные загружены: клиентов {count}, обращений {appeal_count}."
        self.stdout.write(self.style.SUCCESS(loaded))
        self.stdout.write(f"Логины сотрудников (пароль у всех «{DEMO_PASSWORD}»):")
        for login, last, first, middle, position, *_ in STAFF:
            self.stdout.write(f"  {login:<11} {last} {first} {middle} — {position}")
        self.stdout.write(f"Второй фактор сотрудников: ключ {otp_secret} в приложении-аутентификаторе "
                          "(make run запускает демо без обязательного второго фактора: STAFF_OTP_REQUIRED=false)")
        self.stdout.write("API: токен demo-reception-token (пользователь reception), "
                          "документация /api/docs")
        self.stdout.write("АТС (call-центр): токен вебхука demo-pbx-token, внутренние номера 101 (callcenter), "
                          "102 (reception), см. docs/pbx.md")
        for line in demo_portal.lines(portal_result):
            self.stdout.write(line)
        self.stdout.write("Публичный сайт (интернет-приёмная, контакты, шаблоны документов): /site/")

