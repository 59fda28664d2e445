"""Every installation gets the production calendar for 2024-2027 from the holidays package."""

from django.db import migrations

from abonent.calendar.apps import INITIAL_YEARS


def seed(apps, schema_editor):
    from abonent.calendar.seed import sync_calendar

    sync_calendar(
        years=INITIAL_YEARS,
        day_model=apps.get_model("calendar", "CalendarDay"),
        year_model=apps.get_model("calendar", "CalendarYear"),
    )


class Migration(migrations.Migration):

    dependencies = [
        ("calendar", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
