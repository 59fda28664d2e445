"""The demo hook for seed_demo: runs twice without duplicating anything."""

import datetime as dt

import pytest
from django.utils import timezone

from abonent.demo import notifications as demo
from abonent.demo.staff import seed_staff
from abonent.notifications.models import Campaign, Notification, NotificationContact, NotificationRule
from abonent.notifications.tests.factories import balance

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent(account):
    seed_staff()
    balance(account, timezone.localdate() - dt.timedelta(days=1), "5000.00")
    first = demo.seed()
    assert first["rules"] >= 1
    debt_rule = NotificationRule.objects.get(trigger="debt")
    assert (debt_rule.last_run_on, debt_rule.last_run_count) == (timezone.localdate(), first["rules"])
    counts = (Notification.objects.count(), Campaign.objects.count(), NotificationContact.objects.count())
    assert counts[1:] == (1, 1)
    assert Campaign.objects.get().dry_run_at is not None
    demo.seed()
    assert (Notification.objects.count(), Campaign.objects.count(), NotificationContact.objects.count()) == counts
