"""The database cache's table, when the shared cache is the database (the embedded default): created by
`migrate`, so an installation set up by migrate alone has it (registration reads the policies' version there,
abonent.core.process_cache). With Redis configured there is nothing to create."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0003_rate_counter"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=True),
    ]
