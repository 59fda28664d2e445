"""Staff screens for portal access: the section on the customer card, approve / reject / revoke / grant
and a new link code, each audited with the staff member as actor and mailed to the login."""

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from abonent.customers.access import accounts_for_user
from abonent.customers.models import BillingAccount, PortalAccess
from abonent.customers.tests.factories import BillingAccountFactory
from abonent.portal.tests.factories_auth import link, portal_login
from abonent.users import roles
from abonent.users.models import User

pytestmark = pytest.mark.django_db
Status, Role = PortalAccess.Status, PortalAccess.Role


@pytest.fixture
def account():
    return BillingAccountFactory()


@pytest.fixture
def customer(account):
    return account.contract.customer


@pytest.fixture
def login():
    return portal_login("buh@example.ru", last_name="Сидорова", first_name="Анна")


@pytest.fixture
def staff(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def call_centre(organisation):
    """Sees customers but may not change them."""
    roles.sync_roles()
    user = User.objects.create_user(username="callcentre", password="pass", last_name="Попова")  # noqa: S106
    user.groups.add(Group.objects.get(name=roles.CALL_CENTRE))
    return user


def page_url(customer):
    return reverse("customers:portal_access", args=[customer.pk])


def decide(client, customer, access, **data):
    return client.post(reverse("customers:portal_access_decide", args=[customer.pk, access.pk]), data)


def test_the_grant_form_is_russian_down_to_the_empty_choice(staff, customer):
    html = staff.get(page_url(customer)).content.decode()
    assert '<option value="" selected>— выберите счёт —</option>' in html
    assert "Select an option" not in html  # Django 6.1's default label has no Russian translation yet


def test_the_card_loads_the_section_for_staff_who_may_change_customers(staff, customer):
    card = staff.get(customer.get_absolute_url()).content.decode()
    assert f'hx-get="{page_url(customer)}"' in card


def test_without_the_permission_no_section_and_403(client, call_centre, customer, account, login):
    access = link(login, account, status=Status.PENDING)
    client.force_login(call_centre)

    assert 'id="portal-access"' not in client.get(customer.get_absolute_url()).content.decode()
    assert client.get(page_url(customer)).status_code == 403
    assert decide(client, customer, access, action="approve").status_code == 403
    assert PortalAccess.objects.get().status == Status.PENDING


def test_the_page_lists_links_requests_and_codes_and_is_on_record(staff, operator, customer, account, login):
    link(login, account, Role.ACCOUNTANT)
    asking = portal_login("energo@example.ru", last_name="Орлов")
    link(asking, account, Role.ENERGY_MANAGER, status=Status.PENDING)

    page = staff.get(page_url(customer)).content.decode()

    assert "buh@example.ru" in page and "бухгалтер" in page
    assert 'id="portal-pending"' in page and "energo@example.ru" in page
    assert account.link_code in page
    entry = LogEntry.objects.get_for_object(customer).get(action=LogEntry.Action.ACCESS)
    assert entry.actor == operator and "доступ к личному кабинету" in entry.additional_data["viewed"]


def test_the_htmx_part_is_the_section_only(staff, customer):
    response = staff.get(page_url(customer), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and "Выдать доступ" in html and 'name="back" value="card"' in html


def test_approve_activates_the_request_with_an_audit_entry_and_a_letter(staff, operator, customer, account, login):
    access = link(login, account, Role.MANAGER, status=Status.PENDING)

    response = decide(staff, customer, access, action="approve", role=Role.ACCOUNTANT)

    assert response.status_code == 302 and response["Location"] == page_url(customer)
    access.refresh_from_db()
    assert (access.status, access.role, access.decided_by) == (Status.ACTIVE, Role.ACCOUNTANT, operator)
    assert list(accounts_for_user(login)) == [account]
    entry = LogEntry.objects.get_for_object(access).get(action=LogEntry.Action.UPDATE)
    assert entry.actor == operator and entry.changes_dict["status"] == ["pending", "active"]
    assert [m.to for m in mail.outbox] == [["buh@example.ru"]]
    assert mail.outbox[0].subject == "Доступ к лицевому счёту в личном кабинете подтверждён"
    assert account.number in mail.outbox[0].body and "бухгалтер" in mail.outbox[0].body


def test_reject_needs_a_reason_which_is_mailed(staff, operator, customer, account, login):
    access = link(login, account, status=Status.PENDING)

    decide(staff, customer, access, action="reject", reason="  ")
    access.refresh_from_db()
    assert access.status == Status.PENDING and not mail.outbox

    response = decide(staff, customer, access, action="reject", reason="Нет доверенности", back="card")

    assert response["Location"] == f"{customer.get_absolute_url()}#portal-access"
    access.refresh_from_db()
    assert (access.status, access.comment, access.decided_by) == (Status.REJECTED, "Нет доверенности", operator)
    assert LogEntry.objects.get_for_object(access).filter(actor=operator).exists()
    assert mail.outbox[0].subject == "Заявка на доступ к лицевому счёту отклонена"
    assert "Причина: Нет доверенности" in mail.outbox[0].body
    # Decided once.
    decide(staff, customer, access, action="approve")
    access.refresh_from_db()
    assert access.status == Status.REJECTED


def test_revoke_ends_the_access(staff, operator, customer, account, login):
    access = link(login, account)

    decide(staff, customer, access, action="revoke", reason="Сотрудник уволился")

    access.refresh_from_db()
    assert (access.status, access.decided_by) == (Status.REVOKED, operator)
    assert list(accounts_for_user(login)) == []
    assert mail.outbox[0].subject == "Доступ к лицевому счёту в личном кабинете прекращён"
    entry = LogEntry.objects.get_for_object(access).get(action=LogEntry.Action.UPDATE)
    assert entry.actor == operator and entry.changes_dict["status"] == ["active", "revoked"]


def test_grant_by_email(staff, operator, customer, account, login):
    response = staff.post(reverse("customers:portal_access_grant", args=[customer.pk]), {
        "account": account.pk, "email": "BUH@example.ru", "role": Role.ENERGY_MANAGER, "comment": "Заявление № 12"})

    assert response.status_code == 302
    access = PortalAccess.objects.get()
    assert (access.user, access.role, access.status, access.granted_via, access.decided_by, access.comment) == (
        login, Role.ENERGY_MANAGER, Status.ACTIVE, "staff", operator, "Заявление № 12")
    assert LogEntry.objects.get_for_object(access).get(action=LogEntry.Action.CREATE).actor == operator
    assert mail.outbox[0].subject == "Лицевой счёт подключён к вашему личному кабинету"

    again = staff.post(reverse("customers:portal_access_grant", args=[customer.pk]), {
        "account": account.pk, "email": "buh@example.ru", "role": Role.MANAGER})
    assert again.status_code == 400 and "уже есть доступ" in again.content.decode()
    assert PortalAccess.objects.count() == 1


@pytest.mark.parametrize("who", ["nobody", "unconfirmed", "staff"])
def test_grant_refuses_unknown_unconfirmed_or_staff_addresses(staff, operator, customer, account, who):
    email = {"nobody": "nobody@example.ru", "unconfirmed": "new@example.ru", "staff": "operator"}[who]
    if who == "unconfirmed":
        portal_login(email, confirmed=False)
    response = staff.post(reverse("customers:portal_access_grant", args=[customer.pk]), {
        "account": account.pk, "email": email if "@" in email else "operator@bges.ru", "role": Role.MANAGER})
    assert response.status_code == 400
    assert "не найдена или не подтверждена" in response.content.decode()
    assert not PortalAccess.objects.exists()


def test_grant_approves_a_waiting_request(staff, customer, account, login):
    access = link(login, account, Role.ACCOUNTANT, status=Status.PENDING)
    staff.post(reverse("customers:portal_access_grant", args=[customer.pk]),
               {"account": account.pk, "email": "buh@example.ru", "role": Role.MANAGER})
    access.refresh_from_db()
    assert (access.status, access.role) == (Status.ACTIVE, Role.MANAGER)


def test_a_new_link_code_replaces_the_old_and_the_log_masks_it(staff, operator, customer, account):
    old = account.link_code

    response = staff.post(reverse("customers:portal_access_new_code", args=[customer.pk, account.pk]))

    assert response.status_code == 302
    account.refresh_from_db()
    assert account.link_code != old and len(account.link_code) == 8
    entry = LogEntry.objects.get_for_object(account).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == operator
    assert old not in str(entry.changes) and account.link_code not in str(entry.changes)
    assert staff.get(reverse("customers:portal_access_new_code", args=[customer.pk, account.pk])).status_code == 405


def test_another_customers_link_or_account_is_404(staff, customer, login):
    foreign_account = BillingAccountFactory()
    foreign_access = link(login, foreign_account, status=Status.PENDING)

    assert decide(staff, customer, foreign_access, action="approve").status_code == 404
    new_code = staff.post(reverse("customers:portal_access_new_code", args=[customer.pk, foreign_account.pk]))
    assert new_code.status_code == 404
    assert PortalAccess.objects.get().status == Status.PENDING
    assert BillingAccount.objects.get(pk=foreign_account.pk).link_code == foreign_account.link_code


def test_the_queue_of_requests(staff, account, login):
    link(login, account, status=Status.PENDING)
    page = staff.get(reverse("customers:portal_requests")).content.decode()
    assert "buh@example.ru" in page and account.number in page
