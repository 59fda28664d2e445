from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "abonent.reports"
    verbose_name = "Отчёты"
