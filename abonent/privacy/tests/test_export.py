"""The data-subject export: finding subjects, what each kind of subject's archive holds, the archive's files,
the record and the audit entries, the reason rule, and the narrower scope of a portal login's own export."""

import datetime
import hashlib
import io
import json
import zipfile

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from abonent.appeals.files import IncomingFile
from abonent.appeals.tests.factories import register
from abonent.channels.in_person.models import Visit, VisitDocument
from abonent.channels.phone.models import Call, CallIdentification
from abonent.customers.tests.factories import ContactPersonFactory, RepresentativeFactory, SoleProprietorFactory
from abonent.privacy import subjects
from abonent.privacy.export import service
from abonent.privacy.models import SubjectExport

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4 scan of the claim"


def archive(export: service.Export) -> tuple[dict, zipfile.ZipFile]:
    opened = zipfile.ZipFile(io.BytesIO(export.content))
    return json.loads(opened.read("data.json")), opened


def section(data: dict, key: str) -> dict:
    return next(s for s in data["sections"] if s["key"] == key)


def export(subject, user, reason="Запрос субъекта от 01.12.2026, вх. № 77") -> service.Export:
    return service.export_subject(subject=subject, requested_by=user, reason=reason)


def call_from(number: str, call_id: str, **fields) -> Call:
    started = timezone.now() - datetime.timedelta(days=3)
    return Call.objects.create(call_id=call_id, from_number=number, to_number="101", started_at=started,
                               answered_at=started, ended_at=started + datetime.timedelta(minutes=4),
                               recording_ref="rec/x.wav", recording_warning_given=True, **fields)


# --- finding subjects ---


def test_search_finds_each_kind_of_subject_by_its_identifiers(portal_login, organisation):
    contact = ContactPersonFactory(full_name="Котова Мария Игоревна", email="kotova@zavod.ru", phone="+79135550011")
    representative = RepresentativeFactory(full_name="Сидоров Алексей Юрьевич")
    proprietor = SoleProprietorFactory()

    assert [c.ref for c in subjects.find("anna@example.ru")] == [f"user:{portal_login.pk}", "email:anna@example.ru"]
    assert [c.ref for c in subjects.find("8 (913) 555-00-11")] == [f"contact:{contact.pk}", "phone:+79135550011"]
    assert [c.ref for c in subjects.find("Сидоров")] == [f"representative:{representative.pk}"]
    assert [c.ref for c in subjects.find(proprietor.inn)] == [f"customer:{proprietor.pk}", f"inn:{proprietor.inn}"]
    assert subjects.find("ab") == []


@pytest.mark.parametrize("ref", ["", "user:x", "user:999999", "phone:12", "inn:123456789012", "email:nope",
                                 "staff:1", "contact:-1"])
def test_a_reference_to_nobody_is_refused(ref):
    with pytest.raises(subjects.SubjectNotFound):
        subjects.resolve(ref)


def test_a_staff_login_is_not_a_portal_subject(operator):
    with pytest.raises(subjects.SubjectNotFound):
        subjects.resolve(f"user:{operator.pk}")


def test_phone_variants_cover_how_people_write_numbers():
    forms = subjects.phone_variants("+79131112233")
    assert {"+79131112233", "89131112233", "8 (913) 111-22-33", "+7 913 111-22-33", "9131112233"} <= set(forms)


# --- a portal login ---


def test_portal_login_export_holds_profile_consents_links_appeals_files_and_calls(portal_login, audit_head, operator):
    appeal = register(channel="portal", source_key=f"portal:{portal_login.pk}:tok-1", sender_name="Бухгалтерова Анна",
                      sender_email="anna@example.ru", files=[IncomingFile("Претензия.pdf", PDF)])
    register(registered_by=operator, sender_email="someone@else.ru", text="Чужое обращение")
    call_from("+79131112233", "call-anna")
    call_from("+79990000000", "call-other")

    result = export(subjects.resolve(f"user:{portal_login.pk}"), audit_head)
    data, opened = archive(result)

    assert sorted(n for n in opened.namelist() if not n.startswith("files/")) == [
        "data.json", "summary.html", "summary.pdf"]
    assert opened.read("summary.pdf").startswith(b"%PDF")
    profile = section(data, "profile")["items"][0]
    assert (profile["username"], profile["phone"], profile["two_factor"]) == ("anna@example.ru", "+79131112233", False)
    assert [c["version"] for c in section(data, "consents")["items"]] == ["2026-11"]
    assert len(section(data, "portal_links")["items"]) == 1
    appeals = section(data, "appeals")["items"]
    assert [a["number"] for a in appeals] == [appeal.number]
    files = appeals[0]["files"]
    assert [f["original_name"] for f in files] == ["Претензия.pdf"]
    assert opened.read(files[0]["file_in_archive"]) == PDF
    assert [c["call_id"] for c in section(data, "calls")["items"]] == ["call-anna"]
    assert section(data, "calls")["items"][0]["recording_ref"] == "есть"
    assert data["reason"] == "Запрос субъекта от 01.12.2026, вх. № 77"
    summary = opened.read("summary.html").decode()
    assert "Сведения о персональных данных субъекта" in summary and appeal.number in summary


def test_every_export_is_recorded_and_audited_with_its_reason(portal_login, audit_head):
    result = export(subjects.resolve(f"user:{portal_login.pk}"), audit_head)
    record = SubjectExport.objects.get()
    assert record == result.record
    assert (record.via, record.subject_kind, record.requested_by) == ("staff", "portal_login", audit_head)
    assert record.sha256 == hashlib.sha256(result.content).hexdigest() and record.size == len(result.content)
    assert record.counts["consents"] == 1
    entries = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, additional_data__export=str(record.uuid))
    assert sorted(e.content_type.model for e in entries) == ["subjectexport", "user"]
    assert all("основание: Запрос субъекта от 01.12.2026, вх. № 77" in e.additional_data["viewed"] for e in entries)
    assert result.filename.startswith("personal-data-") and result.filename.endswith(".zip")


def test_an_export_without_a_reason_is_refused_and_leaves_no_trace(portal_login, audit_head):
    with pytest.raises(service.ExportRefused, match="Укажите основание выгрузки"):
        export(subjects.resolve(f"user:{portal_login.pk}"), audit_head, reason="  надо ")
    assert not SubjectExport.objects.exists()


def test_the_self_service_export_uses_only_what_the_login_has_proven(portal_login, organisation):
    call_from("+79131112233", "call-anna")
    register(sender_email="anna@example.ru", text="Письмо с подтверждённого адреса")
    subject = subjects.for_login(portal_login, self_service=True)
    assert subject.phones == set()
    data, _ = archive(service.export_subject(subject=subject, requested_by=portal_login,
                                             reason="запрос через личный кабинет", via="portal"))
    assert section(data, "calls")["items"] == []
    assert len(section(data, "appeals")["items"]) == 1
    portal_login.email_confirmed_at = None
    assert subjects.for_login(portal_login, self_service=True).emails == set()


def test_the_login_history_is_part_of_a_portal_login_export(portal_login, audit_head):
    from axes.models import AccessFailureLog, AccessLog

    AccessLog.objects.create(username=portal_login.username, ip_address="10.1.1.1", user_agent="Firefox")
    AccessFailureLog.objects.create(username=portal_login.username, ip_address="10.1.1.2", user_agent="Firefox",
                                    locked_out=True)
    AccessLog.objects.create(username="someone-else", ip_address="10.1.1.3", user_agent="Chrome")
    data, _ = archive(export(subjects.resolve(f"user:{portal_login.pk}"), audit_head))
    events = sorted((i["event"], i["ip_address"]) for i in section(data, "logins")["items"])
    assert events == [("вход", "10.1.1.1"), ("неудачная попытка входа (блокировка)", "10.1.1.2")]


# --- a contact person, a representative, a sole proprietor, an applicant ---


def test_contact_person_export_finds_appeals_calls_and_visits_by_their_address_phone_and_name(audit_head, operator):
    contact = ContactPersonFactory(full_name="Котова Мария Игоревна", email="Kotova@Zavod.ru", phone="8 913 555-00-11")
    appeal = register(registered_by=operator, sender_email="kotova@zavod.ru", sender_phone="8 (913) 555-00-11")
    call_from("+79135550011", "call-kotova")
    visit = Visit.objects.create(visitor_name="котова мария игоревна", customer=contact.customer, specialist=operator)
    VisitDocument.objects.create(visit=visit, direction="issued", doc_type="certificate", title="Справка",
                                 receiver_name="Котова М. И.", recorded_by=operator)
    Visit.objects.create(visitor_name="Котова Мария Игоревна", customer=RepresentativeFactory().customer,
                         specialist=operator)  # a namesake at another customer

    data, _ = archive(export(subjects.resolve(f"contact:{contact.pk}"), audit_head))

    assert [a["number"] for a in section(data, "appeals")["items"]] == [appeal.number]
    assert [c["call_id"] for c in section(data, "calls")["items"]] == ["call-kotova"]
    visits = section(data, "visits")["items"]
    assert len(visits) == 1 and [d["title"] for d in visits[0]["documents"]] == ["Справка"]


def test_representative_export_finds_visits_and_identified_calls(audit_head, operator):
    representative = RepresentativeFactory()
    appeal = register(registered_by=operator, channel="in_person", sender_email="")
    Visit.objects.create(visitor_name=representative.full_name, customer=representative.customer,
                         representative=representative, identification="power_of_attorney", specialist=operator,
                         appeal=appeal)
    call = call_from("+79990001122", "call-rep")
    CallIdentification.objects.create(call=call, customer=representative.customer, method="power_of_attorney",
                                      representative=representative, identified_by=operator)

    data, _ = archive(export(subjects.resolve(f"representative:{representative.pk}"), audit_head))

    assert [a["number"] for a in section(data, "appeals")["items"]] == [appeal.number]
    assert len(section(data, "visits")["items"]) == 1
    calls = section(data, "calls")["items"]
    assert [c["call_id"] for c in calls] == ["call-rep"]
    assert calls[0]["identifications"][0]["method"] == "доверенность"


def test_sole_proprietor_export_holds_the_business_card_contracts_and_its_appeals(audit_head, operator):
    from abonent.customers.tests.factories import BillingAccountFactory

    proprietor = SoleProprietorFactory()
    BillingAccountFactory(contract__customer=proprietor)
    appeal = register(registered_by=operator, customer=proprietor, sender_email="ip@example.ru")
    data, _ = archive(export(subjects.resolve(f"customer:{proprietor.pk}"), audit_head))
    profile = section(data, "profile")["items"][0]
    assert profile["inn"] == proprietor.inn and len(profile["contracts"]) == 1 and len(profile["accounts"]) == 1
    assert [a["number"] for a in section(data, "appeals")["items"]] == [appeal.number]


def test_applicant_by_email_gets_web_reception_appeals_with_the_consent_text(audit_head, organisation):
    import uuid

    from abonent.appeals.services import AppealDraft
    from abonent.site import services as site_services

    draft = AppealDraft(text="Прошу выслать акт сверки", channel="web", sender_name="Орлов Олег",
                        sender_email="orlov@example.ru")
    registration = site_services.submit_web_appeal(draft=draft, token=uuid.uuid4(), consent_given_at=timezone.now(),
                                                   ip_address="10.2.2.2", user_agent="Safari")

    data, _ = archive(export(subjects.resolve("email:orlov@example.ru"), audit_head))

    assert [a["number"] for a in section(data, "appeals")["items"]] == [registration.appeal.number]
    consent = section(data, "consents")["items"][0]
    assert consent["appeal"] == registration.appeal.number
    assert consent["consent_version"] == site_services.CONSENT_VERSION
    assert consent["text"] == site_services.CONSENT_TEXT
    assert consent["ip_address"] == "10.2.2.2"
    assert section(data, "profile")["note"].startswith("Учётных записей и карточек на субъекта нет")


def test_applicant_by_phone_gets_calls_and_auto_informing_calls(audit_head, organisation):
    from abonent.channels.phone.models import OutboundCall

    call_from("+79137778899", "call-7")
    OutboundCall.objects.create(number="+79137778899", message_text="Напоминаем о сроке оплаты")
    data, _ = archive(export(subjects.resolve("phone:+79137778899"), audit_head))
    assert [c["call_id"] for c in section(data, "calls")["items"]] == ["call-7"]
    assert [c["message_text"] for c in section(data, "auto_calls")["items"]] == ["Напоминаем о сроке оплаты"]


def test_notices_sent_to_the_subjects_address_are_exported(portal_login, audit_head, customer):
    from abonent.notifications.models import Notification, NotificationType

    kind = NotificationType.objects.first()
    Notification.objects.create(type=kind, kind=kind.code, channel="email", customer=customer,
                                recipient="Anna@Example.ru", subject="Срок оплаты", body="Оплатите до 18 числа",
                                dedupe_key="t-1")
    Notification.objects.create(type=kind, kind=kind.code, channel="email", customer=customer,
                                recipient="other@example.ru", subject="Чужое", body="…", dedupe_key="t-2")
    data, _ = archive(export(subjects.resolve(f"user:{portal_login.pk}"), audit_head))
    assert [n["subject"] for n in section(data, "notices")["items"]] == ["Срок оплаты"]


def test_a_file_destroyed_by_retention_is_named_in_the_archive(portal_login, audit_head):
    from django.core.files.storage import default_storage

    appeal = register(channel="portal", source_key=f"portal:{portal_login.pk}:tok-9",
                      sender_email="anna@example.ru", files=[IncomingFile("Скан.pdf", PDF)])
    default_storage.delete(appeal.attachments.get().file.name)
    data, opened = archive(export(subjects.resolve(f"user:{portal_login.pk}"), audit_head))
    path = section(data, "appeals")["items"][0]["files"][0]["file_in_archive"]
    assert opened.read(path + ".txt").decode().startswith("Файл отсутствует в хранилище")
    assert SubjectExport.objects.get().files_count == 0
