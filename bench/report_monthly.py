# ruff: noqa: S608 - the SQL here is built from this script's own constants, never from input
"""The monthly management report at scale: the time of its queries over the appeals of
bench/search_seed.py (1,000,000 on PostgreSQL), p50/p95 over several runs. Target (ARCHITECTURE.md):
under 2 seconds.

search_seed.py makes every appeal an e-mailed question with no reply; `enrich` turns the seeded rows into
a realistic registry (channels, kinds, topics, executors, replies on time and late, extensions,
complaints with urgency, apologies and control items, non-consideration decisions, three months of calls)
with deterministic pseudo-random updates, so the report's queries see the distributions they will meet.

    createdb -h 127.0.0.1 -U postgres abonent_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/abonent_bench
    .venv/bin/python bench/prepare.py --appeals 1000000   # search_seed.py seed + enrich, as make bench does
    .venv/bin/python bench/report_monthly.py measure --repeat 7            # the last full month
    .venv/bin/python bench/report_monthly.py measure --index answered      # with the proposed index
    .venv/bin/python bench/report_monthly.py measure --explain             # plans of the slowest queries

SQLite by hand (ABONENT_VAR_DIR=/tmp/report_bench): `manage.py migrate`, `search_seed.py seed --appeals
200000`, `report_monthly.py enrich`, then `measure`. Never point it at a database that matters: `enrich`
rewrites every appeal.
"""

import argparse
import datetime as dt
import logging
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abonent.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from abonent.appeals.models import Appeal, UrgencyCategory  # noqa: E402
from abonent.organisation.models import Department, Topic  # noqa: E402
from abonent.reports import exports, monthly, registry  # noqa: E402
from abonent.reports.filters import ReportFilter  # noqa: E402
from abonent.reports.periods import Period, add_months, month_start, parse_month  # noqa: E402
from abonent.users import roles  # noqa: E402
from abonent.users.models import User  # noqa: E402

# The index the report would want in the appeals app (see `measure --index answered`).
PROPOSED_INDEX = ("CREATE INDEX {concurrently} IF NOT EXISTS appeal_answered ON appeals_appeal (answered_at) "
                  "WHERE answered_at IS NOT NULL")
DROP_INDEX = "DROP INDEX IF EXISTS appeal_answered"


def h(salt: int, modulo: int) -> str:
    """A deterministic pseudo-random integer 0..modulo-1 per row (the same SQL on PostgreSQL and SQLite)."""
    return f"(((id * 2654435761 + {salt * 40503}) % 1000003) % {modulo})"


def seconds(expression: str) -> str:
    """A number of seconds as an interval to add to a timestamp column."""
    if connection.vendor == "postgresql":
        return f"make_interval(secs => {expression})"
    return expression


def plus(column: str, secs: str) -> str:
    if connection.vendor == "postgresql":
        return f"{column} + {seconds(secs)}"
    return f"strftime('%Y-%m-%d %H:%M:%f', {column}, '+' || ({secs}) || ' seconds')"


def execute(cursor, sql: str, params: list | None = None) -> None:
    """With parameters the driver reads % as a placeholder: the modulo operator is doubled then."""
    if params:
        sql = sql.replace("%", "%%").replace("%%s", "%s")
    cursor.execute(sql, params)


def as_date(expression: str) -> str:
    return f"CAST({expression} AS DATE)" if connection.vendor == "postgresql" else f"date({expression})"


def weighted(salt: int, choices: list[tuple[str, int]]) -> str:
    """A CASE choosing among SQL literals by weight (per cent, summing to 100)."""
    parts, upto = [], 0
    for value, weight in choices:
        upto += weight
        parts.append(f"WHEN {h(salt, 100)} < {upto} THEN {value}")
    return "CASE " + " ".join(parts) + f" ELSE {choices[-1][0]} END"


def _staff(prefix: str, count: int, role: str, department: Department) -> list[int]:
    group = Group.objects.get(name=role)
    ids = []
    for n in range(count):
        user, created = User.objects.get_or_create(
            username=f"{prefix}{n}", defaults={"last_name": f"Исполнитель{n}", "first_name": "Бенч",
                                               "department": department})
        if created:
            user.groups.add(group)
        ids.append(user.pk)
    return ids


def enrich(args) -> None:
    roles.sync_roles()
    departments = list(Department.objects.filter(code__in=["reception", "sales", "audit", "services"]))
    executors = {d.pk: _staff(f"bench_{d.code}_", 5, roles.EXECUTOR, d) for d in departments}
    operators = _staff("bench_op_", 8, roles.CALL_CENTRE, Department.objects.get(code="reception"))
    topics = list(Topic.objects.values_list("pk", flat=True))
    categories = [("bench-urgent", "Срочная (бенч)", 5), ("bench-normal", "Обычная (бенч)", 15),
                  ("bench-low", "Несрочная (бенч)", 30)]
    urgencies = [UrgencyCategory.objects.get_or_create(code=code, defaults={"name": name, "days": days,
                                                                            "order": n})[0].pk
                 for n, (code, name, days) in enumerate(categories)]
    now = timezone.now()
    recent = now - dt.timedelta(days=45)
    executor_case = "CASE department_id " + " ".join(
        f"WHEN {dept} THEN " + "CASE " + " ".join(f"WHEN {h(7, 5)} = {i} THEN {pk}" for i, pk in enumerate(ids))
        + f" ELSE {ids[0]} END" for dept, ids in executors.items()) + " ELSE NULL END"
    topic_case = "CASE " + " ".join(f"WHEN {h(5, len(topics) + 1)} = {i} THEN {pk}" for i, pk in enumerate(topics)) \
        + " ELSE NULL END"
    statements = [
        ("channels and kinds", f"""UPDATE appeals_appeal SET
            channel = {weighted(1, [("'email'", 35), ("'edo'", 15), ("'portal'", 15), ("'phone'", 15),
                                    ("'web'", 10), ("'post'", 5), ("'in_person'", 5)])},
            kind = {weighted(2, [("'question'", 70), ("'claim'", 8), ("'complaint'", 7), ("'service_request'", 6),
                                 ("'suggestion'", 3), ("'thanks'", 3), ("'review'", 3)])},
            topic_id = {topic_case}, executor_id = {executor_case},
            is_extended = ({h(3, 100)} < 2)"""),
        ("reply channel, deadlines", f"""UPDATE appeals_appeal SET reply_channel = channel,
            due_at = {plus("registered_at", "CASE WHEN is_extended THEN 5184000 ELSE 2592000 END")}"""),
        # Older than 45 days: answered (7 % late) and mostly closed, 1 % not considered. Newer: half open.
        ("replies", f"""UPDATE appeals_appeal SET
            status = CASE WHEN {h(4, 100)} = 0 THEN 'not_considered' WHEN {h(6, 10)} < 8 THEN 'closed'
                          ELSE 'answered' END,
            answered_at = CASE WHEN {h(4, 100)} = 0 THEN NULL
                               WHEN {h(8, 100)} < 7 THEN {plus("due_at", f"3600 + {h(9, 1296000)}")}
                               ELSE {plus("registered_at", f"600 + {h(9, 2500000)}")} END
            WHERE registered_at < %s"""),
        ("open appeals", f"""UPDATE appeals_appeal SET
            status = CASE WHEN {h(10, 2)} = 0 THEN 'in_progress' ELSE 'answered' END,
            answered_at = CASE WHEN {h(10, 2)} = 0 THEN NULL ELSE {plus("registered_at", f"600 + {h(9, 1200000)}")}
                          END
            WHERE registered_at >= %s"""),
        ("closed dates", f"""UPDATE appeals_appeal SET closed_at = {plus("answered_at", "86400")}
            WHERE status = 'closed'"""),
        ("complaints", f"""UPDATE appeals_appeal SET
            urgency_id = CASE {h(11, 10)} WHEN 0 THEN NULL WHEN 1 THEN {urgencies[0]} WHEN 2 THEN {urgencies[0]}
                              WHEN 3 THEN {urgencies[1]} WHEN 4 THEN {urgencies[1]} ELSE {urgencies[2]} END,
            is_conflict = ({h(12, 100)} < 5) WHERE kind = 'complaint'"""),
    ]
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for label, sql in statements:
            step = time.perf_counter()
            execute(cursor, sql, [recent] if "%s" in sql else None)
            print(f"  {label}: {cursor.rowcount} rows ({time.perf_counter() - step:.1f} s)", flush=True)
        decided_by = executors[departments[0].pk][0]
        cursor.execute("DELETE FROM appeals_nonconsideration")
        cursor.execute(f"""INSERT INTO appeals_nonconsideration (appeal_id, ground, comment, decided_by_id, decided_at,
                customer_can_be_told)
            SELECT id, {weighted(13, [("'offensive'", 30), ("'threats'", 5), ("'unreadable'", 15), ("'repeated'", 20),
                                      ("'no_surname_or_address'", 15), ("'no_contacts'", 15)])},
                   '', {decided_by}, {plus("registered_at", "172800")}, {h(14, 10)} < 7
            FROM appeals_appeal WHERE status = 'not_considered'""")
        print(f"  non-consideration decisions: {cursor.rowcount}", flush=True)
        cursor.execute("DELETE FROM appeals_appealevent WHERE kind = 'apology'")
        cursor.execute(f"""INSERT INTO appeals_appealevent (appeal_id, kind, at, actor_id, data, processed_at)
            SELECT id, 'apology', {plus("registered_at", "86400")}, executor_id, '{{}}', registered_at
            FROM appeals_appeal WHERE kind = 'complaint' AND {h(15, 5)} = 0""")
        print(f"  apologies: {cursor.rowcount}", flush=True)
        cursor.execute("DELETE FROM appeals_controlitem")
        execute(cursor, f"""INSERT INTO appeals_controlitem (appeal_id, decision, owner_id, due_date, status, done_at,
                result, created_at, updated_at)
            SELECT id, 'Проверить и сообщить клиенту', COALESCE(executor_id, {decided_by}),
                   {as_date(plus("registered_at", "864000"))},
                   CASE WHEN registered_at < %s THEN 'done' ELSE 'open' END,
                   CASE WHEN registered_at < %s THEN {plus("registered_at", "432000")} END, '',
                   {plus("registered_at", "86400")}, {plus("registered_at", "86400")}
            FROM appeals_appeal WHERE kind = 'complaint' AND {h(16, 10)} < 3""", [recent, recent])
        print(f"  control items: {cursor.rowcount}", flush=True)
    seed_calls(operators, now)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Rewriting every row five times leaves the table several times its size; a real one is not.
            step = time.perf_counter()
            cursor.execute("VACUUM FULL appeals_appeal")
            print(f"  vacuum full: {time.perf_counter() - step:.1f} s", flush=True)
        cursor.execute("ANALYZE")
    print(f"enriched in {time.perf_counter() - started:.1f} s", flush=True)


def seed_calls(operators: list[int], now: dt.datetime, per_day: int = 250) -> None:
    """Calls on the working days of the last three months: waits and talks of a busy line."""
    import random

    from abonent.calendar.services import is_working_day, local_zone
    from abonent.channels.phone.models import Call

    rng = random.Random(3)
    Call.objects.filter(call_id__startswith="bench-").delete()
    zone = local_zone()
    day = add_months(month_start(timezone.localdate()), -3)
    rows = []
    while day <= timezone.localdate():
        if is_working_day(day):
            for n in range(per_day):
                start = dt.datetime.combine(day, dt.time(8), tzinfo=zone) + dt.timedelta(seconds=rng.randrange(32400))
                wait = int(rng.expovariate(1 / 15))
                abandoned = wait > 90 and rng.random() < 0.5
                talk = None if abandoned else int(rng.lognormvariate(5.1, 0.5))
                answered = start + dt.timedelta(seconds=wait) if talk is not None else None
                rows.append(Call(
                    call_id=f"bench-{day:%Y%m%d}-{n}", from_number="+73852000000", to_number="+73852501240",
                    operator_id=None if abandoned else rng.choice(operators), started_at=start, queued_at=start,
                    answered_at=answered, ended_at=(answered or start) + dt.timedelta(seconds=talk or wait),
                    wait_seconds=wait, talk_seconds=talk,
                    outcome=Call.Outcome.ABANDONED if abandoned else Call.Outcome.ANSWERED))
        day += dt.timedelta(days=1)
    Call.objects.bulk_create(rows, batch_size=2000)
    print(f"  calls: {len(rows)}", flush=True)


def _time(function, repeat: int, *, cold: bool = True) -> tuple[list[float], int, float, float]:
    """Wall times (sorted), the query count, and medians of the Python process's CPU time and of the time
    the database took (on a loaded machine wall time grows with the load; CPU time much less)."""
    timings, cpu, sql, queries = [], [], [], 0
    for _ in range(repeat):
        if cold:
            cache.clear()  # the cached call-centre figures of settled months
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            started, started_cpu = time.perf_counter(), time.process_time()
            function()
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        queries = len(captured)
        sql.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
    return sorted(timings), queries, statistics.median(cpu), statistics.median(sql)


def _p95(timings: list[float]) -> float:
    return timings[max(0, -(-len(timings) * 95 // 100) - 1)]


def _line(label: str, timings: list[float], queries: int, cpu: float, sql: float) -> None:
    print(f"{label:44} p50 {statistics.median(timings):8.1f} ms  p95 {_p95(timings):8.1f} ms  "
          f"max {timings[-1]:8.1f} ms  ({queries:3} queries, {sql:7.1f} ms in SQL, Python CPU {cpu:7.1f} ms)",
          flush=True)


def measure(args) -> None:
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("abonent.auth").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no collected static here
    if args.index == "answered":
        with connection.cursor() as cursor:
            cursor.execute(PROPOSED_INDEX.format(concurrently="CONCURRENTLY" if connection.vendor == "postgresql"
                                                 else ""))
            cursor.execute("ANALYZE appeals_appeal")
    elif args.index == "none":
        with connection.cursor() as cursor:
            cursor.execute(DROP_INDEX)
    month = parse_month(args.month) if args.month else add_months(month_start(timezone.localdate()), -1)
    f = ReportFilter(period=Period.month(month))
    sales = Department.objects.get(code="sales")
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    print(f"{connection.vendor}: {Appeal.objects.count()} appeals; month {month:%Y-%m}: "
          f"{Appeal.objects.filter(registered_at__gte=f.period.start, registered_at__lt=f.period.end).count()} "
          f"registered; proposed index {'present' if _has_index() else 'absent'}", flush=True)
    # The first view in a fresh process (cold caches of this process; the database's as the machine has them),
    # which then warms the caches, as a running server would be.
    _line("monthly report: first view", *_time(lambda: monthly.build(f), 1))
    _line("monthly report: all queries, warm cache", *_time(lambda: monthly.build(f), args.repeat, cold=False))
    page = _page(month)
    page()  # the page's templates and static manifest loaded once, as a running server has them
    scenarios = [
        ("monthly report: the page (view and template)", page),
        ("monthly report: all queries", lambda: monthly.build(f)),
        ("monthly report: one department", lambda: monthly.build(ReportFilter(f.period, department=sales))),
        ("monthly report: one channel (e-mail)", lambda: monthly.build(ReportFilter(f.period, channel="email"))),
    ]
    scenarios += [(f"  section {r.slug}", lambda r=r: r.build(f)) for r in registry.available_reports()]
    scenarios.append(("  summary of the month before", lambda: monthly.summary(ReportFilter(f.period.previous()))))
    for label, function in scenarios:
        _line(label, *_time(function, args.repeat))
    content = monthly.build(f)
    doc = exports.Document(title=content.title, filter=f, sections=content.sections, summary=content.summary,
                           findings=content.findings, proposals=content.proposals)
    _line("charts (SVG) of the monthly report", *_time(lambda: exports.chart_rows(content.sections), 3))
    _line("XLSX of the monthly report", *_time(lambda: exports.to_xlsx(doc), 3))
    _line("PDF of the monthly report (WeasyPrint)", *_time(lambda: exports.to_pdf(doc), 2))
    if args.explain:
        explain(f)


def _page(month: dt.date):
    """GET of the monthly report's page in-process (Django's test client: every middleware, the view, the
    charts and the template) for a head of the reception group; no second factor and plain static files,
    which are not what is measured."""
    from django.test import Client, override_settings

    user, created = User.objects.get_or_create(username="bench_report_head", defaults={
        "last_name": "Руководитель", "first_name": "Бенч", "kind": User.Kind.STAFF,
        "department": Department.objects.get(code="reception")})
    if created:
        user.groups.add(Group.objects.get(name=roles.RECEPTION_HEAD))
    client = Client()
    url = f"/reports/monthly/?month={month:%Y-%m}"
    overrides = override_settings(
        STAFF_OTP_REQUIRED=False, ALLOWED_HOSTS=["testserver"],
        STORAGES={**settings.STORAGES, "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}})

    with overrides:
        client.force_login(user)

    def get() -> None:
        with overrides:
            response = client.get(url, secure=True)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")

    return get


def _has_index() -> bool:
    with connection.cursor() as cursor:
        return "appeal_answered" in connection.introspection.get_constraints(cursor, "appeals_appeal")


def explain(f: ReportFilter) -> None:
    """The plans of every query of the monthly report, slowest first."""
    with CaptureQueriesContext(connection) as captured:
        monthly.build(f)
    timed = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:5]
    for query in timed:
        print(f"\n===== {query['time']} s\n{query['sql'][:600]}\n")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                print("\n".join(row[0] for row in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("enrich")
    m = sub.add_parser("measure")
    m.add_argument("--repeat", type=int, default=7)
    m.add_argument("--month", help="ГГГГ-ММ; by default the last full month")
    m.add_argument("--index", choices=["answered", "none"], help="create (or drop) the proposed index first")
    m.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    {"enrich": enrich, "measure": measure}[args.command](args)


if __name__ == "__main__":
    main()
