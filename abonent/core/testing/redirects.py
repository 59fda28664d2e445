"""A tiny local HTTP server whose every answer is a 302 to a page that would answer 200 with the JSON given:
a client that follows redirects "succeeds" against it, one that does not gets the 302. Used by the tests of
the outgoing HTTP clients (EDO operators, the payment provider), which must never follow a redirect."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LANDING = "/landed"


@dataclass
class RedirectingServer:
    url: str
    paths: list[str] = field(default_factory=list)  # every path asked, in order

    @property
    def landed(self) -> bool:
        """Whether a client followed a redirect."""
        return any(path.startswith(LANDING) for path in self.paths)


@contextmanager
def redirecting_server(landing_json: dict | list | None = None) -> Iterator[RedirectingServer]:
    body = json.dumps(landing_json if landing_json is not None else {}).encode()
    server_state: list[RedirectingServer] = []

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            server_state[0].paths.append(self.path)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith(LANDING):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                payload = body
            else:
                self.send_response(302)
                self.send_header("Location", LANDING + self.path)
                payload = b""
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

        def log_message(self, format, *args):  # noqa: A002 - quiet
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    host, port = httpd.server_address[:2]
    server_state.append(RedirectingServer(url=f"http://{host}:{port}"))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_state[0]
    finally:
        httpd.shutdown()
        httpd.server_close()
