"""Every authentication success and failure goes to the `abonent.auth` log (ASVS V16): who, from where,
through which login; never the password."""

import logging

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from abonent.core.http import client_ip

log = logging.getLogger("abonent.auth")


def _address(request) -> str:
    # Behind nginx REMOTE_ADDR is the proxy; the same address the rate limits and axes see.
    return (client_ip(request) or "") if request is not None else ""


def _path(request) -> str:
    return request.path if request is not None else ""


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs) -> None:
    log.info("login ok", extra={"user": user.get_username(), "kind": user.kind, "ip": _address(request),
                                "path": _path(request)})


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    log.warning("login failed", extra={"user": credentials.get("username", ""), "ip": _address(request),
                                       "path": _path(request)})


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        log.info("logout", extra={"user": user.get_username(), "ip": _address(request)})
