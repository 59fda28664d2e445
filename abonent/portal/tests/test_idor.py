"""Every portal URL, walked from the URL resolver (so views added later are covered without touching this
file): logged in as customer A, a URL with the ids of customer B's objects answers 404 — for GET, and for
POST where the view accepts it (405 means it does not). And every portal page sends an anonymous visitor
and a staff login to portal:login.

Convention for URL kwargs in the portal (extend OBJECT_KWARGS and `_build` when adding a new kind):
  account_id     customers.BillingAccount pk
  appeal_id      appeals.Appeal pk
  document_id    billing.FinancialDocument pk
  payment_id     billing.payments.OnlinePayment uuid (the online payment, not the imported Payment)
  meter_id       billing.Meter pk
  notice_id      notifications.Notification pk
  reply_id       appeals.Reply pk
  attachment_id  appeals.Attachment pk
  contact_id     notifications.NotificationContact pk (a contact for notices, confirmed by a code)
Kwargs that are not object ids: `uidb64` and `token` of the signed links in letters (sign-up confirmation,
password reset, e-mail change), where the signature is the check. A pattern with only those, or with no
kwargs, is not part of the 404 walk. Any other kwarg name fails `test_every_portal_kwarg_is_known`.
Pages open to visitors without a portal login are listed in PUBLIC; everything else must redirect."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from abonent.customers.models import PortalAccess
from abonent.customers.tests.factories import BillingAccountFactory
from abonent.portal.tests.factories_auth import link, portal_login

pytestmark = pytest.mark.django_db

OBJECT_KWARGS = {"account_id", "appeal_id", "document_id", "payment_id", "meter_id", "notice_id", "reply_id",
                 "attachment_id", "contact_id"}
NON_OBJECT_KWARGS = {"uidb64", "token"}
PUBLIC = {"login", "login_otp", "logout", "signup", "signup_done", "signup_confirm", "password_reset",
          "password_reset_done", "password_reset_confirm", "password_reset_complete", "email_change_confirm"}


def _walk(patterns, kwargs=()) -> list[tuple[str, tuple[str, ...]]]:
    found = []
    for p in patterns:
        names = (*kwargs, *p.pattern.regex.groupindex)
        if isinstance(p, URLResolver):
            found += _walk(p.url_patterns, names)
        elif isinstance(p, URLPattern) and p.name:
            found.append((p.name, names))
    return found


def portal_patterns() -> dict[str, tuple[str, ...]]:
    """Every named pattern of the `portal` namespace with the names of its URL kwargs."""
    root = next(p for p in get_resolver().url_patterns if isinstance(p, URLResolver) and p.namespace == "portal")
    return dict(_walk(root.url_patterns))


PATTERNS = portal_patterns()
WITH_OBJECTS = sorted(name for name, kwargs in PATTERNS.items() if set(kwargs) & OBJECT_KWARGS)
PRIVATE = sorted(name for name in PATTERNS if name not in PUBLIC)


# --- Customer B's objects, made on demand ---

def _account(world):
    return world.account_b.pk


def _appeal(world):
    from abonent.appeals.tests.factories import register

    world.ensure_organisation()
    appeal = register(customer=world.account_b.contract.customer, billing_account=world.account_b,
                      sender_name="Клиент Б", sender_email="b@example.ru")
    return appeal


def _document(world):
    from abonent.billing.models import FinancialDocument

    return FinancialDocument.objects.create(
        account=world.account_b, external_id=f"idor-{uuid.uuid4().hex}", kind=FinancialDocument.Kind.INVOICE,
        number="Б-1", issued_on=dt.date(2026, 10, 31), period=dt.date(2026, 10, 1), amount=Decimal("1200.00"),
    ).pk


def _payment(world):
    from abonent.billing.payments.models import OnlinePayment

    return OnlinePayment.objects.create(
        uuid=uuid.uuid4(), account=world.account_b, amount=Decimal("100.00"), description="Оплата",
        idempotency_key=uuid.uuid4().hex, return_url="http://testserver/portal/", started_by=world.user_b,
    ).uuid


def _meter(world):
    from abonent.billing.models import Meter

    return Meter.objects.create(account=world.account_b, external_id=f"idor-{uuid.uuid4().hex}",
                                serial_number="Б-0001").pk


def _notice(world):
    from abonent.notifications.models import Notification, NotificationType

    kind, _ = NotificationType.objects.get_or_create(code="idor-test", defaults={
        "name": "Проверка", "source": NotificationType.Source.BILLING})
    return Notification.objects.create(
        type=kind, kind=kind.code, channel="portal", customer=world.account_b.contract.customer,
        account=world.account_b, recipient="личный кабинет", body="Уведомление клиента Б",
        dedupe_key=f"idor-{uuid.uuid4().hex}",
    ).pk


def _contact(world):
    from abonent.notifications.models import NotificationContact

    return NotificationContact.objects.create(
        customer=world.account_b.contract.customer, kind=NotificationContact.Kind.EMAIL, value="b-new@example.ru",
        code_hash="0" * 64, code_expires_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC), requested_by=world.user_b,
    ).pk


def _reply(world):
    from abonent.appeals.models import Reply

    appeal = world.object("appeal_obj")
    return Reply.objects.create(appeal=appeal, text="Ответ клиенту Б", executor=world.staff(),
                                executor_name="Волков Д. А.", executor_phone="+73852501242", channel="email",
                                status=Reply.Status.SENT).pk


def _attachment(world):
    from abonent.appeals.models import Attachment

    appeal = world.object("appeal_obj")
    return Attachment.objects.create(appeal=appeal, file=ContentFile(b"secret", name="b.txt"), original_name="b.txt",
                                     content_type="text/plain", size=6, sha256="0" * 64).pk


BUILDERS = {"account_id": _account, "appeal_obj": _appeal, "appeal_id": lambda w: w.object("appeal_obj").pk,
            "document_id": _document, "payment_id": _payment, "meter_id": _meter, "notice_id": _notice,
            "reply_id": _reply, "attachment_id": _attachment, "contact_id": _contact}


class World:
    """Customer A's login (manager of A's account) and customer B with a login, an account and objects."""

    def __init__(self, request):
        self._request = request
        self._made: dict = {}
        self.user_a = portal_login("a@example.ru")
        link(self.user_a, BillingAccountFactory(), PortalAccess.Role.MANAGER)
        self.user_b = portal_login("b@example.ru")
        self.account_b = BillingAccountFactory()
        link(self.user_b, self.account_b, PortalAccess.Role.MANAGER)

    def ensure_organisation(self):
        self._request.getfixturevalue("organisation")

    def staff(self):
        return self._request.getfixturevalue("executor")

    def object(self, kind: str):
        if kind not in self._made:  # every kind's model exists: a builder that fails is a failing test, not a skip
            self._made[kind] = BUILDERS[kind](self)
        return self._made[kind]

    def kwargs(self, names) -> dict:
        unknown = set(names) - OBJECT_KWARGS - NON_OBJECT_KWARGS
        assert not unknown, f"URL kwargs {sorted(unknown)} have no builder: see test_every_portal_kwarg_is_known"
        return {name: self.object(name) if name in OBJECT_KWARGS else "x" for name in names}


@pytest.fixture
def world(request):
    return World(request)


def test_every_portal_kwarg_is_known():
    unknown = {name: sorted(set(kwargs) - OBJECT_KWARGS - NON_OBJECT_KWARGS) for name, kwargs in PATTERNS.items()}
    unknown = {name: kwargs for name, kwargs in unknown.items() if kwargs}
    assert not unknown, (
        f"URL kwargs without a rule in the IDOR walk: {unknown}. Name object ids by the convention in "
        "abonent/portal/tests/test_idor.py, or extend OBJECT_KWARGS and BUILDERS there.")


def test_the_public_list_names_real_pages():
    missing = sorted(PUBLIC - set(PATTERNS))
    assert not missing, f"PUBLIC lists pages that do not exist: {missing}"


@pytest.mark.parametrize("name", WITH_OBJECTS)
def test_customer_a_gets_404_for_customer_bs_objects(client, world, name):
    url = reverse(f"portal:{name}", kwargs=world.kwargs(PATTERNS[name]))
    client.force_login(world.user_a)

    get, post = client.get(url), client.post(url, {})

    assert get.status_code in (404, 405), f"GET {url} answered {get.status_code} for another customer's object"
    assert post.status_code in (404, 405), f"POST {url} answered {post.status_code} for another customer's object"
    assert 404 in (get.status_code, post.status_code), f"{url} accepts neither GET nor POST"


@pytest.mark.parametrize("name", WITH_OBJECTS)
def test_customer_b_is_not_refused_by_the_walk_itself(client, world, name):
    """The same URLs as B do not answer 404 for every reason at once (a broken builder would make the walk
    above pass for nothing). B may still get 404 for a capability or a state: only 'not all 404' is asked."""
    url = reverse(f"portal:{name}", kwargs=world.kwargs(PATTERNS[name]))
    client.force_login(world.user_b)
    statuses = {client.get(url).status_code, client.post(url, {}).status_code} - {405}
    assert statuses != {404} or name in OWNER_404_ALLOWED, f"{url} answers 404 to its owner too"


# Patterns whose owner may legitimately get 404 with the objects made here (say why).
OWNER_404_ALLOWED: set[str] = set()


def _first_response(client, url):
    response = client.get(url)
    return client.post(url, {}) if response.status_code == 405 else response


@pytest.mark.parametrize("name", PRIVATE)
def test_an_anonymous_visitor_is_sent_to_the_portal_login(client, world, name):
    url = reverse(f"portal:{name}", kwargs=world.kwargs(PATTERNS[name]))
    response = _first_response(client, url)
    assert response.status_code == 302, f"{url} answered {response.status_code} to an anonymous visitor"
    assert response["Location"].startswith(reverse("portal:login"))


@pytest.mark.parametrize("name", PRIVATE)
def test_a_staff_login_is_sent_to_the_portal_login(client, world, operator, name):
    url = reverse(f"portal:{name}", kwargs=world.kwargs(PATTERNS[name]))
    client.force_login(operator)
    response = _first_response(client, url)
    assert response.status_code == 302, f"{url} answered {response.status_code} to a staff login"
    assert response["Location"].startswith(reverse("portal:login"))
