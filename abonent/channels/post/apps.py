from django.apps import AppConfig


class PostChannelConfig(AppConfig):
    name = "abonent.channels.post"
    label = "post_channel"
    verbose_name = "Почта и выдача на руки"

    def ready(self) -> None:
        from abonent.appeals.delivery import register_sender
        from abonent.channels.post.sender import PaperSender
        from abonent.organisation.models import Channel

        register_sender(Channel.POST, PaperSender(Channel.POST))
        register_sender(Channel.IN_PERSON, PaperSender(Channel.IN_PERSON))
