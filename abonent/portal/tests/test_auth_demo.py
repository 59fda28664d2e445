"""The demo portal logins: each role on the demo customers' accounts, one waiting request, idempotent."""

import pytest
from django.urls import reverse

from abonent.customers import linking
from abonent.customers.access import accounts_for_user, customers_for_user
from abonent.customers.models import PortalAccess
from abonent.demo import portal as demo_portal
from abonent.demo.customers import seed_customers
from abonent.users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(organisation):
    seed_customers()
    return demo_portal.seed()


def test_demo_logins_and_their_roles(seeded):
    director, buh, energo = (User.objects.get(username=e) for e in ("director@demo.ru", "buh@demo.ru",
                                                                    "energo@demo.ru"))
    assert accounts_for_user(director).count() == 3 and customers_for_user(director).count() == 2
    assert set(accounts_for_user(buh, "finance")) == set(seeded["main_accounts"])
    assert list(accounts_for_user(buh, "readings")) == []
    assert list(accounts_for_user(energo, "readings")) == [seeded["main_accounts"][0]]
    assert PortalAccess.objects.filter(status=PortalAccess.Status.PENDING).count() == 1
    lines = demo_portal.lines(seeded)
    assert lines[0].startswith("Личный кабинет /portal/") and "KEYS2345" in lines[-1]


def test_the_demo_is_idempotent(seeded):
    counts = (User.objects.count(), PortalAccess.objects.count())
    demo_portal.seed()
    assert (User.objects.count(), PortalAccess.objects.count()) == counts


def test_a_demo_login_logs_in_with_demo_and_can_link_the_trial_account(client, seeded):
    response = client.post(reverse("portal:login"), {"username": "director@demo.ru", "password": "demo"})
    assert response.status_code == 302
    trial = seeded["trial_account"]
    access = linking.link_by_code(
        user=User.objects.get(username="director@demo.ru"), role=PortalAccess.Role.MANAGER,
        request=linking.LinkRequest(contract_number=trial.contract.number, inn=seeded["trial_inn"], code="keys2345"))
    assert access.account == trial


def test_without_demo_customers_nothing_is_made(db):
    assert demo_portal.seed() == {}
    assert not User.objects.filter(kind=User.Kind.CUSTOMER).exists()
