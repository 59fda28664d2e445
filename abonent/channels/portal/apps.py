from django.apps import AppConfig


class PortalChannelConfig(AppConfig):
    name = "abonent.channels.portal"
    label = "portal_channel"
    verbose_name = "Канал: личный кабинет"
