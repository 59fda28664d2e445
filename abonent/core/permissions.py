"""Access checks shared by back-office views."""

import logging
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from abonent.core.otp import needs_second_factor, to_second_factor

security_log = logging.getLogger("abonent.security")


def staff_required(permission: str | None = None) -> Callable:
    """A view for active staff logins that have passed the second factor (settings.STAFF_OTP_REQUIRED);
    with `permission`, for those whose role grants it. A refusal is a 403, logged to "abonent.security"
    (by abonent.core.middleware.RefusedAccessLogMiddleware, with every other refusal)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.is_staff_member:
                raise PermissionDenied("Недостаточно прав для этого действия.")
            if needs_second_factor(request):
                return to_second_factor(request)
            if permission and not user.has_perm(permission):
                raise PermissionDenied("Недостаточно прав для этого действия.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
