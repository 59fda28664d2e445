"""manage.py import_billing FILE [--kind …] [--dry-run]: load an export of the billing system."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from abonent.billing.importing import KINDS, Outcome, import_file


class TqdmProgress:
    """The importer's stages as tqdm bars on stderr (none when stderr is not a terminal, or with --verbosity 0)."""

    def __init__(self, enabled: bool):
        self.enabled, self.bar = enabled, None

    def stage(self, label: str, total: int) -> None:
        self.close()
        if self.enabled:
            self.bar = tqdm(total=total, desc=label, unit=" зап.", leave=False, dynamic_ncols=True,
                            disable=None)

    def advance(self, count: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(count)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Command(BaseCommand):
    help = ("Загрузить выгрузку биллинга (CSV, JSON или ZIP-пакет документов с PDF): сальдо, начисления, "
            "финансовые документы, платежи, приборы учёта, показания. Формат: docs/billing-import.md.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="путь к файлу выгрузки")
        parser.add_argument("--kind", choices=sorted(KINDS), help="вид данных, если он не указан в самом файле")
        parser.add_argument("--dry-run", action="store_true", help="только проверить и посчитать, ничего не записывать")

    def handle(self, *args, file: str, kind: str | None = None, dry_run: bool = False, **options):
        path = Path(file)
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Файл «{file}» не прочитан: {error.strerror or error}.") from None
        progress = TqdmProgress(enabled=options.get("verbosity", 1) > 0)
        try:
            result = import_file(content=content, file_name=path.name, kind=kind, dry_run=dry_run, progress=progress)
        finally:
            progress.close()
        if result.outcome == Outcome.REJECTED:
            for error in result.errors:
                self.stderr.write(error.text())
            if result.errors_total > len(result.errors):
                self.stderr.write(f"… и ещё {result.errors_total - len(result.errors)}.")
            raise CommandError(result.summary)
        style = self.style.SUCCESS if result.outcome == Outcome.APPLIED else self.style.WARNING
        self.stdout.write(style(result.summary))
