"""manage.py reindex_appeals: rebuild the SQLite search index of appeals from the tables."""

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections

from abonent.appeals.search import rebuild_index
from abonent.core.text import plural


class Command(BaseCommand):
    help = ("Перестраивает поисковый индекс обращений (SQLite, FTS5) по данным таблиц. "
            "На PostgreSQL индекс ведёт сама база, команда ничего не делает.")

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="псевдоним базы данных из настроек")

    def handle(self, *args, **options):
        using = options["database"]
        if connections[using].vendor != "sqlite":
            self.stdout.write("Поисковый индекс ведёт PostgreSQL (индексы GIN), перестраивать нечего.")
            return
        count = rebuild_index(using=using)
        self.stdout.write(self.style.SUCCESS(
            f"Поисковый индекс перестроен: {count} {plural(count, 'обращение', 'обращения', 'обращений')}."))
