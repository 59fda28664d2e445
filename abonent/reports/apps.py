from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "abonent.reports"
    verbose_name = "Отчёты"

    def ready(self) -> None:
        from abonent.core import dashboard
        from abonent.reports import dashboard as report_tiles

        dashboard.register(report_tiles.tiles)
