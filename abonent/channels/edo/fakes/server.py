"""The common part of the fakes: a threaded HTTP server on loopback, one lock over the fake's state, and
injected failures ("answer the next N calls of this route with 500", optionally after doing the work)."""

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Failure:
    route: str
    status: int
    count: int
    after_effect: bool  # do the work, then answer with the error (the answer is "lost")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body.decode("utf-8"))


class Response:
    def __init__(self, status: int = 200, body: bytes | str | dict | list = b"", content_type: str = ""):
        if isinstance(body, (dict, list)):
            body, content_type = json.dumps(body, ensure_ascii=False).encode(), content_type or "application/json"
        elif isinstance(body, str):
            body, content_type = body.encode(), content_type or "text/plain; charset=utf-8"
        self.status, self.body, self.content_type = status, body, content_type or "application/octet-stream"


class FakeServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.lock = threading.RLock()
        self.failures: list[Failure] = []
        self.calls: list[tuple[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(self.command, parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()},
                                  {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
                response = fake.dispatch(request)
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(response.body)

            do_GET = do_POST = _serve

            def log_message(self, format, *args):  # noqa: A002 - quiet
                return

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeServer":
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def fail_next(self, route: str, *, status: int = 500, count: int = 1, after_effect: bool = False) -> None:
        with self.lock:
            self.failures.append(Failure(route, status, count, after_effect))

    def count(self, route: str) -> int:
        return sum(1 for _, called in self.calls if called == route)

    def dispatch(self, request: Request) -> Response:
        route = self.route_of(request)
        with self.lock:
            self.calls.append((request.method, route))
            failure = next((f for f in self.failures if f.route == route and f.count > 0), None)
            if failure is not None:
                failure.count -= 1
                if not failure.after_effect:
                    return Response(failure.status, "Internal Server Error")
            try:
                response = self.handle(route, request)
            except KeyError as error:
                response = Response(400, f"missing {error}")
            if failure is not None:
                return Response(failure.status, "Internal Server Error")
            return response

    def route_of(self, request: Request) -> str:
        return request.path

    def handle(self, route: str, request: Request) -> Response:
        raise NotImplementedError
