"""The middleware of token requests to the API (settings.TOKEN_API_MIDDLEWARE, abonent/wsgi.py)."""

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse


class AnonymousUntilToken:
    """Where the browser's stack puts the session's login: anonymous until the token check (abonent.api.auth)
    puts the token's login on the request, so that what reads `request.user` before it (the audit log's
    middleware, an error page's template) finds what it would find in a request without a session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.user = AnonymousUser()
        return self.get_response(request)
