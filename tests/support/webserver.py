"""A real, threaded HTTP server on 127.0.0.1 for fetcher tests: no mocked HTTP.

Routes map a path (query included, if it has one) to a :class:`Reply`, to a
list of replies served in turn (the last one repeats), or to a function of the
request. Every request is recorded with its arrival time, headers, and how
many requests were in flight, so tests can assert politeness from the
server's side: counts, spacing, concurrency, conditional headers.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Reply:
    """What the server answers. ``delay`` is slept before the status line is sent."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    chunked: bool = False
    #: Seconds slept before each 256-byte piece of the body (headers go out at once).
    trickle: float = 0.0


@dataclass(frozen=True)
class Seen:
    """One request as the server received it."""

    path: str
    headers: dict[str, str]
    at: float
    in_flight: int


Route = Reply | list[Reply] | Callable[[Seen], Reply]


@dataclass
class NewsServer:
    """The server's state; ``url(path)`` builds absolute URLs to it."""

    routes: dict[str, Route] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: int = 0
    max_in_flight: int = 0
    _served: dict[str, int] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> int:
        with self.lock:
            return sum(1 for request in self.seen if request.path == path)

    def times(self, path: str | None = None) -> list[float]:
        with self.lock:
            return [r.at for r in self.seen if path is None or r.path == path]

    def reply_for(self, request: Seen) -> Reply:
        with self.lock:
            route = self.routes.get(request.path)
            if route is None:
                return Reply(404, b"not found")
            if isinstance(route, list):
                index = self._served.get(request.path, 0)
                self._served[request.path] = index + 1
                return route[min(index, len(route) - 1)]
        return route(request) if callable(route) else route


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        state = self.server.state
        with state.lock:
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
            request = Seen(self.path, dict(self.headers.items()), time.monotonic(), state.in_flight)
            state.seen.append(request)
        try:
            self._answer(state.reply_for(request))
        finally:
            with state.lock:
                state.in_flight -= 1

    def _answer(self, reply: Reply) -> None:
        time.sleep(reply.delay)
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        if reply.chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(reply.body), 4096):
                piece = reply.body[start : start + 4096]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            return
        if not any(name.lower() == "content-length" for name, _ in reply.headers):
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if reply.trickle:
            for start in range(0, len(reply.body), 256):
                time.sleep(reply.trickle)
                self.wfile.write(reply.body[start : start + 256])
                self.wfile.flush()
            return
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: NewsServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hanging up mid-body (size limits) are expected here."""


@contextlib.contextmanager
def serve() -> Iterator[NewsServer]:
    """A running server until the block ends (the ``news_server`` fixture in conftest)."""
    state = NewsServer()
    server = _Server(state)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
