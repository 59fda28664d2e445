"""Rate limits: the counter (windows, the database cache's timeout), the portal's and the feedback pages' forms
by URL name, and the API — per token, and wrong tokens per address — with 429 and `Retry-After`."""

import datetime as dt
import json
import logging

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from abonent.api.auth import issue_token
from abonent.core import ratelimit
from abonent.core.models import RateCounter
from abonent.core.ratelimit import Rate
from abonent.core.testing.threads import run_in_threads

NOW = dt.datetime(2026, 11, 24, 3, 0, 10, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(params=["memory cache", "database cache"])
def counters(request, settings):
    """Where the counters live: the cache's own add/incr (memory, Redis), or, when the shared cache is the
    database, the RateCounter table."""
    if request.param == "database cache":
        request.getfixturevalue("db")
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                       "LOCATION": "abonent_cache_test"}}
        call_command("createcachetable", verbosity=0)
    return request.param


# --- The counter ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "rate"), [
    ("10/h", Rate(10, 3600)), ("600/m", Rate(600, 60)), ("20/5m", Rate(20, 300)), (" 3 / s ", Rate(3, 1)),
    ("1/2d", Rate(1, 172800)),
])
def test_rates_are_written_as_count_per_period(text, rate):
    assert Rate.parse(text) == rate


@pytest.mark.parametrize("text", ["", "10", "ten/h", "10/w", "10/h/2"])
def test_a_misspelt_rate_is_refused_in_russian(text):
    with pytest.raises(ValueError, match="Неверная запись ограничения частоты"):
        Rate.parse(text)


def test_a_window_counts_up_to_its_limit_then_refuses_until_it_ends(counters):
    rate = Rate(3, 60)
    start = 1_800_000_000.0  # the start of a minute
    verdicts = [ratelimit.hit("t", "203.0.113.1", rate, now=start + i) for i in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[-1].retry_after == 57
    assert not ratelimit.peek("t", "203.0.113.1", rate, now=start + 59).allowed
    assert ratelimit.hit("t", "203.0.113.1", rate, now=start + 60).allowed  # the next window
    assert ratelimit.hit("t", "203.0.113.2", rate, now=start + 3).allowed  # another client
    assert ratelimit.hit("u", "203.0.113.1", rate, now=start + 3).allowed  # another scope


def test_peek_does_not_count(counters):
    rate = Rate(1, 60)
    for _ in range(5):
        assert ratelimit.peek("t", "x", rate).allowed
    assert ratelimit.hit("t", "x", rate).allowed


def test_the_identity_is_kept_in_the_cache_only_as_a_hash():
    ratelimit.hit("t", "buh@example.ru", Rate(5, 60), now=1_800_000_000.0)
    key = ratelimit._key("t", "buh@example.ru", 1_800_000_000 // 60)
    assert "buh@example.ru" not in key and cache.get(key) == 1


def test_a_counter_lives_until_its_window_ends(counters):
    """An hour's window counts for the hour (the database cache's generic incr() would write the value back
    with its default timeout of 5 minutes)."""
    rate = Rate(100, 3600)
    start = 1_800_000_000.0 - 1_800_000_000.0 % 3600
    with time_machine.travel(start, tick=False):
        for _ in range(3):
            ratelimit.hit("t", "x", rate)
    with time_machine.travel(start + 1800, tick=False):
        assert ratelimit.hit("t", "x", rate).count == 4


@pytest.mark.django_db
def test_on_the_database_cache_a_request_is_counted_in_one_statement(settings, django_assert_num_queries):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                   "LOCATION": "abonent_cache_test"}}
    rate, start = Rate(100, 60), 1_800_000_000.0
    ratelimit.hit("t", "x", rate, now=start)  # the window's first request also clears ended windows
    with django_assert_num_queries(1):
        assert ratelimit.hit("t", "x", rate, now=start + 1).count == 2
    with django_assert_num_queries(1):
        assert ratelimit.peek("t", "x", rate, now=start + 2).count == 2
    [counter] = RateCounter.objects.all()
    assert counter.key == ratelimit._key("t", "x", int(start // 60)) and counter.count == 2
    assert counter.expires_at == dt.datetime.fromtimestamp(start + 60 + 1, tz=dt.UTC)


@pytest.mark.django_db
def test_a_count_and_a_look_at_another_counter_at_once(counters, django_assert_max_num_queries):
    rate, other, start = Rate(100, 60), Rate(3, 300), 1_800_000_000.0
    for _ in range(3):
        ratelimit.hit("wrong", "10.0.0.1", other, now=start)
    ratelimit.hit("t", "x", rate, now=start)
    with django_assert_max_num_queries(1 if counters == "database cache" else 0):
        counted, peeked = ratelimit.hit_and_peek(("t", "x", rate), ("wrong", "10.0.0.1", other), now=start + 1)
    assert (counted.count, counted.allowed) == (2, True)
    assert (peeked.count, peeked.allowed, peeked.retry_after) == (3, False, 299)
    counted, peeked = ratelimit.hit_and_peek(("t", "x", rate), ("wrong", "10.0.0.2", other), now=start + 1)
    assert (counted.count, peeked.count, peeked.allowed) == (3, 0, True)
    assert ratelimit.hit_and_peek(("t", "x", rate), None, now=start + 1)[1] is None


@pytest.mark.django_db
def test_on_the_database_cache_ended_windows_are_deleted(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                   "LOCATION": "abonent_cache_test"}}
    rate, start = Rate(100, 60), 1_800_000_000.0
    ratelimit.hit("t", "x", rate, now=start)
    ratelimit.hit("t", "y", rate, now=start + 62)  # the next window, and the first one's row is gone
    assert RateCounter.objects.count() == 1
    ratelimit.hit("t", "y", rate, now=start + 63)
    ratelimit.hit("t", "x", rate, now=start + 65)
    window = int(start // 60) + 1
    assert dict(RateCounter.objects.values_list("key", "count")) == {
        ratelimit._key("t", "y", window): 2, ratelimit._key("t", "x", window): 1}


@pytest.mark.django_db(transaction=True)
def test_on_the_database_cache_concurrent_requests_are_all_counted(settings):
    """The generic incr() of the database cache (a read, then a write) lost counts here."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                   "LOCATION": "abonent_cache_test"}}
    rate, start = Rate(1000, 3600), 1_800_000_000.0
    counts: list[int] = []

    def client():
        for i in range(10):
            counts.append(ratelimit.hit("t", "x", rate, now=start + i).count)

    assert run_in_threads(client, 6) == []
    assert sorted(counts) == list(range(1, 61))
    assert ratelimit.peek("t", "x", rate, now=start + 20).count == 60


def test_client_ip_trusts_only_the_configured_proxies(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9")
    settings.SITE_TRUSTED_PROXY_COUNT = 0
    assert ratelimit.client_ip(request) == "10.0.0.1"
    settings.SITE_TRUSTED_PROXY_COUNT = 1
    assert ratelimit.client_ip(request) == "203.0.113.9"
    forged = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="not an address")
    assert ratelimit.client_ip(forged) == "10.0.0.1"


# --- Public forms by URL name --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_portal_sign_up_from_one_address_is_limited(client, organisation, settings):
    settings.RATE_LIMITS = {"portal_signup": "2/h"}
    url = reverse("portal:signup")
    statuses = [client.post(url, {}, REMOTE_ADDR="203.0.113.5").status_code for _ in range(3)]
    assert statuses[:2] != [429, 429] and statuses[2] == 429
    refused = client.post(url, {}, REMOTE_ADDR="203.0.113.5")
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 3600
    assert "Слишком много запросов. Повторите попытку через" in refused.content.decode()
    assert client.get(url, REMOTE_ADDR="203.0.113.5").status_code == 200  # reading the form is not limited
    assert client.post(url, {}, REMOTE_ADDR="203.0.113.6").status_code != 429


@pytest.mark.django_db
def test_password_reset_is_limited_per_address_and_per_mailbox(client, organisation, settings, caplog):
    caplog.set_level(logging.WARNING, logger="abonent.security")
    settings.RATE_LIMITS = {"portal_password_reset": "100/h", "portal_password_reset_email": "2/h"}
    url = reverse("portal:password_reset")
    for address in ("203.0.113.1", "203.0.113.2"):
        assert client.post(url, {"email": "Buh@Example.ru"}, REMOTE_ADDR=address).status_code == 302
    refused = client.post(url, {"email": "buh@example.ru "}, REMOTE_ADDR="203.0.113.3")
    assert refused.status_code == 429
    assert client.post(url, {"email": "other@example.ru"}, REMOTE_ADDR="203.0.113.3").status_code == 302
    [record] = [r for r in caplog.records if r.getMessage() == "rate limit"]
    assert (record.rule, record.ip) == ("portal_password_reset_email", "203.0.113.3")
    assert "buh@example.ru" not in str(record.__dict__)


@pytest.mark.django_db
def test_account_linking_is_limited_per_login(client, organisation, settings):
    from abonent.portal.tests.factories_auth import portal_login

    settings.RATE_LIMITS = {"portal_link_account": "2/h"}
    client.force_login(portal_login("buh@example.ru"))
    url = reverse("portal:link_account")
    assert [client.post(url, {"form": "code"}).status_code for _ in range(3)][-1] == 429
    other = Client()
    other.force_login(portal_login("energo@example.ru"))
    assert other.post(url, {"form": "code"}).status_code != 429


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["feedback:survey_answer", "feedback:invitation_answer"])
def test_public_survey_answers_are_limited_per_address(client, settings, name):
    settings.RATE_LIMITS = {"feedback_answer": "2/10m"}
    url = reverse(name, args=["no-such-token"])
    assert [client.post(url, {}).status_code for _ in range(3)][-1] == 429


@pytest.mark.django_db
def test_poll_votes_are_limited_per_address(client, settings):
    settings.RATE_LIMITS = {"feedback_poll": "1/10m"}
    url = reverse("feedback:poll", args=["no-such-poll"])
    client.post(url, {})
    assert client.post(url, {}).status_code == 429


def test_every_rule_names_a_real_url_and_a_valid_rate():
    from django.urls import NoReverseMatch

    def exists(name: str) -> bool:
        for args in ([], ["x"], ["x", "y"]):
            try:
                reverse(name, args=args)
                return True
            except NoReverseMatch:
                pass
        return False

    for rule in ratelimit.RULES:
        assert exists(rule.view), rule.view
        assert rule.rate.count > 0


# --- The API ----------------------------------------------------------------------------------------------


def api_get(client, token, address="203.0.113.20"):
    return client.get("/api/appeals", headers={"Authorization": f"Bearer {token}"}, REMOTE_ADDR=address)


@pytest.mark.django_db
def test_a_token_over_its_rate_gets_429_with_retry_after_and_others_do_not(counters, client, operator, supervisor,
                                                                          settings):
    settings.API_RATE_LIMIT = "3/m"
    busy, calm = issue_token(operator, "Шлюз"), issue_token(supervisor, "Отчёты")
    with time_machine.travel(NOW, tick=False):
        assert [api_get(client, busy).status_code for _ in range(3)] == [200, 200, 200]
        refused = api_get(client, busy)
        assert refused.status_code == 429
        assert refused["Retry-After"] == "50"
        body = json.loads(refused.content)
        assert body == {"detail": "Слишком много запросов с этим токеном. Повторите попытку через 1 мин.",
                        "field": None}
        assert api_get(client, calm).status_code == 200
    with time_machine.travel(NOW + dt.timedelta(seconds=50), tick=False):
        assert api_get(client, busy).status_code == 200


@pytest.mark.django_db
def test_wrong_tokens_from_one_address_are_stopped_for_a_short_while_only(counters, client, operator, settings, caplog):
    settings.API_INVALID_TOKEN_LIMIT = "3/5m"
    caplog.set_level(logging.WARNING, logger="abonent.security")
    valid = issue_token(operator, "Шлюз")
    start = NOW.replace(minute=0, second=0)
    with time_machine.travel(start, tick=False):
        assert [api_get(client, f"abn_guess{i}").status_code for i in range(3)] == [401, 401, 401]
        blocked = api_get(client, "abn_guess4")
        assert blocked.status_code == 429 and blocked["Retry-After"] == "300"
        # Even the valid token is refused from that address while the window lasts ...
        assert api_get(client, valid).status_code == 429
        # ... but never from another address, and a request without a token still gets its 401.
        assert api_get(client, valid, address="198.51.100.1").status_code == 200
        assert client.get("/api/appeals", REMOTE_ADDR="203.0.113.20").status_code == 401
    with time_machine.travel(start + dt.timedelta(minutes=5), tick=False):
        assert api_get(client, valid).status_code == 200
    reasons = [r.getMessage() for r in caplog.records if r.name == "abonent.security"]
    assert any("too many invalid tokens from this address" in m for m in reasons)
    assert not any(valid in m for m in reasons)


@pytest.mark.django_db
def test_a_valid_token_does_not_count_as_a_wrong_one(client, operator, settings):
    settings.API_INVALID_TOKEN_LIMIT = "2/5m"
    valid = issue_token(operator, "Шлюз")
    assert [api_get(client, valid).status_code for _ in range(5)] == [200] * 5


def test_the_schema_declares_429_with_retry_after_on_every_operation_with_a_token():
    from abonent.api.urls import api

    schema = api.get_openapi_schema()  # abonent.api.urls applies with_rate_limit_responses itself
    operations = [op for path in schema["paths"].values() for op in path.values()]
    assert operations and all(op["security"] for op in operations)
    for operation in operations:
        declared = operation["responses"][429]
        assert "Retry-After" in declared["headers"]
        assert declared["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "Error" in schema["components"]["schemas"]


def test_production_defaults():
    from abonent import settings as production

    assert production.RATE_LIMITS == {}
    assert (production.API_RATE_LIMIT, production.API_INVALID_TOKEN_LIMIT) == ("600/m", "20/5m")
    assert {rule.name: rule.default for rule in ratelimit.RULES} == {
        "portal_signup": "10/h", "portal_password_reset": "10/h", "portal_password_reset_email": "5/h",
        "portal_signup_confirm": "20/h", "portal_link_account": "30/h", "feedback_answer": "30/10m",
        "feedback_poll": "20/10m"}


def test_a_star_sets_every_rule_not_named(settings):
    settings.RATE_LIMITS = {"*": "7/m", "feedback_poll": "3/m"}
    rates = {rule.name: rule.rate for rule in ratelimit.RULES}
    assert rates["feedback_poll"] == Rate(3, 60) and rates["portal_signup"] == Rate(7, 60)


@pytest.mark.django_db
def test_without_a_known_address_nothing_is_counted(client, organisation, settings, operator):
    """Behind a misconfigured proxy every visitor would share one counter and one could shut the form for all."""
    settings.RATE_LIMITS = {"portal_signup": "1/h"}
    settings.API_INVALID_TOKEN_LIMIT = "1/5m"
    for _ in range(3):
        assert client.post(reverse("portal:signup"), {}, REMOTE_ADDR="").status_code != 429
        assert client.get("/api/appeals", headers={"Authorization": "Bearer abn_guess"},
                          REMOTE_ADDR="").status_code == 401
