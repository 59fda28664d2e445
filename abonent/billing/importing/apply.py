"""Writing valid rows: an upsert by the natural key (`external_id`, or account and date for balances) with
bulk statements, so that 100,000 rows take seconds. A row equal to the stored one is left alone (its batch
stays the one that brought it); a new row is created, a changed one updated, both marked with this batch.
Runs inside the caller's transaction."""

import hashlib
from dataclasses import dataclass
from functools import partial

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, models

from abonent.billing.importing.formats import Package
from abonent.billing.importing.kinds import Kind
from abonent.billing.importing.validate import Progress, Row, chunks
from abonent.billing.models import FinancialDocument, ImportBatch

WRITE_CHUNK = 1000


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _existing(kind: Kind, rows: list[Row], fields: list[str]) -> dict[tuple, dict]:
    """The stored rows with the keys of `rows`, by key, with the compared fields and the primary key."""
    model, found = kind.model, {}
    if kind.key == ("external_id",):
        keys = [row.key[0] for row in rows]
        for chunk in chunks(keys):
            for item in model.objects.filter(external_id__in=chunk).values("pk", *fields):
                found[(item["external_id"],)] = item
        return found
    # Balances: every stored balance of the accounts in the file, matched by (account number, date).
    number_of = {row.fields["account_id"]: row.key[0] for row in rows}
    for chunk in chunks(list(number_of)):
        for item in model.objects.filter(account_id__in=chunk).values("pk", *fields):
            found[(number_of[item["account_id"]], item["as_of"])] = item
    return found


def _pdf_name(row: Row) -> str:
    upload = FinancialDocument._meta.get_field("pdf")
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in row.fields["external_id"])
    return upload.generate_filename(None, f"{safe}.pdf")


def apply_rows(kind: Kind, rows: list[Row], *, batch: ImportBatch, package: Package | None, save_files: bool,
               progress: Progress, saved_files: list[str]) -> Counts:
    fields = [*kind.stored_fields, *kind.constants]
    documents = kind.model is FinancialDocument
    if documents:
        fields += ["pdf", "pdf_sha256"]
    existing = _existing(kind, rows, fields)
    counts = Counts()
    to_create, to_update = [], []
    progress.stage("Сравнение с загруженным ранее", len(rows))
    for index, row in enumerate(rows, start=1):
        values = {**kind.constants, **row.fields}
        old = existing.get(row.key)
        if documents:
            _attach_pdf(row, values, old, package, save_files, saved_files)
        if old is None:
            to_create.append(values)
        elif any(old[name] != values[name] for name in values):
            to_update.append({**values, "pk": old["pk"]})
        else:
            counts.unchanged += 1
        if index % 1000 == 0:
            progress.advance(1000)
    progress.advance(len(rows) % 1000)

    progress.stage("Запись в базу", len(to_create) + len(to_update))
    for chunk in chunks(to_create, WRITE_CHUNK):
        _insert(kind.model, chunk, batch_id=batch.pk)
        progress.advance(len(chunk))
    update_fields = [name for name in fields if name not in kind.key]
    for chunk in chunks(to_update, WRITE_CHUNK):
        _update(kind.model, chunk, update_fields, batch_id=batch.pk)
        progress.advance(len(chunk))
    counts.created, counts.updated = len(to_create), len(to_update)
    return counts


def _same(value):
    return value


def _prepared(field: models.Field, value):
    return field.get_db_prep_save(value, connection)


def _converters(fields: list[models.Field], defaults: dict) -> list[tuple]:
    """(attname, default, convert) per field: values are prepared by the model's fields, so types are converted
    exactly as the ORM would; the validated values of plain types are already what the driver takes."""
    out = []
    for field in fields:
        plain = isinstance(field, models.CharField | models.TextField | models.BooleanField | models.IntegerField
                           | models.ForeignKey)
        if plain:
            convert = _same
        elif isinstance(field, models.DecimalField):  # already a quantized Decimal
            convert = partial(connection.ops.adapt_decimalfield_value, max_digits=field.max_digits,
                              decimal_places=field.decimal_places)
        elif type(field) is models.DateField:
            convert = connection.ops.adapt_datefield_value
        else:
            convert = partial(_prepared, field)
        out.append((field.attname, defaults.get(field.attname), convert))
    return out


def _insert(model: type[models.Model], rows: list[dict], *, batch_id: int) -> None:
    """INSERT of many rows with one prepared statement (executemany): Django's bulk_create compiles SQL for every
    value, which is most of the time at 100,000 rows. Fields a row lacks take their defaults, computed once."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields} | {"batch_id": batch_id}
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    # Table and column names come from the model; every value is a bound parameter.
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    converters = _converters(fields, defaults)
    params = [[convert(row.get(name, default)) for name, default, convert in converters] for row in rows]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: one round trip for the chunk instead of one statement per row.
            _copy(cursor, quote(model._meta.db_table), columns, params)
        else:
            cursor.executemany(sql, params)


def _copy(cursor, table: str, columns: str, params: list[list]) -> None:
    # COPY runs on psycopg's own cursor: its errors are turned into Django's (a unique key taken by another
    # import is an IntegrityError, which the service answers in Russian), as Django's cursor does for SQL.
    with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for values in params:
            copy.write_row(values)


def _update(model: type[models.Model], rows: list[dict], names: list[str], *, batch_id: int) -> None:
    """UPDATE … WHERE id = %s for many rows with one prepared statement: Django's bulk_update builds a CASE per
    field over the whole batch, which SQLite evaluates row by row (quadratic)."""
    fields = [model._meta.get_field(name) for name in names] + [model._meta.get_field("batch")]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    pk = quote(model._meta.pk.column)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {pk} = %s"  # noqa: S608
    converters = _converters(fields, {"batch_id": batch_id})
    params = [[convert(row.get(name, default)) for name, default, convert in converters] + [row["pk"]]
              for row in rows]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(sql, params)
            return
        # PostgreSQL: the new values into a temporary table by COPY, then one UPDATE … FROM it.
        table, columns = quote(model._meta.db_table), [quote(f.column) for f in fields] + [pk]
        listed = ", ".join(columns)
        cursor.execute(f"CREATE TEMPORARY TABLE billing_import_update ON COMMIT DROP AS "  # noqa: S608
                       f"SELECT {listed} FROM {table} LIMIT 0")
        _copy(cursor, "billing_import_update", listed, params)
        cursor.execute(f"UPDATE {table} AS t SET {', '.join(f'{c} = u.{c}' for c in columns[:-1])} "  # noqa: S608
                       f"FROM billing_import_update AS u WHERE t.{pk} = u.{pk}")
        cursor.execute("DROP TABLE billing_import_update")


def _attach_pdf(row: Row, values: dict, old: dict | None, package: Package | None, save_files: bool,
                saved_files: list[str]) -> None:
    """A document's PDF from the package; a row without one keeps the PDF stored before, if any."""
    if not row.pdf or package is None:
        values["pdf"] = old["pdf"] if old else ""
        values["pdf_sha256"] = old["pdf_sha256"] if old else ""
        return
    content = package.read(row.pdf)
    digest = hashlib.sha256(content).hexdigest()
    if old and old["pdf_sha256"] == digest:
        values["pdf"], values["pdf_sha256"] = old["pdf"], digest
        return
    name = _pdf_name(row)
    if save_files:
        name = default_storage.save(name, ContentFile(content))
        saved_files.append(name)
    values["pdf"], values["pdf_sha256"] = name, digest
