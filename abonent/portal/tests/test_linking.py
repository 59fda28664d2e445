"""Linking billing accounts to a portal login: by the invoice's code (right, wrong, locked, already linked,
closed account), by a request to staff, and what each role then reaches through the scoped selectors."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from abonent.customers import linking
from abonent.customers.access import account_for_user, accounts_for_user, customers_for_user
from abonent.customers.models import Contract, PortalAccess
from abonent.customers.tests.factories import BillingAccountFactory, ContractFactory
from abonent.portal.tests.factories_auth import link, portal_login

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC)
Role, Status = PortalAccess.Role, PortalAccess.Status


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def account():
    return BillingAccountFactory(link_code="ABCD2345")


@pytest.fixture
def user():
    return portal_login()


def by_code(account, **overrides):
    data = {"contract_number": account.contract.number, "inn": account.contract.customer.inn,
            "code": account.link_code}
    data.update(overrides)
    return linking.LinkRequest(**data)


def test_the_right_code_links_the_account_at_once_with_the_chosen_role(user, account):
    access = linking.link_by_code(user=user, request=by_code(account, code=" abcd-2345 "), role=Role.ACCOUNTANT)

    assert (access.user, access.account, access.role, access.status, access.granted_via) == (
        user, account, Role.ACCOUNTANT, Status.ACTIVE, PortalAccess.GrantedVia.CODE)
    assert access.decided_at is not None and access.decided_by is None
    assert list(accounts_for_user(user)) == [account]


@pytest.mark.parametrize("field", ["contract_number", "inn", "code"])
def test_wrong_data_gets_one_neutral_message_and_links_nothing(user, account, field):
    wrong = {"contract_number": "НЕТ-ТАКОГО", "inn": "7707083893", "code": "ZZZZ9999"}[field]

    with pytest.raises(linking.LinkError) as refusal:
        linking.link_by_code(user=user, request=by_code(account, **{field: wrong}), role=Role.MANAGER)

    assert refusal.value.message == f"{linking.NEUTRAL_REFUSAL} Осталось попыток: {linking.LINK_FAILURE_LIMIT - 1}."
    assert not PortalAccess.objects.exists()


def test_the_code_of_another_account_of_the_same_contract_does_not_link_this_one(user, account):
    other = BillingAccountFactory(contract=account.contract, link_code="QRST6789")
    access = linking.link_by_code(user=user, request=by_code(account, code="QRST6789"), role=Role.MANAGER)
    assert access.account == other


def test_after_too_many_wrong_codes_linking_locks_for_a_while(user, account):
    with time_machine.travel(NOW, tick=False):
        for _ in range(linking.LINK_FAILURE_LIMIT - 1):
            with pytest.raises(linking.LinkError):
                linking.link_by_code(user=user, request=by_code(account, code="WRONG222"), role=Role.MANAGER)
        with pytest.raises(linking.LinkError) as last:
            linking.link_by_code(user=user, request=by_code(account, code="WRONG222"), role=Role.MANAGER)
        assert last.value.message == ("Слишком много неудачных попыток подключения. Повторите после 10:30 "
                                      "(24.11.2026).")
        # Even the right code is refused while locked, and so is a request to staff.
        with pytest.raises(linking.LinkError, match="Повторите после 10:30"):
            linking.link_by_code(user=user, request=by_code(account), role=Role.MANAGER)
        with pytest.raises(linking.LinkError, match="Повторите после 10:30"):
            linking.request_access(user=user, request=by_code(account, code=""), role=Role.MANAGER, comment="")
        # Another login is not locked.
        linking.link_by_code(user=portal_login("buh@example.ru"), request=by_code(account), role=Role.ACCOUNTANT)
    with time_machine.travel(NOW + linking.LINK_LOCK + dt.timedelta(seconds=1), tick=False):
        assert linking.link_by_code(user=user, request=by_code(account), role=Role.MANAGER).status == Status.ACTIVE
    assert PortalAccess.objects.filter(user=user).count() == 1


def test_a_success_resets_the_count_of_failures(user, account):
    for _ in range(linking.LINK_FAILURE_LIMIT - 1):
        with pytest.raises(linking.LinkError):
            linking.link_by_code(user=user, request=by_code(account, code="WRONG222"), role=Role.MANAGER)
    linking.link_by_code(user=user, request=by_code(account), role=Role.MANAGER)
    assert linking.attempts_left(user) == linking.LINK_FAILURE_LIMIT


def test_an_account_already_linked_is_refused_and_stays_as_it_was(user, account):
    link(user, account, Role.ENERGY_MANAGER)

    with pytest.raises(linking.LinkError) as refusal:
        linking.link_by_code(user=user, request=by_code(account), role=Role.MANAGER)

    assert refusal.value.message == (f"Лицевой счёт № {account.number} уже подключён к вашей учётной записи "
                                     "(роль: энергетик).")
    assert list(PortalAccess.objects.values_list("role", "status")) == [(Role.ENERGY_MANAGER, Status.ACTIVE)]


def test_a_pending_request_becomes_the_active_link_when_the_code_is_entered(user, account):
    pending = link(user, account, Role.MANAGER, status=Status.PENDING)

    access = linking.link_by_code(user=user, request=by_code(account), role=Role.ACCOUNTANT)

    assert access.pk == pending.pk
    assert (access.status, access.role, access.granted_via) == (Status.ACTIVE, Role.ACCOUNTANT, "code")


def test_a_revoked_link_does_not_block_a_new_one(user, account):
    link(user, account, status=Status.REVOKED)
    linking.link_by_code(user=user, request=by_code(account), role=Role.MANAGER)
    assert sorted(PortalAccess.objects.values_list("status", flat=True)) == ["active", "revoked"]


@pytest.mark.parametrize("close", ["account", "contract", "customer"])
def test_a_closed_account_cannot_be_linked(user, account, close):
    if close == "account":
        account.is_active = False
        account.save()
    elif close == "contract":
        Contract.objects.filter(pk=account.contract_id).update(status=Contract.Status.TERMINATED)
    else:
        customer = account.contract.customer
        customer.is_active = False
        customer.save()

    with pytest.raises(linking.LinkError) as refusal:
        linking.link_by_code(user=user, request=by_code(account), role=Role.MANAGER)

    assert refusal.value.message.startswith(f"Лицевой счёт № {account.number} закрыт")
    assert not PortalAccess.objects.exists()


def test_staff_logins_cannot_link(operator, account):
    with pytest.raises(linking.LinkError):
        linking.link_by_code(user=operator, request=by_code(account), role=Role.MANAGER)


def test_a_request_waits_for_staff_for_every_open_account_of_the_contract(user, account):
    second = BillingAccountFactory(contract=account.contract)
    BillingAccountFactory(contract=account.contract, is_active=False)
    already = BillingAccountFactory(contract=account.contract)
    link(user, already)

    created = linking.request_access(user=user, request=by_code(account, code=""), role=Role.ENERGY_MANAGER,
                                     comment="Главный энергетик, доверенность № 5")

    assert {a.account for a in created} == {account, second}
    assert {(a.status, a.role, a.granted_via, a.comment) for a in created} == {
        (Status.PENDING, Role.ENERGY_MANAGER, "staff", "Главный энергетик, доверенность № 5")}
    assert list(accounts_for_user(user)) == [already]  # pending gives nothing yet


def test_a_request_for_one_account_and_refusals(user, account):
    BillingAccountFactory(contract=account.contract)
    created = linking.request_access(user=user, request=by_code(account, code="", account_number=account.number),
                                     role=Role.MANAGER, comment="")
    assert [a.account for a in created] == [account]

    with pytest.raises(linking.LinkError, match="уже ждёт решения"):
        linking.request_access(user=user, request=by_code(account, code="", account_number=account.number),
                               role=Role.MANAGER, comment="")
    with pytest.raises(linking.LinkError) as wrong:
        linking.request_access(user=user, request=by_code(account, code="", inn="7707083893"), role=Role.MANAGER,
                               comment="")
    assert wrong.value.message.startswith(linking.NEUTRAL_REQUEST_REFUSAL)


# --- What each role reaches through the selectors ---

@pytest.mark.parametrize(("role", "allowed"), [
    (Role.MANAGER, {"finance", "pay", "readings", "appeals", "settings"}),
    (Role.ACCOUNTANT, {"finance", "pay", "appeals"}),
    (Role.ENERGY_MANAGER, {"readings", "appeals"}),
])
def test_each_role_reaches_the_account_only_for_its_capabilities(user, account, role, allowed):
    link(user, account, role)

    for capability in PortalAccess.Capability.values:
        visible = list(accounts_for_user(user, capability))
        if capability in allowed:
            assert visible == [account]
            assert account_for_user(user, account.pk, capability) == account
        else:
            assert visible == []
            with pytest.raises(Exception, match="Лицевой счёт не найден"):
                account_for_user(user, account.pk, capability)
    assert list(accounts_for_user(user)) == [account]
    assert list(customers_for_user(user)) == [account.contract.customer]


def test_one_login_acts_for_several_customers_with_different_roles(user, account):
    other_customer_account = BillingAccountFactory(contract=ContractFactory())
    link(user, account, Role.MANAGER)
    link(user, other_customer_account, Role.ENERGY_MANAGER)

    assert set(accounts_for_user(user)) == {account, other_customer_account}
    assert list(accounts_for_user(user, "finance")) == [account]
    assert set(accounts_for_user(user, "readings")) == {account, other_customer_account}
    assert customers_for_user(user).count() == 2


@pytest.mark.parametrize("status", [Status.PENDING, Status.REJECTED, Status.REVOKED])
def test_links_that_are_not_active_reach_nothing(user, account, status):
    link(user, account, Role.MANAGER, status=status)
    assert list(accounts_for_user(user)) == []


def test_a_blocked_login_or_a_closed_account_reaches_nothing(user, account):
    link(user, account)
    account.is_active = False
    account.save()
    assert list(accounts_for_user(user)) == []
    account.is_active = True
    account.save()
    user.is_active = False
    user.save()
    assert list(accounts_for_user(user)) == []


# --- The page ---

def test_the_link_page_links_by_code_and_lists_the_account(client, user, account):
    client.force_login(user)
    response = client.post(reverse("portal:link_account"), {
        "form": "code", "code-contract_number": account.contract.number, "code-inn": account.contract.customer.inn,
        "code-code": "abcd2345", "code-role": Role.MANAGER}, follow=True)

    page = response.content.decode()
    assert f"Лицевой счёт № {account.number}" in page and "подключён, ваша роль — руководитель" in page
    assert f"<td>{account.number}</td>" in page
    assert PortalAccess.objects.get().status == Status.ACTIVE


def test_the_link_page_refuses_wrong_data_with_400_and_then_locks(client, user, account):
    client.force_login(user)
    data = {"form": "code", "code-contract_number": account.contract.number,
            "code-inn": account.contract.customer.inn, "code-code": "WRONG222", "code-role": Role.MANAGER}
    response = client.post(reverse("portal:link_account"), data)
    assert response.status_code == 400
    assert linking.NEUTRAL_REFUSAL in response.content.decode()
    for _ in range(linking.LINK_FAILURE_LIMIT - 1):
        client.post(reverse("portal:link_account"), data)
    page = client.get(reverse("portal:link_account")).content.decode()
    assert "Слишком много неудачных попыток подключения" in page and 'name="code-code"' not in page


def test_the_link_page_sends_a_request(client, user, account):
    client.force_login(user)
    response = client.post(reverse("portal:link_account"), {
        "form": "request", "request-contract_number": account.contract.number,
        "request-inn": account.contract.customer.inn, "request-account_number": "",
        "request-role": Role.ACCOUNTANT, "request-comment": "Главный бухгалтер"}, follow=True)
    assert "Заявка отправлена" in response.content.decode()
    assert PortalAccess.objects.get().status == Status.PENDING


def test_the_link_page_checks_the_inn(client, user, account):
    client.force_login(user)
    response = client.post(reverse("portal:link_account"), {
        "form": "code", "code-contract_number": "1", "code-inn": "1234567890", "code-code": "X",
        "code-role": "manager"})
    assert "ИНН указан неверно" in response.content.decode()
    assert linking.attempts_left(user) == linking.LINK_FAILURE_LIMIT  # a typo in the ИНН is not a guess
