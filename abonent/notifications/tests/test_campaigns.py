"""A campaign's fan-out survives lost work: a batch run twice counts once (the campaign finishes only when every
batch is done, and the last customers are not skipped), and the batches or the fan-out a killed worker lost are
enqueued again by the sweep, so every customer of the segment gets the notice once."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from abonent.notifications import campaigns, tasks
from abonent.notifications.models import Campaign, Notification, NotificationType
from abonent.notifications.tests.factories import account_of

pytestmark = pytest.mark.django_db


class Killed(Exception):
    """The worker died while running the task (the task's transaction rolled back)."""


@pytest.fixture
def segment(organisation, monkeypatch):
    monkeypatch.setattr(campaigns, "BATCH", 2)
    return [account_of().customer for _ in range(5)]  # three batches: 2 + 2 + 1


def approved(supervisor) -> Campaign:
    campaign = Campaign.objects.create(title="Т", type=NotificationType.objects.get(code="rules_change"),
                                       subject="Новый порядок", text="Текст", created_by=supervisor)
    campaigns.dry_run(campaign)
    return campaigns.approve(campaign=campaign, approved_by=supervisor)


def emails(campaign) -> list[int]:
    return sorted(Notification.objects.filter(campaign=campaign, channel="email").values_list("customer_id", flat=True))


def test_a_batch_run_twice_counts_once_and_the_last_batch_is_not_skipped(supervisor, segment, monkeypatch):
    real = campaigns.run_batch
    monkeypatch.setattr(campaigns, "run_batch", lambda *args: real(*args) + real(*args))
    campaign = approved(supervisor)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.batches_total, campaign.batches_done) == ("done", 3, 3)
    assert emails(campaign) == sorted(c.pk for c in segment)
    assert campaign.created_count == len(Notification.objects.filter(campaign=campaign))


def test_a_batch_lost_with_its_worker_is_sent_by_the_sweep(supervisor, segment, monkeypatch):
    real = campaigns.run_batch

    def dies_on_the_second(campaign_id, customer_ids, first=None):
        if first == segment[2].pk:
            raise Killed
        return real(campaign_id, customer_ids, first)

    monkeypatch.setattr(campaigns, "run_batch", dies_on_the_second)
    campaign = approved(supervisor)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.batches_done) == ("sending", 2)
    assert emails(campaign) == sorted(c.pk for c in segment if c not in segment[2:4])
    monkeypatch.setattr(campaigns, "run_batch", real)
    assert tasks.resume_campaigns.call() == []  # not stalled yet: a batch may still be running
    with time_machine.travel(timezone.now() + campaigns.STALL + dt.timedelta(minutes=1)):
        assert tasks.resume_campaigns.call() == [campaign.pk]
    campaign.refresh_from_db()
    assert (campaign.status, campaign.batches_done, campaign.created_count) == ("done", 3, 5)
    assert emails(campaign) == sorted(c.pk for c in segment)


def test_a_lost_fan_out_is_resumed_and_a_finished_campaign_is_left_alone(supervisor, segment, monkeypatch):
    real = campaigns.fan_out
    monkeypatch.setattr(campaigns, "fan_out", lambda campaign_id: (_ for _ in ()).throw(Killed()))
    campaign = approved(supervisor)
    assert Notification.objects.filter(campaign=campaign).count() == 0
    monkeypatch.setattr(campaigns, "fan_out", real)
    later = timezone.now() + campaigns.STALL + dt.timedelta(minutes=1)
    with time_machine.travel(later):
        assert tasks.resume_campaigns.call() == [campaign.pk]
    campaign.refresh_from_db()
    assert campaign.status == "done" and emails(campaign) == sorted(c.pk for c in segment)
    with time_machine.travel(later + campaigns.STALL * 2):
        assert tasks.resume_campaigns.call() == []
    assert len(emails(campaign)) == 5


def test_resumed_batches_keep_their_bounds_when_the_segment_grew(supervisor, segment, monkeypatch):
    real = campaigns.run_batch
    monkeypatch.setattr(campaigns, "run_batch",
                        lambda cid, ids, first=None: 0 if first == segment[4].pk else real(cid, ids, first))
    campaign = approved(supervisor)
    newcomer = account_of().customer  # joins the segment after the split, beyond the last batch's bounds
    monkeypatch.setattr(campaigns, "run_batch", real)
    with time_machine.travel(timezone.now() + campaigns.STALL + dt.timedelta(minutes=1)):
        campaigns.resume_stalled()
    campaign.refresh_from_db()
    assert campaign.status == "done" and emails(campaign) == sorted(c.pk for c in segment)
    assert newcomer.pk not in emails(campaign)
