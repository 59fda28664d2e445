"""Who can be reached how (standard 3.5.4: «выбор типа информирования зависит от информации, предоставленной
в компанию клиентом»), and which channels a notice of a type goes by. Loaded for a whole batch of customers
in a fixed number of queries, so a fan-out of 100,000 notices does not ask the database per customer.

- e-mail: the confirmed notice address, else the customer's e-mail from the card (the contract's address);
- phone (auto-informing call): the confirmed notice phone, else the customer's phone;
- EDO: the customer has written to us by EDO (we know its box), and we have an EDO box to send from;
- portal: a login has a live link to one of the customer's accounts.

A mandatory type goes by every available channel; an optional one by the channels the customer chose, or the
type's defaults where it has not chosen."""

from collections.abc import Iterable
from dataclasses import dataclass

from abonent.customers.models import Customer, PortalAccess
from abonent.notifications.models import (
    AUTO_CHANNELS,
    Channel,
    ChannelSetting,
    NotificationContact,
    NotificationPreference,
    NotificationType,
)

PORTAL_RECIPIENT = "личный кабинет"


@dataclass(frozen=True)
class EdoRoute:
    inn: str
    kpp: str
    box_id: str

    def __str__(self) -> str:
        text = f"ИНН {self.inn}" + (f", КПП {self.kpp}" if self.kpp else "")
        return text + (f", ящик {self.box_id}" if self.box_id else "")


def edo_sending_possible() -> bool:
    from abonent.channels.edo.models import EdoBox

    return EdoBox.objects.filter(polling_enabled=True).exists()


def edo_routes(customers: Iterable[Customer]) -> dict[int, EdoRoute]:
    """The EDO box of each customer who has sent us an EDO document (the latest box wins)."""
    from abonent.channels.edo.models import EdoIncoming

    by_inn: dict[str, list[Customer]] = {}
    for customer in customers:
        if customer.inn:
            by_inn.setdefault(customer.inn, []).append(customer)
    routes: dict[int, EdoRoute] = {}
    if not by_inn:
        return routes
    rows = (EdoIncoming.objects.filter(sender_inn__in=list(by_inn)).order_by("received_at", "pk")
            .values_list("sender_inn", "sender_kpp", "sender_box"))
    for inn, kpp, box in rows:
        for customer in by_inn[inn]:
            if not customer.kpp or not kpp or customer.kpp == kpp:
                routes[customer.pk] = EdoRoute(inn=inn, kpp=customer.kpp or kpp, box_id=box)
    return routes


class Audience:
    """Recipients and preferences of a batch of customers for some notice types."""

    def __init__(self, customers: Iterable[Customer], types: Iterable[NotificationType] = ()):
        self.customers = {c.pk: c for c in customers}
        ids = list(self.customers)
        self.confirmed: dict[tuple[int, str], str] = {
            (customer_id, kind): value for customer_id, kind, value in NotificationContact.objects.filter(
                customer_id__in=ids, status=NotificationContact.Status.CONFIRMED,
            ).values_list("customer_id", "kind", "value")}
        self.portal = set(PortalAccess.objects.filter(
            status=PortalAccess.Status.ACTIVE, account__is_active=True, user__is_active=True,
            account__contract__customer_id__in=ids).values_list("account__contract__customer_id", flat=True))
        self.edo = edo_routes(self.customers.values()) if edo_sending_possible() else {}
        type_ids = [t.pk for t in types]
        self.preferences: dict[tuple[int, int, str], bool] = {
            (customer_id, type_id, channel): enabled for customer_id, type_id, channel, enabled in
            NotificationPreference.objects.filter(customer_id__in=ids, type_id__in=type_ids).values_list(
                "customer_id", "type_id", "channel", "is_enabled")} if type_ids else {}
        disabled = set(ChannelSetting.objects.filter(is_enabled=False).values_list("channel", flat=True))
        self.enabled_channels = [c for c in AUTO_CHANNELS if c not in disabled]

    def recipients(self, customer: Customer) -> dict[str, str]:
        """channel → recipient for every channel the customer can be reached by."""
        found: dict[str, str] = {}
        email = self.confirmed.get((customer.pk, NotificationContact.Kind.EMAIL)) or customer.email
        phone = self.confirmed.get((customer.pk, NotificationContact.Kind.PHONE)) or customer.phone
        if email and Channel.EMAIL in self.enabled_channels:
            found[Channel.EMAIL] = email
        if customer.pk in self.edo and Channel.EDO in self.enabled_channels:
            found[Channel.EDO] = str(self.edo[customer.pk])
        if phone and Channel.PHONE in self.enabled_channels:
            found[Channel.PHONE] = phone
        if customer.pk in self.portal and Channel.PORTAL in self.enabled_channels:
            found[Channel.PORTAL] = PORTAL_RECIPIENT
        return found

    def wants(self, customer: Customer, type: NotificationType, channel: str) -> bool:
        """The customer's choice for an optional type, or the type's default."""
        return self.preferences.get((customer.pk, type.pk, channel), channel in type.default_channels)

    def choose(self, customer: Customer, type: NotificationType,
               templated: Iterable[str] | None = None) -> list[tuple[str, str]]:
        """(channel, recipient) pairs the notice goes by: every available one for a mandatory type; the
        wanted and available ones otherwise. Only channels that have a template for the type (`templated`)."""
        available = self.recipients(customer)
        allowed = set(templated) if templated is not None else set(AUTO_CHANNELS)
        return [(channel, recipient) for channel, recipient in available.items()
                if channel in allowed and (type.is_mandatory or self.wants(customer, type, channel))]
