from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "abonent.api"
    label = "api"
    verbose_name = "API"
