from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "abonent.billing"
    verbose_name = "Расчёты (данные биллинга)"
