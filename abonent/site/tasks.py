"""Keeping the site current (standard 2.2.1.2: information updated within 5 days of a change)."""

from collections import defaultdict

from crontask import cron
from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.utils import timezone

from abonent.organisation.models import Department


@cron("0 9 * * Mon-Fri")
@task
def remind_pages_to_update() -> int:
    """Each working morning: every responsible person (or, for pages without one, the head of the reception
    group) gets the list of pages to update, late ones first. Returns the number of letters sent."""
    from abonent.site.selectors import pages_to_update

    by_person = defaultdict(list)
    reception = Department.reception_group()
    fallback = reception.head if reception else None
    for row in pages_to_update():
        person = row.page.responsible or fallback
        if person is not None and person.is_active and person.email:
            by_person[person.email].append(row)
    for email, rows in by_person.items():
        lines = []
        for row in rows:
            due = f", обновить до {timezone.localtime(row.update_by):%d.%m.%Y}" if row.update_by else ""
            late = " — СРОК ПРОШЁЛ" if row.is_late else ""
            lines.append(f"• «{row.page.title}»: {row.reason}{due}{late}")
        send_mail("Страницы сайта требуют обновления", "Страницы сайта, которые нужно обновить:\n\n" + "\n".join(lines),
                  settings.DEFAULT_FROM_EMAIL, [email])
    return len(by_person)
