"""Appeal documents as PDF: the copy of an appeal with its registration mark (standard 2.1.4.3) and the
reply letter on the letterhead, with the executor's name and phone and the authorised signatory
(standard 2.2.4.3). Django templates in templates/documents/, rendered to PDF by WeasyPrint.

Every user-supplied string reaches the templates as plain data and is escaped there: a customer's
text is never rendered as HTML. Dates and times are shown in the organisation's zone."""

import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone

from abonent.appeals.models import Appeal, Attachment, Reply
from abonent.core.validators import format_phone
from abonent.organisation.models import Channel, Organisation

TYPICAL_ANSWER_SIGNATURE = "Ответ на типовой вопрос подготовлен специалистом группы по приёму потребителей"
NON_CONSIDERATION_TITLE = "Уведомление об оставлении обращения без рассмотрения"


def html_to_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """The one WeasyPrint entry point (appeal documents, invoices, reports). Resources load only from
    data: URLs and the project's own files (see local_url_fetcher), never from the network."""
    from weasyprint import HTML  # heavy import (pango, fonts): paid only by processes that render PDFs

    return HTML(string=html, base_url=base_url, url_fetcher=local_url_fetcher()).write_pdf()


def local_url_fetcher():
    """WeasyPrint's fetcher limited to data: URLs and the code's own files (templates, static files,
    collected static): never the network, never var/ with its database, keys and uploaded files."""
    from weasyprint.urls import URLFetcher

    roots = [(Path(settings.BASE_DIR) / "abonent").resolve()]
    if getattr(settings, "STATIC_ROOT", None):
        roots.append(Path(settings.STATIC_ROOT).resolve())

    class LocalFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if urlsplit(url).scheme.lower() == "file":
                path = Path(unquote(urlsplit(url).path)).resolve()
                if not any(path.is_relative_to(root) for root in roots):
                    raise ValueError(f"Файл вне проекта не загружается в PDF: {url}")
            return super().fetch(url, headers)

    return LocalFetcher(allowed_protocols=("file", "data"), timeout=5)


# --- The copy of an appeal with its registration mark (standard 2.1.4.3) ---------------------------


def render_stamp_pdf(appeal: Appeal) -> bytes:
    """The copy of the appeal with the registration mark, given to the customer on request."""
    html = render_to_string("documents/appeal_stamp.html", stamp_context(appeal))
    return html_to_pdf(html)


def stamp_context(appeal: Appeal) -> dict:
    registered = timezone.localtime(appeal.registered_at)
    if appeal.registered_by is not None:
        registrar = appeal.registered_by.short_name
    else:
        registrar = f"автоматически, канал: {appeal.get_channel_display()}"
    attachments = appeal.attachments.filter(role__in=[Attachment.Role.ATTACHMENT, Attachment.Role.SCAN])
    return {
        "organisation": Organisation.current(),
        "appeal": appeal,
        "sender": _sender_rows(appeal),
        "received": _datetime(appeal.received_at),
        "postmark": _date(appeal.postmark_date) if appeal.channel == Channel.POST and appeal.postmark_date else "",
        "attachments": [(a.original_name, file_size(a.size)) for a in attachments],
        "registered": f"{registered:%d.%m.%Y %H:%M}",
        "registrar": registrar,
        "due": _date(appeal.due_at),
    }


def _sender_rows(appeal: Appeal) -> list[tuple[str, str]]:
    rows = [
        ("Организация", appeal.sender_organisation),
        ("Заявитель", appeal.sender_name),
        ("ИНН", appeal.sender_inn),
        ("Почтовый адрес", appeal.sender_address),
        ("Телефон", format_phone(appeal.sender_phone)),
        ("E-mail", appeal.sender_email),
    ]
    return [(label, value) for label, value in rows if value]


# --- The reply letter (standard 2.2.4.3) ------------------------------------------------------------


def render_reply_pdf(reply: Reply) -> bytes:
    """The reply on the letterhead; a reply not yet signed renders as a draft marked «ПРОЕКТ»."""
    html = render_to_string("documents/reply.html", reply_context(reply))
    return html_to_pdf(html)


def reply_context(reply: Reply) -> dict:
    appeal = reply.appeal
    organisation = Organisation.current()
    is_notice = reply.purpose == Reply.Purpose.NON_CONSIDERATION
    return {
        "organisation": organisation,
        "email": _organisation_email(organisation),
        "site": _site_display(organisation.site) if organisation else "",
        "reply": reply,
        "appeal": appeal,
        "is_draft": not reply.outgoing_number,
        "outgoing_date": _date(reply.outgoing_date) if reply.outgoing_date else "",
        "appeal_date": _date(appeal.received_at),
        "addressee": _addressee(appeal),
        "salutation": salutation(appeal.sender_name),
        "title": NON_CONSIDERATION_TITLE if is_notice else "Ответ на обращение",
        "ground": _ground_label(appeal) if is_notice else "",
        "signature": _signature(reply),
    }


def _organisation_email(organisation: Organisation | None) -> str:
    if organisation is None:
        return ""
    mailbox = organisation.mailboxes.filter(is_active=True).order_by("pk").first()
    return mailbox.address if mailbox else ""


def _site_display(url: str) -> str:
    return url.removeprefix("https://").removeprefix("http://").rstrip("/")


def _addressee(appeal: Appeal) -> dict:
    customer = appeal.customer
    return {
        "organisation": customer.name if customer else appeal.sender_organisation,
        "person": appeal.sender_name,
        # The same address the paper sender posts the letter to.
        "address": appeal.sender_address or (customer.postal_address if customer else ""),
    }


def salutation(sender_name: str) -> str:
    """"Уважаемый Иван Петрович!" from "Иванов Иван Петрович", the gender told by the patronymic;
    where there is none to tell by (an organisation, a name without a patronymic), "Уважаемый клиент!"."""
    parts = sender_name.split()
    given = parts[1:4] if parts and parts[-1].lower() in ("оглы", "кызы") else parts[1:3]
    last = given[-1].lower() if len(given) >= 2 else ""
    if last.endswith(("вна", "чна", "кызы")):
        return f"Уважаемая {' '.join(given)}!"
    if last.endswith(("вич", "ьич", "оглы")):
        return f"Уважаемый {' '.join(given)}!"
    return "Уважаемый клиент!"


def _ground_label(appeal: Appeal) -> str:
    try:
        return appeal.non_consideration.get_ground_display()
    except ObjectDoesNotExist:
        return ""


def _signature(reply: Reply) -> dict:
    """Who signs: the snapshot taken at approval, the signatory it was submitted to, or for a typical
    answer sent by the reception group without a signature, a line saying so."""
    if reply.signatory_name:
        position, name = reply.signatory_position, reply.signatory_name
    elif reply.signatory is not None:
        position, name = reply.signatory.position, reply.signatory.full_name
    elif reply.typical_answer_id is not None:
        return {"typical": TYPICAL_ANSWER_SIGNATURE}
    else:
        return {}
    return {"position": position, "name": name, "signed": _date(reply.approved_at) if reply.approved_at else ""}


# --- Formatting ---------------------------------------------------------------------------------------


def _date(value: datetime.date | datetime.datetime) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return f"{value:%d.%m.%Y}"


def _datetime(value: datetime.datetime) -> str:
    return f"{timezone.localtime(value):%d.%m.%Y %H:%M}"


def file_size(size: int) -> str:
    """"512 байт", "12,3 КБ", "4,0 МБ"."""
    if size < 1024:
        return f"{size} байт"
    value, unit = size / 1024, "КБ"
    for bigger in ("МБ", "ГБ"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:.1f} {unit}".replace(".", ",")
