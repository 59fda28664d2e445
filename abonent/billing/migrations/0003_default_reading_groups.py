"""The two submission windows of Decree 442 items 157–161 as editable rows (policy is data)."""

from django.db import migrations

GROUPS = [
    # Collective meters and meters of premises in apartment buildings: readings 23rd–25th, sent by the 26th.
    {"name": "Приборы учёта в многоквартирных домах", "first_day": 23, "last_day": 26,
     "for_previous_month": False, "is_default": False},
    # Other meters of legal entities: as of 00:00 on the 1st, sent by the end of the 2nd day of the next month.
    {"name": "Прочие приборы учёта юридических лиц", "first_day": 1, "last_day": 2,
     "for_previous_month": True, "is_default": True},
]


def seed(apps, schema_editor):
    ReadingGroup = apps.get_model("billing", "ReadingGroup")
    for group in GROUPS:
        ReadingGroup.objects.get_or_create(name=group["name"], defaults=group)


def unseed(apps, schema_editor):
    ReadingGroup = apps.get_model("billing", "ReadingGroup")
    ReadingGroup.objects.filter(name__in=[g["name"] for g in GROUPS], meters__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [("billing", "0002_import_counts_pdf_hash_permission")]

    operations = [migrations.RunPython(seed, unseed)]
