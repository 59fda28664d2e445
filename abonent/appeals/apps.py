from django.apps import AppConfig


class AppealsConfig(AppConfig):
    name = "abonent.appeals"
    label = "appeals"
    verbose_name = "Обращения"
