"""A hard limit on the time one HTTP request takes, however slowly the server answers.

Socket timeouts bound each read, not their sum: a server that sends a byte
every half second stays under any read timeout and can hold a request open
for as long as it likes, in the body, the chunk sizes, even the status line
and headers (``http.client`` reads up to 100 header lines of 64 KiB each).
A :class:`Deadline` shuts the request's socket down from a timer thread when
the time is up, so whatever read is in progress ends at once and the client
reports ``timeout``.

The deadline learns the socket from the connections of this module's pools
(:class:`HTTPConnectionPool`, :class:`HTTPSConnectionPool`), which hand it
over before they wait for the answer; urllib3 picks the connection, so they
find the deadline armed in the calling thread through a context variable.
The time spent connecting (TCP and the TLS handshake) counts, but a
connection under way is bounded by the connect timeout alone.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from contextvars import ContextVar, Token

import urllib3
import urllib3.connection

from newsflow.acquire.http.errors import FetchFailed

_ARMED: ContextVar[Deadline | None] = ContextVar("newsflow_http_deadline", default=None)


class Deadline:
    """Shuts the socket of this thread's request down ``seconds`` after ``with`` starts.

    :meth:`stop` it before the connection goes back to the pool: a connection
    whose socket was shut down must be closed instead.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._expired = False
        self._stopped = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._token: Token[Deadline | None] | None = None

    def __enter__(self) -> Deadline:
        self._token = _ARMED.set(self)
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
        if self._token is not None:
            _ARMED.reset(self._token)

    @property
    def expired(self) -> bool:
        """Whether the time ran out (and the socket, if any, was shut down)."""
        with self._lock:
            return self._expired

    def stop(self) -> bool:
        """Disarm the deadline; return whether it had already expired."""
        self._timer.cancel()
        with self._lock:
            self._stopped = True
            return self._expired

    def failure(self) -> FetchFailed:
        """What a fetch cut short by this deadline fails with."""
        return FetchFailed("timeout", f"over the total deadline of {self.seconds:g}s")

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down when the time is up (at once if it already is)."""
        with self._lock:
            self._socket = sock
            if self._expired:
                _shut_down(sock)

    def _expire(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._expired = True
            if self._socket is not None:
                _shut_down(self._socket)


def _shut_down(sock: socket.socket) -> None:
    """End every read on ``sock``, in any thread; closing it is left to its owner.

    The plain socket's ``shutdown`` even for TLS: ``SSLSocket.shutdown`` would
    also drop the TLS state under the reading thread's feet.
    """
    with contextlib.suppress(OSError):  # already closed or reset: nothing left to stop
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watched:
    """Hands the socket to the deadline armed in this thread before waiting for the answer."""

    sock: socket.socket | None

    def getresponse(self) -> urllib3.HTTPResponse:
        deadline = _ARMED.get()
        if deadline is not None and self.sock is not None:
            deadline.watch(self.sock)
        return super().getresponse()  # type: ignore[misc, no-any-return]


# Named as urllib3 names its own: its error messages, which end up in rejects
# rows, quote the class name.


class HTTPConnection(_Watched, urllib3.connection.HTTPConnection):
    """urllib3's connection, whose request a :class:`Deadline` can cut short."""


class HTTPSConnection(_Watched, urllib3.connection.HTTPSConnection):
    """urllib3's TLS connection, whose request a :class:`Deadline` can cut short."""


class HTTPConnectionPool(urllib3.HTTPConnectionPool):
    """urllib3's pool, of connections a :class:`Deadline` can cut short."""

    ConnectionCls = HTTPConnection


class HTTPSConnectionPool(urllib3.HTTPSConnectionPool):
    """urllib3's TLS pool, of connections a :class:`Deadline` can cut short."""

    ConnectionCls = HTTPSConnection
