from functools import cache

from abonent.customers.access import live_accesses
from abonent.customers.models import ROLE_CAPABILITIES


def portal(request) -> dict:
    """What the portal's menu needs: the capabilities the login has on at least one account (one query,
    only when a template asks, once per request)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.kind != user.Kind.CUSTOMER:
        return {}

    @cache
    def capabilities() -> frozenset[str]:
        roles = set(live_accesses(user).values_list("role", flat=True))
        return frozenset().union(*(ROLE_CAPABILITIES[r] for r in roles)) if roles else frozenset()

    return {"portal_capabilities": capabilities}
