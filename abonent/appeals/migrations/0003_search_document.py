"""A stored tsvector on PostgreSQL, kept by triggers, instead of the expression indexes of 0002.

Measured at 1,000,000 appeals (bench/search_seed.py): PostgreSQL recomputes an indexed expression for
every row it rechecks or ranks (~100-170 µs each), which put mid-frequency two-word queries at 1-3 s;
with the stored column the same plans take 40-80 ms. The column is declared on the model (null on
SQLite, where the FTS5 table of 0002 does the work); the trigger uses PostgreSQL's own
tsvector_update_trigger with the 'russian' configuration.
"""

import django.contrib.postgres.search
from django.db import migrations

FORWARD = [
    "DROP INDEX IF EXISTS appeal_search_document",
    "DROP INDEX IF EXISTS appeal_message_search",
    "CREATE TRIGGER appeal_search_document BEFORE INSERT OR UPDATE OF subject, text, sender_organisation, "
    "sender_name ON appeals_appeal FOR EACH ROW EXECUTE FUNCTION "
    "tsvector_update_trigger(search_document, 'pg_catalog.russian', subject, text, sender_organisation, sender_name)",
    "CREATE TRIGGER appeal_message_search_document BEFORE INSERT OR UPDATE OF text ON appeals_appealmessage "
    "FOR EACH ROW EXECUTE FUNCTION tsvector_update_trigger(search_document, 'pg_catalog.russian', text)",
    "UPDATE appeals_appeal SET search_document = to_tsvector('pg_catalog.russian', COALESCE(subject, '') || ' ' || "
    "COALESCE(text, '') || ' ' || COALESCE(sender_organisation, '') || ' ' || COALESCE(sender_name, ''))",
    "UPDATE appeals_appealmessage SET search_document = to_tsvector('pg_catalog.russian', text)",
    "CREATE INDEX appeal_search_document ON appeals_appeal USING gin (search_document)",
    "CREATE INDEX appeal_message_search ON appeals_appealmessage USING gin (search_document)",
    "ANALYZE appeals_appeal",
    "ANALYZE appeals_appealmessage",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS appeal_search_document ON appeals_appeal",
    "DROP TRIGGER IF EXISTS appeal_message_search_document ON appeals_appealmessage",
    "DROP INDEX IF EXISTS appeal_search_document",
    "DROP INDEX IF EXISTS appeal_message_search",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("appeals", "0002_search")]

    operations = [
        migrations.AddField(
            model_name="appeal", name="search_document",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="appealmessage", name="search_document",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False),
    ]
