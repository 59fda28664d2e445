"""Starts the fake Diadoc and SBIS on loopback beside the running system, points demo EDO boxes at them and
drops letters from customers in the database, then polls, sends and "reads" receipts in a loop so a person can
watch EDO appeals arrive and replies go out. Development only: the fakes live in this process."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from abonent.channels.edo import inbound, sender
from abonent.channels.edo.fakes import FakeDiadoc, FakeSbis
from abonent.channels.edo.models import EdoBox, EdoOutgoing, Operator
from abonent.customers.models import Customer

LETTER = b"%PDF-1.4\n% demo letter from a customer\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


class Command(BaseCommand):
    help = "Запускает имитаторы Диадока и СБИС на 127.0.0.1 и демонстрационные ящики ЭДО."

    def add_arguments(self, parser):
        parser.add_argument("--diadoc-port", type=int, default=8701)
        parser.add_argument("--sbis-port", type=int, default=8702)
        parser.add_argument("--letters", type=int, default=2, help="писем от клиентов в каждый ящик")
        parser.add_argument("--interval", type=int, default=10, help="секунд между опросами")
        parser.add_argument("--once", action="store_true", help="один цикл и выход (для проверки)")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["once"]:
            raise CommandError("Имитаторы ЭДО запускаются только при DEBUG=True.")
        customers = list(Customer.objects.exclude(inn="").order_by("pk")[:options["letters"]])
        diadoc = FakeDiadoc(port=options["diadoc_port"]).start()
        sbis = FakeSbis(port=options["sbis_port"]).start()
        try:
            boxes = self._boxes(diadoc, sbis)
            for customer in customers:
                name = customer.name
                diadoc.add_letter(diadoc.add_organisation(customer.inn, customer.kpp, name),
                                  [("Обращение.pdf", LETTER)])
                sbis.add_document(inn=customer.inn, kpp=customer.kpp, name=name, title="Обращение по договору",
                                  files=[("Обращение.pdf", LETTER)])
                self.stdout.write(f"Письмо от {customer} (ИНН {customer.inn}) положено в оба ящика.")
            self.stdout.write(f"Диадок: {diadoc.url}, СБИС: {sbis.url}. Остановка — Ctrl+C.")
            while True:
                self._cycle(boxes, diadoc, sbis)
                if options["once"]:
                    return
                time.sleep(options["interval"])
        except KeyboardInterrupt:
            self.stdout.write("Остановлено.")
        finally:
            diadoc.stop()
            sbis.stop()

    def _boxes(self, diadoc: FakeDiadoc, sbis: FakeSbis) -> list[EdoBox]:
        common = {"login": "robot", "password": "secret", "polling_enabled": True, "poll_interval_minutes": 1,
                  "cursor": "", "last_error": ""}  # the fakes start empty: the feed starts over
        diadoc_box, _ = EdoBox.objects.update_or_create(
            operator=Operator.DIADOC, title="Демо: Диадок (имитатор)",
            defaults={**common, "box_id": diadoc.box_id, "base_url": diadoc.url, "api_client_id": "dev-key"})
        sbis_box, _ = EdoBox.objects.update_or_create(
            operator=Operator.SBIS, title="Демо: СБИС (имитатор)",
            defaults={**common, "box_id": "2221000002/222101001", "base_url": sbis.url})
        return [diadoc_box, sbis_box]

    def _cycle(self, boxes: list[EdoBox], diadoc: FakeDiadoc, sbis: FakeSbis) -> None:
        for box in boxes:
            result = inbound.poll_box(box.pk)
            for number in result.appeals:
                self.stdout.write(f"{box.title}: зарегистрировано обращение № {number}")
            if result.error:
                self.stdout.write(f"{box.title}: ошибка опроса: {result.error}")
        for outgoing_id in sender.due_ids():
            sender.deliver(outgoing_id)
        # The customers "read" what we sent: the receipts come back on the next check.
        for outgoing in EdoOutgoing.objects.filter(status=EdoOutgoing.Status.SENT, box__in=boxes):
            if outgoing.box.operator == Operator.DIADOC and outgoing.provider_message_id in diadoc.messages:
                diadoc.add_receipt(outgoing.provider_message_id)
            elif outgoing.provider_message_id in sbis.documents:
                sbis.mark_read(outgoing.provider_message_id)
            self.stdout.write(f"Отправлено по ЭДО: «{outgoing.title}»")
        sender.check_receipts()
