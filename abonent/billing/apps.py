from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "abonent.billing"
    verbose_name = "Расчёты (данные биллинга)"

    def ready(self) -> None:
        from abonent.billing import dashboard as billing_tiles
        from abonent.core import dashboard
        from abonent.core.reseed import reseed_after_flush

        dashboard.register(billing_tiles.tiles)
        reseed_after_flush(self, migration="0003_default_reading_groups", model="billing.ReadingGroup")
