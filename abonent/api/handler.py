"""The handler of token requests to the API: Django's own, with settings.TOKEN_API_MIDDLEWARE for a middleware
list. abonent/wsgi.py chooses it per request; the API's tests do the same through Django's test client."""

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

API_PREFIX = "/api/"


def is_token_api_request(environ: dict) -> bool:
    """A request to an API operation with credentials: the token check answers it, with or without a valid one.
    The documentation pages (a template for a browser) keep the site's middleware."""
    path = environ.get("PATH_INFO", "")
    return (path.startswith(API_PREFIX) and not path.startswith(f"{API_PREFIX}docs")
            and bool(environ.get("HTTP_AUTHORIZATION")))


class TokenAPIMiddleware:
    """For a handler class: its chain built from settings.TOKEN_API_MIDDLEWARE."""

    def load_middleware(self, is_async: bool = False) -> None:
        # Django builds the chain from settings.MIDDLEWARE only. This runs once, when the handler is made (at the
        # WSGI module's import, before any request), so the setting is lent for the build and given back at once.
        site_middleware = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.TOKEN_API_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = site_middleware


class TokenAPIHandler(TokenAPIMiddleware, WSGIHandler):
    pass
