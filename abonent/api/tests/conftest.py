import json

import pytest
from django.test import Client
from django.test.client import ClientHandler

from abonent.api.auth import issue_token
from abonent.api.handler import TokenAPIMiddleware, is_token_api_request
from abonent.appeals.tests.factories import register
from abonent.organisation.models import Topic


class TokenAPIClientHandler(TokenAPIMiddleware, ClientHandler):
    pass


class ProductionDispatch:
    """As abonent/wsgi.py: requests with a token through the API's middleware, the rest through the site's."""

    def __init__(self):
        self.site, self.token_api = ClientHandler(), TokenAPIClientHandler()

    def __call__(self, environ, **kwargs):
        return (self.token_api if is_token_api_request(environ) else self.site)(environ, **kwargs)


class ApiClient:
    """The Django test client speaking JSON with a bearer token, through the middleware production uses."""

    def __init__(self, token: str | None):
        self.client = Client()
        self.client.handler = ProductionDispatch()
        self.token = token

    def headers(self, extra: dict | None = None) -> dict:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def get(self, path: str, params: dict | None = None, headers: dict | None = None):
        return self.client.get(path, params or {}, headers=self.headers(headers))

    def post(self, path: str, body: dict, headers: dict | None = None):
        return self.client.post(path, json.dumps(body), content_type="application/json", headers=self.headers(headers))


@pytest.fixture
def api_as():
    def make(user) -> ApiClient:
        return ApiClient(issue_token(user, "Тесты"))

    return make


@pytest.fixture
def operator_api(api_as, operator) -> ApiClient:
    return api_as(operator)


@pytest.fixture
def audit_head(organisation):
    """The head of the technical audit department: reassigns appeals, registers none."""
    from django.contrib.auth.models import Group

    from abonent.organisation.models import Department
    from abonent.users import roles
    from abonent.users.models import User

    roles.sync_roles()
    user = User.objects.create_user(username="audithead", password="pass", last_name="Лебедев", first_name="Сергей",
                                    department=Department.objects.get(code="audit"))
    user.groups.add(Group.objects.get(name=roles.AUDIT_HEAD))
    return user


@pytest.fixture
def audit_appeal(operator):
    """An appeal about meter readings: routed to the technical audit department."""
    return register(registered_by=operator, topic=Topic.objects.get(code="readings"), subject="Показания за октябрь")


@pytest.fixture
def sales_appeal(operator):
    """An appeal about payments: routed to the sales department."""
    return register(registered_by=operator, topic=Topic.objects.get(code="payments"), subject="Оплата счёта")
