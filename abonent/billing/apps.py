from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "abonent.billing"
    verbose_name = "Расчёты (данные биллинга)"

    def ready(self) -> None:
        from abonent.billing import dashboard as billing_tiles
        from abonent.core import dashboard

        dashboard.register(billing_tiles.tiles)
