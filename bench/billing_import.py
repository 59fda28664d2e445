"""Billing import speed: N charges (CSV, UTF-8 with BOM, `;`) through the production importer into a scratch
database, then the same rows in another file (all unchanged), then every amount changed (all updated).

    .venv/bin/python bench/billing_import.py --rows 100000                  # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abonent .venv/bin/python bench/billing_import.py --rows 100000

It creates and drops its own scratch database (Django's test database for the configured one).
Target (issue #5): 100,000 rows well under a minute on SQLite and PostgreSQL, 2 cores.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abonent.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

ACCOUNTS = 2000


def charges_file(rows: int, *, tag: str, bump: int = 0) -> bytes:
    lines = ["#format_version=1;kind=charges",
             "external_id;account;period;service;volume_kwh;amount;vat;planned_amount"]
    for i in range(rows):
        account = f"77{i % ACCOUNTS:08d}"
        year, month = 2020 + (i // ACCOUNTS) // 12, (i // ACCOUNTS) % 12 + 1
        amount = 1000 + i % 977 + bump
        lines.append(f"CH-{account}-{year}{month:02d};{account};{month:02d}.{year};Электрическая энергия;"
                     f"{i % 5000},000;{amount},{i % 100:02d};{amount // 6},00;{amount},00")
    return "\ufeff".encode() + ("\r\n".join(lines) + "\r\n").encode() + tag.encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    from abonent.billing.importing import import_file
    from abonent.customers.models import BillingAccount, Contract, Customer

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        customer = Customer.objects.create(kind="legal_entity", name="ООО «Бенчмарк»", inn="2224000000",
                                           kpp="222401001")
        contract = Contract.objects.create(customer=customer, number="B-1", signed_on="2020-01-01",
                                           valid_from="2020-01-01", max_capacity_kw=100)
        BillingAccount.objects.bulk_create(
            BillingAccount(contract=contract, number=f"77{i:08d}", address="г. Барнаул") for i in range(ACCOUNTS))
        print(f"database: {connection.vendor}; rows: {args.rows}")
        for label, content in [("new rows", charges_file(args.rows, tag="")),
                               ("same rows, another file", charges_file(args.rows, tag="\r\n")),
                               ("every row changed", charges_file(args.rows, tag="", bump=1))]:
            started, cpu = time.perf_counter(), time.process_time()
            result = import_file(content=content, file_name="bench.csv")
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            # CPU time of this process: what the import costs on an idle core (the machine may be shared).
            print(f"{label:<25} {elapsed:6.2f} s wall, {cpu:6.2f} s CPU  {args.rows / elapsed:8.0f} rows/s  "
                  f"{result.summary}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
