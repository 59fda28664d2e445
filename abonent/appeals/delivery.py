"""One sender interface for every reply channel. Channel packages register their sender when their
app is ready; the appeals app never imports a channel."""

from dataclasses import dataclass
from typing import Protocol

from abonent.appeals.models import Appeal, Reply

# One backoff for every outgoing delivery (replies, e-mail, EDO documents): seconds to wait after
# attempts 1..5; after the last one the delivery is failed and shown to staff.
RETRY_DELAYS = (60, 300, 1800, 7200, 21600)


class DeliveryError(Exception):
    """A failed delivery. Permanent: retrying will not help (no address, refused); shown to staff."""

    def __init__(self, message: str, *, permanent: bool):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class Notice:
    """A short message to the customer about their appeal (acknowledgement, extension, ...)."""

    appeal: Appeal
    subject: str
    body: str


class Sender(Protocol):
    def send_reply(self, reply: Reply, pdf: bytes) -> str:
        """Deliver the signed reply; return the provider's id of the message."""

    def send_notice(self, notice: Notice) -> str:
        """Deliver a notice; return the provider's id."""


_SENDERS: dict[str, Sender] = {}


def register_sender(channel: str, sender: Sender) -> None:
    _SENDERS[channel] = sender


def sender_for(channel: str) -> Sender | None:
    return _SENDERS.get(channel)


def can_send(channel: str) -> bool:
    return channel in _SENDERS
