"""The appeals a subject sent and what the company sent back: texts, further messages, replies sent, the files
(copied into the archive), the consents given with them through the web reception, and the surveys after
the replies. Internal notes and the staff's working events are not the subject's data and stay out."""

from django.db.models import Q

from abonent.appeals.models import Appeal, AppealMessage, Attachment, Reply
from abonent.channels.in_person.models import Visit
from abonent.channels.phone.models import CallIdentification
from abonent.privacy.export.sections import ExportFile, Section, values
from abonent.privacy.subjects import Subject, phone_variants

APPEAL_FIELDS = ["number", "registered_at", "received_at", "channel", "kind", "subject", "text", "sender_name",
                 "sender_organisation", "sender_inn", "sender_email", "sender_phone", "sender_address", "customer",
                 "status", "due_at", "answered_at", "closed_at"]
MESSAGE_FIELDS = ["received_at", "channel", "author", "text"]
REPLY_FIELDS = ["outgoing_number", "outgoing_date", "sent_at", "channel", "text"]
FILE_FIELDS = ["original_name", "role", "content_type", "size", "uploaded_at", "sha256"]
# The files a subject sent (and the reply letters sent to them) are copied; stamps are copies of the appeal.
COPIED_ROLES = (Attachment.Role.ATTACHMENT, Attachment.Role.SCAN, Attachment.Role.REPLY)
MAX_FILES_BYTES = 500 * 1024**2


def appeal_condition(subject: Subject) -> Q:
    """The appeals the subject sent (or, for a sole proprietor, all appeals of their business)."""
    condition = Q(pk__in=[])
    for email in subject.emails:
        condition |= Q(sender_email__iexact=email)
    for phone in subject.phones:
        condition |= Q(sender_phone__in=phone_variants(phone))
    if subject.inns:
        condition |= Q(sender_inn__in=subject.inns)
    if subject.user is not None:
        condition |= Q(source_key__startswith=f"portal:{subject.user.pk}:")
        condition |= Q(source_key__startswith=f"portal-message:{subject.user.pk}:")
    if subject.customer is not None:
        condition |= Q(customer=subject.customer)
    if subject.representative is not None:
        condition |= Q(pk__in=Visit.objects.filter(representative=subject.representative, appeal__isnull=False)
                       .values("appeal_id"))
        condition |= Q(pk__in=CallIdentification.objects.filter(representative=subject.representative,
                                                                call__appeal__isnull=False)
                       .values("call__appeal_id"))
    return condition


def appeals_of(subject: Subject) -> list[Appeal]:
    return list(Appeal.objects.filter(appeal_condition(subject)).select_related("customer")
                .order_by("registered_at", "pk").distinct())


def appeals_section(appeals: list[Appeal]) -> tuple[Section, list[ExportFile]]:
    section = Section("appeals", "Обращения")
    labels = section.labels
    labels.update({"messages": "дополнения к обращению", "replies": "направленные ответы",
                   "files": "файлы обращения", "file_in_archive": "файл в архиве"})
    ids = [a.pk for a in appeals]
    messages = _grouped(AppealMessage.objects.filter(appeal_id__in=ids).order_by("received_at", "pk"))
    replies = _grouped(Reply.objects.filter(appeal_id__in=ids, status=Reply.Status.SENT).order_by("sent_at", "pk"))
    attachments = _grouped(Attachment.objects.filter(appeal_id__in=ids, role__in=COPIED_ROLES)
                           .order_by("uploaded_at", "pk"))
    files: list[ExportFile] = []
    budget = MAX_FILES_BYTES
    for appeal in appeals:
        item = section.add(values(appeal, APPEAL_FIELDS, labels))
        item["messages"] = [values(m, MESSAGE_FIELDS, labels) for m in messages.get(appeal.pk, [])]
        item["replies"] = [values(r, REPLY_FIELDS, labels) for r in replies.get(appeal.pk, [])]
        item["files"] = []
        for number, attachment in enumerate(attachments.get(appeal.pk, []), start=1):
            row = values(attachment, FILE_FIELDS, labels)
            path = f"files/{appeal.number}/{number:02d}-{_safe(attachment.original_name)}"
            if attachment.size > budget:
                files.append(ExportFile(None, attachment.file.name, attachment.size,
                                        f"«{attachment.original_name}» (обращение № {appeal.number}): не включён, "
                                        "архив превысил бы 500 МБ; файл выдаётся отдельно"))
                row["file_in_archive"] = "не включён (объём архива), выдаётся отдельно"
            else:
                budget -= attachment.size
                files.append(ExportFile(path, attachment.file.name, attachment.size))
                row["file_in_archive"] = path
            item["files"].append(row)
    if not appeals:
        section.note = "Обращений от субъекта не найдено."
    return section, files


def web_consents(appeals: list[Appeal], section: Section) -> None:
    """The consents given with appeals sent through the web reception (abonent.site.WebSubmission)."""
    from abonent.site import services as site_services
    from abonent.site.models import WebSubmission

    fields = ["consent_version", "consent_given_at", "ip_address", "user_agent"]
    for submission in WebSubmission.objects.filter(appeal__in=appeals).select_related("appeal"):
        item = values(submission, fields, section.labels)
        section.labels.update({"purpose": "цель", "appeal": "обращение", "text": "текст согласия"})
        item = {"purpose": "обращение через интернет-приёмную", "appeal": submission.appeal.number, **item}
        stored = getattr(submission, "consent_text", "")
        if stored:
            item["text"] = stored
        elif submission.consent_version == site_services.CONSENT_VERSION:
            item["text"] = site_services.CONSENT_TEXT
        else:
            item["text"] = (f"текст редакции {submission.consent_version} в системе не сохранён "
                            "(см. архив редакций согласия)")
        section.add(item)


def _grouped(queryset) -> dict[int, list]:
    result: dict[int, list] = {}
    for row in queryset:
        result.setdefault(row.appeal_id, []).append(row)
    return result


def _safe(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in " ._-()" else "_" for ch in name).strip(" .")
    return (cleaned or "файл")[:120]
