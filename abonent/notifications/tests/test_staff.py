"""Back-office screens: the journal and proof of one notice, the card's history section, types and templates
with the preview, the rules, campaigns with the dry run and a head's approval, the limitation warning."""

import datetime as dt
import html
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from abonent.customers.models import Contract, Customer
from abonent.notifications import compose
from abonent.notifications.models import Campaign, Notification, NotificationTemplate, NotificationType
from abonent.notifications.tests.factories import account_of, balance, portal_user

pytestmark = pytest.mark.django_db
DEBT = {"debt": Decimal("777.00"), "as_of": dt.date(2026, 5, 1)}


@pytest.fixture
def notice(account):
    compose.notify(type_code="debt", customer=account.customer, account=account, key="k", **DEBT)
    return Notification.objects.get(channel="email")


def test_journal_and_proof_of_notice_for_reception(client, operator, notice):
    client.force_login(operator)
    response = client.get(reverse("notifications:journal"), {"status": "sent", "q": notice.customer.inn})
    assert response.status_code == 200 and [n.pk for n in response.context["rows"]] == [notice.pk]
    response = client.get(reverse("notifications:notice", args=[notice.pk]))
    assert response.status_code == 200
    assert html.escape(notice.provider_id) in response.content.decode()
    assert LogEntry.objects.filter(object_pk=str(notice.customer.pk), action=LogEntry.Action.ACCESS).exists()


def test_journal_and_card_show_a_phone_recipient_in_russian_format(client, operator, account):
    account.customer.phone = "+73852506311"
    account.customer.save()
    compose.notify(type_code="debt_limitation", customer=account.customer, account=account, key="p",
                   limitation_date=dt.date(2026, 6, 1), **DEBT)
    notice = Notification.objects.get(channel="phone")
    client.force_login(operator)
    for url in (reverse("notifications:journal"), reverse("notifications:notice", args=[notice.pk]),
                reverse("notifications:customer_history", args=[account.customer.pk])):
        page = client.get(url).content.decode()
        assert "8 (3852) 50-63-11" in page and "+73852506311" not in page, url


def test_journal_pages_by_id_without_counting(client, operator, organisation, django_assert_max_num_queries):
    for _ in range(3):
        account = account_of()
        compose.notify(type_code="debt", customer=account.customer, account=account, key="k", **DEBT)
    client.force_login(operator)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("notifications:journal"))
    assert len(response.context["rows"]) == 3


def test_customer_card_shows_the_history_section(client, operator, notice):
    client.force_login(operator)
    card = client.get(reverse("customers:detail", args=[notice.customer.pk])).content.decode()
    history_url = reverse("notifications:customer_history", args=[notice.customer.pk])
    assert history_url in card
    response = client.get(history_url)
    assert response.status_code == 200
    assert notice.subject in response.content.decode()
    assert LogEntry.objects.filter(additional_data__viewed="история уведомлений клиента").exists()


def test_history_is_refused_without_the_permission(client, executor, notice):
    client.force_login(executor)
    assert client.get(reverse("notifications:customer_history", args=[notice.customer.pk])).status_code == 403


def test_head_edits_a_template_and_a_broken_one_is_refused(client, supervisor):
    kind = NotificationType.objects.get(code="debt")
    client.force_login(supervisor)
    url = reverse("notifications:type_edit", args=[kind.pk])
    assert client.get(url).status_code == 200
    data = {"name": kind.name, "description": "", "default_channels": ["email"], "is_active": "on", "order": 5,
            "email-subject": "Долг {{ debt|money }}", "email-body": "{% if %}",
            "portal-subject": "П", "portal-body": "Долг {{ debt|money }}"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Ошибка в шаблоне" in response.content.decode()
    assert NotificationTemplate.objects.get(type=kind, channel="email").body.startswith("Уважаемый клиент")
    data["email-body"] = "Задолженность {{ debt|money }}."
    assert client.post(url, data).status_code == 302
    assert NotificationTemplate.objects.get(type=kind, channel="email").body == "Задолженность {{ debt|money }}."
    assert not NotificationTemplate.objects.filter(type=kind, channel="edo").exists()  # emptied: channel unused
    kind.refresh_from_db()
    assert kind.default_channels == ["email"]


def test_preview_renders_a_sample_customer(client, supervisor, account):
    balance(account, dt.date(2026, 4, 30), "15000.50")
    kind = NotificationType.objects.get(code="debt")
    client.force_login(supervisor)
    response = client.get(reverse("notifications:preview", args=[kind.pk]),
                          {"channel": "email", "customer": account.customer.inn})
    assert response.status_code == 200
    assert "15\u00a0000,50\u00a0₽" in response.context["result"].body
    shown = {v.expression: v.value for v in response.context["variables"]}
    assert shown["{{ customer.inn }}"] == account.customer.inn
    assert shown["{{ account.number }}"] == account.number
    assert shown["{{ debt|money }}"] == "15\u00a0000,50\u00a0₽"
    assert shown["{{ as_of|date:'d.m.Y' }}"] == "30.04.2026"
    page = response.content.decode()
    assert "{&#x27;" not in page and "Decimal(" not in page  # no Python reprs of the context


def test_preview_for_an_unknown_customer_is_refused_in_russian(client, supervisor, account):
    client.force_login(supervisor)
    response = client.get(reverse("notifications:preview", args=[NotificationType.objects.get(code="debt").pk]),
                          {"channel": "email", "customer": "Нет такого"})
    assert response.status_code == 400
    assert "Клиент с лицевым счётом по такому запросу не найден." in response.content.decode()


def test_proof_of_notice_shows_the_text_with_its_line_breaks(client, operator, notice):
    client.force_login(operator)
    page = client.get(reverse("notifications:notice", args=[notice.pk])).content.decode()
    first_line = notice.body.split("\n")[0]
    assert f"{html.escape(first_line)}<br><br>" in page


def test_types_page_names_channels_in_russian(client, supervisor):
    client.force_login(supervisor)
    page = client.get(reverse("notifications:types")).content.decode()
    assert "электронная почта, ЭДО, личный кабинет" in page
    assert "email, edo" not in page


def test_amounts_are_typed_with_a_decimal_comma(client, supervisor):
    from abonent.notifications.models import NotificationRule

    rule = NotificationRule.objects.get(trigger="debt")
    client.force_login(supervisor)
    url = reverse("notifications:rule_edit", args=[rule.pk])
    assert 'value="0,00"' in client.get(url).content.decode()
    data = {"name": rule.name, "type": rule.type_id, "trigger": rule.trigger, "days_before": 0,
            "working_days": "on", "min_amount": "1500,50", "repeat_days": 7, "is_active": "on"}
    assert client.post(url, data).status_code == 302
    rule.refresh_from_db()
    assert rule.min_amount == Decimal("1500.50")


def test_operator_cannot_manage_types_or_campaigns(client, operator):
    client.force_login(operator)
    assert client.get(reverse("notifications:types")).status_code == 403
    assert client.get(reverse("notifications:campaigns")).status_code == 403


def test_campaign_dry_run_counts_and_sends_nothing_then_a_head_approves(client, supervisor, organisation):
    target = account_of(customer=None, price_category=Contract.PriceCategory.THIRD)
    portal_user(target)
    account_of(price_category=Contract.PriceCategory.FIRST)
    account_of(customer=None)  # another first-category customer
    client.force_login(supervisor)
    kind = NotificationType.objects.get(code="rules_change")
    response = client.post(reverse("notifications:campaign_create"), {
        "title": "Новый порядок", "type": kind.pk, "subject": "Изменение порядка приёма показаний",
        "text": "С 1 июля показания принимаются с 23 по 26 число.", "price_categories": ["3"], "min_debt": "0"})
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    approve = reverse("notifications:campaign_approve", args=[campaign.pk])
    client.post(approve)
    campaign.refresh_from_db()
    assert campaign.status == "draft"  # no dry run yet
    page = client.get(reverse("notifications:campaign", args=[campaign.pk])).content.decode()
    assert "все виды клиентов; ценовые категории: третья" in page
    assert f"Уважаемый клиент {html.escape(str(target.customer))}!<br><br>С 1 июля" in page  # the e-mail, rendered
    client.post(reverse("notifications:campaign_dry_run", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert (campaign.dry_run_customers, campaign.dry_run_notices) == (1, 2)  # e-mail and portal
    assert not Notification.objects.exists()
    page = client.get(reverse("notifications:campaign", args=[campaign.pk])).content.decode()
    assert "<li>электронная почта: 1</li>" in page and "<li>личный кабинет: 1</li>" in page
    client.post(approve)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.approved_by, campaign.created_count) == ("done", supervisor, 2)
    rows = Notification.objects.filter(campaign=campaign)
    assert {n.customer_id for n in rows} == {target.customer.pk}
    assert rows.get(channel="email").body.startswith(f"Уважаемый клиент {target.customer}!\n\nС 1 июля")
    client.post(approve)
    assert Notification.objects.count() == 2


def test_campaign_segment_by_kind_and_debt(organisation, supervisor):
    from abonent.notifications import campaigns

    debtor = account_of(Customer.objects.create(kind=Customer.Kind.MANAGING_COMPANY, name="УК «Дом»",
                                                inn="2225000012", kpp="222501001"))
    balance(debtor, dt.date(2026, 4, 1), "100.00")
    balance(debtor, dt.date(2026, 5, 1), "900.00")
    paid_up = account_of(Customer.objects.create(kind=Customer.Kind.MANAGING_COMPANY, name="УК «Сад»",
                                                 inn="2225000020", kpp="222501001"))
    balance(paid_up, dt.date(2026, 4, 1), "900.00")
    balance(paid_up, dt.date(2026, 5, 1), "0.00")
    account_of()
    campaign = Campaign.objects.create(title="Т", type=NotificationType.objects.get(code="rules_change"),
                                       subject="С", text="Т", customer_kinds=["managing_company"],
                                       debtors_only=True, min_debt=Decimal("500"), created_by=supervisor)
    assert campaigns.segment_ids(campaign) == [debtor.customer.pk]


def test_non_head_cannot_approve(client, operator, supervisor):
    from abonent.notifications import campaigns

    campaign = Campaign.objects.create(title="Т", type=NotificationType.objects.get(code="rules_change"),
                                       subject="С", text="Т", created_by=supervisor)
    campaigns.dry_run(campaign)
    with pytest.raises(campaigns.CampaignError, match="только руководитель"):
        campaigns.approve(campaign=campaign, approved_by=operator)
    client.force_login(operator)
    assert client.post(reverse("notifications:campaign_approve", args=[campaign.pk])).status_code == 403


def test_limitation_warning_goes_by_every_channel_once(client, supervisor, account):
    portal_user(account)
    balance(account, dt.date(2026, 5, 1), "25000.00")
    client.force_login(supervisor)
    url = reverse("notifications:limitation", args=[account.customer.pk])
    assert client.get(url).status_code == 200
    day = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    assert client.post(url, {"account": account.pk, "limitation_date": day}).status_code == 302
    assert set(Notification.objects.values_list("channel", flat=True)) == {"email", "phone", "portal"}
    client.post(url, {"account": account.pk, "limitation_date": day})
    assert Notification.objects.count() == 3


def test_limitation_without_a_debt_is_refused(client, supervisor, account):
    balance(account, dt.date(2026, 5, 1), "-10.00")
    client.force_login(supervisor)
    response = client.post(reverse("notifications:limitation", args=[account.customer.pk]),
                           {"account": account.pk, "limitation_date": "2099-01-01"})
    assert response.status_code == 400
    assert "задолженности по этому счёту нет" in response.content.decode()
    assert not Notification.objects.exists()


def test_rule_run_button_runs_todays_rule(client, supervisor, account):
    from abonent.notifications.models import NotificationRule

    balance(account, dt.date.today(), "300.00")
    rule = NotificationRule.objects.get(trigger="debt")
    client.force_login(supervisor)
    assert client.post(reverse("notifications:rule_run", args=[rule.pk])).status_code == 302
    assert Notification.objects.filter(kind="debt", account=account).exists()
    rule.refresh_from_db()
    assert rule.last_run_count == Notification.objects.filter(rule=rule).count()


def test_every_staff_page_renders_for_a_head(client, supervisor, notice):
    from abonent.notifications.models import NotificationRule

    campaign = Campaign.objects.create(title="Т", type=NotificationType.objects.get(code="rules_change"),
                                       subject="С", text="Т", created_by=supervisor)
    kind = NotificationType.objects.get(code="payment_due")
    client.force_login(supervisor)
    urls = [reverse("notifications:journal"), reverse("notifications:notice", args=[notice.pk]),
            reverse("notifications:types"), reverse("notifications:type_edit", args=[kind.pk]),
            reverse("notifications:preview", args=[kind.pk]),
            reverse("notifications:rule_create"),
            reverse("notifications:rule_edit", args=[NotificationRule.objects.first().pk]),
            reverse("notifications:campaigns"), reverse("notifications:campaign_create"),
            reverse("notifications:campaign", args=[campaign.pk]),
            reverse("notifications:campaign_edit", args=[campaign.pk]),
            reverse("notifications:customer_history", args=[notice.customer.pk]),
            reverse("notifications:limitation", args=[notice.customer.pk])]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Select an option" not in response.content.decode(), url
    home = client.get(reverse("core:home")).content.decode()
    assert "рассылок ждут утверждения" in home


def test_every_portal_page_renders(client, account):
    from abonent.notifications import contacts

    user = portal_user(account)
    compose.notify(type_code="debt", customer=account.customer, account=account, key="k", **DEBT)
    contact, _ = contacts.request_change(customer=account.customer, kind="email", value="n@example.ru",
                                         requested_by=user)
    client.force_login(user)
    urls = [reverse("portal:notices"),
            reverse("portal:notice", kwargs={"notice_id": Notification.objects.get(channel="portal").pk}),
            reverse("portal:notifications"), reverse("portal:contacts"),
            reverse("portal:contact_confirm", kwargs={"contact_id": contact.pk})]
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_a_campaign_changed_after_its_dry_run_must_be_counted_again(supervisor):
    import time_machine
    from django.utils import timezone

    from abonent.notifications import campaigns

    campaign = Campaign.objects.create(title="Т", type=NotificationType.objects.get(code="rules_change"),
                                       subject="С", text="Т", created_by=supervisor)
    campaigns.dry_run(campaign)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        campaign.text = "Другой текст"
        campaign.save()
    with pytest.raises(campaigns.CampaignError, match="пробный подсчёт"):
        campaigns.approve(campaign=campaign, approved_by=supervisor)
    campaign.refresh_from_db()
    assert campaign.status == "draft"
