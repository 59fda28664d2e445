"""Model permissions are kept per process (abonent.users.backends) and every change of users, groups or
permissions is seen from the next request on: a removed right never outlives its removal."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache

from abonent.users import roles
from abonent.users.backends import permission_sets
from abonent.users.models import User

pytestmark = pytest.mark.django_db
REGISTER = "appeals.register_appeal"


def fresh(user: User) -> User:
    """The user as the next request loads it (Django caches permissions on the instance for one request)."""
    return User.objects.get(pk=user.pk)


def test_a_users_permissions_are_read_once_per_process(operator, django_assert_num_queries):
    assert fresh(operator).has_perm(REGISTER)
    user = fresh(operator)
    with django_assert_num_queries(0):
        assert user.has_perm(REGISTER) and not user.has_perm("appeals.approve_reply")


def test_leaving_the_group_takes_the_right_away(operator):
    assert fresh(operator).has_perm(REGISTER)
    operator.groups.remove(Group.objects.get(name=roles.RECEPTION))
    assert not fresh(operator).has_perm(REGISTER)


def test_a_permission_taken_from_the_group_is_gone(operator):
    assert fresh(operator).has_perm(REGISTER)
    group = Group.objects.get(name=roles.RECEPTION)
    group.permissions.remove(Permission.objects.get(codename="register_appeal"))
    assert not fresh(operator).has_perm(REGISTER)


def test_a_permission_given_to_the_user_is_there(operator):
    assert not fresh(operator).has_perm("appeals.approve_reply")
    operator.user_permissions.add(Permission.objects.get(codename="approve_reply"))
    assert fresh(operator).has_perm("appeals.approve_reply")


def test_a_blocked_login_has_no_rights(operator):
    assert fresh(operator).has_perm(REGISTER)
    User.objects.filter(pk=operator.pk).update(is_active=False)  # even without a signal
    assert not fresh(operator).has_perm(REGISTER)


def test_a_change_in_another_process_is_seen_by_the_version(operator, django_assert_max_num_queries):
    assert fresh(operator).has_perm(REGISTER)
    cache.set(permission_sets.key, "another process committed", timeout=None)
    user = fresh(operator)
    with django_assert_max_num_queries(2):  # the user's and the groups' permissions, read again
        assert user.has_perm(REGISTER)
    assert permission_sets.get()[operator.pk] == user.get_all_permissions()
