from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "abonent.notifications"
    verbose_name = "Уведомления"
