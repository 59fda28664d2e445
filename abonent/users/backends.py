"""Model permissions kept per process: every API call and staff page asks `has_perm`, and Django's ModelBackend
reads a user's permissions with two queries per request. Here a process keeps each user's set until a change of
users, groups or their permissions commits anywhere (abonent.core.process_cache); a removed permission is gone
from the next request on, in every process, and one removed bypassing the models (raw SQL) within a minute."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from abonent.core.process_cache import ProcessCache
from abonent.users.models import User

permission_sets: ProcessCache[dict[int, frozenset[str]]] = ProcessCache("user-permissions", dict, max_age=60)


def watch() -> None:
    """Connected once, from the app's ready(): a user's save (active, superuser), its groups and own permissions,
    a group's permissions, a permission deleted."""
    permission_sets.watch(User, Group, Permission)


class CachedModelBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            known = permission_sets.get()
            permissions = known.get(user_obj.pk)
            if permissions is None:
                permissions = known[user_obj.pk] = frozenset(super().get_all_permissions(user_obj))
            user_obj._perm_cache = permissions
        return user_obj._perm_cache
