"""Runs the fake payment provider on loopback for development: the portal's «Оплатить» leads to its checkout
page, whose «Оплатить» / «Отменить» buttons send the signed notification to the webhook URL. Start the system
with PAYMENTS_API_URL=http://127.0.0.1:<port>/v3 and PAYMENTS_CHECKOUT_ORIGIN=http://127.0.0.1:<port> (the
defaults match port 8011)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from abonent.billing.payments.fake import FakeProvider


class Command(BaseCommand):
    help = "Запускает имитатор платёжного сервиса (API в стиле ЮKassa v3) на 127.0.0.1."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8011)
        parser.add_argument("--webhook-url", default="http://127.0.0.1:8000/payments/webhook/",
                            help="куда отправлять уведомления о платежах")
        parser.add_argument("--once", action="store_true", help="запустить и сразу остановить (для проверки)")

    def handle(self, *args, **options):
        if not (settings.DEBUG or settings.ALLOW_DEMO_DATA) and not options["once"]:
            raise CommandError("Имитатор платёжного сервиса запускается только в демонстрационной установке "
                               "(DEBUG=true или ALLOW_DEMO_DATA=true).")
        config = settings.PAYMENTS
        fake = FakeProvider(shop_id=config["SHOP_ID"], secret_key=config["SECRET_KEY"],
                            webhook_secret=config["WEBHOOK_SECRET"], webhook_url=options["webhook_url"],
                            port=options["port"]).start()
        self.stdout.write(f"Имитатор платёжного сервиса: API {fake.api_url}, уведомления → {options['webhook_url']}")
        if fake.api_url != config["API_URL"].rstrip("/"):
            self.stdout.write(self.style.WARNING(
                f"settings.PAYMENTS['API_URL'] = {config['API_URL']}: система обращается не к этому имитатору."))
        try:
            while not options["once"]:
                time.sleep(1)
        except KeyboardInterrupt:
            self.stdout.write("Остановлено.")
        finally:
            fake.stop()
