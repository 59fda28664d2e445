"""The load generator of bench/run.py: threads, each with its own keep-alive HTTP connection to loopback
(HTTP/1.1 on the socket, so the client costs as little CPU as a Python client can), a cookie jar per thread for
session logins, latencies per request and p50/p95/p99.

A scenario is a function `step(client, n)` doing one user operation (one request or a few, as a browser
would); its wall time is one latency sample. Load runs for a fixed time or a fixed number of operations,
whichever ends first, after one untimed warm-up operation per client."""

import json
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

LOOPBACK = "127.0.0.1"
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class HttpError(Exception):
    pass


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Client:
    """One browser or integration: a keep-alive connection to 127.0.0.1:port and its cookies.

    HTTP/1.1 is written and read on the socket directly: http.client parses every response's headers with the
    e-mail package and cost about as much CPU per request as a light view, CPU that the server under test, on the
    same small machine, then lacked."""

    def __init__(self, port: int, *, timeout: float = 300, headers: dict[str, str] | None = None):
        self.port, self.timeout = port, timeout
        self.headers = dict(headers or {})
        self.cookies: dict[str, str] = {}
        self.sock: socket.socket | None = None
        self.stream = None

    def _connection(self):
        if self.sock is None:
            self.sock = socket.create_connection((LOOPBACK, self.port), timeout=self.timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.stream = self.sock.makefile("rb")
        return self.sock, self.stream

    def close(self) -> None:
        if self.sock is not None:
            self.stream.close()
            self.sock.close()
            self.sock = self.stream = None

    def _head(self, method: str, path: str, body: bytes | None, headers: dict[str, str] | None) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {LOOPBACK}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in {**self.headers, **(headers or {})}.items()]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if body is not None or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body or b'')}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def request(self, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None,
                expect: tuple[int, ...] = (200,)) -> Response:
        message = self._head(method, path, body, headers) + (body or b"")
        for attempt in (1, 2):
            sock, stream = self._connection()
            try:
                sock.sendall(message)
                status_line = stream.readline()
                if not status_line:
                    raise ConnectionResetError("the server closed the connection")
                response, set_cookies = _read_response(status_line, stream)
                break
            except (ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: open a new one once.
                self.close()
                if attempt == 2:
                    raise
        for value in set_cookies:
            for morsel in SimpleCookie(value).values():
                self.cookies[morsel.key] = morsel.value
        if response.headers.get("connection", "").lower() == "close":
            self.close()
        if response.status not in expect:
            raise HttpError(f"{method} {path}: HTTP {response.status} {response.text[:300]!r}")
        return response

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post_json(self, path: str, payload, **kwargs) -> Response:
        return self.request("POST", path, body=json.dumps(payload, ensure_ascii=False).encode(),
                            headers={"Content-Type": "application/json", **kwargs.pop("headers", {})}, **kwargs)

    def post_form(self, path: str, fields: dict[str, str], **kwargs) -> Response:
        return self.request("POST", path, body=urllib.parse.urlencode(fields).encode(),
                            headers={"Content-Type": "application/x-www-form-urlencoded",
                                     "Referer": f"http://{LOOPBACK}:{self.port}{path}",
                                     **kwargs.pop("headers", {})}, **kwargs)

    def login(self, path: str, username: str, password: str, *, extra: dict[str, str] | None = None) -> None:
        """A Django login form: GET for the CSRF token, POST the credentials, expect the redirect."""
        page = self.get(path)
        match = _CSRF_INPUT.search(page.text)
        if not match:
            raise HttpError(f"no CSRF token on {path}")
        self.post_form(path, {"csrfmiddlewaretoken": match.group(1), "username": username, "password": password,
                              **(extra or {})}, expect=(302,))


def _read_response(status_line: bytes, stream) -> tuple[Response, list[str]]:
    status = int(status_line.split(None, 2)[1])
    headers: dict[str, str] = {}
    set_cookies: list[str] = []
    while (line := stream.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "set-cookie":
            set_cookies.append(value)
        headers[name] = value
    if status in (204, 304) or 100 <= status < 200:
        body = b""
    elif "content-length" in headers:
        body = stream.read(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while size := int(stream.readline().split(b";", 1)[0], 16):
            chunks.append(stream.read(size))
            stream.readline()
        while stream.readline() not in (b"\r\n", b"\n", b""):
            pass  # trailers
        body = b"".join(chunks)
    else:
        body = stream.read()
        headers["connection"] = "close"
    return Response(status, headers, body), set_cookies


@dataclass
class Result:
    name: str
    concurrency: int
    latencies: list[float] = field(default_factory=list)  # seconds, one per operation
    errors: int = 0
    first_error: str = ""
    elapsed: float = 0.0
    items: int = 0  # operations, or items for the non-HTTP scenarios
    peak_rss_mb: float | None = None
    note: str = ""
    labelled: dict[str, list[float]] = field(default_factory=dict)  # latencies by the label a step returned

    @property
    def per_second(self) -> float:
        return self.items / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float | None:
        """Nearest-rank percentile in milliseconds."""
        return percentile(self.latencies, p)


def percentile(latencies: list[float], p: float) -> float | None:
    """Nearest-rank percentile of latencies in seconds, in milliseconds."""
    if not latencies:
        return None
    ordered = sorted(latencies)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1] * 1000


def run(name: str, *, make_client: Callable[[int], Client], step: Callable[[Client, int], str | None], concurrency: int,
        seconds: float, max_operations: int | None = None, warmup: bool = True) -> Result:
    """`concurrency` threads doing `step` back to back for `seconds` (or `max_operations` in all). A step may
    return a label (the query class, say): its latencies are then also kept under that label."""
    result = Result(name, concurrency)
    lock = threading.Lock()
    counter = iter(range(10**12))
    clients: list[Client] = []
    try:
        clients += [make_client(i) for i in range(concurrency)]
        for i, client in enumerate(clients if warmup else []):
            step(client, -1 - i)
    except Exception as error:  # noqa: BLE001 - a scenario that cannot even start is reported, not run
        result.errors, result.first_error = 1, f"start: {type(error).__name__}: {error}"[:300]
        for client in clients:
            client.close()
        return result
    deadline = time.perf_counter() + seconds
    stop = threading.Event()

    def worker(client: Client) -> None:
        while not stop.is_set() and time.perf_counter() < deadline:
            with lock:
                n = next(counter)
            if max_operations is not None and n >= max_operations:
                return
            started = time.perf_counter()
            try:
                label = step(client, n)
            except Exception as error:  # noqa: BLE001 - counted and reported, the load goes on
                client.close()
                with lock:
                    result.errors += 1
                    result.first_error = result.first_error or f"{type(error).__name__}: {error}"[:300]
                continue
            took = time.perf_counter() - started
            with lock:
                result.latencies.append(took)
                if isinstance(label, str):
                    result.labelled.setdefault(label, []).append(took)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(c,), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    finally:
        stop.set()
    result.elapsed = time.perf_counter() - started
    result.items = len(result.latencies)
    for client in clients:
        client.close()
    return result
