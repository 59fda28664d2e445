from django.db.backends.postgresql import base


class DatabaseOperations(base.DatabaseOperations):
    compiler_module = "abonent.core.postgresql.compiler"


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
