"""The one way billing data comes in: `import_file` reads, validates and applies a file from the billing system.

Rules: a file with any bad row applies nothing (one transaction; an `ImportBatch` with status «отклонён» keeps
the errors); the same file twice changes nothing (its SHA-256 names one batch); another file with the same
rows updates nothing (upsert by the natural key, counted as unchanged)."""

import hashlib
import logging
from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from abonent.billing.importing import formats
from abonent.billing.importing.apply import Counts, apply_rows
from abonent.billing.importing.formats import FileRefused, RowError
from abonent.billing.importing.kinds import KIND_LABELS, KINDS
from abonent.billing.importing.validate import NoProgress, Progress, validate
from abonent.billing.models import ImportBatch
from abonent.core.postgresql.plans import prefer_custom_plans
from abonent.core.text import plural

log = logging.getLogger(__name__)

MAX_ERRORS_KEPT = 1000


class Outcome:
    APPLIED = "applied"  # written now
    ALREADY = "already_imported"  # this very file was applied before: nothing done
    REJECTED = "rejected"  # bad rows or a bad file: nothing written
    DRY_RUN = "dry_run"  # checked and counted, rolled back


@dataclass
class ImportResult:
    outcome: str
    file_name: str
    kind: str = ""
    format: str = ""
    version: str = ""
    rows_total: int = 0
    counts: Counts = field(default_factory=Counts)
    errors: list[RowError] = field(default_factory=list)
    errors_total: int = 0
    batch: ImportBatch | None = None

    @property
    def is_ok(self) -> bool:
        return self.outcome != Outcome.REJECTED

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind or "—")

    @property
    def summary(self) -> str:
        """One Russian sentence for the command, the page and the API."""
        if self.outcome == Outcome.ALREADY:
            loaded = timezone.localtime(self.batch.created_at)
            return (f"Файл «{self.file_name}» уже загружен {loaded:%d.%m.%Y %H:%M}: "
                    "повторная загрузка ничего не меняет.")
        if self.outcome == Outcome.REJECTED:
            return (f"Файл «{self.file_name}» отклонён: {self.errors_total} "
                    f"{plural(self.errors_total, 'ошибка', 'ошибки', 'ошибок')}. Ничего не загружено.")
        counts = (f"{self.rows_total} {plural(self.rows_total, 'запись', 'записи', 'записей')}: добавлено "
                  f"{self.counts.created}, изменено {self.counts.updated}, без изменений {self.counts.unchanged}")
        if self.outcome == Outcome.DRY_RUN:
            return f"Проверка файла «{self.file_name}» ({self.kind_label}) без загрузки: ошибок нет; {counts}."
        return f"Файл «{self.file_name}» загружен ({self.kind_label}), {counts}."

    def as_dict(self) -> dict:
        return {
            "outcome": self.outcome, "summary": self.summary, "batch_id": self.batch.pk if self.batch else None,
            "file_name": self.file_name, "kind": self.kind, "format": self.format, "format_version": self.version,
            "rows_total": self.rows_total, "rows_created": self.counts.created, "rows_updated": self.counts.updated,
            "rows_unchanged": self.counts.unchanged, "errors_total": self.errors_total,
            "errors": [e.as_dict() for e in self.errors],
        }


class _RollBack(Exception):
    pass


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _kind_of(stated: str, requested: str | None) -> str:
    requested = (requested or "").strip().lower()
    if stated and requested and stated != requested:
        raise FileRefused(f"В файле указан вид «{stated}» ({KIND_LABELS.get(stated, 'неизвестный')}), "
                          f"а загружается как «{requested}» ({KIND_LABELS.get(requested, 'неизвестный')}).")
    kind = stated or requested
    if not kind:
        raise FileRefused("Не указан вид данных: kind=balances, charges, documents, payments, meters или readings "
                          "(в первой строке CSV-файла или в поле «kind» JSON-файла).")
    if kind not in KINDS:
        raise FileRefused(f"Неизвестный вид данных «{kind}»: допустимы balances, charges, documents, payments, "
                          "meters, readings.")
    return kind


def import_file(*, content: bytes, file_name: str, kind: str | None = None, user=None, dry_run: bool = False,
                progress: Progress | None = None) -> ImportResult:
    """Import one file of the billing system's export. `kind` is required only when the file does not state it.
    Side effects: the rows of its kind upserted and an `ImportBatch` (applied or rejected); none with dry_run."""
    progress = progress or NoProgress()
    file_name = (file_name or "файл").rsplit("/", 1)[-1][:255]
    digest = sha256_of(content)
    previous = ImportBatch.objects.filter(sha256=digest).first()
    if previous is not None and previous.status == ImportBatch.Status.APPLIED:
        return _already(previous, file_name)
    result = ImportResult(Outcome.REJECTED, file_name)
    try:
        source = formats.read(content, file_name=file_name)
        result.format, result.version = source.format, source.version
        result.kind = _kind_of(source.kind, kind)
        rows, errors = validate(KINDS[result.kind], source, progress)
    except FileRefused as refusal:
        rows, errors = [], refusal.errors
    if errors:
        return _reject(digest, result, errors, user=user, dry_run=dry_run)
    result.rows_total = len(rows)
    try:
        return _apply(digest, result, rows, source, user=user, dry_run=dry_run, progress=progress)
    except FileRefused as refusal:  # a package member that does not unpack: its CRC is checked once read whole
        return _reject(digest, result, refusal.errors, user=user, dry_run=dry_run)
    except IntegrityError:
        # Another import of the same file, or of the same new rows, committed first.
        log.warning("Billing import of %s raced with another one", file_name, exc_info=True)
        previous = ImportBatch.objects.filter(sha256=digest, status=ImportBatch.Status.APPLIED).first()
        if previous is not None:
            return _already(previous, file_name)
        result.outcome = Outcome.REJECTED
        result.errors = [RowError(None, None, "одновременно загружался другой файл с теми же записями; "
                                              "загрузите этот файл ещё раз.")]
        result.errors_total = 1
        return result


def _already(batch: ImportBatch, file_name: str) -> ImportResult:
    return ImportResult(Outcome.ALREADY, file_name, kind=batch.kind, format=batch.format,
                        version=batch.format_version, rows_total=batch.rows_total,
                        counts=Counts(batch.rows_created, batch.rows_updated, batch.rows_unchanged), batch=batch)


def _reject(digest: str, result: ImportResult, errors: list[RowError], *, user, dry_run: bool) -> ImportResult:
    result.outcome, result.rows_total, result.counts = Outcome.REJECTED, 0, Counts()
    result.errors, result.errors_total = errors[:MAX_ERRORS_KEPT], len(errors)
    if not dry_run:
        result.batch = _record_rejection(digest, result, user)
    return result


def _record_rejection(digest: str, result: ImportResult, user) -> ImportBatch:
    errors = [e.as_dict() for e in result.errors]
    if result.errors_total > len(errors):
        more = result.errors_total - len(errors)
        errors.append(RowError(None, None, f"и ещё {more} {plural(more, 'ошибка', 'ошибки', 'ошибок')}").as_dict())
    batch, _ = ImportBatch.objects.update_or_create(sha256=digest, defaults={
        "file_name": result.file_name, "format": result.format[:8], "format_version": result.version[:16],
        "kind": result.kind[:32], "status": ImportBatch.Status.REJECTED, "rows_total": 0, "rows_created": 0,
        "rows_updated": 0, "rows_unchanged": 0, "errors": errors, "imported_by": user,
    })
    return batch


def _apply(digest, result: ImportResult, rows, source, *, user, dry_run: bool, progress: Progress) -> ImportResult:
    saved_files: list[str] = []
    try:
        with transaction.atomic():
            prefer_custom_plans()
            batch, _ = ImportBatch.objects.update_or_create(sha256=digest, defaults={
                "file_name": result.file_name, "format": result.format, "format_version": result.version,
                "kind": result.kind, "status": ImportBatch.Status.APPLIED, "errors": [], "imported_by": user,
                "rows_total": len(rows),
            })
            counts = apply_rows(KINDS[result.kind], rows, batch=batch, package=source.package,
                                save_files=not dry_run, progress=progress, saved_files=saved_files)
            batch.rows_created, batch.rows_updated = counts.created, counts.updated
            batch.rows_unchanged = counts.unchanged
            batch.save(update_fields=["rows_created", "rows_updated", "rows_unchanged", "updated_at"])
            result.counts = counts
            if dry_run:
                raise _RollBack
    except _RollBack:
        result.outcome = Outcome.DRY_RUN
        return result
    except BaseException:
        for name in saved_files:  # files are outside the transaction: take back what it no longer refers to
            default_storage.delete(name)
        raise
    result.outcome, result.batch = Outcome.APPLIED, batch
    return result
