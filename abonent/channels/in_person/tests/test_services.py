import datetime

import pytest
from django.utils import timezone

from abonent.appeals.models import Appeal, AppealEvent, Kind
from abonent.channels.in_person import services
from abonent.channels.in_person.models import Visit, VisitDocument, VisitPurpose
from abonent.channels.in_person.services import DeskAppeal, DocumentEntry, VisitError
from abonent.customers.tests.factories import RepresentativeFactory
from abonent.organisation.models import Channel, Department, Topic

P = VisitPurpose.Purpose
PAYMENT = VisitDocument.Type.PAYMENT_DOCUMENT
ISSUED, RECEIVED = VisitDocument.Direction.ISSUED, VisitDocument.Direction.RECEIVED


def _fresh(visit: Visit) -> Visit:
    return Visit.objects.get(pk=visit.pk)


def _snapshot(visit: Visit) -> dict:
    return {f.attname: getattr(_fresh(visit), f.attname) for f in Visit._meta.concrete_fields}


# --- start and identification ---


def test_start_visit_opens_an_unidentified_visit(operator):
    visit = services.start_visit(visitor_name="  Петров   Пётр  Петрович ", specialist=operator)
    visit = _fresh(visit)
    assert visit.visitor_name == "Петров Пётр Петрович"
    assert visit.specialist == operator
    assert visit.identification == Visit.Identification.NONE
    assert visit.is_open and not visit.is_identified
    assert visit.customer is None


def test_start_visit_requires_the_visitors_name(operator):
    with pytest.raises(VisitError, match="Укажите, как представился посетитель"):
        services.start_visit(visitor_name="  ", specialist=operator)
    assert not Visit.objects.exists()


def test_identify_by_contract_number_finds_the_customer(visit, contract, operator):
    services.identify_visitor(visit=visit, method="contract_number", contract_number=" 7788-Э ", identified_by=operator)
    visit = _fresh(visit)
    assert visit.customer == contract.customer
    assert visit.contract_number == "7788-Э"
    assert visit.identification == Visit.Identification.CONTRACT_NUMBER
    assert visit.is_identified


def test_identify_by_unknown_contract_number_is_refused(visit, contract, operator):
    before = _snapshot(visit)
    with pytest.raises(VisitError, match="Договор № 0000 не найден"):
        services.identify_visitor(visit=visit, method="contract_number", contract_number="0000",
                                  identified_by=operator)
    assert _snapshot(visit) == before


def test_identify_by_valid_power_of_attorney(visit, valid_representative, operator):
    services.identify_visitor(visit=visit, method="power_of_attorney", representative=valid_representative,
                              identity_document="паспорт 0102 123456", identified_by=operator)
    visit = _fresh(visit)
    assert visit.customer == valid_representative.customer
    assert visit.representative == valid_representative
    assert visit.poa_valid is True
    assert visit.identity_document == "паспорт 0102 123456"
    assert visit.identification == Visit.Identification.POWER_OF_ATTORNEY


def test_expired_power_of_attorney_is_refused_naming_its_expiry_date(visit, expired_representative, operator):
    before = _snapshot(visit)
    expired_on = expired_representative.poa_valid_until.strftime("%d.%m.%Y")
    with pytest.raises(VisitError) as refusal:
        services.identify_visitor(visit=visit, method="power_of_attorney", representative=expired_representative,
                                  identified_by=operator)
    assert refusal.value.message == (
        f"Доверенность № 3/Д (Кузнецов Игорь Петрович) истекла {expired_on}: представлять клиента по ней нельзя. "
        "Попросите новую доверенность.")
    assert refusal.value.field == "representative"
    assert _snapshot(visit) == before


def test_revoked_and_not_yet_valid_powers_of_attorney_are_refused(visit, contract, operator):
    today = timezone.localdate()
    revoked = RepresentativeFactory(customer=contract.customer, poa_number="5/Д", is_revoked=True,
                                    poa_issued_on=today - datetime.timedelta(days=5),
                                    poa_valid_until=today + datetime.timedelta(days=5))
    future = RepresentativeFactory(customer=contract.customer, poa_number="6/Д",
                                   poa_issued_on=today + datetime.timedelta(days=2),
                                   poa_valid_until=today + datetime.timedelta(days=50))
    with pytest.raises(VisitError, match="отозвана"):
        services.identify_visitor(visit=visit, method="power_of_attorney", representative=revoked,
                                  identified_by=operator)
    with pytest.raises(VisitError, match=f"действует только с {future.poa_issued_on:%d.%m.%Y}"):
        services.identify_visitor(visit=visit, method="power_of_attorney", representative=future,
                                  identified_by=operator)
    assert _fresh(visit).identification == Visit.Identification.NONE


def test_identify_by_identity_document_requires_the_document(visit, contract, operator):
    with pytest.raises(VisitError, match="Укажите предъявленный документ"):
        services.identify_visitor(visit=visit, method="identity_document", customer=contract.customer,
                                  identified_by=operator)
    services.identify_visitor(visit=visit, method="identity_document", customer=contract.customer,
                              identity_document="паспорт 0102 654321", identified_by=operator)
    visit = _fresh(visit)
    assert (visit.customer, visit.identity_document, visit.poa_valid) == (contract.customer, "паспорт 0102 654321",
                                                                          False)


def test_a_prospective_customer_identified_by_document_has_no_customer(visit, operator):
    services.identify_visitor(visit=visit, method="identity_document", identity_document="паспорт 0102 111111",
                              identified_by=operator)
    visit = _fresh(visit)
    assert visit.customer is None
    assert not visit.is_identified


# --- documents ---


def test_issuing_a_payment_document_to_an_unidentified_visitor_is_refused(visit, operator):
    entry = DocumentEntry(direction=ISSUED, doc_type=PAYMENT, title="Счёт-фактура", receiver_name="Сидоров А. Ю.")
    with pytest.raises(VisitError) as refusal:
        services.record_document(visit=visit, entry=entry, recorded_by=operator)
    assert refusal.value.message.startswith("Документ «платёжный документ (счёт, счёт-фактура, акт)» содержит "
                                            "сведения клиента и выдаётся только после идентификации посетителя")
    assert not VisitDocument.objects.exists()
    assert not visit.purposes.exists()


@pytest.mark.parametrize("doc_type", sorted(VisitDocument.CONFIDENTIAL_TYPES))
def test_every_confidential_document_needs_identification(visit, operator, doc_type):
    with pytest.raises(VisitError, match="только после идентификации"):
        services.record_document(visit=visit, entry=DocumentEntry(direction=ISSUED, doc_type=doc_type,
                                                                  receiver_name="Сидоров А. Ю."),
                                 recorded_by=operator)
    assert not VisitDocument.objects.exists()


def test_issuing_a_payment_document_to_an_identified_visitor(identified_visit, operator):
    entry = DocumentEntry(direction=ISSUED, doc_type=PAYMENT, title="Счёт-фактура", number="СФ-101",
                          date=datetime.date(2026, 1, 31), copies=2, is_original=True,
                          receiver_name=" Сидоров  А. Ю. ")
    document = services.record_document(visit=identified_visit, entry=entry, recorded_by=operator)
    document.refresh_from_db()
    assert (document.direction, document.doc_type, document.title, document.number, document.date, document.copies,
            document.receiver_name, document.recorded_by) == (
        ISSUED, PAYMENT, "Счёт-фактура", "СФ-101", datetime.date(2026, 1, 31), 2, "Сидоров А. Ю.", operator)
    assert identified_visit.purpose_codes == [P.DOCUMENTS_ISSUED]


def test_an_issued_document_needs_the_receivers_name(identified_visit, operator):
    with pytest.raises(VisitError, match="кто получил документ и расписался"):
        services.record_document(visit=identified_visit, entry=DocumentEntry(
            direction=ISSUED, doc_type=VisitDocument.Type.CERTIFICATE), recorded_by=operator)
    assert not VisitDocument.objects.exists()


def test_documents_are_received_from_anyone_and_titled_by_type(visit, operator):
    document = services.record_document(visit=visit, entry=DocumentEntry(
        direction=RECEIVED, doc_type=VisitDocument.Type.APPLICATION, is_original=False,
        receiver_name="ignored for received"), recorded_by=operator)
    assert (document.title, document.is_original, document.receiver_name) == ("заявление", False, "")
    assert visit.purpose_codes == [P.DOCUMENTS_RECEIVED]


@pytest.mark.parametrize(("changes", "message"), [
    ({"copies": 0}, "не меньше одного"),
    ({"date": datetime.date(2099, 1, 1)}, "не может быть в будущем"),
    ({"doc_type": "passport"}, "Укажите вид документа"),
    ({"direction": "lost"}, "принят документ или выдан"),
])
def test_wrong_document_lines_are_refused(visit, operator, changes, message):
    entry = DocumentEntry(**{"direction": RECEIVED, "doc_type": VisitDocument.Type.OTHER, **changes})
    with pytest.raises(VisitError, match=message):
        services.record_document(visit=visit, entry=entry, recorded_by=operator)
    assert not VisitDocument.objects.exists()


# --- purposes ---


def test_set_purposes_keeps_what_was_done(identified_visit, operator):
    services.record_document(visit=identified_visit, entry=DocumentEntry(
        direction=ISSUED, doc_type=VisitDocument.Type.STATEMENT, receiver_name="Сидоров А. Ю."), recorded_by=operator)
    topic = Topic.objects.get(code="payments")
    services.set_purposes(visit=identified_visit, purposes=[P.CONSULTATION], topic=topic, changed_by=operator)
    visit = _fresh(identified_visit)
    assert sorted(visit.purpose_codes) == [P.CONSULTATION, P.DOCUMENTS_ISSUED]
    assert visit.topic == topic
    with pytest.raises(VisitError, match="Неизвестная цель"):
        services.set_purposes(visit=visit, purposes=["lunch"], changed_by=operator)


# --- appeals at the desk ---


def _complaint(**changes) -> DeskAppeal:
    return DeskAppeal(**{"kind": Kind.COMPLAINT, "text": "Специалист в прошлый раз не выдал акт сверки.",
                         "reply_channel": Channel.IN_PERSON, "phone": "+79131234567", **changes})


def test_a_complaint_from_an_unidentified_visitor_is_registered(visit, operator):
    appeal = services.register_appeal_at_desk(visit=visit, appeal=_complaint(), registered_by=operator)
    appeal.refresh_from_db()
    visit = _fresh(visit)
    assert visit.appeal == appeal
    assert (appeal.kind, appeal.channel, appeal.reply_channel, appeal.sender_name, appeal.sender_phone,
            appeal.customer, appeal.registered_by, appeal.source_key) == (
        Kind.COMPLAINT, Channel.IN_PERSON, Channel.IN_PERSON, "Сидоров Алексей Юрьевич", "+79131234567", None,
        operator, f"in_person:visit:{visit.pk}")
    assert list(appeal.events.values_list("kind", flat=True)) == [AppealEvent.Kind.REGISTERED,
                                                                   AppealEvent.Kind.ROUTED]
    assert visit.purpose_codes == [P.APPEAL]


def test_an_appeal_of_an_identified_customer_carries_the_customer_and_replies_by_post(identified_visit, operator):
    appeal = services.register_appeal_at_desk(visit=identified_visit, appeal=_complaint(reply_channel=Channel.POST),
                                              registered_by=operator)
    customer = identified_visit.customer
    assert (appeal.customer, appeal.sender_organisation, appeal.sender_inn, appeal.sender_address,
            appeal.reply_channel) == (customer, customer.name, customer.inn, "656000, г. Барнаул, ул. Попова, 5",
                                      Channel.POST)


def test_a_second_appeal_at_the_same_visit_is_refused(visit, operator):
    first = services.register_appeal_at_desk(visit=visit, appeal=_complaint(), registered_by=operator)
    with pytest.raises(VisitError, match=f"уже зарегистрировано обращение № {first.number}"):
        services.register_appeal_at_desk(visit=visit, appeal=_complaint(), registered_by=operator)
    assert Appeal.objects.count() == 1


@pytest.mark.parametrize(("changes", "message"), [
    ({"reply_channel": Channel.EMAIL}, "укажите адрес e-mail"),
    ({"reply_channel": Channel.POST}, "укажите почтовый адрес"),
    ({"reply_channel": Channel.PHONE}, "лично, по почте или по электронной почте"),
    ({"text": "   "}, "Текст обращения пуст"),
])
def test_desk_appeal_refusals_register_nothing(visit, operator, changes, message):
    with pytest.raises(VisitError, match=message):
        services.register_appeal_at_desk(visit=visit, appeal=_complaint(**changes), registered_by=operator)
    assert not Appeal.objects.exists()
    assert _fresh(visit).appeal is None


# --- ending ---


def test_ending_a_visit_without_an_outcome_is_refused(visit, operator):
    before = _snapshot(visit)
    with pytest.raises(VisitError, match="Опишите итог приёма"):
        services.end_visit(visit=visit, outcome="  ", ended_by=operator)
    assert _snapshot(visit) == before


def test_end_visit_records_the_outcome(visit, operator, supervisor):
    services.end_visit(visit=visit, outcome="Разъяснён порядок передачи показаний.", ended_by=supervisor)
    visit = _fresh(visit)
    assert visit.outcome == "Разъяснён порядок передачи показаний."
    assert visit.ended_at is not None and visit.ended_by == supervisor
    assert not visit.ended_by_specialist


def test_a_visit_with_an_unregistered_complaint_cannot_end(visit, operator):
    services.set_purposes(visit=visit, purposes=[P.APPEAL], changed_by=operator)
    with pytest.raises(VisitError, match="зарегистрируйте его до завершения приёма"):
        services.end_visit(visit=visit, outcome="Выслушан.", ended_by=operator)
    assert _fresh(visit).is_open


def test_ending_for_abuse_without_a_reason_is_refused(visit, operator):
    before = _snapshot(visit)
    with pytest.raises(VisitError, match="Укажите основание прекращения обслуживания"):
        services.end_visit_for_abuse(visit=visit, reason="", note="кричал", ended_by=operator)
    assert _snapshot(visit) == before


def test_ending_for_abuse_records_the_reason_and_leaves_the_appeal_alone(visit, operator):
    registered = services.register_appeal_at_desk(visit=visit, appeal=_complaint(), registered_by=operator)
    appeal = Appeal.objects.get(pk=registered.pk)  # as stored: the database fills the search column
    appeal_before = {f.attname: getattr(appeal, f.attname) for f in Appeal._meta.concrete_fields}
    events_before = list(appeal.events.values_list("pk", flat=True))
    services.end_visit_for_abuse(visit=visit, reason=Visit.EndReason.OFFENSIVE_LANGUAGE,
                                 note="Нецензурная брань после предупреждения.", ended_by=operator)
    visit = _fresh(visit)
    assert (visit.ended_by_specialist, visit.end_reason, visit.end_note, visit.outcome) == (
        True, "offensive_language", "Нецензурная брань после предупреждения.", "")
    assert visit.ended_at is not None
    appeal = Appeal.objects.get(pk=appeal.pk)
    assert {f.attname: getattr(appeal, f.attname) for f in Appeal._meta.concrete_fields} == appeal_before
    assert list(appeal.events.values_list("pk", flat=True)) == events_before


@pytest.mark.parametrize("action", [
    lambda v, u: services.end_visit(visit=v, outcome="Ещё раз", ended_by=u),
    lambda v, u: services.end_visit_for_abuse(visit=v, reason="intoxication", ended_by=u),
    lambda v, u: services.identify_visitor(visit=v, method="identity_document", identity_document="п", identified_by=u),
    lambda v, u: services.record_document(visit=v, entry=DocumentEntry(direction=RECEIVED, doc_type="other"),
                                          recorded_by=u),
    lambda v, u: services.register_appeal_at_desk(visit=v, appeal=_complaint(), registered_by=u),
])
def test_an_ended_visit_cannot_be_changed(visit, operator, action):
    services.end_visit(visit=visit, outcome="Консультация дана.", ended_by=operator)
    before = _snapshot(visit)
    with pytest.raises(VisitError, match="Приём завершён"):
        action(visit, operator)
    assert _snapshot(visit) == before
    assert not VisitDocument.objects.exists() and not Appeal.objects.exists()


# --- conflicts and apologies ---


def test_a_conflict_without_an_appeal_is_mailed_to_the_reception_head(
        visit, operator, supervisor, mailoutbox, django_capture_on_commit_callbacks):
    supervisor.email = "morozova@bges.ru"
    supervisor.save()
    Department.objects.filter(is_reception_group=True).update(head=supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        services.flag_visit_conflict(visit=visit, note="Посетитель угрожает жалобой в прокуратуру.",
                                     flagged_by=operator)
    visit = _fresh(visit)
    assert (visit.is_conflict, visit.conflict_note) == (True, "Посетитель угрожает жалобой в прокуратуру.")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["morozova@bges.ru"]
    assert mailoutbox[0].subject.startswith("Конфликтная ситуация на очном приёме")
    assert "Посетитель угрожает жалобой в прокуратуру." in mailoutbox[0].body
    assert "Сидоров Алексей Юрьевич" in mailoutbox[0].body


def test_without_a_head_the_conflict_goes_to_the_groups_mailbox(visit, operator, settings, mailoutbox,
                                                                django_capture_on_commit_callbacks):
    settings.DEFAULT_FROM_EMAIL = "ServiceCenter-OPEYUL@bges.ru"
    with django_capture_on_commit_callbacks(execute=True):
        services.flag_visit_conflict(visit=visit, note="Спор о начислениях.", flagged_by=operator)
    assert [m.to for m in mailoutbox] == [["ServiceCenter-OPEYUL@bges.ru"]]


def test_a_conflict_with_an_appeal_is_flagged_on_the_appeal(visit, operator, mailoutbox,
                                                            django_capture_on_commit_callbacks):
    appeal = services.register_appeal_at_desk(visit=visit, appeal=_complaint(), registered_by=operator)
    services.flag_visit_conflict(visit=visit, note="Повышает голос, требует руководителя.", flagged_by=operator)
    appeal.refresh_from_db()
    assert appeal.is_conflict
    event = appeal.events.get(kind=AppealEvent.Kind.CONFLICT)
    assert (event.actor, event.data) == (operator, {"note": "Повышает голос, требует руководителя."})
    assert mailoutbox == []


def test_a_conflict_needs_a_description_and_is_flagged_once(visit, operator):
    with pytest.raises(VisitError, match="Опишите, в чём конфликтная ситуация"):
        services.flag_visit_conflict(visit=visit, note=" ", flagged_by=operator)
    assert not _fresh(visit).is_conflict
    services.flag_visit_conflict(visit=visit, note="Спор.", flagged_by=operator)
    with pytest.raises(VisitError, match="уже отмечена"):
        services.flag_visit_conflict(visit=visit, note="Ещё спор.", flagged_by=operator)
    assert _fresh(visit).conflict_note == "Спор."


def test_a_flagged_visit_registers_its_appeal_as_a_conflict(visit, operator):
    services.flag_visit_conflict(visit=visit, note="Спор о начислениях.", flagged_by=operator)
    appeal = services.register_appeal_at_desk(visit=visit, appeal=_complaint(), registered_by=operator)
    assert appeal.is_conflict
    assert appeal.events.filter(kind=AppealEvent.Kind.CONFLICT).count() == 1


def test_an_apology_is_recorded_on_the_visit_and_on_its_appeal(visit, operator):
    with pytest.raises(VisitError, match="за что принесены извинения"):
        services.record_apology(visit=visit, text="", recorded_by=operator)
    services.record_apology(visit=visit, text="Счёт за январь выставлен с ошибкой.", recorded_by=operator)
    appeal = services.register_appeal_at_desk(visit=visit, appeal=_complaint(), registered_by=operator)
    services.record_apology(visit=visit, text="Акт сверки не выдан вовремя.", recorded_by=operator)
    assert _fresh(visit).apology_given == "Счёт за январь выставлен с ошибкой.\nАкт сверки не выдан вовремя."
    assert list(appeal.events.filter(kind=AppealEvent.Kind.APOLOGY).values_list("data__text", flat=True)) == [
        "Счёт за январь выставлен с ошибкой.", "Акт сверки не выдан вовремя."]
