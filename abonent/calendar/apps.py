from django.apps import AppConfig


class CalendarConfig(AppConfig):
    name = "abonent.calendar"
    label = "calendar"
    verbose_name = "Производственный календарь"

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.core import checks

        from abonent.calendar.models import CalendarDay, CalendarYear
        from abonent.calendar.seed import check_next_year_seeded

        # Edits of the calendar move every deadline, so they are audited.
        auditlog.register(CalendarYear)
        auditlog.register(CalendarDay)
        checks.register(check_next_year_seeded)
