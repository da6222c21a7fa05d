"""The client: fetches one URL at a time, politely and safely, and never raises.

Redirects are followed by hand so that every hop is checked again (scheme,
address, robots.txt); transient failures are retried with backoff
(:mod:`~newsflow.acquire.http.pacing`); bodies are capped while streaming,
before and after decompression (:mod:`newsflow.acquire.decoding`), so neither
a huge page nor a zip bomb can exhaust memory, and every request has a hard
deadline (:mod:`~newsflow.acquire.http.deadline`), so no server can hold it.

No credential in a URL (``user:pass@``, ``token=``, ...) leaves the client but
in the request itself: logs (urllib3's included) and failure details are
redacted, and the conditional-GET state is kept by redacted URL.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import urllib3
from urllib3 import exceptions as urllib3_errors

from newsflow.acquire.decoding import UndecodableBody, decoder_for
from newsflow.acquire.http.deadline import Deadline, HTTPConnectionPool, HTTPSConnectionPool
from newsflow.acquire.http.errors import RETRY_STATUSES, FetchFailed, FetchRefused
from newsflow.acquire.http.headers import header
from newsflow.acquire.http.pacing import Pace, backoff_delay
from newsflow.acquire.http.response import Reply, Response
from newsflow.acquire.http.robots import (
    ROBOTS_MAX_BYTES,
    Robots,
    Rules,
    load_robots,
    refuse_if_forbidden,
    sitemaps_of,
)
from newsflow.acquire.http.safety import AddressPolicy, Origin, origin_of
from newsflow.acquire.http.stats import FetchStats
from newsflow.acquire.http.validators import ValidatorStore
from newsflow.acquire.urls import redact, redact_text

log = logging.getLogger(__name__)

ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ACCEPT_ENCODING = "gzip, deflate, br"

_CHUNK = 64 * 1024


class _RedactURLs(logging.Filter):
    """Takes credentials out of a log line: urllib3 logs each request target, query and all."""

    def filter(self, record: logging.LogRecord) -> bool:
        # A malformed call is left for the handler to report, not raised into the fetch.
        with contextlib.suppress(TypeError, ValueError):
            record.msg, record.args = redact_text(record.getMessage()), ()
        return True


# A logger's filters see only its own records, not its children's: one per module we drive.
for _name in ("urllib3.connectionpool", "urllib3.connection", "urllib3.response"):
    logging.getLogger(_name).addFilter(_RedactURLs())


@dataclass(frozen=True)
class _Request:
    """One GET as sent: to ``address``, for ``url`` on ``origin``."""

    origin: Origin
    address: str
    url: str
    headers: Mapping[str, str]


@dataclass
class _Tally:
    """HTTP attempts made for one fetch, retries included."""

    attempts: int = 0


@dataclass
class _Host:
    """Per-origin state: request pacing and the cached robots.txt."""

    pace: Pace
    robots: Robots = field(default_factory=Robots)


class HttpClient:
    """Fetches URLs politely and safely; share one per run across threads.

    The limits a deployment sets (``read_timeout``, ``total_timeout``,
    ``max_body_bytes``, ``max_retries``, ``per_host_delay``,
    ``per_host_concurrency``) have no default here: their one table of
    defaults is ``newsflow.config.ENVIRONMENT``. ``read_timeout`` bounds each
    wait for data; ``total_timeout`` bounds one request as a whole, from
    connecting to the last byte of the body, in real time whatever ``clock``
    says (robots.txt, each redirect hop and each retry are requests of their
    own, so a fetch that keeps timing out takes up to ``max_retries + 1``
    times as long, plus the backoff). ``allow_hosts`` lists host names or IP
    networks (``"127.0.0.1"``, ``"10.0.0.0/8"``) that may be reached although
    they are not public. ``max_body_bytes`` caps a body both as sent and
    decompressed. ``sleep`` and ``clock`` (monotonic seconds) are injectable
    so tests need not wait; ``rng`` makes the backoff jitter reproducible.

    The ETags / Last-Modified dates of pages fetched are remembered for the
    next run only when the caller says so, with :meth:`save_state`, once it
    has kept the pages they vouch for: saved earlier, an interrupted run
    would leave validators for pages never archived, and each later run
    would get a 304 for them. :meth:`close` (or the end of ``with``) only
    closes connections.
    """

    def __init__(
        self,
        *,
        user_agent: str,
        read_timeout: float,
        total_timeout: float,
        max_body_bytes: int,
        max_retries: int,
        per_host_delay: float,
        per_host_concurrency: int,
        allow_hosts: Sequence[str] = (),
        connect_timeout: float = 10,
        max_redirects: int = 5,
        backoff_base: float = 1.0,
        backoff_max: float = 60,
        robots_ttl: float = 24 * 3600,
        state_path: Path | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        if not user_agent.strip():
            raise ValueError("an identifying User-Agent is required")
        self.user_agent = user_agent
        self.addresses = AddressPolicy(allow_hosts)
        self.timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self.total_timeout = total_timeout
        self.max_redirects = max_redirects
        self.max_body_bytes = max_body_bytes
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.per_host_delay = per_host_delay
        self.per_host_concurrency = per_host_concurrency
        self.robots_ttl = robots_ttl
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._validators = ValidatorStore(state_path)
        self._stats = FetchStats()
        self._lock = threading.Lock()
        self._hosts: dict[Origin, _Host] = {}
        self._pools: dict[tuple[Origin, str], urllib3.HTTPConnectionPool] = {}

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def stats(self) -> FetchStats:
        """A snapshot of the counters so far."""
        with self._lock:
            return self._stats.merge(FetchStats())

    def save_state(self) -> None:
        """Write the remembered ETags / Last-Modified dates (atomically), if any changed.

        Call it once the pages fetched so far are kept (see the class docstring).
        """
        self._validators.save()

    def close(self) -> None:
        """Close pooled connections; the conditional-GET state is not saved (:meth:`save_state`)."""
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close()

    def check_url(self, url: str) -> str:
        """Raise :class:`FetchRefused` unless ``url`` may be fetched; return the address to use.

        Checks scheme and address only (not robots.txt), without sending anything.
        """
        return self.addresses.resolve(origin_of(url))

    def robots_sitemaps(self, url: str) -> list[str]:
        """The ``Sitemap:`` URLs in the robots.txt of ``url``'s origin.

        Absolute http(s) URLs only, in file order, each once. The robots.txt
        is the one the politeness checks read (fetched now if it is not
        cached yet, and then not again for the origin's pages). Empty when the
        origin has no robots.txt, it cannot be read, or ``url`` may not be
        fetched at all.
        """
        try:
            origin = origin_of(url)
            self.addresses.resolve(origin)  # else a DNS failure would be cached as robots
        except (FetchRefused, FetchFailed):
            return []
        rules, _ = self._robots(origin)
        return sitemaps_of(rules)

    def fetch(self, url: str, *, conditional: bool = True) -> Response:
        """GET ``url``, following redirects; see :mod:`newsflow.acquire.http` for the rules."""
        started = self._clock()
        redirects: list[str] = []
        tally = _Tally()
        current = url
        try:
            while True:
                reply = self._fetch_hop(current, conditional=conditional, tally=tally)
                location = reply.redirect()
                if location is None:
                    break
                if len(redirects) >= self.max_redirects:
                    raise FetchRefused("too_many_redirects", f"more than {self.max_redirects}")
                redirects.append(current)
                current = urljoin(current, location)
        except (FetchRefused, FetchFailed) as e:
            return self._failed(url, current, e, redirects, started, tally.attempts)
        return self._answered(url, current, reply, redirects, started, tally.attempts)

    # -- one hop: checks, robots, retries ---------------------------------

    def _fetch_hop(self, url: str, *, conditional: bool, tally: _Tally) -> Reply:
        origin = origin_of(url)
        address = self.addresses.resolve(origin)
        self._check_robots(origin, url)
        headers = self._headers(origin, url if conditional else None)
        request = _Request(origin, address, url, headers)
        return self._with_retries(request, limit=self.max_body_bytes, tally=tally)

    def _with_retries(
        self, request: _Request, *, limit: int, tally: _Tally, truncate: bool = False
    ) -> Reply:
        for attempt in range(self.max_retries + 1):
            tally.attempts += 1
            last = attempt == self.max_retries
            try:
                reply = self._send(request, limit=limit, truncate=truncate)
            except FetchFailed as e:
                if not e.retryable or last:
                    raise
                self._back_off(request.origin, attempt, None, why=e.reason)
                continue
            if reply.status not in RETRY_STATUSES or last:
                return reply
            retry_after = header(reply.headers, "retry-after")
            self._back_off(request.origin, attempt, retry_after, why=reply.status)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _headers(self, origin: Origin, conditional_url: str | None) -> dict[str, str]:
        headers = {
            "Host": origin.host_header,
            "User-Agent": self.user_agent,
            "Accept": ACCEPT,
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        if conditional_url:
            headers |= self._validators.request_headers(conditional_url)
        return headers

    def _back_off(self, origin: Origin, attempt: int, retry_after: str | None, why: object) -> None:
        """Hold back every request to the host; the retry then waits its turn."""
        delay = backoff_delay(
            attempt, retry_after, base=self.backoff_base, cap=self.backoff_max, rng=self._rng
        )
        log.info("retrying %s in %.1fs (%s)", origin.host_header, delay, why)
        self._host(origin).pace.hold_back(self._clock() + delay)
        self._count(retries=1)

    # -- robots.txt ----------------------------------------------------------

    def _check_robots(self, origin: Origin, url: str) -> None:
        """Raise :class:`FetchRefused` if the origin's robots.txt forbids ``url``."""
        rules, problem = self._robots(origin)
        try:
            refuse_if_forbidden(rules, problem, origin=origin, url=url, user_agent=self.user_agent)
        except FetchRefused:
            self._count(robots_refused=1)
            raise

    def _robots(self, origin: Origin) -> tuple[Rules | None, str | None]:
        """The origin's robots.txt rules and why they deny all, loaded if not cached."""
        host = self._host(origin)
        with host.robots.lock:
            if host.robots.stale(self._clock()):
                rules, problem = load_robots(origin, self._robots_request)
                host.robots.rules, host.robots.problem = rules, problem
                host.robots.expires = self._clock() + self.robots_ttl
                crawl_delay = host.robots.crawl_delay(self.user_agent)
                host.pace.delay = max(self.per_host_delay, min(crawl_delay or 0, self.backoff_max))
            return host.robots.rules, host.robots.problem

    def _robots_request(self, url: str) -> Reply:
        """One robots.txt request (a hop of its redirects), retried like a page's."""
        self._count(robots_fetches=1)
        hop = origin_of(url)
        request = _Request(hop, self.addresses.resolve(hop), url, self._headers(hop, None))
        return self._with_retries(request, limit=ROBOTS_MAX_BYTES, tally=_Tally(), truncate=True)

    # -- one request ---------------------------------------------------------

    def _send(self, request: _Request, *, limit: int, truncate: bool = False) -> Reply:
        """One request, cut short (``timeout``) if it takes over ``total_timeout``."""
        host = self._host(request.origin)
        with host.pace.semaphore:
            self._wait_turn(host.pace)
            self._count(requests=1)
            with Deadline(self.total_timeout) as deadline:
                try:
                    reply = self._exchange(request, deadline, limit=limit, truncate=truncate)
                except FetchFailed as e:
                    if not deadline.expired:
                        raise
                    raise deadline.failure() from e  # whatever the cut-off read made of it
            if deadline.expired:  # a body read up to the end of the connection may be cut
                raise deadline.failure()
            return reply

    def _exchange(
        self, request: _Request, deadline: Deadline, *, limit: int, truncate: bool
    ) -> Reply:
        try:
            response = self._pool(request.origin, request.address).urlopen(
                "GET",
                _request_target(request.url),
                headers=dict(request.headers),
                redirect=False,
                retries=False,
                preload_content=False,
                decode_content=False,
                timeout=self.timeout,
                assert_same_host=False,
            )
        except (urllib3_errors.HTTPError, OSError) as e:
            raise _transport_failure(e) from e
        complete = False
        try:
            body = self._read_body(response, limit=limit, truncate=truncate)
            complete = True
        finally:
            if deadline.stop() or not complete:
                response.close()  # drop the connection rather than read the rest or reuse it
            response.release_conn()
        pairs = [(str(key), str(value)) for key, value in response.headers.iteritems()]
        return Reply(response.status, pairs, body)

    def _read_body(
        self, response: urllib3.BaseHTTPResponse, *, limit: int, truncate: bool
    ) -> bytes:
        """The decoded body: at most ``limit`` bytes sent and decoded, cut there if ``truncate``."""
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit and not truncate:
            raise FetchFailed("too_large", f"Content-Length {length} over {limit} bytes")
        parts: list[bytes] = []
        received = 0
        try:
            decoder = decoder_for(response.headers.get("content-encoding"), limit)
            for chunk in response.stream(_CHUNK, decode_content=False):
                received += len(chunk)
                if received > limit:
                    if truncate:
                        break
                    raise FetchFailed("too_large", f"body over {limit} bytes")
                parts.append(decoder.feed(chunk))
            if not truncate:
                parts.append(decoder.finish())
        except UndecodableBody as e:
            raise FetchFailed(e.reason, e.detail) from e
        except (urllib3_errors.HTTPError, OSError) as e:
            raise _transport_failure(e) from e
        finally:
            self._count(bytes_received=received)
        body = b"".join(parts)
        return body[:limit] if truncate else body

    def _wait_turn(self, pace: Pace) -> None:
        """Reserve the host's next request slot and sleep until it comes."""
        now = self._clock()
        start = pace.reserve(now)
        if start > now:
            self._sleep(start - now)

    # -- bookkeeping ---------------------------------------------------------

    def _host(self, origin: Origin) -> _Host:
        with self._lock:
            host = self._hosts.get(origin)
            if host is None:
                semaphore = threading.BoundedSemaphore(self.per_host_concurrency)
                host = self._hosts[origin] = _Host(Pace(semaphore, self.per_host_delay))
            return host

    def _pool(self, origin: Origin, address: str) -> urllib3.HTTPConnectionPool:
        """A keep-alive pool that connects to ``address`` but speaks to ``origin.host``."""
        with self._lock:
            pool = self._pools.get((origin, address))
            if pool is None:
                size = self.per_host_concurrency
                if origin.scheme == "https":
                    pool = HTTPSConnectionPool(
                        address,
                        origin.port,
                        maxsize=size,
                        cert_reqs="CERT_REQUIRED",
                        server_hostname=origin.host,
                        assert_hostname=origin.host,
                    )
                else:
                    pool = HTTPConnectionPool(address, origin.port, maxsize=size)
                self._pools[(origin, address)] = pool
            return pool

    def _count(self, **increments: int) -> None:
        with self._lock:
            self._stats.add(**increments)

    def _answered(
        self,
        url: str,
        final: str,
        reply: Reply,
        redirects: list[str],
        started: float,
        attempts: int,
    ) -> Response:
        not_modified = reply.status == 304
        reason = None if reply.status < 400 else f"http_{reply.status}"
        if 200 <= reply.status < 300:
            self._validators.remember(final, reply.headers)
        with self._lock:
            self._stats.add(fetches=1, not_modified=not_modified, errors=reason is not None)
            self._stats.statuses[reply.status] += 1
        return Response(
            url=final,
            requested_url=url,
            status=reply.status,
            headers=reply.headers,
            body=reply.body,
            fetched_at=dt.datetime.now(dt.UTC),
            redirects=redirects,
            elapsed=self._clock() - started,
            not_modified=not_modified,
            reason=reason,
            attempts=attempts,
        )

    def _failed(
        self,
        url: str,
        final: str,
        failure: FetchRefused | FetchFailed,
        redirects: list[str],
        started: float,
        attempts: int,
    ) -> Response:
        log.info("fetch %s failed: %s", redact(url), failure)
        blocked = failure.reason in ("blocked_address", "scheme")
        with self._lock:
            self._stats.add(fetches=1, errors=1, blocked=blocked)
        return Response(
            url=final,
            requested_url=url,
            status=None,
            headers=[],
            body=b"",
            fetched_at=dt.datetime.now(dt.UTC),
            redirects=redirects,
            elapsed=self._clock() - started,
            reason=failure.reason,
            detail=failure.detail,
            attempts=attempts,
        )


def _request_target(url: str) -> str:
    """The path and query as sent on the request line, percent-encoded where needed."""
    parts = urlsplit(url)
    target = quote(parts.path or "/", safe="/%;:@&=+$,!~*'()")
    if parts.query:
        target += "?" + quote(parts.query, safe="/%;:@&=+$,!~*'()?")
    return target


def _transport_failure(error: Exception) -> FetchFailed:
    """Classify a urllib3 / socket error (which of them are retried: see ``REASONS``)."""
    if isinstance(error, urllib3_errors.SSLError):
        return FetchFailed("tls", str(error))
    if isinstance(error, urllib3_errors.NewConnectionError):  # a ConnectTimeoutError subclass
        return FetchFailed("connection", str(error))
    if isinstance(error, urllib3_errors.TimeoutError | TimeoutError):
        return FetchFailed("timeout", str(error))
    return FetchFailed("connection", str(error))
