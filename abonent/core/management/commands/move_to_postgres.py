"""Move an embedded SQLite installation to PostgreSQL with nothing lost: every row of every table, with
the same primary keys, so numbers, links and the audit log stay as they were. Files stay where
MEDIA_ROOT points."""

import tempfile
from collections import Counter
from pathlib import Path

import dj_database_url
from auditlog.context import disable_auditlog
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

TARGET = "move_target"


def row_counts(alias: str) -> Counter:
    return Counter({
        model._meta.label: model._base_manager.using(alias).count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    })


class Command(BaseCommand):
    help = "Перенести данные из встроенной базы SQLite в PostgreSQL (все таблицы, те же идентификаторы)."

    def add_arguments(self, parser):
        parser.add_argument("target_url", help="postgres://пользователь@сервер:порт/база — пустая база назначения")
        parser.add_argument("--force", action="store_true",
                            help="очистить базу назначения, даже если в ней есть данные")

    def handle(self, *args, target_url: str, force: bool = False, **options):
        source = connections[DEFAULT_DB_ALIAS]
        if source.vendor != "sqlite":
            raise CommandError("Источник должен быть базой SQLite (встроенная установка).")
        config = dj_database_url.parse(target_url)
        if "postgresql" not in config["ENGINE"]:
            raise CommandError("База назначения должна быть PostgreSQL: адрес вида postgres://…")
        connections.settings[TARGET] = {**connections.settings[DEFAULT_DB_ALIAS], **config, "OPTIONS": {},
                                        "TEST": {}}
        try:
            self._move(force=force)
        finally:
            connections[TARGET].close()
            del connections.settings[TARGET]

    def _move(self, *, force: bool) -> None:
        self.stdout.write("Создаю таблицы в PostgreSQL…")
        call_command("migrate", database=TARGET, interactive=False, verbosity=0)
        existing = row_counts(TARGET)
        business = {label: n for label, n in existing.items()
                    if n and label.split(".")[0] in {"customers", "appeals", "billing"}}
        if business and not force:
            raise CommandError(f"В базе назначения уже есть данные ({', '.join(sorted(business))}); "
                               "укажите пустую базу или --force.")
        # Migrations seeded reference rows (roles, calendar, permissions) in the target: the source's rows
        # replace them, ids included, so nothing that points at them changes.
        call_command("flush", database=TARGET, interactive=False, inhibit_post_migrate=True, verbosity=0)
        expected = row_counts(DEFAULT_DB_ALIAS)
        with tempfile.TemporaryDirectory() as folder:
            dump = Path(folder) / "data.jsonl"
            self.stdout.write(f"Выгружаю {sum(expected.values())} строк из SQLite…")
            call_command("dumpdata", format="jsonl", output=str(dump), database=DEFAULT_DB_ALIAS, verbosity=0)
            self.stdout.write("Загружаю в PostgreSQL…")
            with disable_auditlog():
                call_command("loaddata", str(dump), database=TARGET, verbosity=0)
        moved = row_counts(TARGET)
        differ = {label: (expected[label], moved[label]) for label in expected if expected[label] != moved[label]}
        if differ:
            lines = "; ".join(f"{label}: было {a}, стало {b}" for label, (a, b) in sorted(differ.items()))
            raise CommandError(f"Перенос не сошёлся: {lines}")
        self.stdout.write(self.style.SUCCESS(
            f"Перенесено строк: {sum(moved.values())} в {len([n for n in moved.values() if n])} таблицах; "
            "количество строк в каждой таблице совпадает. Укажите DATABASE_URL новой базы и перезапустите систему."
        ))
