"""Search indexes for appeals, different on each database (abonent/appeals/search.py uses them).

PostgreSQL: GIN expression indexes over to_tsvector('russian', ...), so the stems live in the index and
the table keeps no extra column (a stored generated column would have to be declared on the model).
The expressions must stay exactly those that search.AppealDocument and search.MessageDocument render,
or the planner stops using the indexes (a test checks the plan).

SQLite: an FTS5 table `appeals_search` (rowid = appeal id, one column of normalised text). A regular
table, not a contentless one: SQLite 3.40 (Debian 12) cannot delete from a contentless table
(contentless_delete came in 3.43), and index_appeal must be able to rewrite a row. The stored text is
the stems only, smaller than the appeal itself.

Both: an index on sender_inn for the INN lookup (the customer's INN is indexed in customers). No pg_trgm:
numbers are found through their unique index, INNs by equality, names as stemmed words.
None of these are in the models' state: they are invisible to makemigrations, so it never drops them.
"""

from django.db import migrations

DOCUMENT = ("to_tsvector('russian'::regconfig, COALESCE(subject, '') || ' ' || COALESCE(text, '') || ' ' || "
            "COALESCE(sender_organisation, '') || ' ' || COALESCE(sender_name, ''))")

POSTGRESQL = [
    f"CREATE INDEX IF NOT EXISTS appeal_search_document ON appeals_appeal USING gin ({DOCUMENT})",
    "CREATE INDEX IF NOT EXISTS appeal_message_search ON appeals_appealmessage "
    "USING gin (to_tsvector('russian'::regconfig, text))",
    "CREATE INDEX IF NOT EXISTS appeal_search_sender_inn ON appeals_appeal (sender_inn) WHERE sender_inn <> ''",
    # Statistics of the indexed expressions (how common each stem is), so that the planner can choose
    # between the GIN index and walking the primary key from the newest appeal.
    "ANALYZE appeals_appeal",
    "ANALYZE appeals_appealmessage",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX IF EXISTS appeal_search_document",
    "DROP INDEX IF EXISTS appeal_message_search",
    "DROP INDEX IF EXISTS appeal_search_sender_inn",
]
SQLITE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS appeals_search USING fts5(body, tokenize = 'unicode61 remove_diacritics 0')",
    # Not partial as on PostgreSQL: SQLite uses a partial index only when the query repeats its condition.
    "CREATE INDEX IF NOT EXISTS appeal_search_sender_inn ON appeals_appeal (sender_inn)",
]
SQLITE_REVERSE = [
    "DROP TABLE IF EXISTS appeals_search",
    "DROP INDEX IF EXISTS appeal_search_sender_inn",
]


def _run(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql)


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRESQL)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE)
        from abonent.appeals.search import rebuild_index

        # Appeals registered before this migration (a development database) become searchable at once.
        rebuild_index(using=schema_editor.connection.alias, appeal_model=apps.get_model("appeals", "Appeal"),
                      message_model=apps.get_model("appeals", "AppealMessage"))


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRESQL_REVERSE)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_REVERSE)


class Migration(migrations.Migration):

    dependencies = [
        ("appeals", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
