from django.apps import AppConfig


class EmailChannelConfig(AppConfig):
    name = "abonent.channels.email"
    label = "email_channel"
    verbose_name = "Электронная почта"

    def ready(self) -> None:
        from abonent.appeals.delivery import register_sender
        from abonent.channels.email.sender import EmailSender
        from abonent.organisation.models import Channel

        register_sender(Channel.EMAIL, EmailSender())
