"""Access to portal pages: a portal login (kind «customer») only. Which accounts it reaches is decided by
the scoped selectors of abonent.customers.access, never here."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse


def customer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A portal page: anonymous visitors and staff logins go to the portal's login page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or user.kind != user.Kind.CUSTOMER or not user.is_active:
            return redirect_to_login(request.get_full_path(), login_url=reverse("portal:login"))
        response = view(request, *args, **kwargs)
        # Pages with a customer's money and readings are never kept by browsers or proxies.
        response["Cache-Control"] = "no-store"
        return response

    return wrapped
