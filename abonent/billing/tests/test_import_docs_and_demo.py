"""The documented formats match the code, the sample files load against the demo customers, and the demo
billing seed is idempotent."""

import datetime as dt
import re
from pathlib import Path

import pytest

from abonent.billing.importing import KINDS, Outcome, import_file
from abonent.billing.importing.kinds import LINE_COLUMNS
from abonent.billing.models import Balance, Charge, FinancialDocument, ImportBatch, Meter, MeterReading, Payment
from abonent.demo import billing as demo_billing
from abonent.demo.customers import seed_customers

ROOT = Path(__file__).resolve().parents[3]
DOC = (ROOT / "docs/billing-import.md").read_text()
SAMPLES = ROOT / "docs/billing-samples"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_column_is_documented_in_its_section(kind):
    section = DOC.split(f"### `{kind}`", 1)[1].split("\n### ", 1)[0].split("**Lines.**", 1)[0]
    documented = set(re.findall(r"^\| \**`([a-z_]+)`", section, re.MULTILINE))
    assert documented == set(KINDS[kind].column_names)
    for column in KINDS[kind].columns:
        bold = f"**`{column.name}`**" in section
        assert bold == column.required, column.name


def test_document_lines_are_documented():
    section = DOC.split("**Lines.**", 1)[1]
    for column in LINE_COLUMNS:
        assert f"`{column.name}` / `line_{column.name}`" in section or f"`{column.name}`** / **`line_{column.name}`" \
            in section, column.name


@pytest.mark.django_db
def test_sample_files_load_against_the_demo_customers():
    seed_customers()
    order = ["meters.csv", "meters.json", "readings.csv", "readings.json", "balances.csv", "balances.json",
             "charges.csv", "charges.json", "payments.csv", "payments.json", "documents.csv", "documents.json",
             "documents-package.zip"]
    assert sorted(order) == sorted(p.name for p in SAMPLES.iterdir())
    for name in order:
        result = import_file(content=(SAMPLES / name).read_bytes(), file_name=name)
        assert result.outcome == Outcome.APPLIED, (name, [e.text() for e in result.errors])
        if name.endswith(".json") and name != "documents.json":
            # The JSON twin of a CSV sample holds the same rows.
            assert result.counts.unchanged == result.rows_total, name
    assert FinancialDocument.objects.exclude(pdf="").count() == 4


@pytest.mark.django_db
def test_demo_seed_is_deterministic_and_idempotent(django_assert_max_num_queries):
    seed_customers()
    today = dt.date(2026, 11, 29)

    counts = demo_billing.seed(today)

    models = (Meter, MeterReading, Charge, FinancialDocument, Payment, Balance)
    stored = {model.__name__: model.objects.count() for model in models}
    assert counts == {"meters": stored["Meter"], "readings": stored["MeterReading"], "charges": stored["Charge"],
                      "documents": stored["FinancialDocument"], "payments": stored["Payment"],
                      "balances": stored["Balance"]}
    assert stored["Charge"] >= 36 * 100 and stored["Meter"] >= 100
    assert Meter.objects.filter(reading_group__name="Приборы учёта в многоквартирных домах").exists()
    assert Meter.objects.filter(reading_group__is_default=True).exists()
    debtors = Balance.objects.filter(as_of=today, overdue__gt=0).count()
    assert 0 < debtors < Balance.objects.filter(as_of=today).count() / 2
    batches = ImportBatch.objects.count()

    with django_assert_max_num_queries(400):
        assert demo_billing.seed(today) == counts
    assert ImportBatch.objects.count() == batches
    assert {model.__name__: model.objects.count() for model in models} == stored

    # A day later only the new balances are added; the other files are unchanged.
    demo_billing.seed(today + dt.timedelta(days=1))
    assert Balance.objects.count() == stored["Balance"] + Balance.objects.filter(as_of=today + dt.timedelta(days=1)
                                                                                  ).count()
    assert Charge.objects.count() == stored["Charge"]
