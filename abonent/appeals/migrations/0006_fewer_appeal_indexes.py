"""Fewer indexes on the appeals table, each of which every registration writes (bench/RESULTS.md, 2026-11-29):
the customer's, department's and executor's single-column indexes (each is the first column of appeal_customer,
appeal_dept_queue, appeal_executor_queue) and the LIKE index PostgreSQL adds for a unique=True text column (the
number is matched whole, never by prefix; the unique constraint stays, under its own name).

SQLite rebuilds the table, which loses the indexes kept outside the models' state (0002's INN index, 0005's
reply-date index): they are made again here.
"""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

search_indexes = importlib.import_module("abonent.appeals.migrations.0002_search")
answered_index = importlib.import_module("abonent.appeals.migrations.0005_answered_index")


def recreate_sqlite_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in [*search_indexes.SQLITE, answered_index.CREATE]:
        schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('appeals', '0005_answered_index'),
        ('customers', '0002_billingaccount_link_code_portalaccess'),
        ('organisation', '0002_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='appeal',
            name='customer',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='appeals', to='customers.customer', verbose_name='клиент'),
        ),
        migrations.AlterField(
            model_name='appeal',
            name='department',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='appeals', to='organisation.department', verbose_name='подразделение'),
        ),
        migrations.AlterField(
            model_name='appeal',
            name='executor',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='appeals_to_execute', to=settings.AUTH_USER_MODEL, verbose_name='исполнитель'),
        ),
        migrations.AlterField(
            model_name='appeal',
            name='number',
            field=models.CharField(max_length=20, verbose_name='регистрационный номер'),
        ),
        migrations.AddConstraint(
            model_name='appeal',
            constraint=models.UniqueConstraint(fields=('number',), name='appeal_number_unique'),
        ),
        migrations.RunPython(recreate_sqlite_indexes, migrations.RunPython.noop, elidable=False),
    ]
