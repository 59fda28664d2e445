"""Fixtures shared by every app's tests: the organisation, staff per role, customers, and a browser."""

import os
import shutil

import pytest

from abonent.users import roles

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make around it
# are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _on_commit_as_in_production(monkeypatch):
    """Tests run inside a transaction that never commits, so on_commit callbacks would never run.
    Here they run when the code's own outermost transaction ends, as they would in production
    (and at once when the code uses no transaction of its own)."""
    from django.db import transaction
    from django.db.backends.base.base import BaseDatabaseWrapper

    original_on_commit = BaseDatabaseWrapper.on_commit
    original_enter, original_exit = transaction.Atomic.__enter__, transaction.Atomic.__exit__

    def own_depth(connection) -> int:
        return sum(1 for block in connection.atomic_blocks if not block._from_testcase)

    def in_test_transaction(connection) -> bool:
        return any(block._from_testcase for block in connection.atomic_blocks)

    def on_commit(self, func, robust=False):
        if self.in_atomic_block and in_test_transaction(self) and own_depth(self) == 0:
            return func()
        return original_on_commit(self, func, robust)

    def enter(self):
        connection = transaction.get_connection(self.using)
        self._callbacks_from = len(connection.run_on_commit) if own_depth(connection) == 0 else None
        return original_enter(self)

    def exit(self, exc_type, exc_value, traceback):
        connection = transaction.get_connection(self.using)
        start = getattr(self, "_callbacks_from", None)
        failed = exc_type is not None or connection.needs_rollback
        result = original_exit(self, exc_type, exc_value, traceback)
        if start is not None and not self._from_testcase and in_test_transaction(connection):
            pending = connection.run_on_commit[start:]
            del connection.run_on_commit[start:]
            if not failed:
                for _, func, _robust in pending:
                    func()
        return result

    monkeypatch.setattr(BaseDatabaseWrapper, "on_commit", on_commit)
    monkeypatch.setattr(transaction.Atomic, "__enter__", enter)
    monkeypatch.setattr(transaction.Atomic, "__exit__", exit)


@pytest.fixture(autouse=True)
def _process_caches_forgotten():
    """A test's database is rolled back (or flushed) without the signals that make each process load its copies
    of the policy rows again (abonent.core.process_cache): every test starts without copies."""
    from abonent.core import process_cache

    process_cache.forget_all()


@pytest.fixture(autouse=True)
def _staff_force_login_passes_the_second_factor(monkeypatch):
    """Staff logins need the TOTP code after the password (settings.STAFF_OTP_REQUIRED stays on in tests).
    A test that logs staff in with client.force_login() gets the session a real login through the code step
    leaves: verified by a confirmed device of that login. The second factor's own tests log in through the
    pages, or with client._login() for a session that has not passed the code."""
    from django.test.client import ClientMixin

    from abonent.core.testing.otp import verify_client_session

    original = ClientMixin.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        if getattr(user, "is_staff_member", False):
            verify_client_session(self, user)

    monkeypatch.setattr(ClientMixin, "force_login", force_login)


@pytest.fixture
def organisation(db):
    from abonent.demo.organisation import seed_organisation

    return seed_organisation()


def _staff(username: str, role: str, department_code: str, **extra):
    from django.contrib.auth.models import Group

    from abonent.organisation.models import Department
    from abonent.users.models import User

    roles.sync_roles()
    user = User.objects.create_user(
        username=username, password="pass",  # noqa: S106 - test logins
        last_name=extra.pop("last_name", "Тестов"),
        first_name=extra.pop("first_name", "Тест"), middle_name="Тестович", phone="+73852501299",
        department=Department.objects.get(code=department_code), **extra,
    )
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def operator(organisation):
    """A reception specialist: registers appeals, edits customers."""
    return _staff("operator", roles.RECEPTION, "reception", last_name="Смирнова", first_name="Ольга")


@pytest.fixture
def executor(organisation):
    return _staff("executor1", roles.EXECUTOR, "audit", last_name="Волков", first_name="Дмитрий")


@pytest.fixture
def supervisor(organisation):
    """The head of the reception group."""
    return _staff("supervisor", roles.RECEPTION_HEAD, "reception", last_name="Морозова", first_name="Елена")


@pytest.fixture
def signatory(organisation):
    return _staff("signer", roles.SIGNATORY, "sales", last_name="Новиков", first_name="Павел", can_sign_replies=True)


@pytest.fixture
def it_admin(organisation):
    return _staff("itadmin", roles.IT_ADMIN, "it")


@pytest.fixture
def customer(db):
    from abonent.customers.tests.factories import CustomerFactory

    return CustomerFactory()


# --- The browser: Debian's chromium driven by Playwright (its own browser download cannot work here) ---

CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Browser tests need Debian's chromium on PATH (apt-get install chromium); .ci/run installs it.")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser page; fails the test on any console error (a CSP violation among them)."""
    context = browser.new_context(base_url=live_server.url, locale="ru-RU", timezone_id="Asia/Barnaul")
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A test that submits a bad form on purpose expects the 400 it answers with; it says so by
    # removing that line from page.console_errors.
    page.console_errors = errors
    yield page
    context.close()
    assert errors == [], f"Ошибки в консоли браузера: {errors}"


@pytest.fixture
def login(page):
    """Logs a staff member in through the pages: the password, then the code from their (test) TOTP app."""

    def do_login(username: str, password: str = "pass"):  # noqa: S107
        from abonent.core.testing.otp import code_for, confirmed_device
        from abonent.users.models import User

        device = confirmed_device(User.objects.get(username=username))
        page.goto("/login/")
        page.get_by_label("Логин").fill(username)
        page.get_by_label("Пароль").fill(password)
        page.get_by_role("button", name="Войти").click()
        page.wait_for_url("**/login/code/**")
        page.get_by_label("Код").fill(code_for(device))
        page.get_by_role("button", name="Подтвердить").click()
        page.wait_for_url(lambda url: "/login/" not in url)
        return page

    return do_login

