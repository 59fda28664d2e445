"""/api/docs without the internet and under our CSP. Django Ninja ships Swagger UI's files in its static
folder, but its page template loads them without a nonce and its CDN template needs the internet; this
page serves the shipped files from our static files (the `ninja` app is installed for them) with the
request's CSP nonce."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.openapi.docs import DocsBase


class SelfHostedSwagger(DocsBase):
    settings = {"layout": "BaseLayout", "deepLinking": True, "validatorUrl": None, "defaultModelsExpandDepth": 0}

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        openapi_url = self.get_openapi_url(api, kwargs)
        return render(request, "api/swagger.html", {
            "api": api, "swagger_settings": {**self.settings, "url": openapi_url},
        })
