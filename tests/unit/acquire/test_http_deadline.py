"""The total deadline against a server that trickles: every read is quick, the sum is not.

``support.webserver`` writes each reply at once, so this file has its own
tiny server (raw sockets on 127.0.0.1) that sends a byte every half second,
forever, in the body (with a large Content-Length, chunked, or up to the
end of the connection) or in the headers.
"""

from __future__ import annotations

import itertools
import socketserver
import threading
import time
from collections.abc import Iterator

import pytest

from newsflow.acquire.http import HttpClient

GAP = 0.5  # seconds between two bytes: well under the read timeout
NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
#: path -> (sent at once, then repeated byte by byte until the client hangs up)
TRICKLES = {
    "/length": (b"HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n", b"x"),
    "/chunked": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", b"1\r\nx\r\n"),
    "/until-close": (b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", b"x"),
    "/headers": (b"HTTP/1.1 200 OK\r\n", b"X-Slow: aaaa\r\n"),
}


class _Trickler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        request_line = self.rfile.readline().split()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        path = request_line[1].decode() if len(request_line) > 1 else ""
        self.server.paths.append(path)
        head, drip = TRICKLES.get(path, (NOT_FOUND, b""))
        self.wfile.write(head)
        for byte in itertools.cycle(drip) if drip else ():
            if self.server.stopping.wait(GAP):
                return
            try:
                self.wfile.write(bytes([byte]))
            except OSError:  # the client gave up: what the test wants
                return


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Trickler)
        self.stopping = threading.Event()
        self.paths: list[str] = []


@pytest.fixture
def trickler() -> Iterator[_Server]:
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join()


def _url(server: _Server, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def _client(*, total_timeout: float) -> HttpClient:
    return HttpClient(
        user_agent="newsflow-test/1.0 (+https://example.org/bot)",
        read_timeout=5,
        total_timeout=total_timeout,
        max_body_bytes=100_000_000,
        max_retries=0,
        per_host_delay=0,
        per_host_concurrency=2,
        allow_hosts=["127.0.0.1"],
    )


@pytest.mark.parametrize("path", list(TRICKLES))
def test_a_trickling_reply_ends_at_the_total_deadline(trickler: _Server, path: str) -> None:
    total_timeout = 2
    http = _client(total_timeout=total_timeout)
    started = time.monotonic()
    response = http.fetch(_url(trickler, path))
    elapsed = time.monotonic() - started
    assert (response.reason, response.status, response.body) == ("timeout", None, b"")
    assert "total deadline" in response.detail
    assert elapsed < total_timeout + 2  # not the read timeout's 5 s, nor forever
    # the cut connection was dropped, not reused: the next request gets its answer
    assert http.fetch(_url(trickler, "/missing")).status == 404
    assert trickler.paths == ["/robots.txt", path, "/missing"]
