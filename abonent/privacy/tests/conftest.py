"""The privacy app's tests need its tables: they are skipped (with the reason) in a run whose settings do not
install it yet; run them with `--ds=abonent.privacy.tests.settings` until abonent/settings.py lists the app."""

import pytest
from django.conf import settings


def pytest_collection_modifyitems(config, items):
    if "abonent.privacy" in settings.INSTALLED_APPS:
        return
    skip = pytest.mark.skip(reason="abonent.privacy is not in INSTALLED_APPS: run with "
                                   "--ds=abonent.privacy.tests.settings")
    here = str(config.rootpath / "abonent" / "privacy")
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(skip)


def _head(username: str, role: str, department: str):
    from django.contrib.auth.models import Group

    from abonent.organisation.models import Department
    from abonent.privacy import permissions
    from abonent.users import roles
    from abonent.users.models import User

    roles.sync_roles()
    permissions.grant()
    user = User.objects.create_user(username=username, password="pass", last_name="Лебедев", first_name="Сергей",
                                    department=Department.objects.get(code=department))
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def audit_head(organisation):
    """The head of the technical audit department: answers data subjects' requests."""
    from abonent.users import roles

    return _head("audithead", roles.AUDIT_HEAD, "audit")


@pytest.fixture
def privacy_admin(it_admin):
    """The IT administrator with the privacy app's permissions granted as after a migrate."""
    from abonent.privacy import permissions

    permissions.grant()
    return type(it_admin).objects.get(pk=it_admin.pk)


@pytest.fixture
def portal_login(db):
    """A confirmed portal login with a phone, linked to one account."""
    from django.utils import timezone

    from abonent.customers.models import PortalAccess
    from abonent.customers.tests.factories import BillingAccountFactory
    from abonent.users.models import PersonalDataConsent, User

    user = User.objects.create_user(username="anna@example.ru", email="anna@example.ru", password="pass",
                                    kind=User.Kind.CUSTOMER, last_name="Бухгалтерова", first_name="Анна",
                                    phone="+79131112233", email_confirmed_at=timezone.now())
    PersonalDataConsent.objects.create(user=user, purpose="portal", version="2026-11", text="Я даю согласие …",
                                       given_at=timezone.now(), ip_address="127.0.0.1")
    PortalAccess.objects.create(user=user, account=BillingAccountFactory(), role=PortalAccess.Role.ACCOUNTANT,
                                status=PortalAccess.Status.ACTIVE, granted_via=PortalAccess.GrantedVia.CODE)
    return user
