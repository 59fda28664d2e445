"""The privacy pages through the test client: who may open them, the export download, the retention periods,
the acts, legal holds, and the portal login's own export (re-authentication, its own data only)."""

import datetime
import io
import time
import zipfile

import pytest
from auditlog.models import LogEntry

from abonent.appeals.files import IncomingFile
from abonent.appeals.tests.factories import register
from abonent.portal.auth.common import REAUTH_SESSION_KEY
from abonent.privacy import retention
from abonent.privacy.models import LegalHold, RetentionPolicy, SubjectExport

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4 x"


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client
    return login


# --- who may open what ---


@pytest.mark.parametrize("url", ["/privacy/", "/privacy/subject/?ref=email:a@b.ru", "/privacy/retention/",
                                 "/privacy/holds/", "/privacy/acts/1/"])
def test_anonymous_staff_pages_send_to_the_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("url", ["/privacy/", "/privacy/subject/?ref=email:a@b.ru", "/privacy/retention/",
                                 "/privacy/holds/"])
def test_an_operator_may_not_open_the_privacy_pages(as_user, operator, url):
    assert as_user(operator).get(url).status_code == 403


def test_a_portal_login_never_reaches_the_staff_pages(as_user, portal_login):
    assert as_user(portal_login).get("/privacy/").status_code in (302, 403)
    assert not SubjectExport.objects.exists()


# --- search and download ---


def test_search_lists_candidates_and_the_recent_exports(as_user, audit_head, portal_login):
    response = as_user(audit_head).get("/privacy/", {"q": "anna@example.ru"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert "Бухгалтерова Анна" in page and "учётная запись личного кабинета" in page
    assert f"ref=user%3A{portal_login.pk}" in page


def test_subject_page_shows_what_the_archive_will_hold_and_records_the_view(as_user, audit_head, portal_login):
    response = as_user(audit_head).get("/privacy/subject/", {"ref": f"user:{portal_login.pk}"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Согласия на обработку персональных данных" in page and "Скачать архив (ZIP)" in page
    entry = LogEntry.objects.get(content_type__model="user", object_pk=str(portal_login.pk),
                                 action=LogEntry.Action.ACCESS)
    assert entry.actor == audit_head
    assert entry.additional_data == {"viewed": "предварительный просмотр выгрузки персональных данных"}


def test_an_unknown_subject_is_a_404(as_user, audit_head):
    assert as_user(audit_head).get("/privacy/subject/", {"ref": "user:999999"}).status_code == 404


def test_download_needs_a_reason(as_user, audit_head, portal_login):
    response = as_user(audit_head).post(f"/privacy/subject/?ref=user:{portal_login.pk}", {"reason": "нужно"})
    assert response.status_code == 400
    assert "Укажите основание выгрузки" in response.content.decode()
    assert not SubjectExport.objects.exists()


def test_download_gives_the_zip_and_records_who_and_why(as_user, privacy_admin, portal_login):
    response = as_user(privacy_admin).post(f"/privacy/subject/?ref=user:{portal_login.pk}",
                                           {"reason": "Запрос субъекта вх. № 12 от 01.12.2026"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="personal-data-')
    assert response["Cache-Control"] == "no-store"
    assert "data.json" in zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    record = SubjectExport.objects.get()
    assert (record.requested_by, record.reason) == (privacy_admin, "Запрос субъекта вх. № 12 от 01.12.2026")
    page = as_user(privacy_admin).get("/privacy/").content.decode()
    assert "Запрос субъекта вх. № 12 от 01.12.2026" in page


# --- retention periods and acts ---


def test_the_it_administrator_edits_a_period(as_user, privacy_admin):
    client = as_user(privacy_admin)
    page = client.get("/privacy/retention/")
    assert page.status_code == 200
    assert "Будет уничтожено при следующем запуске" in page.content.decode()
    response = client.post("/privacy/retention/call_recordings/", {
        "call_recordings-months": "24", "call_recordings-is_active": "on",
        "call_recordings-basis": "Решение комиссии от 01.12.2026"})
    assert response.status_code == 302
    policy = RetentionPolicy.objects.get(kind="call_recordings")
    assert (policy.months, policy.is_active, policy.basis, policy.updated_by) == (
        24, True, "Решение комиссии от 01.12.2026", privacy_admin)
    assert LogEntry.objects.filter(content_type__model="retentionpolicy", object_pk=str(policy.pk)).exists()


def test_a_period_out_of_range_is_refused_and_nothing_changes(as_user, privacy_admin):
    response = as_user(privacy_admin).post("/privacy/retention/mail_raw/", {"mail_raw-months": "0",
                                                                            "mail_raw-basis": "x"}, follow=True)
    assert "Срок не сохранён" in response.content.decode()
    assert RetentionPolicy.objects.get(kind="mail_raw").months == 12


def test_the_audit_head_reads_the_acts_but_may_not_change_periods(as_user, audit_head, operator):
    appeal = register(registered_by=operator, files=[IncomingFile("Скан.pdf", PDF)])
    from abonent.appeals.models import Appeal, Attachment

    closed = datetime.datetime(2026, 1, 10, tzinfo=datetime.UTC)
    Attachment.objects.update(uploaded_at=closed)
    Appeal.objects.filter(pk=appeal.pk).update(status="closed", closed_at=closed)
    act = retention.run(now=datetime.datetime(2031, 6, 1, tzinfo=datetime.UTC))
    client = as_user(audit_head)
    page = client.get("/privacy/retention/").content.decode()
    assert f"№ {act.pk}" in page and 'name="mail_raw-months"' not in page
    act_page = client.get(f"/privacy/acts/{act.pk}/").content.decode()
    assert f"Файл «Скан.pdf» обращения № {appeal.number}" in act_page
    assert client.post("/privacy/retention/mail_raw/", {"mail_raw-months": "1"}).status_code == 403


# --- legal holds ---


def test_a_head_places_and_releases_a_hold(as_user, audit_head, operator):
    appeal = register(registered_by=operator)
    client = as_user(audit_head)
    response = client.post("/privacy/holds/", {"kind": "appeal", "value": appeal.number,
                                               "reason": "Исковое заявление клиента"})
    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert (hold.object_repr, hold.placed_by, hold.is_active) == (f"обращение № {appeal.number}", audit_head, True)
    assert client.post(f"/privacy/holds/{hold.pk}/release/", {"reason": "Мировое соглашение"}).status_code == 302
    hold.refresh_from_db()
    assert (hold.is_active, hold.release_reason, hold.released_by) == (False, "Мировое соглашение", audit_head)


def test_a_hold_on_something_unknown_is_refused_in_russian(as_user, audit_head):
    response = as_user(audit_head).post("/privacy/holds/", {"kind": "appeal", "value": "2099-000001",
                                                            "reason": "Исковое заявление"})
    assert response.status_code == 400
    assert "Обращение № 2099-000001 не найдено." in response.content.decode()
    assert not LegalHold.objects.exists()


# --- the portal login's own export ---


def recently_authenticated(client, user):
    client.force_login(user)
    session = client.session
    session[REAUTH_SESSION_KEY] = time.time()
    session.save()
    return client


def test_anonymous_and_staff_go_to_the_portal_login(client, operator):
    assert client.get("/privacy/my/")["Location"].startswith("/portal/login/")
    client.force_login(operator)
    assert client.get("/privacy/my/")["Location"].startswith("/portal/login/")


def test_the_password_is_asked_again_before_the_export(as_user, portal_login):
    response = as_user(portal_login).get("/privacy/my/")
    assert response.status_code == 302 and response["Location"].startswith("/portal/profile/confirm-password/")


def test_a_portal_login_downloads_only_its_own_data(client, portal_login, organisation):
    from abonent.users.models import User

    other = User.objects.create_user(username="boris@example.ru", email="boris@example.ru", password="pass",
                                     kind=User.Kind.CUSTOMER, last_name="Борисов")
    mine = register(channel="portal", source_key=f"portal:{portal_login.pk}:t1", sender_email="anna@example.ru")
    theirs = register(channel="portal", source_key=f"portal:{other.pk}:t2", sender_email="boris@example.ru")
    client = recently_authenticated(client, portal_login)

    page = client.get("/privacy/my/", {"ref": f"user:{other.pk}"})
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert "Скачать архив (ZIP)" in page.content.decode()
    response = client.post("/privacy/my/", {"ref": f"user:{other.pk}"})
    assert response["Content-Type"] == "application/zip"
    data = zipfile.ZipFile(io.BytesIO(response.content)).read("data.json").decode()
    assert mine.number in data and theirs.number not in data and "boris@example.ru" not in data
    record = SubjectExport.objects.get()
    assert (record.via, record.requested_by, record.subject_ref) == ("portal", portal_login, f"user:{portal_login.pk}")


def test_a_second_portal_export_within_two_minutes_is_refused_politely(client, portal_login, time_machine):
    client = recently_authenticated(client, portal_login)
    time_machine.move_to(datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC), tick=False)
    client = recently_authenticated(client, portal_login)
    assert client.post("/privacy/my/")["Content-Type"] == "application/zip"
    again = client.post("/privacy/my/", follow=True)
    assert "Повторить выгрузку можно через две минуты" in again.content.decode()
    assert SubjectExport.objects.count() == 1
    time_machine.move_to(datetime.datetime(2026, 12, 1, 10, 3, tzinfo=datetime.UTC), tick=False)
    client = recently_authenticated(client, portal_login)
    assert client.post("/privacy/my/")["Content-Type"] == "application/zip"
    assert SubjectExport.objects.count() == 2
