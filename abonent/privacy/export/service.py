"""The data-subject export (152-ФЗ ст. 14, 20): everything the system holds on one person, as a ZIP archive with
data.json (machine-readable), summary.html and summary.pdf (readable, in Russian) and copies of the files of
their appeals. Every export is recorded (`SubjectExport`: who, why, what was found, the archive's SHA-256) and
audited, on the export and on the person's own row; the archive itself is handed over, not kept."""

import hashlib
import io
import json
import logging
import zipfile
from dataclasses import dataclass, field

from auditlog.models import LogEntry
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from abonent.organisation.models import Organisation
from abonent.privacy.export import appeals as appeal_data
from abonent.privacy.export import contacts, person
from abonent.privacy.export.sections import ExportFile, Section, display, to_json
from abonent.privacy.models import SubjectExport
from abonent.privacy.subjects import Subject

log = logging.getLogger(__name__)
FORMAT_VERSION = 1
MIN_REASON = 10


class ExportRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Collected:
    sections: list[Section]
    files: list[ExportFile] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {s.key: len(s.items) for s in self.sections}


@dataclass
class Export:
    record: SubjectExport
    content: bytes

    @property
    def filename(self) -> str:
        return f"personal-data-{timezone.localtime(self.record.created_at):%Y%m%d}-{self.record.uuid.hex[:8]}.zip"


def collect(subject: Subject) -> Collected:
    """Every section of the export, in the order of the summary."""
    appeals = appeal_data.appeals_of(subject)
    appeals_section, files = appeal_data.appeals_section(appeals)
    consents = person.consents_section(subject)
    appeal_data.web_consents(appeals, consents)
    sections = [
        person.profile_section(subject),
        consents,
        person.portal_links_section(subject),
        appeals_section,
        contacts.calls_section(subject),
        contacts.auto_calls_section(subject),
        contacts.visits_section(subject),
        contacts.notices_section(subject, appeals),
        contacts.mail_section(subject),
        contacts.surveys_section(subject, appeals),
        person.portal_actions_section(subject),
        person.logins_section(subject),
        person.audit_section(subject),
    ]
    if subject.self_service:
        sections[0].note = ("Выгрузка по запросу из личного кабинета: сведения найдены по учётной записи и "
                            "подтверждённому адресу электронной почты. Звонки по номеру телефона и посещения "
                            "выдаются по письменному запросу.")
    return Collected(sections, files)


def preview(subject: Subject) -> Collected:
    """What an export would contain (counts per section), without recording anything."""
    return collect(subject)


def export_subject(*, subject: Subject, requested_by, reason: str, via: str = SubjectExport.Via.STAFF) -> Export:
    """Builds the archive and records the export. Refuses an export without a stated reason."""
    reason = " ".join((reason or "").split())
    if len(reason) < MIN_REASON:
        raise ExportRefused("Укажите основание выгрузки: например, «запрос субъекта от 01.12.2026 вх. № 123».")
    collected = collect(subject)
    record = SubjectExport(via=via, subject_kind=subject.kind, subject_ref=subject.ref[:300],
                           subject_label=subject.label[:300], identifiers=subject.identifiers(), reason=reason,
                           requested_by=requested_by, created_at=timezone.now(), counts=collected.counts)
    content, files_count = build_archive(subject, collected, record)
    record.sha256 = hashlib.sha256(content).hexdigest()
    record.size, record.files_count = len(content), files_count
    with transaction.atomic():
        record.save()
        what = f"выгрузка всех персональных данных субъекта «{subject.label}» (основание: {reason})"
        extra = {"viewed": what, "export": str(record.uuid), "via": via, "counts": collected.counts}
        LogEntry.objects.log_create(record, force_log=True, action=LogEntry.Action.ACCESS, additional_data=extra)
        if subject.primary is not None:
            LogEntry.objects.log_create(subject.primary, force_log=True, action=LogEntry.Action.ACCESS,
                                        additional_data=extra)
    return Export(record, content)


def build_archive(subject: Subject, collected: Collected, record: SubjectExport) -> tuple[bytes, int]:
    organisation = Organisation.current()
    header = {
        "format_version": FORMAT_VERSION, "export": str(record.uuid), "created_at": to_json(record.created_at),
        "operator": organisation.full_name if organisation else "",
        "requested_by": record.requested_by.full_name or record.requested_by.get_username(),
        "via": record.get_via_display(), "reason": record.reason,
        "subject": {"kind": subject.kind_label, "label": subject.label, **subject.identifiers()},
    }
    data = {**header, "sections": [{"key": s.key, "title": s.title, "note": s.note, "labels": s.labels,
                                    "items": to_json(s.items)} for s in collected.sections]}
    context = {"header": header, "record": record, "subject": subject, "organisation": organisation,
               "sections": [(s, display(s)) for s in collected.sections],
               "missing_files": [f for f in collected.files if f.path is None]}
    html = render_to_string("privacy/export_summary.html", context)
    buffer = io.BytesIO()
    files_count = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=1))
        archive.writestr("summary.html", html)
        archive.writestr("summary.pdf", _pdf(html))
        for file in collected.files:
            if file.path is None:
                continue
            content = _read(file.storage_name)
            if content is None:
                archive.writestr(file.path + ".txt", "Файл отсутствует в хранилище: уничтожен по истечении "
                                                     "срока хранения или не был сохранён.")
                continue
            archive.writestr(file.path, content)
            files_count += 1
    return buffer.getvalue(), files_count


def _pdf(html: str) -> bytes:
    from abonent.appeals.documents import html_to_pdf

    return html_to_pdf(html)


def _read(name: str) -> bytes | None:
    if not name:
        return None
    try:
        with default_storage.open(name, "rb") as stored:
            return stored.read()
    except (FileNotFoundError, OSError, ValueError):
        log.warning("export: stored file %s is missing", name)
        return None
