"""The subject's contacts with the company outside the appeal texts: calls and call-backs, auto-informing calls,
visits to the reception desk, notices sent to their addresses, letters received from their address, and
their answers to surveys and questionnaires."""

from django.db.models import Q

from abonent.appeals.models import Appeal
from abonent.channels.email.models import InboundEmail, OutgoingEmail
from abonent.channels.in_person.models import Visit, VisitDocument
from abonent.channels.phone.models import Call, CallBack, CallIdentification, OutboundCall
from abonent.channels.portal.models import PortalNotice
from abonent.privacy.export.sections import Section, values
from abonent.privacy.subjects import Subject, phone_variants

CALL_FIELDS = ["call_id", "direction", "from_number", "to_number", "started_at", "answered_at", "ended_at",
               "outcome", "wait_seconds", "talk_seconds", "recording_warning_given", "recording_ref", "appeal"]
IDENTIFICATION_FIELDS = ["created_at", "method", "caller_name", "number_given", "customer"]
VISIT_FIELDS = ["started_at", "ended_at", "visitor_name", "customer", "identification", "identity_document",
                "topic", "outcome", "appeal", "ended_by_specialist", "end_reason"]
VISIT_DOCUMENT_FIELDS = ["direction", "doc_type", "title", "number", "date", "copies", "receiver_name", "recorded_at"]
NOTICE_FIELDS = ["created_at", "channel", "recipient", "subject", "body", "status", "sent_at", "delivered_at",
                 "read_at"]


def _phones(subject: Subject) -> list[str]:
    return sorted({form for phone in subject.phones for form in phone_variants(phone)})


def calls_section(subject: Subject) -> Section:
    section = Section("calls", "Звонки в call-центр и обратные звонки")
    phones = _phones(subject)
    condition = Q(pk__in=[])
    if phones:
        condition |= Q(direction="in", from_number__in=phones) | Q(direction="out", to_number__in=phones)
    if subject.representative is not None:
        condition |= Q(identifications__representative=subject.representative)
    calls = list(Call.objects.filter(condition).select_related("appeal").order_by("started_at", "pk").distinct())
    identifications: dict[int, list] = {}
    for row in CallIdentification.objects.filter(call__in=calls).select_related("customer").order_by("created_at"):
        identifications.setdefault(row.call_id, []).append(row)
    section.labels.update({"identifications": "идентификация звонящего", "callback": "обратный звонок",
                           "recording": "запись разговора"})
    for call in calls:
        item = section.add(values(call, CALL_FIELDS, section.labels))
        # The recording itself stays in the PBX; its existence and reference are the subject's to know.
        item["recording_ref"] = "есть" if call.recording_ref else "нет"
        item["identifications"] = [values(i, IDENTIFICATION_FIELDS, section.labels)
                                   for i in identifications.get(call.pk, [])]
    if phones:
        for callback in CallBack.objects.filter(number__in=phones).order_by("due_at", "pk"):
            section.add({"callback": callback.number, **values(callback, ["due_at", "status", "result", "done_at"],
                                                               section.labels)})
    return section


def auto_calls_section(subject: Subject) -> Section:
    section = Section("auto_calls", "Автоматические звонки (автоинформирование)")
    phones = _phones(subject)
    if phones:
        for call in OutboundCall.objects.filter(number__in=phones).order_by("created_at", "pk"):
            section.add(values(call, ["created_at", "number", "message_text", "status", "attempts", "result",
                                      "finished_at"], section.labels))
    return section


def visits_section(subject: Subject) -> Section:
    """Visits where the subject came as the representative, or under their own name for a customer they are
    linked to; all visits of a sole proprietor's own business."""
    section = Section("visits", "Посещения центра очного обслуживания")
    condition = Q(pk__in=[])
    if subject.representative is not None:
        condition |= Q(representative=subject.representative)
    if subject.customer is not None:
        condition |= Q(customer=subject.customer)
    if subject.full_name and subject.kind != "sole_proprietor":
        name = " ".join(subject.full_name.split())
        # SQLite compares Cyrillic case-sensitively even with iexact: the usual spellings are listed too.
        spellings = {name, name.title(), name.lower(), name.upper()}
        condition |= ((Q(visitor_name__iexact=name) | Q(visitor_name__in=spellings))
                      & (Q(customer_id__in=subject.related_customers) | Q(customer__isnull=True)))
    visits = list(Visit.objects.filter(condition).select_related("customer", "topic", "appeal")
                  .order_by("started_at", "pk").distinct())
    documents: dict[int, list] = {}
    for document in VisitDocument.objects.filter(visit__in=visits).order_by("recorded_at", "pk"):
        documents.setdefault(document.visit_id, []).append(document)
    section.labels["documents"] = "документы, принятые и выданные"
    for visit in visits:
        item = section.add(values(visit, VISIT_FIELDS, section.labels))
        item["documents"] = [values(d, VISIT_DOCUMENT_FIELDS, section.labels) for d in documents.get(visit.pk, [])]
    return section


def notices_section(subject: Subject, appeals: list[Appeal]) -> Section:
    """Notices sent to the subject's addresses and numbers, the letters and portal notices about their appeals,
    and the contacts they gave for notices."""
    from abonent.notifications.models import Notification, NotificationContact

    section = Section("notices", "Уведомления и письма, направленные субъекту")
    section.labels["source"] = "вид"
    addresses = sorted(subject.emails) + _phones(subject)
    if addresses:
        condition = Q(pk__in=[])
        for email in subject.emails:
            condition |= Q(recipient__iexact=email)
        condition |= Q(recipient__in=_phones(subject))
        for notice in Notification.objects.filter(condition).select_related("type").order_by("created_at", "pk"):
            section.add({"source": f"уведомление: {notice.type}", **values(notice, NOTICE_FIELDS, section.labels)})
        contacts = NotificationContact.objects.filter(Q(value__in=addresses) | Q(value__in=list(subject.emails)))
        for contact in contacts.select_related("customer").order_by("created_at", "pk"):
            section.add({"source": "контакт для уведомлений",
                         **values(contact, ["customer", "kind", "value", "status", "created_at", "confirmed_at"],
                                  section.labels)})
    emails = OutgoingEmail.objects.filter(appeal__in=appeals).order_by("created_at", "pk")
    for email in emails:
        item = values(email, ["created_at", "recipients", "subject", "body", "status", "sent_at"], section.labels)
        section.add({"source": f"письмо по обращению № {email.appeal.number}", **item})
    for notice in PortalNotice.objects.filter(appeal__in=appeals).select_related("appeal").order_by("created_at"):
        section.add({"source": f"уведомление в личном кабинете по обращению № {notice.appeal.number}",
                     **values(notice, ["created_at", "subject", "body"], section.labels)})
    return section


def mail_section(subject: Subject) -> Section:
    """Letters received from the subject's address (what the mailbox recorded; the texts of those that became
    appeals are in the appeals section)."""
    section = Section("mail", "Письма, полученные с адреса субъекта")
    condition = Q(pk__in=[])
    for email in subject.emails:
        condition |= Q(sender__icontains=f"<{email}>")
    mails = InboundEmail.objects.filter(condition).defer("raw").select_related("appeal").order_by("fetched_at", "pk")
    for mail in mails:
        section.add(values(mail, ["fetched_at", "sender", "subject", "status", "appeal", "size"], section.labels))
    return section


def surveys_section(subject: Subject, appeals: list[Appeal]) -> Section:
    from abonent.feedback.models import Answer, Invitation, Survey

    section = Section("surveys", "Оценки ответов и ответы на анкеты")
    section.labels.update({"source": "опрос", "answers": "ответы", "question": "вопрос", "answer": "ответ"})
    for survey in Survey.objects.filter(appeal__in=appeals).select_related("appeal").order_by("created_at", "pk"):
        section.add({"source": f"опрос после ответа по обращению № {survey.appeal.number}",
                     **values(survey, ["status", "sent_at", "answered_at", "rating", "is_resolved", "comment"],
                              section.labels)})
    if subject.emails:
        condition = Q(pk__in=[])
        for email in subject.emails:
            condition |= Q(email__iexact=email)
        for invitation in (Invitation.objects.filter(condition).select_related("questionnaire")
                           .order_by("created_at", "pk")):
            item = section.add({"source": f"анкета «{invitation.questionnaire.title}»",
                                **values(invitation, ["channel", "status", "sent_at"], section.labels)})
            answers = (Answer.objects.filter(response__invitation=invitation).select_related("question")
                       .prefetch_related("choices").order_by("question__order"))
            item["answers"] = [{"question": a.question.text, "answer": _answer_text(a)} for a in answers]
    return section


def _answer_text(answer) -> str:
    chosen = [c.text for c in answer.choices.all()]
    parts = chosen + ([str(answer.number)] if answer.number is not None else [])
    parts += [answer.text] if answer.text else []
    return "; ".join(parts)
