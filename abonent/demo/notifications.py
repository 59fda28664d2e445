"""Demo notifications: today's daily rules over the demo billing data, the appeal notices already sent
recorded in the journal, a confirmed notice address of one customer, and a counted draft campaign waiting
for a head's approval. Every step is idempotent (dedupe keys, get_or_create), so a second run adds nothing.
Call after the customers, billing data and appeals are seeded."""

from django.utils import timezone

from abonent.customers.models import Customer
from abonent.notifications import appeal_events, campaigns, contacts, rules
from abonent.notifications.models import Campaign, NotificationContact, NotificationRule, NotificationType
from abonent.notifications.permissions import grant
from abonent.users.models import User

CAMPAIGN_TITLE = "Новый порядок приёма показаний"


def seed() -> dict:
    grant()
    today = timezone.localdate()
    created = 0
    for rule in NotificationRule.objects.filter(is_active=True).select_related("type"):
        ids = list(rules.candidate_accounts(rule))
        count = sum(rules.run_batch(rule, ids[start:start + 500], today) for start in range(0, len(ids), 500))
        # As the 9:00 run records it, so the rules page shows today's run.
        NotificationRule.objects.filter(pk=rule.pk).update(last_run_on=today, last_run_count=count)
        created += count
    mirrored = appeal_events.sweep()
    customer = Customer.objects.filter(is_active=True).order_by("pk").first()
    if customer is not None and not NotificationContact.objects.filter(customer=customer).exists():
        contact, code = contacts.request_change(customer=customer, kind=NotificationContact.Kind.EMAIL,
                                                value=f"uvedomleniya.{customer.inn}@example.ru", requested_by=None)
        contacts.confirm(contact=contact, code=code)
    head = User.objects.filter(username="head").first()
    if head is not None and not Campaign.objects.filter(title=CAMPAIGN_TITLE).exists():
        campaign = Campaign.objects.create(
            title=CAMPAIGN_TITLE, type=NotificationType.objects.get(code="rules_change"),
            subject="Изменение порядка приёма показаний приборов учёта",
            text="С 1-го числа следующего месяца показания приборов учёта в многоквартирных домах принимаются "
                 "с 23 по 26 число месяца: в личном кабинете, по телефону call-центра или по электронной почте.",
            customer_kinds=[Customer.Kind.HOUSING_ASSOCIATION, Customer.Kind.MANAGING_COMPANY], created_by=head)
        campaigns.dry_run(campaign)
    return {"rules": created, "appeal_notices": mirrored}
