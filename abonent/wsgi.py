import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abonent.settings")
site = get_wsgi_application()

from abonent.api.handler import TokenAPIHandler, is_token_api_request  # noqa: E402 - after Django's setup

token_api = TokenAPIHandler()


def application(environ, start_response):
    """Token requests to the API through the API's shorter middleware (settings.TOKEN_API_MIDDLEWARE), the rest
    through the site's."""
    handler = token_api if is_token_api_request(environ) else site
    return handler(environ, start_response)
