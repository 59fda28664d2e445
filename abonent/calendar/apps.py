from django.apps import AppConfig

# The years the initial data migration seeds; later years come with `seed_calendar` after a decree.
INITIAL_YEARS = range(2024, 2028)


class CalendarConfig(AppConfig):
    name = "abonent.calendar"
    label = "calendar"
    verbose_name = "Производственный календарь"

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.core import checks
        from django.db.models.signals import post_migrate

        from abonent.calendar import services
        from abonent.calendar.models import CalendarDay, CalendarYear
        from abonent.calendar.seed import check_next_year_seeded

        # Edits of the calendar move every deadline, so they are audited.
        auditlog.register(CalendarYear)
        auditlog.register(CalendarDay)
        checks.register(check_next_year_seeded)
        services.watch()
        post_migrate.connect(_seed_if_empty, sender=self, dispatch_uid="abonent.calendar.seed_if_empty")


def _seed_if_empty(using: str = "default", **kwargs) -> None:
    """A flushed database (a transactional test, `manage.py flush`) loses what the data migration put in;
    an empty calendar would silently make every holiday a working day, so it is seeded again."""
    from abonent.calendar.models import CalendarYear
    from abonent.calendar.seed import seed_years

    if not CalendarYear.objects.using(using).exists():
        seed_years(INITIAL_YEARS)
