"""Django's PostgreSQL backend with one change (settings.DATABASES' ENGINE when DATABASE_URL names PostgreSQL):
small bulk inserts are written as VALUES rows, not through UNNEST (compiler.SQLInsertCompiler)."""
