from django.apps import AppConfig


class EdoConfig(AppConfig):
    """Electronic document interchange (standard 2.2.7, 3.5.4): appeals and replies through the
    operators Diadoc (Kontur) and SBIS (Tensor)."""

    name = "abonent.channels.edo"
    label = "edo"
    verbose_name = "ЭДО"

    def ready(self) -> None:
        from abonent.appeals.delivery import register_sender
        from abonent.channels.edo.sender import EdoSender
        from abonent.organisation.models import Channel

        register_sender(Channel.EDO, EdoSender())
