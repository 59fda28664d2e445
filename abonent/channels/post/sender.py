"""Paper replies: a signed letter printed for posting to the customer's postal address (standard
2.2.4), or handed over at the reception desk. "Sent" here means the letter went into the outgoing
register with its PDF; acknowledgements on paper are not mailed automatically (the reception desk
gives the copy with the registration stamp instead, standard 2.1.4.3)."""

from abonent.appeals.delivery import DeliveryError, Notice
from abonent.appeals.models import Reply
from abonent.organisation.models import Channel


class PaperSender:
    sends_notices = False

    def __init__(self, channel: str):
        self.channel = channel

    def send_reply(self, reply: Reply, pdf: bytes) -> str:
        appeal = reply.appeal
        if self.channel == Channel.POST:
            address = appeal.sender_address or (appeal.customer.postal_address if appeal.customer else "")
            if not address:
                raise DeliveryError("Нет почтового адреса для отправки ответа.", permanent=True)
            return f"Почта России: {address}"
        return "Выдача на руки в центре по приёму потребителей"

    def send_notice(self, notice: Notice) -> str:
        raise DeliveryError("Уведомления на бумаге автоматически не направляются.", permanent=True)
