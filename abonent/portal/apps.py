from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "abonent.portal"
    verbose_name = "Личный кабинет"
