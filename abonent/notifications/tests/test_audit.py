"""Changes to notification policy, campaigns and the customer's own choices are in the audit log, with who made
them; a confirmation code's hash never is."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from abonent.notifications import campaigns, contacts
from abonent.notifications.models import (
    Campaign,
    NotificationContact,
    NotificationPreference,
    NotificationTemplate,
    NotificationType,
)
from abonent.notifications.tests.factories import portal_user

pytestmark = pytest.mark.django_db


def entries(model, pk):
    return LogEntry.objects.get_for_object(model.objects.get(pk=pk)).select_related("actor")


def test_a_heads_template_change_is_logged_with_the_head_and_the_old_text(client, supervisor):
    kind = NotificationType.objects.get(code="debt")
    template = NotificationTemplate.objects.get(type=kind, channel="email")
    client.force_login(supervisor)
    data = {"name": kind.name, "description": kind.description, "default_channels": kind.default_channels,
            "is_active": "on", "order": kind.order}
    for item in kind.templates.all():
        data[f"{item.channel}-subject"], data[f"{item.channel}-body"] = item.subject, item.body
    data["email-body"] = "Задолженность {{ debt|money }}."
    assert client.post(reverse("notifications:type_edit", args=[kind.pk]), data).status_code == 302
    [entry] = entries(NotificationTemplate, template.pk).filter(action=LogEntry.Action.UPDATE)
    assert entry.actor == supervisor
    assert entry.changes_dict["body"] == [template.body, "Задолженность {{ debt|money }}."]


def test_a_campaigns_approval_is_logged_with_the_approver(supervisor):
    campaign = Campaign.objects.create(title="Т", type=NotificationType.objects.get(code="rules_change"),
                                       subject="С", text="Т", created_by=supervisor)
    campaigns.dry_run(campaign)
    campaigns.approve(campaign=campaign, approved_by=supervisor)
    changes = [e.changes_dict for e in entries(Campaign, campaign.pk).filter(action=LogEntry.Action.UPDATE)]
    assert any(c.get("status") == ["draft", "sending"] and "approved_by" in c for c in changes)


def test_a_customers_opt_out_is_logged(client, account):
    user = portal_user(account)
    payment_due = NotificationType.objects.get(code="payment_due")
    client.force_login(user)
    response = client.post(reverse("portal:notifications"), {"customer": account.customer.pk,
                                                             f"pref_{payment_due.pk}_portal": "on"})
    assert response.status_code == 302
    email = NotificationPreference.objects.get(customer=account.customer, type=payment_due, channel="email")
    [entry] = entries(NotificationPreference, email.pk)
    assert (entry.action, entry.actor, entry.changes_dict["is_enabled"]) == (LogEntry.Action.CREATE, user,
                                                                              ["None", "False"])


def test_a_contacts_confirmation_code_is_never_logged(account):
    contact, code = contacts.request_change(customer=account.customer, kind="email", value="n@example.ru",
                                            requested_by=None)
    contacts.confirm(contact=contact, code=code)
    logged = list(entries(NotificationContact, contact.pk))
    assert [e.action for e in logged] == [LogEntry.Action.UPDATE, LogEntry.Action.CREATE]
    assert all("code_hash" not in e.changes_dict for e in logged)
    assert logged[0].changes_dict["status"] == ["pending", "confirmed"]
