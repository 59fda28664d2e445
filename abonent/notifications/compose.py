"""Turning occasions (a due date of an account, a debt on a date, a campaign for a customer) into notice rows:
the channels are chosen, the type's template for each channel is rendered, and one row per channel is
written with a dedupe key naming the occasion, so the same occasion twice is one notice. Portal notices are
delivered the moment they are written; the rest wait in the queue for the dispatcher."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from abonent.customers.models import BillingAccount, Customer
from abonent.notifications import rendering
from abonent.notifications.audience import Audience
from abonent.notifications.models import Channel, Notification, NotificationType

N = Notification.Status


@dataclass(frozen=True)
class Occasion:
    """Why a customer gets a notice: `key` names the occasion for the type and customer (e.g.
    "a123:2026-05-10" for an account's due date); `context` holds the type's variables, plain values only."""

    customer: Customer
    key: str
    account: BillingAccount | None = None
    context: dict = field(default_factory=dict)


def dedupe_key(type_code: str, customer_id: int, occasion_key: str, channel: str) -> str:
    """"<type>:c<customer>:<occasion>:<channel>", hashed when longer than the column."""
    key = f"{type_code}:c{customer_id}:{occasion_key}:{channel}"
    if len(key) <= 200:
        return key
    return f"{type_code}:h:{hashlib.sha256(key.encode()).hexdigest()}:{channel}"


@dataclass
class Composed:
    created: int = 0
    existing: int = 0
    queued_channels: set = field(default_factory=set)


def create_notices(*, type: NotificationType, occasions: Iterable[Occasion], audience: Audience | None = None,
                   rule=None, campaign=None, organisation: dict | None = None) -> Composed:
    """Writes the notices of `occasions` that do not exist yet and has the queued ones dispatched after
    commit. Returns how many were created and how many existed already (a rerun creates none)."""
    occasions = list(occasions)
    result = Composed()
    if not occasions or not type.is_active:
        return result
    audience = audience or Audience([o.customer for o in occasions], [type])
    templates = {t.channel: t for t in type.templates.all()}
    org = organisation if organisation is not None else rendering.organisation_vars()
    planned = [(occasion, channel, recipient) for occasion in occasions
               for channel, recipient in audience.choose(occasion.customer, type, templates)]
    keys = [dedupe_key(type.code, o.customer.pk, o.key, channel) for o, channel, _ in planned]
    existing = set()
    for start in range(0, len(keys), 900):
        existing.update(Notification.objects.filter(dedupe_key__in=keys[start:start + 900])
                        .values_list("dedupe_key", flat=True))
    now = timezone.now()
    rows = []
    for (occasion, channel, recipient), key in zip(planned, keys, strict=True):
        if key in existing:
            result.existing += 1
            continue
        template = templates[channel]
        context = rendering.context_for(customer=occasion.customer, account=occasion.account, organisation=org,
                                        **occasion.context)
        text = rendering.render(subject=template.subject, body=template.body, context=context)
        row = Notification(
            type=type, kind=type.code, channel=channel, customer=occasion.customer, account=occasion.account,
            campaign=campaign, rule=rule, recipient=recipient[:254], subject=text.subject, body=text.body,
            is_mandatory=type.is_mandatory, dedupe_key=key, created_at=now, next_attempt_at=now)
        if channel == Channel.PORTAL:
            row.status, row.sent_at, row.delivered_at = N.DELIVERED, now, now
        else:
            result.queued_channels.add(channel)
        rows.append(row)
    Notification.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    result.created = len(rows)
    if result.queued_channels:
        channels = sorted(result.queued_channels)
        transaction.on_commit(lambda: _dispatch_soon(channels))
    return result


def _dispatch_soon(channels: list[str]) -> None:
    from abonent.notifications.tasks import dispatch_channel

    for channel in channels:
        dispatch_channel.enqueue(channel)


@transaction.atomic
def notify(*, type_code: str, customer: Customer, key: str, account: BillingAccount | None = None,
           **context) -> Composed:
    """One occasion for one customer, e.g. the warning before limiting supply: the service views and other
    apps call. `context` holds the type's variables."""
    type = NotificationType.objects.get(code=type_code)
    return create_notices(type=type, occasions=[Occasion(customer=customer, key=key, account=account,
                                                         context=context)])
