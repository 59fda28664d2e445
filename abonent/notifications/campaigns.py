"""One-off mass informing (standard 3.5.3: «рассылка по электронной почте, ЭДО»), e.g. a change of the rules
of service to every customer of a segment. A campaign is prepared as a draft, counted in a dry run (how many
customers and notices by channel, nothing written), approved by a head (permission approve_campaign), then
fanned out on the task queue in batches of customers; each customer's notice has the key
"c<campaign>:<customer>", so a batch run twice writes nothing twice. The batches done are recorded by name, so
a sweep can re-enqueue those a killed worker lost and the campaign still finishes once, with every customer."""

import bisect
import datetime
from collections import Counter

from django.db import transaction
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone

from abonent.billing.models import Balance
from abonent.customers.models import BillingAccount, Contract, Customer
from abonent.notifications import rendering
from abonent.notifications.audience import Audience
from abonent.notifications.compose import Occasion, create_notices
from abonent.notifications.models import Campaign, Channel

S = Campaign.Status
BATCH = 1000
STALL = datetime.timedelta(minutes=15)


class CampaignError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def segment(campaign: Campaign) -> QuerySet[Customer]:
    """The customers the campaign is for: active, with an active contract, filtered by kind, price category
    and a debt on the latest imported balance of any of their accounts."""
    customers = Customer.objects.filter(is_active=True, contracts__status=Contract.Status.ACTIVE)
    if campaign.customer_kinds:
        customers = customers.filter(kind__in=campaign.customer_kinds)
    if campaign.price_categories:
        customers = customers.filter(contracts__price_category__in=[int(c) for c in campaign.price_categories])
    if campaign.debtors_only:
        latest = (Balance.objects.filter(account=OuterRef("pk")).order_by("-as_of").values("amount")[:1])
        debtors = (BillingAccount.objects.filter(is_active=True).annotate(debt=Subquery(latest))
                   .filter(debt__gt=campaign.min_debt).values("contract__customer_id"))
        customers = customers.filter(pk__in=debtors)
    return Customer.objects.filter(pk__in=customers.values("pk"))


def segment_ids(campaign: Campaign) -> list[int]:
    return list(segment(campaign).order_by("pk").values_list("pk", flat=True))


def _batches(ids: list[int], size: int | None = None):
    size = size or BATCH
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def dry_run(campaign: Campaign) -> dict:
    """Counts the customers and the notices per channel the campaign would write; writes no notice."""
    ids = segment_ids(campaign)
    templates = set(campaign.type.templates.values_list("channel", flat=True))
    by_channel: Counter = Counter()
    unreachable = 0
    for batch in _batches(ids):
        customers = list(Customer.objects.filter(pk__in=batch))
        audience = Audience(customers, [campaign.type])
        for customer in customers:
            chosen = audience.choose(customer, campaign.type, templates)
            by_channel.update(channel for channel, _ in chosen)
            unreachable += not chosen
    Campaign.objects.filter(pk=campaign.pk).update(
        dry_run_customers=len(ids), dry_run_notices=sum(by_channel.values()), dry_run_at=timezone.now())
    campaign.refresh_from_db()
    return {"customers": len(ids), "notices": sum(by_channel.values()), "by_channel": dict(by_channel),
            "unreachable": unreachable}


def sample(campaign: Campaign) -> tuple[Customer | None, list[tuple[str, rendering.Rendered]]]:
    """What the first customer of the segment would receive, per channel of the campaign's type, rendered as
    the fan-out renders it; nothing is written."""
    customer = segment(campaign).order_by("pk").first()
    if customer is None:
        return None, []
    context = rendering.context_for(customer=customer, subject=campaign.subject, text=campaign.text)
    order = {channel: n for n, channel in enumerate(Channel.values)}
    templates = sorted(campaign.type.templates.all(), key=lambda t: order.get(t.channel, len(order)))
    return customer, [(t.get_channel_display(), rendering.render(subject=t.subject, body=t.body, context=context))
                      for t in templates]


@transaction.atomic
def approve(*, campaign: Campaign, approved_by) -> Campaign:
    """A head approves a counted draft; the fan-out starts after commit."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if not approved_by.has_perm("notifications.approve_campaign"):
        raise CampaignError("Утверждать рассылки может только руководитель.")
    if campaign.status != S.DRAFT:
        raise CampaignError(f"Рассылка уже не черновик (состояние: {campaign.get_status_display()}).")
    if campaign.dry_run_at is None or campaign.dry_run_at < campaign.updated_at:
        raise CampaignError("Перед утверждением выполните пробный подсчёт получателей.")
    now = timezone.now()
    campaign.status, campaign.approved_by, campaign.approved_at = S.SENDING, approved_by, now
    campaign.started_at = now
    campaign.save(update_fields=["status", "approved_by", "approved_at", "started_at", "updated_at"])
    from abonent.notifications.tasks import fan_out_campaign

    transaction.on_commit(lambda: fan_out_campaign.enqueue(campaign.pk))
    return campaign


@transaction.atomic
def cancel(*, campaign: Campaign, cancelled_by) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status not in (S.DRAFT, S.APPROVED):
        raise CampaignError("Отменить можно только рассылку, которая ещё не начата.")
    campaign.status = S.CANCELLED
    campaign.save(update_fields=["status", "updated_at"])
    return campaign


def fan_out(campaign_id: int) -> int:
    """Splits the segment into batches, one task each, and returns how many were enqueued. The split is made
    once and kept (each batch's first and last customer id), so a second call, e.g. from resume_stalled after a
    worker died with batches in hand, enqueues only the batches not done yet, with the same bounds."""
    from abonent.core.tasks import enqueue_on_commit
    from abonent.notifications.tasks import send_campaign_batch

    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.status != S.SENDING:
            return 0
        ids = segment_ids(campaign)
        if campaign.batch_bounds:
            bounds = campaign.batch_bounds
            parts = [ids[bisect.bisect_left(ids, first):bisect.bisect_right(ids, last)] for first, last in bounds]
        else:
            parts = list(_batches(ids))
            bounds = [[part[0], part[-1]] for part in parts]
        Campaign.objects.filter(pk=campaign_id).update(batch_bounds=bounds, batches_total=len(bounds),
                                                       updated_at=timezone.now())
        pending = [(first, part) for (first, _), part in zip(bounds, parts, strict=True)
                   if first not in campaign.done_batches]
        for first, part in pending:
            enqueue_on_commit(send_campaign_batch, campaign_id, part, first)
    if not pending:  # an empty segment, or every batch done and only the finish was lost
        _finish(campaign_id)
    return len(pending)


def run_batch(campaign_id: int, customer_ids: list[int], first: int | None = None) -> int:
    """Writes the notices of one batch (named by `first`, its first customer id at the split) and records the
    batch done; the campaign is done when every batch is. A batch run twice writes nothing and counts once."""
    campaign = Campaign.objects.select_related("type").get(pk=campaign_id)
    if campaign.status != S.SENDING:
        return 0
    first = first if first is not None else customer_ids[0]
    customers = list(Customer.objects.filter(pk__in=customer_ids).order_by("pk"))
    occasions = [Occasion(customer=c, key=f"c{campaign.pk}:{c.pk}",
                          context={"subject": campaign.subject, "text": campaign.text}) for c in customers]
    with transaction.atomic():
        created = create_notices(type=campaign.type, occasions=occasions, campaign=campaign).created
        # Locked last and briefly: batches render side by side and only take turns to record themselves.
        done = Campaign.objects.select_for_update().values_list("done_batches", flat=True).get(pk=campaign_id)
        done = done if first in done else [*done, first]
        Campaign.objects.filter(pk=campaign_id).update(created_count=F("created_count") + created,
                                                       done_batches=done, batches_done=len(done),
                                                       updated_at=timezone.now())
    campaign.refresh_from_db(fields=["batches_done", "batches_total"])
    if campaign.batches_done >= campaign.batches_total:
        _finish(campaign_id)
    return created


def resume_stalled(now=None) -> list[int]:
    """Campaigns still sending with no batch done for STALL: their fan-out or some batches were lost (a worker
    killed); the batches not done are enqueued again. Returns the campaigns resumed."""
    now = now or timezone.now()
    stalled = list(Campaign.objects.filter(status=S.SENDING, updated_at__lt=now - STALL).values_list("pk", flat=True))
    for campaign_id in stalled:
        fan_out(campaign_id)
    return stalled


def _finish(campaign_id: int) -> None:
    Campaign.objects.filter(pk=campaign_id, status=S.SENDING).update(status=S.DONE, finished_at=timezone.now())
