"""Portal logins and their links to billing accounts, for the tests of the login side and the IDOR walk."""

from django.utils import timezone

from abonent.customers.models import PortalAccess
from abonent.users.models import User

PASSWORD = "Надёжный-пароль-2026"


def portal_login(email: str = "director@example.ru", *, password: str = PASSWORD, confirmed: bool = True,
                 **extra) -> User:
    """A portal login (kind «customer»); confirmed and active unless told otherwise."""
    defaults = {"last_name": "Петров", "first_name": "Иван", "middle_name": "Сергеевич", "phone": "+79131234567",
                "is_active": confirmed, "email_confirmed_at": timezone.now() if confirmed else None}
    user = User.objects.create_user(username=email, email=email, password=password, kind=User.Kind.CUSTOMER,
                                    **{**defaults, **extra})
    return user


def link(user: User, account, role: str = PortalAccess.Role.MANAGER, status: str = PortalAccess.Status.ACTIVE):
    return PortalAccess.objects.create(user=user, account=account, role=role, status=status,
                                       granted_via=PortalAccess.GrantedVia.CODE, decided_at=timezone.now())
