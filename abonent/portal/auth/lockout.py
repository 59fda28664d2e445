"""What django-axes counts failed logins by (settings.AXES_LOCKOUT_PARAMETERS may point here).

Portal logins are locked by the pair (username, IP address): a stranger guessing a customer's password
locks only their own address out of that login, for AXES_COOLOFF_TIME, and the real person logging in from
elsewhere is never locked out. A lock by the address alone would shut a whole office behind one NAT out, and
a lock by (username, user agent) could be kept alive by anyone sending the same common browser string
(axes restarts the cool-off with every attempt during a lockout). The price: guessing many logins from one
address is not slowed by axes; the password validators (common passwords refused) and the optional second
factor carry that. Staff logins keep the project's default: the address, and (username, user agent)."""

from django.urls import reverse

STAFF_PARAMETERS = ["ip_address", ["username", "user_agent"]]
PORTAL_PARAMETERS = [["username", "ip_address"]]


def _portal_prefix() -> str:
    return reverse("portal:login").removesuffix("login/")


def lockout_parameters(request_or_attempt, credentials=None) -> list:
    path = getattr(request_or_attempt, "path_info", "") or ""
    return PORTAL_PARAMETERS if path.startswith(_portal_prefix()) else STAFF_PARAMETERS
