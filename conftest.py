"""Fixtures shared by every app's tests: the organisation, staff per role, customers, and a browser."""

import os
import shutil

import pytest

from abonent.users import roles

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make around it
# are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


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
        username=username, password="pass", last_name=extra.pop("last_name", "Тестов"),
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
    yield page
    context.close()
    assert errors == [], f"Ошибки в консоли браузера: {errors}"


@pytest.fixture
def login(page):
    def do_login(username: str, password: str = "pass"):
        page.goto("/login/")
        page.get_by_label("Логин").fill(username)
        page.get_by_label("Пароль").fill(password)
        page.get_by_role("button", name="Войти").click()
        page.wait_for_url("**/")
        return page

    return do_login
