"""Fuzzing the billing importer with outside input: random bytes, damaged copies of the documented sample files,
and generated CSV and JSON files of every kind whose cells come from a hostile pool of values.

Properties: `formats.read` returns a Source or refuses with FileRefused (Russian), never another exception;
`import_file` always returns a result — applied, or rejected with Russian errors and nothing written; the same
file again changes nothing (one load record per file, no new rows).

Fast and deterministic in the normal suite; `HYPOTHESIS_PROFILE=fuzz` (and FUZZ_EXAMPLES) for a long random run."""

import csv
import datetime
import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from abonent.billing.importing import KINDS, FileRefused, Outcome, formats, import_file
from abonent.billing.models import Balance, Charge, FinancialDocument, ImportBatch, Meter, MeterReading, Payment
from abonent.customers.tests.factories import BillingAccountFactory

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
SAMPLES = Path(__file__).resolve().parents[3] / "docs" / "billing-samples"
SEEDS = sorted(p.read_bytes() for p in SAMPLES.glob("*.*")) if SAMPLES.exists() else [b"#format_version=1"]
MODELS = (Balance, Charge, FinancialDocument, Payment, Meter, MeterReading)


def fuzz(examples: int):
    return settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "3000")) if LONG else examples, deadline=None,
                    derandomize=not LONG, suppress_health_check=list(HealthCheck),
                    **({} if LONG else {"database": None}))


def russian(text: str) -> bool:
    return any("а" <= ch <= "я" for ch in text.lower())


# Any text, NUL included: PostgreSQL stores none, so a cell with one is a row error (see also the NUL test below).
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
# Text a well-formed row may hold.
VALID_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
CELLS = st.one_of(
    st.sampled_from(["", " ", "2200010000", "2200020000", "31.10.2026", "2026-10-31", "10.2026", "2026-10",
                     "29.02.2027", "01.01.1999", "1 234,56", "1234.56", "-5", "12,3,4", "1e9", "NaN", "Infinity",
                     "9" * 40, "0,001", "да", "нет", "1", "0", "invoice", "счёт", "act", "online", "day", "T1",
                     "CH-1", "CH-1", "a b", "\u00a0", "'", '"', ";", "\t", "\r\n", "0x10", "٣", "１２"]),
    TEXT)
JSON_CELLS = st.one_of(CELLS, st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                       st.lists(CELLS, max_size=2), st.dictionaries(TEXT, CELLS, max_size=2))
KIND_CODES = st.sampled_from(sorted(KINDS))


def csv_bytes(kind: str, header: list[str], rows: list[list[str]], delimiter: str, directive: str) -> bytes:
    out = io.StringIO(newline="")
    out.write(directive.format(kind=kind) + "\r\n")
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8", "surrogateescape")


@st.composite
def csv_file(draw) -> tuple[bytes, str]:
    kind = draw(KIND_CODES)
    columns = KINDS[kind].column_names
    header = draw(st.one_of(st.just(columns), st.permutations(columns), st.lists(st.sampled_from(
        [*columns, "unknown", "", columns[0].upper()]), max_size=len(columns) + 2)))
    rows = draw(st.lists(st.lists(CELLS, min_size=len(header), max_size=len(header) + 1), max_size=6))
    directive = draw(st.sampled_from(["#format_version=1;kind={kind}", "#format_version=1", "format_version=1",
                                      "#format_version=2;kind={kind}", '"#format_version=1;kind={kind};;;"',
                                      "#kind=balances;format_version=1"]))
    return csv_bytes(kind, header, rows, draw(st.sampled_from([";", ",", "\t"])), directive), kind


@st.composite
def json_file(draw) -> tuple[bytes, str]:
    kind = draw(KIND_CODES)
    columns = KINDS[kind].column_names
    rows = draw(st.lists(st.one_of(
        st.fixed_dictionaries({}, optional=dict.fromkeys(columns, JSON_CELLS)),
        JSON_CELLS), max_size=6))
    data = {"format_version": draw(st.sampled_from([1, "1", 2, None, True, 1.0])), "kind": draw(
        st.one_of(st.just(kind), KIND_CODES, st.none(), st.integers())), "rows": rows}
    if draw(st.booleans()):
        data = draw(st.sampled_from([rows, data["rows"][:1], {"rows": rows}, data]))
    return json.dumps(data, ensure_ascii=draw(st.booleans())).encode(), kind


@st.composite
def damaged_sample(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        position = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if action == "flip":
            data[position] = draw(st.integers(1, 255))
        elif action == "insert":
            data[position:position] = draw(st.sampled_from([b";", b",", b'"', b"\r\n", b"{", b"]", b"\xd0",
                                                            b"PK\x03\x04", b"9999999999999999999"]))
        elif action == "delete":
            del data[position:position + draw(st.integers(1, 30))]
        else:
            del data[position:]
    return bytes(data)


@st.composite
def zip_package(draw) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for _ in range(draw(st.integers(0, 3))):
            name = draw(st.sampled_from(["manifest.csv", "manifest.json", "docs/manifest.csv", "a/b/manifest.csv",
                                         "pdf/x.pdf", "../x.pdf", "x.pdf", "MANIFEST.CSV"]))
            content = draw(st.one_of(st.binary(max_size=200), csv_file().map(lambda f: f[0]),
                                     json_file().map(lambda f: f[0])))
            archive.writestr(name, content)
    data = buffer.getvalue()
    if draw(st.booleans()):
        cut = draw(st.integers(4, max(4, len(data))))
        data = data[:cut]
    return data


ANY_FILE = st.one_of(csv_file().map(lambda f: f[0]), json_file().map(lambda f: f[0]), damaged_sample(),
                     zip_package(), st.binary(max_size=300))


# --- reading: pure ---


@fuzz(150)
@given(ANY_FILE)
@example(b"\xef\xbb\xbf")
@example(b"\xff\xfe#\x00")
@example(b"[" * 5000)
@example(b"PK\x03\x04")
def test_any_file_is_read_or_refused_in_russian(content):
    try:
        source = formats.read(content)
    except FileRefused as refusal:
        assert refusal.errors and all(russian(e.text()) for e in refusal.errors)
        return
    assert source.format in ("csv", "json", "zip")
    assert all(isinstance(r.values, dict) for r in source.records)


# --- importing: through the database ---


def row_counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in MODELS)


def check_import(content: bytes, *, dry_run: bool = False) -> None:
    before, batches = row_counts(), ImportBatch.objects.count()
    result = import_file(content=content, file_name="выгрузка.csv", dry_run=dry_run)
    assert result.outcome in (Outcome.APPLIED, Outcome.REJECTED, Outcome.DRY_RUN, Outcome.ALREADY)
    assert russian(result.summary)
    if result.outcome in (Outcome.REJECTED, Outcome.DRY_RUN, Outcome.ALREADY):
        assert row_counts() == before  # nothing written
    if result.outcome == Outcome.REJECTED:
        assert result.errors_total >= 1 and all(russian(e.text()) for e in result.errors)
    if dry_run:
        assert ImportBatch.objects.count() == batches
        return
    after, batches = row_counts(), ImportBatch.objects.count()
    again = import_file(content=content, file_name="повтор.csv")
    assert again.outcome in (Outcome.ALREADY, Outcome.REJECTED)
    assert again.outcome == (Outcome.ALREADY if result.outcome in (Outcome.APPLIED, Outcome.ALREADY) else
                             Outcome.REJECTED)
    assert row_counts() == after and ImportBatch.objects.count() == batches


@pytest.fixture
def accounts(db):
    return (BillingAccountFactory(number="2200010000"), BillingAccountFactory(number="2200020000"))


@pytest.mark.django_db
@fuzz(60)
@given(content=ANY_FILE, dry_run=st.booleans())
@example(content=SEEDS[0], dry_run=False)
def test_any_file_is_imported_whole_or_rejected_whole_and_never_twice(accounts, content, dry_run):
    check_import(content, dry_run=dry_run)


@pytest.mark.django_db
@pytest.mark.parametrize("content", [
    b"#format_version=1;kind=payments\r\nexternal_id;account;paid_on;amount;purpose\r\n"
    b"P-1;2200010000;31.10.2026;100,00;\x00\r\n",
    b"#format_version=1;kind=payments\r\nexternal_id;account;paid_on;amount\r\nP-\x00;2200010000;31.10.2026;1\r\n",
    b'{"format_version": 1, "kind": "payments", "rows": [{"external_id": "P-\\u0000"}]}',
])
def test_a_nul_character_is_rejected_not_crashed(accounts, content):
    check_import(content)


@st.composite
def valid_payments(draw) -> list[dict]:
    ids = draw(st.lists(st.text(alphabet="ABCDEFGHJK0123456789-", min_size=1, max_size=20), min_size=1, max_size=8,
                        unique=True))
    return [{"external_id": f"P-{i}", "account": draw(st.sampled_from(["2200010000", "2200020000"])),
             "paid_on": draw(st.dates(min_value=datetime.date(2000, 1, 1),
                                      max_value=datetime.date(2100, 12, 31))).strftime("%d.%m.%Y"),
             "amount": f"{draw(st.decimals(min_value='0.01', max_value=10**9, places=2)):.2f}".replace(".", ","),
             "purpose": draw(VALID_TEXT)} for i in ids]


@pytest.mark.django_db
@fuzz(30)
@given(rows=valid_payments(), as_json=st.booleans())
def test_well_formed_payments_are_applied_once_and_a_reordered_copy_changes_nothing(accounts, rows, as_json):
    columns = ["external_id", "account", "paid_on", "amount", "purpose"]
    if as_json:
        content = json.dumps({"format_version": 1, "kind": "payments", "rows": rows}, ensure_ascii=False).encode()
    else:
        content = csv_bytes("payments", columns, [[r[c] for c in columns] for r in rows], ";",
                            "#format_version=1;kind={kind}")
    before = Payment.objects.count()
    first = import_file(content=content, file_name="payments")
    assert first.outcome in (Outcome.APPLIED, Outcome.ALREADY), first.summary
    check_import(content)
    count = Payment.objects.count()
    assert count - before <= len(rows)
    reordered = json.dumps({"format_version": 1, "kind": "payments", "rows": rows[::-1]}).encode() + b" "
    again = import_file(content=reordered, file_name="payments-2.json")
    assert again.outcome in (Outcome.APPLIED, Outcome.ALREADY)
    assert again.counts.created == 0 and again.counts.updated == 0
    assert Payment.objects.count() == count


def damaged_deflate_package() -> bytes:
    """A ZIP package whose manifest is compressed and whose compressed stream is damaged (found by atheris)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.csv", "#format_version=1;kind=documents\r\nexternal_id;account\r\n"
                         + "D-1;2200010000\r\n" * 20)
    data = bytearray(buffer.getvalue())
    data[30 + len("manifest.csv")] ^= 0xFF  # the first byte of the deflate stream
    return bytes(data)


def misplaced_directory_package() -> bytes:
    """A ZIP package whose end record points past its central directory (found by atheris): zipfile computes
    negative member offsets."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.csv", "#format_version=1;kind=documents\r\nexternal_id;account\r\n")
    data = bytearray(buffer.getvalue())
    end = data.rfind(b"PK\x05\x06")
    offset = int.from_bytes(data[end + 16:end + 20], "little")
    data[end + 16:end + 20] = (offset + 200).to_bytes(4, "little")
    return bytes(data)


def future_version_package() -> bytes:
    """A ZIP package whose directory asks for a newer ZIP version than Python reads (found by atheris)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.csv", "#format_version=1;kind=documents\r\nexternal_id;account\r\n")
    data = bytearray(buffer.getvalue())
    directory = data.rfind(b"PK\x01\x02")
    data[directory + 6:directory + 8] = (75).to_bytes(2, "little")  # version needed to extract: 7.5
    return bytes(data)


@pytest.mark.django_db
@pytest.mark.parametrize(("make", "refusal"), [
    (damaged_deflate_package, "ZIP-пакет повреждён: файл «manifest.csv» не распаковывается."),
    (misplaced_directory_package, "ZIP-пакет повреждён: файл «manifest.csv» не распаковывается."),
    (future_version_package, "ZIP-пакет повреждён и не открывается."),
])
def test_a_package_with_a_damaged_member_is_refused_not_crashed(accounts, make, refusal):
    with pytest.raises(FileRefused) as refused:
        formats.read(make())
    assert [e.message for e in refused.value.errors] == [refusal]
    check_import(make())
