"""An appeal's number may be empty inside the transaction that registers it: the number is that transaction's
last write, so that the yearly counter's row stays locked for one statement and the commit, not for the
appeal's, events' and task's inserts (bench/RESULTS.md, 2026-11-29). No committed appeal lacks a number.

PostgreSQL drops the NOT NULL in place. SQLite rebuilds the table, which loses the indexes kept outside the
models' state (0002's INN index, 0005's reply-date index): they are made again here.
"""

import importlib

from django.db import migrations, models

search_indexes = importlib.import_module("abonent.appeals.migrations.0002_search")
answered_index = importlib.import_module("abonent.appeals.migrations.0005_answered_index")


def recreate_sqlite_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in [*search_indexes.SQLITE, answered_index.CREATE]:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("appeals", "0005_answered_index")]

    operations = [
        migrations.AlterField(
            model_name="appeal",
            name="number",
            field=models.CharField(max_length=20, null=True, unique=True, verbose_name="регистрационный номер"),
        ),
        migrations.AlterField(
            model_name="appeal",
            name="sequence",
            field=models.PositiveIntegerField(null=True, verbose_name="порядковый номер в году"),
        ),
        migrations.RunPython(recreate_sqlite_indexes, migrations.RunPython.noop, elidable=False),
    ]
