"""`make bench`: abonent at scale, side by side with django-helpdesk and a bare Django view, in one run.

    make bench                                   # 1,000,000 appeals over 5 years, 20,000 customers
    BENCH_SIZE=100000 make bench                 # a quick run
    BENCH_ONLY=api,queue BENCH_SECONDS=10 make bench

What it does, on loopback only, and stops everything it started when it ends (or is interrupted):
1. creates PostgreSQL databases on 127.0.0.1:5432 (user postgres): BENCH_DB (default abonent_bench) and
   BENCH_DB_helpdesk; a database already seeded with the same size is reused (BENCH_FRESH=1 drops it first);
2. seeds abonent through bench/prepare.py (bench/search_seed.py + bench/report_monthly.py enrich + fixtures)
   and django-helpdesk through bench/helpdesk.py (its own virtualenv and project under BENCH_WORKDIR);
3. serves each system in turn with gunicorn on a free loopback port: 2 workers, gthread, 4 threads each;
   the same flags for abonent, django-helpdesk and the bare Django view (bench/hello.py);
4. drives it with bench/loadgen.py (Python threads, keep-alive connections) for BENCH_SECONDS per scenario;
5. runs the scenarios that are scripts of their own when they exist: bench/mail_intake.py (real Dovecot),
   bench/notifications_fanout.py, bench/report_monthly.py measure, bench/billing_import.py;
6. prints one table (operations or items per second, p50/p95/p99, errors, peak RSS of a worker or of the
   script), the ratios abonent : django-helpdesk and abonent : bare Django, and the targets of
   ARCHITECTURE.md; writes the same as JSON and Markdown under BENCH_WORKDIR.

Environment: BENCH_SIZE (appeals, 1000000), BENCH_CUSTOMERS (20000), BENCH_SECONDS (20 per HTTP scenario),
BENCH_DB, BENCH_FRESH, BENCH_WORKDIR (/tmp/abonent-bench), BENCH_ONLY (comma list of: api, queue, search,
card, portal, helpdesk, hello, mail, fanout, report, billing), BENCH_MAIL_MESSAGES (1000), BENCH_FANOUT
(100000, at most a tenth of BENCH_SIZE), BENCH_BILLING_ROWS (100000), BENCH_WORKERS (2) and BENCH_THREADS (4)
for both systems' gunicorn.
"""

import base64
import contextlib
import datetime as dt
import json
import os
import platform
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import hello  # noqa: E402
import helpdesk  # noqa: E402
import loadgen  # noqa: E402
from loadgen import Client, Result  # noqa: E402

PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
GUNICORN_FLAGS = ["--workers", os.environ.get("BENCH_WORKERS") or "2", "--worker-class", "gthread",
                  "--threads", os.environ.get("BENCH_THREADS") or "4", "--keep-alive", "30",
                  "--timeout", "600", "--log-level", "warning"]
ALL_GROUPS = ("api", "queue", "search", "card", "portal", "helpdesk", "hello", "mail", "fanout", "report", "billing")


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, "") or default)


@dataclass
class Config:
    size: int = field(default_factory=lambda: env_int("BENCH_SIZE", 1_000_000))
    customers: int = field(default_factory=lambda: env_int("BENCH_CUSTOMERS", 20_000))
    seconds: int = field(default_factory=lambda: env_int("BENCH_SECONDS", 20))
    database: str = field(default_factory=lambda: os.environ.get("BENCH_DB") or "abonent_bench")
    fresh: bool = field(default_factory=lambda: os.environ.get("BENCH_FRESH", "") in ("1", "true", "yes"))
    work: Path = field(default_factory=lambda: Path(os.environ.get("BENCH_WORKDIR")
                                                                or Path(tempfile.gettempdir()) / "abonent-bench"))
    only: tuple[str, ...] = field(default_factory=lambda: tuple(
        g.strip() for g in (os.environ.get("BENCH_ONLY") or ",".join(ALL_GROUPS)).split(",") if g.strip()))
    mail_messages: int = field(default_factory=lambda: env_int("BENCH_MAIL_MESSAGES", 1000))
    fanout: int = field(default_factory=lambda: env_int("BENCH_FANOUT", 100_000))
    billing_rows: int = field(default_factory=lambda: env_int("BENCH_BILLING_ROWS", 100_000))

    def wants(self, group: str) -> bool:
        return group in self.only

    @property
    def helpdesk_database(self) -> str:
        return f"{self.database}_helpdesk"


def log(text: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {text}", flush=True)


# --- processes: everything started here is stopped here ---


class Processes:
    def __init__(self):
        self.running: list[subprocess.Popen] = []

    def start(self, command: list, **kwargs) -> subprocess.Popen:
        # A session of its own, so that stopping it stops its children (gunicorn's workers) too.
        process = subprocess.Popen([str(c) for c in command], start_new_session=True, **kwargs)  # noqa: S603
        self.running.append(process)
        return process

    def stop(self, process: subprocess.Popen, timeout: float = 20) -> None:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if process in self.running:
            self.running.remove(process)

    def stop_all(self) -> None:
        for process in list(self.running):
            self.stop(process, timeout=10)


PROCESSES = Processes()


def _interrupted(signum, frame):
    PROCESSES.stop_all()
    sys.exit(128 + signum)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class RssSampler:
    """The largest resident set of any one worker while a scenario runs (sampled every 0.2 s)."""

    def __init__(self, master: int):
        self.master, self.peak, self._stop = master, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in children(self.master):
                self.peak = max(self.peak, rss_mb(pid))
            self._stop.wait(0.2)

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        for pid in children(self.master):
            self.peak = max(self.peak, rss_mb(pid))


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    database: str = ""  # its PostgreSQL database, if any: whose backends' CPU the scenario costs


@contextlib.contextmanager
def serve(name: str, app: str, *, gunicorn: Path, cwd: Path, env: dict[str, str], database: str = ""):
    port = free_port()
    log(f"{name}: gunicorn {app} on 127.0.0.1:{port} ({' '.join(GUNICORN_FLAGS)})")
    process = PROCESSES.start([gunicorn, app, "--bind", f"127.0.0.1:{port}", *GUNICORN_FLAGS], cwd=cwd,
                              env={**os.environ, **env})
    try:
        wait_port(port, process)
        yield Server(name, port, process, database)
    finally:
        PROCESSES.stop(process)
        log(f"{name}: stopped")


# --- scenarios ---


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """User and system CPU seconds each process has used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return used


POSTGRES_HELPERS = ("walwriter", "wal writer", "checkpointer", "background writer")


def postgres_pids(database: str) -> list[int]:
    """The PostgreSQL backends connected to `database` and the processes writing for every backend (WAL writer,
    checkpointer, background writer); other databases' backends (tests running beside) are left out."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() != "postgres":
                    continue
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                if f" {database} " in title or any(helper in title for helper in POSTGRES_HELPERS):
                    pids.append(int(entry.name))
    return pids


class CpuMeter:
    """CPU seconds a scenario cost the server (master and workers), PostgreSQL and the load generator (this
    process): unlike requests per second, hardly moved by other work on the machine, so runs on a busy machine
    stay comparable. The generator's share matters on a small machine, where it competes with the server."""

    def __init__(self, server: Server):
        self.server = server

    def _now(self) -> tuple[dict[int, float], dict[int, float], float]:
        master = self.server.process.pid
        database = cpu_by_pid(postgres_pids(self.server.database)) if self.server.database else {}
        return cpu_by_pid([master, *children(master)]), database, time.process_time()

    def __enter__(self) -> "CpuMeter":
        self.start = self._now()
        return self

    def __exit__(self, *exc) -> None:
        end = self._now()
        # Per process: one that ended during the scenario (a closed database connection) is counted up to the
        # start only, rather than taken away from the others; one that began during it, whole.
        self.app, self.db = (sum(used - before.get(pid, 0.0) for pid, used in after.items())
                             for before, after in zip(self.start[:2], end[:2], strict=True))
        self.load = end[2] - self.start[2]


@dataclass
class Row:
    system: str
    scenario: str
    result: Result
    unit: str = "req"
    target: str = ""
    verdict: str = ""
    by_label: dict[str, dict] = field(default_factory=dict)
    cpu_ms: tuple[float, float, float] | None = None  # CPU ms per operation: server, PostgreSQL, load generator


ROWS: list[Row] = []


def measure(server: Server, system: str, scenario: str, *, concurrency: int, seconds: float, make_client, step,
            max_operations: int | None = None, target: str = "") -> Row:
    with RssSampler(server.process.pid) as rss, CpuMeter(server) as cpu:
        result = loadgen.run(scenario, make_client=make_client, step=step, concurrency=concurrency,
                             seconds=seconds, max_operations=max_operations)
    result.peak_rss_mb = rss.peak
    operations = max(result.items, 1)
    row = Row(system, scenario, result, target=target,
              cpu_ms=(1000 * cpu.app / operations, 1000 * cpu.db / operations, 1000 * cpu.load / operations))
    row.by_label = {label: {"n": len(values), "p50": loadgen.percentile(values, 50),
                            "p95": loadgen.percentile(values, 95), "max": loadgen.percentile(values, 100)}
                    for label, values in result.labelled.items()}
    ROWS.append(row)
    log(f"  {system} | {scenario} | x{concurrency}: {format_row(row)}")
    return row


def ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def format_row(row: Row) -> str:
    r = row.result
    return (f"{r.per_second:.1f} {row.unit}/s, p50 {ms(r.percentile(50))} ms, p95 {ms(r.percentile(95))} ms, "
            f"p99 {ms(r.percentile(99))} ms, errors {r.errors}{' (' + r.first_error + ')' if r.errors else ''}")


def staff_client(port: int, username: str, password: str, login_path: str = "/login/") -> Client:
    client = Client(port)
    client.login(login_path, username, password)
    return client


def abonent_scenarios(config: Config, server: Server, info: dict) -> None:
    texts, inns = info["texts"], info["inns"]
    token = info["token"]
    staff = info["staff"]
    seconds = config.seconds

    def api_client(i: int) -> Client:
        return Client(server.port, headers={"Authorization": f"Bearer {token}"})

    def register(client: Client, n: int) -> None:
        subject, text = texts[n % len(texts)]
        payload = {"channel": "email", "subject": subject, "text": text, "sender_name": "Иванов Иван",
                   "sender_email": "client@example.ru"}
        if n % 2 == 0 and inns:
            payload["customer"] = inns[n % len(inns)]
        client.post_json("/api/appeals", payload, expect=(201,))

    if config.wants("api"):
        for concurrency in (1, 8):
            measure(server, "abonent", "API: register an appeal (POST /api/appeals)", concurrency=concurrency,
                    seconds=seconds, make_client=api_client, step=register,
                    target="p95 < 50 ms at 8 clients; ≥ 3× helpdesk" if concurrency == 8 else "")

    def staff_login(i: int) -> Client:
        return staff_client(server.port, staff["username"], staff["password"])

    if config.wants("queue"):
        try:
            cursors = keyset_cursors(staff_login(0), pages=30)
        except loadgen.HttpError as error:
            log(f"  queue: no keyset cursors ({error})"[:300])
            cursors = []
        pages = [
            ("queue: my department's open appeals (page 1)", lambda n: "/appeals/"),
            ("queue: registry «all», page 1", lambda n: "/appeals/?tab=all"),
            ("queue: registry «all», pages 2–31 by keyset", lambda n: "/appeals/?tab=all&after="
             + urllib.parse.quote(cursors[n % len(cursors)]) if cursors else "/appeals/?tab=all"),
            ("queue: overdue", lambda n: "/appeals/?tab=overdue"),
        ]
        for label, path in pages:
            measure(server, "abonent", label, concurrency=1, seconds=seconds, make_client=staff_login,
                    step=lambda c, n, path=path: c.get(path(n)), target="p95 < 150 ms")
        measure(server, "abonent", "queue: the four pages above, mixed", concurrency=8, seconds=seconds,
                make_client=staff_login, step=lambda c, n: c.get(pages[n % 4][1](n)))

    if config.wants("search"):
        queries = info["queries"]
        def search(client: Client, n: int) -> str:
            query = queries[n % len(queries)]
            client.get("/appeals/?tab=all&q=" + urllib.parse.quote(query["text"]))
            return query["label"]

        measure(server, "abonent", f"search: {len(queries)} queries of search_seed's 10 classes", concurrency=1,
                seconds=max(seconds, 30), make_client=staff_login, target="p95 < 150 ms", step=search)
        words = [q["text"] for q in queries if q["label"].startswith("text:") and " " not in q["text"]
                 and not q["text"].startswith("-")]
        measure(server, "abonent", "search: single words (as helpdesk's keyword search)", concurrency=1,
                seconds=seconds, make_client=staff_login, target="p95 < 150 ms",
                step=lambda c, n: c.get("/appeals/?tab=all&q=" + urllib.parse.quote(words[n % len(words)])))

    if config.wants("card"):
        number, events = info["long_appeal"]["number"], info["long_appeal"]["events"]
        measure(server, "abonent", f"appeal card with a long timeline ({events} events)", concurrency=1,
                seconds=seconds, make_client=staff_login, step=lambda c, n: c.get(f"/appeals/{number}/"))

    if config.wants("portal"):
        portal = info.get("portal")
        if not portal:
            log("  portal: no portal fixture (the portal or billing is not there): scenario left out")
        else:
            def portal_login(i: int) -> Client:
                return staff_client(server.port, portal["username"], portal["password"], "/portal/login/")

            measure(server, "abonent",
                    f"portal: account page (5 accounts, {portal['charges'] // 5} months of history each)",
                    concurrency=1, seconds=seconds, make_client=portal_login,
                    step=lambda c, n: c.get(f"/portal/accounts/{portal['account_id']}/"))


def keyset_cursors(client: Client, pages: int) -> list[str]:
    """The `after` values of the registry's next pages, found by following the "next page" links."""
    cursors, path = [], "/appeals/?tab=all"
    for _ in range(pages):
        html = client.get(path).text
        match = re.search(r'[?&]after=([^"&]+)', html)
        if not match:
            break
        after = urllib.parse.unquote(match.group(1).replace("&amp;", "&"))
        cursors.append(after)
        path = "/appeals/?tab=all&after=" + urllib.parse.quote(after)
    client.close()
    return cursors


def helpdesk_scenarios(config: Config, server: Server, info: dict, texts: list, words: list[str]) -> None:
    seconds = config.seconds

    def api_client(i: int) -> Client:
        return Client(server.port, headers={"Authorization": f"Token {info['token']}"})

    def create(client: Client, n: int) -> None:
        subject, text = texts[n % len(texts)]
        client.post_json("/api/tickets/", {"queue": info["queues"][n % len(info["queues"])], "title": subject[:200],
                                          "description": text, "submitter_email": "client@example.ru",
                                          "priority": 3}, expect=(201,))

    for concurrency in (1, 8):
        measure(server, "django-helpdesk", "API: create a ticket (POST /api/tickets/)", concurrency=concurrency,
                seconds=seconds, make_client=api_client, step=create)

    def staff_login(i: int) -> Client:
        return staff_client(server.port, info["username"], info["password"])

    def ticket_list(client: Client, query: str = "") -> None:
        # What the browser does: the page, then the datatable's rows (first 25, default order) from its URL.
        page = client.get("/tickets/" + (f"?q={urllib.parse.quote(query)}" if query else "")).text
        match = re.search(r"datatables_ticket_list/([A-Za-z0-9+/=]+)", page)
        if not match:
            raise loadgen.HttpError("no datatables URL on the ticket list page")
        client.get(f"/datatables_ticket_list/{match.group(1)}?draw=1&start=0&length=25")

    measure(server, "django-helpdesk", "staff ticket list (page + first 25 rows)", concurrency=1, seconds=seconds,
            make_client=staff_login, step=lambda c, n: ticket_list(c))
    measure(server, "django-helpdesk", "keyword search (page + first 25 rows)", concurrency=1, seconds=seconds,
            make_client=staff_login, step=lambda c, n: ticket_list(c, words[n % len(words)]), max_operations=50)


def hello_scenarios(config: Config, server: Server) -> None:
    for concurrency in (1, 8):
        measure(server, "bare Django", "GET /hello/ (no database, no middleware)", concurrency=concurrency,
                seconds=config.seconds, make_client=lambda i: Client(server.port),
                step=lambda c, n: c.get("/hello/"))


# --- the scenarios that are scripts of their own ---


def run_script(name: str, args: list, env: dict[str, str], timeout: float = 7200) -> tuple[str, float, float]:
    """Runs a bench script; returns its output, its wall time and its peak RSS (MB, from wait4)."""
    log(f"{name}: {' '.join(str(a) for a in args)}")
    started = time.perf_counter()
    process = PROCESSES.start([PYTHON, *args], cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    output: list[str] = []

    def pump() -> None:
        for line in process.stdout:
            output.append(line)
            if not line.startswith("BENCH-JSON "):  # the data for this script, not for the reader
                print(f"    {line.rstrip()}", flush=True)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    reader.join(timeout=5)
    if process in PROCESSES.running:
        PROCESSES.running.remove(process)
    elapsed = time.perf_counter() - started
    if process.returncode:
        log(f"{name}: exited with {process.returncode}")
    return "".join(output), elapsed, usage.ru_maxrss / 1024


def script_row(system: str, scenario: str, *, items: int, seconds: float, rss: float, unit: str, target: str = "",
               latencies_ms: dict[str, float] | None = None, note: str = "", errors: int = 0) -> Row:
    result = Result(scenario, 1, elapsed=seconds, items=items, peak_rss_mb=rss, note=note, errors=errors)
    if latencies_ms:
        # A script reports percentiles, not samples: keep them as given.
        result.latencies = []
        row = Row(system, scenario, result, unit=unit, target=target)
        row.by_label = {"reported": latencies_ms}
    else:
        row = Row(system, scenario, result, unit=unit, target=target)
    ROWS.append(row)
    return row


def script_scenarios(config: Config) -> None:
    base = f"postgres://{PG['user']}@{PG['host']}:{PG['port']}"
    if config.wants("mail") and (BENCH / "mail_intake.py").exists():
        out, _, rss = run_script("mail intake", [BENCH / "mail_intake.py", "--messages", config.mail_messages,
                                                 "--json", "--keepdb"],
                                 {"DATABASE_URL": f"{base}/{config.database}_mail"})
        data = last_json(out)
        if data:
            script_row("abonent", f"mail intake from Dovecot ({data['messages']} messages)", items=data["messages"],
                       seconds=data["seconds"], rss=rss, unit="msg", target="≥ 100 msg/s",
                       errors=0 if not data.get("error") else 1, note=str(data.get("outcomes")))
    if config.wants("fanout") and (BENCH / "notifications_fanout.py").exists():
        count = min(config.fanout, max(1000, config.size // 10))
        out, elapsed, rss = run_script("notification fan-out", [BENCH / "notifications_fanout.py", "--customers",
                                                                count],
                                       {"DATABASE_URL": f"{base}/{config.database}_fanout"})
        # "rendered and queued N notices in X s: …", "handed N notices to the e-mail outbox in Y s: …" and
        # "handed N notices to SMTP (…) in Z s: …": stages one after the other, so the sum is the total
        steps = [(int(n), float(t)) for n, t in re.findall(r"(?:rendered and queued|handed) (\d+) notices[^\n]*? in "
                                                           r"([\d.]+) s", out)]
        if steps:
            script_row("abonent", f"notification fan-out: {steps[0][0]:,} notices rendered and handed to SMTP "
                                  "(2 workers)",
                       items=steps[0][0], seconds=sum(t for _, t in steps), rss=rss, unit="notice",
                       target="100,000 in < 10 min (≥ 167/s)", note="; ".join(parse_rates(out)["lines"]))
    if config.wants("report") and (BENCH / "report_monthly.py").exists():
        out, _, rss = run_script("monthly report", [BENCH / "report_monthly.py", "measure", "--repeat", "5"],
                                 {"DATABASE_URL": f"{base}/{config.database}"})
        match = re.search(r"monthly report: all queries\s+p50\s+([\d.]+) ms\s+p95\s+([\d.]+) ms\s+max\s+([\d.]+)", out)
        if match:
            p50, p95, top = (float(g) for g in match.groups())
            script_row("abonent", f"monthly report over {config.size:,} appeals (all queries)", items=5,
                       seconds=5 * p50 / 1000, rss=rss, unit="report", target="< 2 s",
                       latencies_ms={"p50": p50, "p95": p95, "p99": top})
        match = re.search(r"monthly report: the page \(view and template\)\s+p50\s+([\d.]+) ms\s+p95\s+([\d.]+) ms\s+"
                          r"max\s+([\d.]+)", out)
        if match:
            p50, p95, top = (float(g) for g in match.groups())
            script_row("abonent", "monthly report page, in-process (view, charts, template)", items=5,
                       seconds=5 * p50 / 1000, rss=rss, unit="report", target="< 2 s",
                       latencies_ms={"p50": p50, "p95": p95, "p99": top})
    if config.wants("billing") and (BENCH / "billing_import.py").exists():
        out, _, rss = run_script("billing import", [BENCH / "billing_import.py", "--rows", config.billing_rows],
                                 {"DATABASE_URL": f"{base}/{config.database}_billing"})
        # "<label>  X s wall, Y s CPU  Z rows/s  summary", one line per pass
        for label, wall in re.findall(r"^(\S.*?)\s+([\d.]+) s wall, +[\d.]+ s CPU", out, flags=re.MULTILINE):
            script_row("abonent", f"billing import of {config.billing_rows:,} charges: {label.strip()}",
                       items=config.billing_rows, seconds=float(wall), rss=rss, unit="row")


def last_json(output: str) -> dict | None:
    for line in reversed(output.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                return json.loads(line)
    return None


def parse_rates(output: str) -> dict:
    """The lines of a script's output that carry a rate or a time, kept for the report."""
    lines = [line.strip() for line in output.splitlines() if re.search(r"/s|per second|seconds|\bs\)", line)]
    return {"lines": lines[-4:]}


# --- the table ---


def verdict(row: Row) -> str:
    r, target = row.result, row.target
    if not target:
        return ""
    p95 = r.percentile(95) if r.latencies else row.by_label.get("reported", {}).get("p95")
    if target.startswith("p95 < 150") and p95 is not None:
        return "ok" if p95 < 150 else "SHORT"
    if target.startswith("p95 < 50") and p95 is not None:
        return "ok" if p95 < 50 else "SHORT"
    if target.startswith("≥ 100 msg/s"):
        return "ok" if r.per_second >= 100 else "SHORT"
    if target.startswith("100,000"):
        return "ok" if r.per_second >= 100_000 / 600 else "SHORT"
    if target.startswith("< 2 s") and p95 is not None:
        return "ok" if p95 < 2000 else "SHORT"
    return ""


def table(rows: list[Row]) -> str:
    header = ["system", "scenario", "clients", "ops", "per s", "p50 ms", "p95 ms", "p99 ms", "errors",
              "peak RSS MB", "CPU ms/op app+db+load", "target", ""]
    lines = []
    for row in rows:
        r = row.result
        reported = row.by_label.get("reported", {})
        lines.append([row.system, row.scenario, str(r.concurrency), str(r.items), f"{r.per_second:.1f} {row.unit}",
                      ms(r.percentile(50) if r.latencies else reported.get("p50")),
                      ms(r.percentile(95) if r.latencies else reported.get("p95")),
                      ms(r.percentile(99) if r.latencies else reported.get("p99")),
                      str(r.errors), f"{r.peak_rss_mb:.0f}" if r.peak_rss_mb else "—",
                      "+".join(f"{v:.1f}" for v in row.cpu_ms) if row.cpu_ms else "—", row.target, verdict(row)])
    widths = [max(len(str(x[i])) for x in [header, *lines]) for i in range(len(header))]
    out = [" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)),
           "-+-".join("-" * w for w in widths)]
    out += [" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in lines]
    return "\n".join(out)


def markdown(rows: list[Row]) -> str:
    text = table(rows).splitlines()
    return "\n".join(["| " + text[0].replace(" | ", " | ") + " |",
                      "|" + "|".join("---" for _ in text[0].split(" | ")) + "|",
                      *("| " + line + " |" for line in text[2:])])


def find(rows: list[Row], system: str, prefix: str, concurrency: int | None = None) -> Row | None:
    return next((r for r in rows if r.system == system and r.scenario.startswith(prefix)
                 and (concurrency is None or r.result.concurrency == concurrency)), None)


def ratios(rows: list[Row]) -> list[str]:
    out = []
    pairs = [("API registration vs ticket creation, 1 client", ("abonent", "API:", 1), ("django-helpdesk", "API:", 1)),
             ("API registration vs ticket creation, 8 clients", ("abonent", "API:", 8),
              ("django-helpdesk", "API:", 8)),
             ("operator's queue page vs staff ticket list", ("abonent", "queue: my department", 1),
              ("django-helpdesk", "staff ticket list", 1)),
             ("full-text search vs keyword search (single words)", ("abonent", "search: single words", 1),
              ("django-helpdesk", "keyword search", 1))]
    for label, (s1, p1, c1), (s2, p2, c2) in pairs:
        a, b = find(rows, s1, p1, c1), find(rows, s2, p2, c2)
        if a and b and b.result.per_second and a.result.latencies and b.result.latencies:
            out.append(f"{label}: abonent {a.result.per_second:.1f}/s vs helpdesk {b.result.per_second:.1f}/s "
                       f"= {a.result.per_second / b.result.per_second:.2f}×; p95 {ms(a.result.percentile(95))} vs "
                       f"{ms(b.result.percentile(95))} ms")
    for concurrency in (1, 8):
        ceiling = find(rows, "bare Django", "GET /hello/", concurrency)
        if not ceiling or not ceiling.result.per_second:
            continue
        for row in rows:
            if row.system in ("abonent", "django-helpdesk") and row.result.latencies \
                    and row.result.concurrency == concurrency:
                out.append(f"vs bare Django ({ceiling.result.per_second:.0f} req/s at {concurrency}): {row.system} "
                           f"«{row.scenario}» at {100 * row.result.per_second / ceiling.result.per_second:.1f} %")
    return out


# --- setup ---


def pg_connect(database: str = "postgres"):
    import psycopg

    return psycopg.connect(f"postgresql://{PG['user']}@{PG['host']}:{PG['port']}/{database}", autocommit=True)


def ensure_database(name: str, fresh: bool) -> None:
    with pg_connect() as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            log(f"dropping database {name}")
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare_abonent(config: Config) -> dict:
    ensure_database(config.database, config.fresh)
    env = {"DATABASE_URL": f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{config.database}"}
    out, elapsed, _ = run_script("abonent: prepare", [BENCH / "prepare.py", "--appeals", config.size, "--customers",
                                                       config.customers], env)
    line = next((x for x in reversed(out.splitlines()) if x.startswith("BENCH-JSON ")), None)
    if line is None:
        raise RuntimeError("bench/prepare.py failed (see its output above)")
    info = json.loads(line[len("BENCH-JSON "):])
    log(f"abonent: {info['appeals']} appeals, {info['customers']} customers, database {info['database_size']} "
        f"(prepared in {elapsed:.0f} s)")
    return info


def prepare_helpdesk(config: Config) -> dict:
    ensure_database(config.helpdesk_database, config.fresh)
    started = time.perf_counter()
    base_python = getattr(sys, "_base_executable", sys.executable)
    info = helpdesk.prepare(work=config.work, base_python=base_python, main_python=str(PYTHON),
                            database=config.helpdesk_database, tickets=config.size)
    log(f"django-helpdesk {info['version']} on Django {info['django']}: prepared in "
        f"{time.perf_counter() - started:.0f} s")
    return info


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    with pg_connect() as conn:
        server = conn.execute("SHOW server_version").fetchone()[0]
    return {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "cpus": os.cpu_count(),
            "cpu": cpu, "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "load_average": os.getloadavg(), "postgresql": server, "python": platform.python_version()}


def main() -> None:
    signal.signal(signal.SIGTERM, _interrupted)
    signal.signal(signal.SIGINT, _interrupted)
    config = Config()
    config.work.mkdir(parents=True, exist_ok=True)
    info_machine = machine()
    log(f"make bench: {config.size:,} appeals, {config.customers:,} customers, {config.seconds} s per scenario, "
        f"groups {','.join(config.only)}; {info_machine['cpus']} CPUs, load average "
        f"{' '.join(f'{x:.1f}' for x in info_machine['load_average'])}")
    try:
        run_all(config, info_machine)
    finally:
        PROCESSES.stop_all()


def run_all(config: Config, info_machine: dict) -> None:
    abonent_groups = ("api", "queue", "search", "card", "portal", "report")
    info = prepare_abonent(config) if any(config.wants(g) for g in abonent_groups) else None
    desk = prepare_helpdesk(config) if config.wants("helpdesk") else None
    abonent_env = {"DATABASE_URL": f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{config.database}",
                   "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1,localhost", "LOG_LEVEL": "WARNING",
                   "SECRET_KEY": base64.b64encode(os.urandom(30)).decode(),
                   # The per-token request limit is a policy, not a capacity: lifted so that it does not cut the
                   # load short (its bookkeeping per request is still done, and measured).
                   "API_RATE_LIMIT": "100000000/m",
                   # The staff second factor (TOTP) would need a phone; a session without it costs the same checks.
                   "STAFF_OTP_REQUIRED": "false",
                   "ABONENT_VAR_DIR": str(config.work / "abonent-var")}
    if info and any(config.wants(g) for g in ("api", "queue", "search", "card", "portal")):
        # DEBUG is off, so the pages want the collected static files' manifest (as `make db` does it).
        subprocess.run([PYTHON, "manage.py", "collectstatic", "--no-input", "-v", "0"], cwd=ROOT,  # noqa: S603
                       env={**os.environ, **abonent_env}, check=True)
        with serve("abonent", "abonent.wsgi", gunicorn=GUNICORN, cwd=ROOT, env=abonent_env,
                   database=config.database) as server:
            guarded("abonent", abonent_scenarios, config, server, info)
    if desk:
        texts = info["texts"] if info else [("Вопрос по счёту", "Прошу разъяснить начисление за месяц.")]
        words = [q["text"] for q in (info or {}).get("queries", []) if q["label"].startswith("text:")
                 and " " not in q["text"] and not q["text"].startswith("-")] or ["счётчик"]
        gunicorn = Path(desk["python"]).parent / "gunicorn"
        with serve("django-helpdesk", "benchdesk.wsgi", gunicorn=gunicorn, cwd=Path(desk["project"]),
                   env={}, database=config.helpdesk_database) as server:
            guarded("django-helpdesk", helpdesk_scenarios, config, server, desk, texts, words)
    if config.wants("hello"):
        project = hello.write_project(config.work)
        with serve("bare Django", "benchhello_wsgi", gunicorn=GUNICORN, cwd=project, env={}) as server:
            guarded("bare Django", hello_scenarios, config, server)
    guarded("scripts", script_scenarios, config)
    report(config, info_machine, info, desk)


def guarded(name: str, function, *args) -> None:
    """One system's scenarios failing (a bug in the system, say) does not stop the others."""
    try:
        function(*args)
    except Exception as error:  # noqa: BLE001 - reported, and the run goes on
        log(f"{name}: scenarios stopped by {type(error).__name__}: {error}"[:500])


def report(config: Config, info_machine: dict, info: dict | None, desk: dict | None) -> None:
    for row in ROWS:
        row.verdict = verdict(row)
    text = table(ROWS)
    lines = ratios(ROWS)
    print("\n" + text + "\n", flush=True)
    for line in lines:
        print(line, flush=True)
    for row in ROWS:
        for label, stats in row.by_label.items():
            if label != "reported":
                print(f"  {row.scenario[:30]} | {label:28} n {stats['n']:4}  p50 {ms(stats['p50']):>6} ms  "
                      f"p95 {ms(stats['p95']):>6} ms  max {ms(stats['max']):>6} ms", flush=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    summary = {
        "machine": info_machine, "load_average_after": os.getloadavg(), "size": config.size,
        "abonent": {k: v for k, v in (info or {}).items() if k in ("appeals", "customers", "database_size",
                                                                   "seed_seconds", "long_appeal")},
        "helpdesk": {k: v for k, v in (desk or {}).items() if k in ("version", "django")},
        "gunicorn": GUNICORN_FLAGS, "seconds_per_scenario": config.seconds,
        "rows": [{"system": r.system, "scenario": r.scenario, "concurrency": r.result.concurrency,
                  "operations": r.result.items, "per_second": round(r.result.per_second, 2), "unit": r.unit,
                  "p50_ms": r.result.percentile(50), "p95_ms": r.result.percentile(95),
                  "p99_ms": r.result.percentile(99), "reported": r.by_label.get("reported"),
                  "errors": r.result.errors, "first_error": r.result.first_error,
                  "peak_rss_mb": r.result.peak_rss_mb, "cpu_ms_per_operation": r.cpu_ms, "target": r.target,
                  "verdict": r.verdict,
                  "note": r.result.note, "by_label": r.by_label} for r in ROWS],
        "ratios": lines,
        "client_cpu_seconds": resource.getrusage(resource.RUSAGE_SELF).ru_utime,
    }
    (config.work / f"results-{stamp}.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1,
                                                                   default=str))
    (config.work / f"results-{stamp}.md").write_text(
        f"# make bench, {info_machine['date']}\n\n{config.size:,} appeals; {info_machine['cpus']} CPUs "
        f"({info_machine['cpu']}); load average before {info_machine['load_average']}, after {os.getloadavg()}\n\n"
        + markdown(ROWS) + "\n\n" + "\n".join(f"- {line}" for line in lines) + "\n")
    log(f"results: {config.work}/results-{stamp}.json and .md")


if __name__ == "__main__":
    main()
