from django.apps import AppConfig


class PortalChannelConfig(AppConfig):
    name = "abonent.channels.portal"
    label = "portal_channel"
    verbose_name = "Канал: личный кабинет"

    def ready(self) -> None:
        from abonent.appeals.delivery import register_sender
        from abonent.channels.portal.sender import PortalSender
        from abonent.organisation.models import Channel

        register_sender(Channel.PORTAL, PortalSender())
