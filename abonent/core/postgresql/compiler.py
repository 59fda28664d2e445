from django.db.backends.postgresql.compiler import (  # noqa: F401 - the compilers Django looks up here
    SQLAggregateCompiler,
    SQLCompiler,
    SQLDeleteCompiler,
    SQLUpdateCompiler,
)
from django.db.backends.postgresql.compiler import SQLInsertCompiler as PostgreSQLInsertCompiler
from django.db.models.sql.compiler import SQLInsertCompiler as BaseSQLInsertCompiler

# Django sends a bulk insert of several rows as one array per column through UNNEST, so that PostgreSQL plans
# one placeholder per column instead of one per value. With the statements prepared after five uses
# (settings.py) there is no planning to spare for the small inserts made over and over (a registration's two or
# three events), and psycopg builds each array in Python: a twentieth of the registration's CPU (in-process,
# alternated). Larger batches (imports, fan-out) keep UNNEST.
UNNEST_FROM_ROWS = 50


class SQLInsertCompiler(PostgreSQLInsertCompiler):
    def assemble_as_sql(self, fields, value_rows):
        if len(value_rows) < UNNEST_FROM_ROWS:
            return BaseSQLInsertCompiler.assemble_as_sql(self, fields, value_rows)
        return super().assemble_as_sql(fields, value_rows)
