"""Every way a file comes in checks its size, judges its type by the content (magic bytes, not the name) and is
stored under a name the server makes. The checks live in abonent.appeals.files.check_file (appeals from every
channel) and the billing importer; here each entry point is driven through its page. Existing tests of the
same rules: appeals/tests/test_intake.py, site/tests/test_reception.py, portal/tests/test_appeals.py,
billing/tests/test_import_service.py (PDFs in ZIP packages), site/tests/test_pages.py (document templates)."""

import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from abonent.appeals.models import Appeal

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"
EXE_AS_PDF = b"MZ\x90\x00\x03\x00\x00\x00"
HOSTILE_NAME = "../../etc/passwd%00 счёт <script>.pdf"


def staff_form(**fields) -> dict:
    return {"token": str(uuid.uuid4()), "channel": "in_person", "kind": "question", "sender_name": "Иванов Иван",
            "sender_phone": "+7 (3852) 20-00-00", "sender_address": "656000, г. Барнаул, ул. Попова, 1",
            "subject": "Разъяснить начисление", "text": "Прошу разъяснить начисление за октябрь.", **fields}


def assert_server_side_name(appeal: Appeal, original: str) -> None:
    attachment = appeal.attachments.get()
    assert attachment.original_name == original.replace("\\", "/").rsplit("/", 1)[-1].strip()
    # The storage adds a random suffix when the name is taken (the same bytes in another test's appeal).
    assert re.fullmatch(rf"appeals/{appeal.year}/{appeal.number}/{attachment.sha256[:16]}(_[A-Za-z0-9]{{7}})?",
                        attachment.file.name)
    assert ".." not in attachment.file.name and "passwd" not in attachment.file.name


# --- Staff registration (reception desk, post) ------------------------------------------------------------


def test_staff_registration_refuses_an_executable_named_pdf(client, operator):
    client.force_login(operator)
    response = client.post(reverse("appeals:register"), {
        **staff_form(), "files": [SimpleUploadedFile("акт.pdf", EXE_AS_PDF, "application/pdf")]})
    assert response.status_code in (200, 400)
    assert "содержимое не соответствует типу .pdf" in response.content.decode()
    assert not Appeal.objects.exists()


def test_staff_registration_refuses_a_file_over_the_limit(client, operator, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    client.force_login(operator)
    big = PDF + b"0" * (1024 * 1024)
    response = client.post(reverse("appeals:register"), {
        **staff_form(), "files": [SimpleUploadedFile("скан.pdf", big, "application/pdf")]})
    assert "больше допустимого размера 1 МБ" in response.content.decode()
    assert not Appeal.objects.exists()


def test_staff_registration_stores_the_file_under_a_server_side_name(client, operator):
    client.force_login(operator)
    client.post(reverse("appeals:register"), {
        **staff_form(), "files": [SimpleUploadedFile(HOSTILE_NAME, PDF, "application/pdf")]})
    assert_server_side_name(Appeal.objects.get(), HOSTILE_NAME)


# --- The public web reception ----------------------------------------------------------------------------


def test_web_reception_refuses_a_file_over_the_limit_and_stores_under_a_server_side_name(client, organisation,
                                                                                           settings):
    from abonent.site.tests.conftest import form_data

    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    url = reverse("site:reception")
    big = SimpleUploadedFile("скан.pdf", PDF + b"0" * (1024 * 1024), "application/pdf")
    refused = client.post(url, {**form_data(), "files": [big]})
    assert refused.status_code == 400 and "больше допустимого размера 1 МБ" in refused.content.decode()
    client.post(url, {**form_data(), "files": [SimpleUploadedFile(HOSTILE_NAME, PDF, "application/pdf")]})
    assert_server_side_name(Appeal.objects.get(), HOSTILE_NAME)


# --- The portal --------------------------------------------------------------------------------------------


@pytest.fixture
def portal_client(client, organisation):
    from abonent.customers.models import PortalAccess
    from abonent.customers.tests.factories import BillingAccountFactory
    from abonent.portal.tests.test_account import link, portal_user

    account = BillingAccountFactory(number="2200000101")
    user = portal_user("energo@example.ru", last_name="Сидоров", first_name="Пётр", middle_name="")
    link(user, account, PortalAccess.Role.ENERGY_MANAGER)
    client.force_login(user)
    return client, account


def portal_appeal(account, **extra) -> dict:
    from abonent.organisation.models import Channel

    return {"token": str(uuid.uuid4()), "account": account.pk, "kind": "claim", "topic": "",
            "subject": "Перерасчёт", "text": "Прошу пересчитать начисление за март.", "reply_channel": Channel.PORTAL,
            **extra}


def test_portal_refuses_a_file_over_the_limit(portal_client, settings):
    client, account = portal_client
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("скан.pdf", PDF + b"0" * (1024 * 1024), "application/pdf")
    response = client.post(reverse("portal:appeal_new"), {**portal_appeal(account), "files": [big]})
    assert response.status_code == 400 and "больше допустимого размера 1 МБ" in response.content.decode()
    assert not Appeal.objects.exists()


def test_portal_stores_the_file_under_a_server_side_name(portal_client):
    client, account = portal_client
    client.post(reverse("portal:appeal_new"), {
        **portal_appeal(account), "files": [SimpleUploadedFile(HOSTILE_NAME, PDF, "application/pdf")]})
    assert_server_side_name(Appeal.objects.get(), HOSTILE_NAME)


def test_a_portal_message_refuses_an_executable_named_pdf(portal_client):
    from abonent.appeals.models import AppealMessage

    client, account = portal_client
    client.post(reverse("portal:appeal_new"), portal_appeal(account))
    appeal = Appeal.objects.get()
    bad = SimpleUploadedFile("дополнение.pdf", EXE_AS_PDF, "application/pdf")
    response = client.post(reverse("portal:appeal_message", args=[appeal.pk]),
                           {"token": str(uuid.uuid4()), "text": "Дополнение", "files": [bad]})
    assert "содержимое не соответствует типу .pdf" in response.content.decode()
    assert not AppealMessage.objects.filter(appeal=appeal).exists()


# --- Billing import (staff page) ----------------------------------------------------------------------------


@pytest.fixture
def importer(client, operator):
    from django.contrib.auth.models import Permission

    operator.user_permissions.add(Permission.objects.get(codename="import_billing_data"))
    client.force_login(operator)
    return client


def test_billing_import_refuses_a_file_over_the_limit(importer, monkeypatch):
    from abonent.billing import forms

    monkeypatch.setattr(forms, "MAX_UPLOAD", 1024)
    response = importer.post(reverse("billing:imports"), {
        "file": SimpleUploadedFile("charges.csv", b"x" * 2048, "text/csv")})
    assert response.status_code == 400
    assert "Файл больше 200 МБ" in response.content.decode()


def test_billing_import_judges_a_file_by_its_content_not_its_name(importer):
    from abonent.billing.models import ImportBatch

    response = importer.post(reverse("billing:imports"), {
        "file": SimpleUploadedFile("charges.csv", EXE_AS_PDF + b"\x00\xff" * 20, "text/csv")})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("billing:batch", args=[batch.pk])
    assert batch.status == ImportBatch.Status.REJECTED and batch.rows_created == 0


# --- Document templates on the public site (uploaded by content editors in the admin) ---------------------


def test_a_document_template_is_stored_under_a_server_side_name(organisation):
    import datetime

    from django.core.files.base import ContentFile

    from abonent.site.models import DocumentTemplate, DocumentTemplateVersion

    template = DocumentTemplate.objects.create(title="Заявление")
    version = DocumentTemplateVersion(template=template, version="1", valid_from=datetime.date(2026, 1, 1))
    version.file.save("../Заявление директора.DOCX", ContentFile(b"PK\x03\x04" + b"\x00" * 30), save=True)
    assert re.fullmatch(r"site/templates/\d{4}/[0-9a-f]{32}\.docx", version.file.name)
    # Visitors still get a readable name: the template's title and edition, not the storage name.
    assert version.download_name == "Заявление (ред. 1).docx"


def test_a_document_template_with_a_foreign_extension_gets_no_extension_in_storage():
    from abonent.site.models import _template_path

    assert re.fullmatch(r"site/templates/\d{4}/[0-9a-f]{32}", _template_path(None, "evil.php"))
    assert re.fullmatch(r"site/templates/\d{4}/[0-9a-f]{32}\.pdf", _template_path(None, "Бланк.Pdf"))
