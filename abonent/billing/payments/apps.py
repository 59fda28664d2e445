from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "abonent.billing.payments"
    label = "payments"
    verbose_name = "Онлайн-оплата"
