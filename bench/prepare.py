"""The abonent side of `make bench` (bench/run.py calls it with DATABASE_URL set to the benchmark's own
PostgreSQL database): migrate, seed once, add the fixtures the scenarios need, print what they need to know.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abonent_bench .venv/bin/python bench/prepare.py --appeals 100000

Seeding reuses bench/search_seed.py (COPY of synthetic Russian appeals and customers) and, when it is there,
`bench/report_monthly.py enrich` (channels, kinds, executors, replies on time and late: the registry a queue
really shows). It is fast because the secondary indexes of the appeals tables are dropped first and built
once at the end (their definitions are kept in the table bench_meta meanwhile, so an interrupted run puts them
back); the search triggers stay on, so PostgreSQL computes each appeal's search document during the COPY.
A database seeded with the same size is reused as it is.

Fixtures (idempotent): a reception specialist with a password and an API token; one appeal with a long
timeline (about 500 events); a portal customer with 5 billing accounts and 5 years of billing history (the
demo billing generator's files through the real importer) and a portal login managing all 5.
The last line of the output is `BENCH-JSON {...}` for bench/run.py.
"""

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abonent.settings")

import search_seed  # noqa: E402 - sets Django up
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

STAFF_USERNAME, STAFF_PASSWORD = "bench_reception", "bench-Пароль-2026"  # noqa: S105 - a throwaway database
API_TOKEN = "abn_bench_token_for_loopback_only"  # noqa: S105 - a throwaway database
PORTAL_USERNAME, PORTAL_PASSWORD = "portal@bench.example.ru", "bench-Пароль-2026"  # noqa: S105
PORTAL_ACCOUNTS, PORTAL_MONTHS = 5, 60
LONG_TIMELINE_EVENTS, LONG_TIMELINE_MESSAGES = 500, 60
LONG_TIMELINE_KEY = "bench:long-timeline"
SEEDED_TABLES = ("appeals_appeal", "appeals_appealmessage")


def log(text: str) -> None:
    print(text, flush=True)


# --- bench_meta: what was seeded, and the index definitions while they are dropped ---


def meta_get(key: str):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value jsonb NOT NULL)")
        cursor.execute("SELECT value FROM bench_meta WHERE key = %s", [key])
        row = cursor.fetchone()
    if row is None:
        return None
    return json.loads(row[0]) if isinstance(row[0], str) else row[0]


def meta_set(key: str, value) -> None:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE "
                       "SET value = EXCLUDED.value", [key, json.dumps(value)])


def meta_delete(key: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM bench_meta WHERE key = %s", [key])


def secondary_indexes() -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the seeded tables' indexes that back no constraint."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            ORDER BY i.indexname""", [list(SEEDED_TABLES)])
        return list(cursor.fetchall())


def drop_indexes() -> None:
    saved = meta_get("dropped_indexes") or []
    current = secondary_indexes()
    meta_set("dropped_indexes", saved + [list(i) for i in current if i[0] not in {s[0] for s in saved}])
    with connection.cursor() as cursor:
        for name, _ in current:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    log(f"  dropped {len(current)} secondary indexes for the load")


def restore_indexes() -> None:
    saved = meta_get("dropped_indexes") or []
    if not saved:
        return
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for name, definition in saved:
            started = time.perf_counter()
            cursor.execute(definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
            log(f"  index {name}: {time.perf_counter() - started:.1f} s")
        cursor.execute("RESET maintenance_work_mem")
    meta_delete("dropped_indexes")


# --- seeding ---


def seed(appeals: int, customers: int) -> float:
    started = time.perf_counter()
    today = timezone.localdate()
    # Five years back: from January of the year five years ago (or four, past mid-year) to today.
    start_year = today.year - 5 + (1 if today.month > 6 else 0)
    log(f"seeding {appeals} appeals since {start_year}, {customers} customers (bench/search_seed.py)")
    drop_indexes()
    search_seed.seed(argparse.Namespace(appeals=appeals, customers=customers, start_year=start_year, seed=1))
    enrich = BENCH / "report_monthly.py"
    if enrich.exists():
        log("enriching the registry (bench/report_monthly.py enrich)")
        done = subprocess.run([sys.executable, str(enrich), "enrich"], check=False)  # noqa: S603 - our script
        if done.returncode:
            log("  enrich failed: the registry stays as search_seed made it (10 % open, no executors)")
    connection.close()
    with connection.cursor() as cursor:
        for table in SEEDED_TABLES:
            step = time.perf_counter()
            cursor.execute(f"VACUUM FULL {table}")
            log(f"  VACUUM FULL {table}: {time.perf_counter() - step:.1f} s")
    restore_indexes()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


# --- fixtures ---


def advance_counters() -> None:
    """search_seed numbers the appeals itself; the yearly counters must go on after the last number."""
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO appeals_counter (name, year, value)
            SELECT 'appeal', year, MAX(sequence) FROM appeals_appeal GROUP BY year
            ON CONFLICT (name, year) DO UPDATE SET value = GREATEST(appeals_counter.value, EXCLUDED.value)""")


def staff_user():
    from django.contrib.auth.models import Group

    from abonent.api.auth import hash_key
    from abonent.api.models import ApiToken
    from abonent.organisation.models import Department
    from abonent.users import roles
    from abonent.users.models import User

    roles.sync_roles()
    user, created = User.objects.get_or_create(username=STAFF_USERNAME, defaults={
        "last_name": "Бенчев", "first_name": "Нагрузка", "kind": User.Kind.STAFF, "email": "bench@bges.ru",
        "department": Department.objects.get(code="reception"), "position": "Специалист (нагрузочный тест)"})
    if created:
        user.set_password(STAFF_PASSWORD)
        user.save()
    user.groups.add(Group.objects.get(name=roles.RECEPTION))
    ApiToken.objects.get_or_create(key_hash=hash_key(API_TOKEN), defaults={
        "user": user, "name": "Нагрузочный тест", "prefix": API_TOKEN[:8]})
    return user


def long_timeline(user) -> tuple[str, int]:
    """One appeal with ~500 events (notes, messages, reassignments, reminders, extensions, replies) and
    60 further messages from the customer, as a long-running dispute would have."""
    from abonent.appeals.models import AppealEvent, AppealMessage
    from abonent.appeals.services import AppealDraft, register_appeal
    from abonent.organisation.models import Department

    maker = search_seed.TextMaker(7)
    appeal = register_appeal(draft=AppealDraft(
        text=" ".join(maker.sentence(8, 20) for _ in range(6)), channel="email",
        subject="Длительный спор о начислениях", sender_name="Иванов Иван", sender_email="ivanov@example.ru"),
        registered_by=user,
        source_key=LONG_TIMELINE_KEY).appeal
    have = appeal.events.count()
    if have >= LONG_TIMELINE_EVENTS:
        return appeal.number, have
    rng = random.Random(7)
    departments = list(Department.objects.values_list("name", flat=True))
    start = appeal.registered_at - dt.timedelta(days=400)
    kinds = [("note", 35), ("message_added", 12), ("reassigned", 10), ("reminder", 10), ("deadline_extended", 4),
             ("classified", 5), ("reply_submitted", 6), ("reply_returned", 4), ("reply_approved", 4),
             ("reply_sent", 4), ("control_added", 3), ("control_done", 3)]
    population, weights = zip(*kinds, strict=True)
    messages = [AppealMessage(appeal=appeal, channel="email", author="Иванов Иван <ivanov@example.ru>",
                              text=maker.sentence(20, 60), received_at=start + dt.timedelta(days=i * 6))
                for i in range(LONG_TIMELINE_MESSAGES)]
    AppealMessage.objects.bulk_create(messages)
    events = []
    for i in range(LONG_TIMELINE_EVENTS - have):
        kind = rng.choices(population, weights)[0]
        at = start + dt.timedelta(hours=i * 19)
        data = {
            "note": {"text": maker.sentence(6, 25)},
            "message_added": {"author": "Иванов Иван", "channel": "email"},
            "reassigned": {"department": rng.choice(departments), "executor": "Волков Д. А.",
                           "before": {"department": rng.choice(departments), "executor": None},
                           "reason": maker.sentence(3, 8)},
            "reminder": {"due_at": (at + dt.timedelta(days=3)).isoformat()},
            "deadline_extended": {"days": 30, "before": at.isoformat(), "due_at": (at + dt.timedelta(days=30))
                                  .isoformat(), "reason": maker.sentence(4, 10)},
            "classified": {"kind": "claim", "topic": "Начисления", "before": {"kind": "question", "topic": None}},
            "reply_submitted": {"signatory": "Новиков П. А."},
            "reply_returned": {"comment": maker.sentence(4, 12)},
            "reply_approved": {"outgoing_number": f"{i}/исх"},
            "reply_sent": {"outgoing_number": f"{i}/исх", "channel": "email"},
            "control_added": {"decision": maker.sentence(4, 10), "owner": "Лебедев С. М.",
                              "due_date": (at + dt.timedelta(days=10)).date().isoformat()},
            "control_done": {"result": maker.sentence(4, 10)},
        }[kind]
        events.append(AppealEvent(appeal=appeal, kind=kind, at=at, actor=user if kind != "message_added" else None,
                                  data=data, processed_at=at))
    with transaction.atomic():
        AppealEvent.objects.bulk_create(events)
    return appeal.number, appeal.events.count()


def portal_customer() -> dict | None:
    """A customer with 5 accounts and 5 years of charges, payments, documents, balances and readings (the
    demo billing generator, imported through the real importer) and a portal login managing them all."""
    try:
        from abonent.billing.importing import import_file
        from abonent.billing.models import Charge
        from abonent.customers.models import BillingAccount, Contract, Customer, PortalAccess
        from abonent.demo import billing as demo_billing
        from abonent.users.models import User
    except ImportError as error:  # the portal and billing are being built: leave the scenario out
        log(f"  portal fixture skipped: {error}")
        return None
    from abonent.core.validators import complete_inn

    customer, _ = Customer.objects.get_or_create(inn=complete_inn("2225999001"), defaults={
        "kind": Customer.Kind.LEGAL_ENTITY, "name": "Общество с ограниченной ответственностью «Бенч-Портал»",
        "short_name": "ООО «Бенч-Портал»", "kpp": "222501001", "email": "portal@bench.example.ru",
        "search_name": "общество с ограниченной ответственностью «бенч-портал» ооо «бенч-портал»"})
    today = timezone.localdate()
    contract, _ = Contract.objects.get_or_create(number="БЕНЧ-ПОРТАЛ-1", defaults={
        "customer": customer, "signed_on": dt.date(today.year - 6, 1, 10), "valid_from": dt.date(today.year - 6, 1, 11),
        "max_capacity_kw": 250})
    accounts = [BillingAccount.objects.get_or_create(number=f"880000000{i}", defaults={
        "contract": contract, "object_name": ["Склад", "Офис", "Магазин", "Цех", "Гараж"][i],
        "address": f"г. Барнаул, ул. Бенчевая, {i + 1}"})[0] for i in range(PORTAL_ACCOUNTS)]
    user, created = User.objects.get_or_create(username=PORTAL_USERNAME, defaults={
        "email": PORTAL_USERNAME, "kind": User.Kind.CUSTOMER, "last_name": "Порталов", "first_name": "Бенч",
        "email_confirmed_at": timezone.now()})
    if created:
        user.set_password(PORTAL_PASSWORD)
        user.save()
    for account in accounts:
        PortalAccess.objects.get_or_create(user=user, account=account, defaults={
            "role": PortalAccess.Role.MANAGER, "status": PortalAccess.Status.ACTIVE,
            "granted_via": PortalAccess.GrantedVia.STAFF, "decided_at": timezone.now()})
    if not Charge.objects.filter(account=accounts[0]).exists():
        last = demo_billing._previous_month(today)
        periods = [last]
        while len(periods) < PORTAL_MONTHS:
            periods.insert(0, demo_billing._previous_month(periods[0]))
        files, schedules = demo_billing.Files(), demo_billing._Schedules()
        for account in BillingAccount.objects.filter(pk__in=[a.pk for a in accounts]).select_related(
                "contract__customer"):
            demo_billing._account(account, periods, today, files, schedules)
        for kind, writer in demo_billing.PLAN:
            rows = getattr(files, kind)
            if rows:
                suffix = "json" if writer is demo_billing.to_json else "csv"
                result = import_file(content=writer(kind, rows), file_name=f"bench-portal-{kind}.{suffix}")
                if not result.is_ok:
                    log(f"  portal billing import failed ({kind}): {result.summary}")
                    return None
    return {"username": PORTAL_USERNAME, "password": PORTAL_PASSWORD, "account_id": accounts[0].pk,
            "accounts": len(accounts), "charges": Charge.objects.filter(account__in=accounts).count()}


def search_queries() -> list[dict]:
    """The query classes of bench/search_seed.py, every text of each, for the search scenario."""
    return [{"label": label, "text": text} for label, texts in search_seed.queries().items() for text in texts]


def texts(count: int = 200) -> list[tuple[str, str]]:
    """Subjects and texts for the API scenario (and django-helpdesk's tickets): search_seed's word mix."""
    maker = search_seed.TextMaker(11)
    return [(maker.sentence(3, 7)[:300], " ".join(maker.sentence(5, 15) for _ in range(maker.rng.randint(2, 6))))
            for _ in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appeals", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=20_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/prepare.py needs PostgreSQL (DATABASE_URL)")
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    restore_indexes()  # left dropped by an interrupted run
    wanted = {"appeals": args.appeals, "customers": args.customers}
    seeded = meta_get("seeded")
    seed_seconds = None
    if seeded is None or {k: seeded.get(k) for k in wanted} != wanted:
        from abonent.appeals.models import Appeal

        if Appeal.objects.exists():
            sys.exit(f"database {connection.settings_dict['NAME']} has appeals of another size ({seeded}): "
                     "drop it (BENCH_FRESH=1) or choose another BENCH_DB")
        seed_seconds = seed(args.appeals, args.customers)
        meta_set("seeded", {**wanted, "at": timezone.now().isoformat(), "seconds": round(seed_seconds)})
        log(f"seeded in {seed_seconds:.0f} s")
    else:
        log(f"reusing the database seeded at {seeded.get('at')} ({seeded.get('seconds')} s then)")
    advance_counters()
    user = staff_user()
    number, events = long_timeline(user)
    portal = portal_customer()
    from abonent.appeals.models import Appeal
    from abonent.customers.models import Customer

    inns = list(Customer.objects.filter(inn__startswith="22").order_by("pk").values_list("inn", flat=True)[:200])
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    info = {
        "appeals": Appeal.objects.count(), "customers": Customer.objects.count(), "database_size": size,
        "seed_seconds": seed_seconds, "staff": {"username": STAFF_USERNAME, "password": STAFF_PASSWORD},
        "token": API_TOKEN, "long_appeal": {"number": number, "events": events}, "portal": portal,
        "queries": search_queries(), "inns": inns, "texts": texts(),
    }
    print("BENCH-JSON " + json.dumps(info, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
