"""What the public pages read. Only published content, only public organisation data (no staff names)."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Max, Prefetch
from django.utils import timezone

from abonent.appeals.models import TypicalAnswer
from abonent.calendar.services import channel_state, working_hours_on
from abonent.organisation.models import Channel, Mailbox, Organisation, WorkingHours
from abonent.site.content import plain_text, search
from abonent.site.models import DocumentTemplate, DocumentTemplateVersion, InfoPage, NewsItem, Section

# The channels whose hours the site shows, in the order a visitor looks for them.
SHOWN_CHANNELS = (Channel.IN_PERSON, Channel.PHONE)
CHANNEL_TITLES = {Channel.IN_PERSON: "Очный приём в центре по приёму потребителей",
                  Channel.PHONE: "Консультации по телефону"}


@dataclass
class DayHours:
    weekday: str
    hours: str


@dataclass
class ChannelHours:
    channel: str
    title: str
    week: list[DayHours]
    state: str
    today: str


@dataclass
class Contacts:
    organisation: Organisation | None
    mailboxes: list[Mailbox]
    channels: list[ChannelHours] = field(default_factory=list)
    updated_at: datetime.datetime | None = None


def _week(rows: list[WorkingHours]) -> list[DayHours]:
    by_day = {row.weekday: row for row in rows}
    week = []
    for weekday, name in WorkingHours.Weekday.choices:
        row = by_day.get(weekday)
        if row is None:
            hours = "выходной"
        else:
            hours = f"{row.opens_at:%H:%M}–{row.closes_at:%H:%M}"
            if row.break_starts_at and row.break_ends_at:
                hours += f", перерыв {row.break_starts_at:%H:%M}–{row.break_ends_at:%H:%M}"
            else:
                hours += ", без перерыва"
        week.append(DayHours(weekday=name, hours=hours))
    return week


def contacts(now: datetime.datetime | None = None) -> Contacts:
    """The reception centre's place, phones, e-mails and hours per channel, with today's state."""
    now = now or timezone.now()
    organisation = Organisation.current()
    if organisation is None:
        return Contacts(organisation=None, mailboxes=[])
    mailboxes = list(Mailbox.objects.filter(organisation=organisation, is_active=True))
    rows = list(WorkingHours.objects.filter(organisation=organisation, channel__in=SHOWN_CHANNELS))
    result = Contacts(organisation=organisation, mailboxes=mailboxes, updated_at=organisation.updated_at)
    today = timezone.localtime(now).date()
    for channel in SHOWN_CHANNELS:
        own = [row for row in rows if row.channel == channel]
        if not own:
            continue
        hours_today = working_hours_on(channel, today)
        today_text = (f"{hours_today[0]:%H:%M}–{hours_today[1]:%H:%M}" if hours_today else "не работает")
        result.channels.append(ChannelHours(channel=channel, title=CHANNEL_TITLES[channel], week=_week(own),
                                            state=channel_state(channel, now), today=today_text))
    return result


def reception_state(now: datetime.datetime | None = None) -> str:
    """Today's state of the in-person reception for the site's header, e.g. «открыто до 17:00»."""
    if Organisation.current() is None:
        return ""
    return channel_state(Channel.IN_PERSON, now or timezone.now())


# --- Document templates ---------------------------------------------------------------------------------


@dataclass
class TemplateRow:
    template: DocumentTemplate
    version: DocumentTemplateVersion


def current_templates(today: datetime.date | None = None) -> list[TemplateRow]:
    """Published templates with their edition in force today (two queries); one not yet in force is left out."""
    today = today or timezone.localdate()
    versions = DocumentTemplateVersion.objects.filter(valid_from__lte=today).order_by("-valid_from", "-pk")
    templates = (DocumentTemplate.objects.filter(is_published=True)
                 .prefetch_related(Prefetch("versions", queryset=versions, to_attr="in_force")))
    return [TemplateRow(t, t.in_force[0]) for t in templates if t.in_force]


def template_version_for_download(pk: int) -> DocumentTemplateVersion | None:
    template = DocumentTemplate.objects.filter(pk=pk, is_published=True).first()
    return template.current_version() if template else None


# --- Reference pages and typical questions --------------------------------------------------------------


def info_sections(query: str = "") -> list[tuple[str, list[InfoPage]]]:
    """Published pages grouped by section in the standard's order; a query keeps the matching ones."""
    pages = list(InfoPage.objects.published().defer("body") if not query else InfoPage.objects.published())
    if query:
        pages = search(pages, query, lambda p: f"{p.title} {p.summary} {plain_text(p.body)}")
    grouped = []
    for value, label in Section.choices:
        in_section = [p for p in pages if p.section == value]
        if in_section:
            grouped.append((label, in_section))
    return grouped


def published_answers():
    return TypicalAnswer.objects.filter(is_active=True, is_published=True).select_related("topic")


def typical_questions(query: str = "") -> list[tuple[str, list[TypicalAnswer]]]:
    """Published typical questions grouped by topic; a query keeps those containing all its words."""
    answers = list(published_answers().order_by("topic__name", "question"))
    if query:
        answers = search(answers, query, lambda a: f"{a.question} {a.answer}")
        return [("Найдено", answers)] if answers else []
    grouped: dict[str, list[TypicalAnswer]] = {}
    for answer in answers:
        grouped.setdefault(answer.topic.name if answer.topic else "Общие вопросы", []).append(answer)
    return list(grouped.items())


def suggested_answers(text: str, *, limit: int = 5) -> list[TypicalAnswer]:
    """Typical questions close to what a visitor is typing: those sharing the most words with it."""
    if len(text.strip()) < 4:
        return []
    return search(list(published_answers()), text, lambda a: f"{a.question} {a.question} {a.answer}",
                  require_all=False, limit=limit)


def answers_updated_at() -> datetime.datetime | None:
    return published_answers().aggregate(last=Max("updated_at"))["last"]


# --- News ------------------------------------------------------------------------------------------------


def latest_news(limit: int = 20) -> list[NewsItem]:
    return list(NewsItem.objects.published()[:limit])


# --- Freshness (standard 2.2.1.2) ------------------------------------------------------------------------


@dataclass
class PageToUpdate:
    page: InfoPage
    reason: str
    update_by: datetime.datetime | None
    is_late: bool


def organisation_changed_at() -> datetime.datetime | None:
    """The last change of what the site shows about the organisation: its requisites and addresses,
    mailboxes and working hours. Read from the audit log, which records every such change."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    types = ContentType.objects.get_for_models(Organisation, Mailbox, WorkingHours).values()
    logged = LogEntry.objects.filter(content_type__in=types).aggregate(at=Max("timestamp"))["at"]
    organisation = Organisation.current()
    return max(filter(None, [logged, organisation.updated_at if organisation else None]), default=None)


def pages_to_update(now: datetime.datetime | None = None) -> list[PageToUpdate]:
    """Published pages to bring up to date: those depending on the organisation's data changed since they
    were (to update within 5 days of the change), and those not updated for too long."""
    now = now or timezone.now()
    changed_at = organisation_changed_at()
    rows = []
    for page in InfoPage.objects.published().defer("body"):
        update_by = page.update_due(organisation_changed_at=changed_at)
        if update_by is not None:
            rows.append(PageToUpdate(page, f"изменились данные организации "
                                           f"{timezone.localtime(changed_at):%d.%m.%Y}",
                                     update_by, is_late=now > update_by))
        elif page.is_stale(now):
            rows.append(PageToUpdate(page, f"не обновлялась с {timezone.localtime(page.updated_at):%d.%m.%Y}",
                                     None, is_late=False))
    rows.sort(key=lambda r: (not r.is_late, r.update_by or now))
    return rows
