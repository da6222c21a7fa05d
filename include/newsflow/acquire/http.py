"""A polite and defensive HTTP client for fetching news pages.

Polite, so that sites do not ban us: robots.txt is honoured (fetched once per
origin and cached), requests to one host are spaced out (``per_host_delay``
or the site's ``Crawl-delay``, whichever is longer) and capped in number,
transient failures are retried with exponential backoff and full jitter,
``Retry-After`` is obeyed, and conditional GETs (ETag / Last-Modified,
remembered across runs in a small JSON file) let unchanged pages cost a 304.

Defensive, because every URL comes from the open web: only http(s); the host
is resolved here and refused if any of its addresses is private, loopback,
link-local, multicast, reserved, unspecified or a cloud metadata endpoint,
unless it is on the allow-list; the connection then goes to the very address
that was checked (the original host name is still sent as ``Host`` and used
for TLS SNI and certificate checks), so a DNS answer that changes between
check and connect cannot smuggle us inside. Every redirect hop is checked
again. Bodies are capped while streaming, before and after decompression, so
neither a huge page nor a zip bomb can exhaust memory.

robots.txt follows Google's rules: a 4xx (other than 429) means "no rules,
everything allowed"; a 429, a 5xx, or an unreachable or refused robots.txt
means "disallow everything on that origin" until the cached answer expires
(``robots_ttl``, one run in practice); pages refused so say
``robots_unavailable``, not ``robots_disallowed``. robots.txt requests get the
same retries as pages. Rate limits, robots and concurrency are
kept per origin (scheme, host, port).

:meth:`HttpClient.fetch` never raises for a bad URL or a failed fetch: it
returns a :class:`Response` whose ``error`` names the reason (``scheme``,
``invalid_url``, ``blocked_address``, ``dns``, ``robots_disallowed``,
``robots_unavailable``,
``too_many_redirects``, ``too_large``, ``timeout``, ``connection``, ``tls``,
``decode``, ``unsupported_encoding`` or ``http_<status>``), so the pipeline can
turn each one into a ``rejects`` row.
"""

from __future__ import annotations

import codecs
import datetime as dt
import email.utils
import ipaddress
import json
import logging
import os
import random
import re
import socket
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, urljoin, urlsplit

import brotli
import idna
import urllib3
from protego import Protego
from urllib3 import exceptions as urllib3_errors

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
#: Google reads the first 500 KiB of a robots.txt and ignores the rest.
ROBOTS_MAX_BYTES = 500 * 1024
ROBOTS_MAX_REDIRECTS = 5
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ACCEPT_ENCODING = "gzip, deflate, br"

_CHUNK = 64 * 1024
_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.I)
# Labels that HTML (WHATWG Encoding) decodes as windows-1252, whatever they say.
_WINDOWS_1252_LABELS = frozenset(
    {"ascii", "us-ascii", "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "cp819"}
)


class FetchRefused(Exception):
    """A policy said no: bad scheme, blocked address, robots.txt, redirect limit."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class FetchFailed(Exception):
    """The network or the server failed us; ``retryable`` says if trying again may help."""

    def __init__(self, reason: str, detail: str = "", *, retryable: bool = False) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.retryable = retryable


@dataclass(frozen=True)
class Response:
    """The outcome of one :meth:`HttpClient.fetch`, successful or not.

    ``url`` is the final URL after redirects; ``redirects`` the URLs that
    answered with a redirect, in order. ``body`` is decompressed. ``status``
    is None when the fetch ended without a usable HTTP response (a refusal, a
    network error, a body over the limits); ``error`` is then set, as it is
    for 4xx/5xx answers (``http_<status>``). A 304 is ``ok`` with
    ``not_modified`` set and an empty body.
    """

    url: str
    requested_url: str
    status: int | None
    headers: list[tuple[str, str]]
    body: bytes
    fetched_at: dt.datetime
    redirects: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    not_modified: bool = False
    error: str | None = None
    detail: str = ""
    attempts: int = 0

    @property
    def ok(self) -> bool:
        """A page to process (2xx) or a known-unchanged one (304)."""
        return self.error is None

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        return _header(self.headers, name)


@dataclass
class FetchStats:
    """Counters for one client (or several, merged) — one ``runs`` row's worth.

    ``requests`` counts every HTTP request sent (robots.txt, redirects and
    retries included); ``statuses`` counts the final status of each fetch.
    """

    fetches: int = 0
    requests: int = 0
    bytes_received: int = 0
    retries: int = 0
    robots_fetches: int = 0
    robots_refused: int = 0
    blocked: int = 0
    not_modified: int = 0
    errors: int = 0
    statuses: Counter[int] = field(default_factory=Counter)

    def merge(self, other: FetchStats) -> FetchStats:
        """A new object with both sets of counters added up."""
        merged = FetchStats(statuses=self.statuses + other.statuses)
        for name in _COUNTER_FIELDS:
            setattr(merged, name, getattr(self, name) + getattr(other, name))
        return merged

    def as_row(self) -> dict[str, int | str]:
        """Flat, fixed columns for a ``runs`` row; status counts as a JSON object."""
        row: dict[str, int | str] = {
            f"http_{name}": getattr(self, name) for name in _COUNTER_FIELDS
        }
        row["http_status_counts"] = json.dumps(
            {str(status): count for status, count in sorted(self.statuses.items())}
        )
        return row


_COUNTER_FIELDS = tuple(name for name in FetchStats.__dataclass_fields__ if name != "statuses")


def charset_of(headers: Iterable[tuple[str, str]] | Mapping[str, str]) -> str | None:
    """The charset the ``Content-Type`` header declares, if Python knows it.

    ``iso-8859-1`` and ``us-ascii`` come back as ``windows-1252``, as browsers
    decode them (the WHATWG Encoding standard): pages labelled so use curly
    quotes and dashes from cp1252 all the time.
    """
    content_type = _header(headers, "content-type")
    match = _CHARSET.search(content_type or "")
    if not match:
        return None
    label = match.group(1).lower()
    if label in _WINDOWS_1252_LABELS:
        return "windows-1252"
    try:
        codecs.lookup(label)
    except LookupError:
        return None
    return label


def retry_after_seconds(value: str | None, *, now: dt.datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP date)."""
    value = (value or "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


def address_block_reason(ip: IPAddress) -> str | None:
    """Why a fetch must not reach ``ip`` (``loopback``, ``private``, ...), or None."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            return address_block_reason(embedded)
    if ip in METADATA_ADDRESSES:
        return "metadata"
    for kind in ("loopback", "unspecified", "link_local", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return kind
    return None if ip.is_global else "not_global"


def _header(headers: Iterable[tuple[str, str]] | Mapping[str, str], name: str) -> str | None:
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return next((value for key, value in pairs if key.lower() == name.lower()), None)


@dataclass(frozen=True)
class _Origin:
    scheme: str
    host: str  # ASCII (IDNA), lower case, IPv6 without brackets
    port: int

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = {"http": 80, "https": 443}[self.scheme]
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def robots_url(self) -> str:
        return f"{self.scheme}://{self.host_header}/robots.txt"


def _origin_of(url: str) -> _Origin:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise FetchRefused("invalid_url", f"{url!r}: {e}") from e
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchRefused("scheme", f"only http and https are fetched, not {scheme or 'none'!r}")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise FetchRefused("invalid_url", f"no host in {url!r}")
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError as e:
            raise FetchRefused("invalid_url", f"host {host!r}: {e}") from e
    return _Origin(scheme, host, port or (443 if scheme == "https" else 80))


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    target = quote(parts.path or "/", safe="/%;:@&=+$,!~*'()")
    if parts.query:
        target += "?" + quote(parts.query, safe="/%;:@&=+$,!~*'()?")
    return target


@dataclass(frozen=True)
class _Raw:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class _Tally:
    """HTTP attempts made for one fetch, retries included."""

    attempts: int = 0


@dataclass
class _Host:
    """Per-origin politeness state."""

    semaphore: threading.BoundedSemaphore
    delay: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    robots_lock: threading.Lock = field(default_factory=threading.Lock)
    last_start: float = float("-inf")  # when the latest request was allowed to start
    not_before: float = float("-inf")  # set by backoff: no request to the host before
    robots: Protego | bool | None = None  # True: allow all, False: deny all
    robots_problem: str | None = None  # why robots is False
    robots_expires: float = float("-inf")


class _Decoder(Protocol):
    def feed(self, data: bytes) -> bytes: ...

    def finish(self) -> bytes: ...


class _Limited:
    """Counts decompressed bytes and refuses to grow past ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0

    def room(self) -> int:
        return self.limit - self.size + 1

    def take(self, data: bytes) -> bytes:
        self.size += len(data)
        if self.size > self.limit:
            raise FetchFailed("too_large", f"decompressed body over {self.limit} bytes")
        return data


class _Identity(_Limited):
    def feed(self, data: bytes) -> bytes:
        return self.take(data)

    def finish(self) -> bytes:
        return b""


class _Zlib(_Limited):
    """gzip or deflate (zlib-wrapped or, as some servers send it, raw)."""

    def __init__(self, limit: int, *, gzip: bool) -> None:
        super().__init__(limit)
        self.gzip = gzip
        self.obj: zlib._Decompress | None = None

    def feed(self, data: bytes) -> bytes:
        if self.obj is None:
            self.obj = zlib.decompressobj(self._wbits(data))
        out = []
        try:
            while data:
                out.append(self.take(self.obj.decompress(data, self.room())))
                data = self.obj.unconsumed_tail
        except zlib.error as e:
            raise FetchFailed("decode", f"bad compressed body: {e}") from e
        return b"".join(out)

    def _wbits(self, first: bytes) -> int:
        if self.gzip:
            return zlib.MAX_WBITS | 16
        zlib_header = (
            len(first) >= 2 and first[0] & 0x0F == 8 and (first[0] << 8 | first[1]) % 31 == 0
        )
        return zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS

    def finish(self) -> bytes:
        if self.obj is None:
            return b""
        if not self.obj.eof:
            raise FetchFailed("decode", "truncated compressed body")
        return b""


class _Brotli(_Limited):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.obj = brotli.Decompressor()

    def feed(self, data: bytes) -> bytes:
        try:
            out = [self.take(self.obj.process(data, output_buffer_limit=self.room()))]
            while not self.obj.can_accept_more_data():
                out.append(self.take(self.obj.process(b"", output_buffer_limit=self.room())))
        except brotli.error as e:
            raise FetchFailed("decode", f"bad brotli body: {e}") from e
        return b"".join(out)

    def finish(self) -> bytes:
        if not self.obj.is_finished():
            raise FetchFailed("decode", "truncated brotli body")
        return b""


def _decoder_for(content_encoding: str | None, limit: int) -> _Decoder:
    coding = (content_encoding or "identity").strip().lower()
    if coding in ("identity", ""):
        return _Identity(limit)
    if coding in ("gzip", "x-gzip", "deflate"):
        return _Zlib(limit, gzip=coding != "deflate")
    if coding == "br":
        return _Brotli(limit)
    raise FetchFailed("unsupported_encoding", f"Content-Encoding {coding!r}")


class _ValidatorStore:
    """ETag / Last-Modified per URL, kept in a JSON file written atomically."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.dirty = False
        self.urls: dict[str, dict[str, str]] = self._load(path) if path else {}

    @staticmethod
    def _load(path: Path) -> dict[str, dict[str, str]]:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            log.warning("ignoring unreadable HTTP state %s: %s", path, e)
            return {}
        urls = document.get("urls") if isinstance(document, dict) else None
        return urls if isinstance(urls, dict) else {}

    def get(self, url: str) -> dict[str, str]:
        with self.lock:
            return dict(self.urls.get(url, {}))

    def remember(self, url: str, headers: list[tuple[str, str]]) -> None:
        validators = {
            key: value
            for key, name in (("etag", "etag"), ("last_modified", "last-modified"))
            if (value := _header(headers, name))
        }
        with self.lock:
            if self.urls.get(url) != (validators or None):
                self.dirty = True
                if validators:
                    self.urls[url] = validators
                else:
                    self.urls.pop(url, None)

    def save(self) -> None:
        with self.lock:
            if self.path is None or not self.dirty:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            payload = json.dumps({"version": 1, "urls": self.urls}, sort_keys=True)
            temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            temp.write_text(payload, encoding="utf-8")
            os.replace(temp, self.path)
            self.dirty = False


class HttpClient:
    """Fetches URLs politely and safely; share one per run across threads.

    ``allow_hosts`` lists host names or IP networks (``"127.0.0.1"``,
    ``"10.0.0.0/8"``) that may be reached although they are not public.
    ``sleep`` and ``clock`` (monotonic seconds) are injectable so tests need
    not wait; ``rng`` makes the backoff jitter reproducible. Call
    :meth:`close` (or use ``with``) to save the conditional-GET state.
    """

    def __init__(
        self,
        *,
        user_agent: str,
        allow_hosts: Sequence[str] = (),
        connect_timeout: float = 10,
        read_timeout: float = 30,
        total_timeout: float = 120,
        max_redirects: int = 5,
        max_body_bytes: int = 10_000_000,
        max_retries: int = 3,
        backoff_base: float = 1.0,
        backoff_max: float = 60,
        per_host_delay: float = 1.0,
        per_host_concurrency: int = 2,
        robots_ttl: float = 24 * 3600,
        state_path: Path | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        if not user_agent.strip():
            raise ValueError("an identifying User-Agent is required")
        self.user_agent = user_agent
        self.allow_names, self.allow_networks = _parse_allow_list(allow_hosts)
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
        self._validators = _ValidatorStore(state_path)
        self._stats = FetchStats()
        self._lock = threading.Lock()
        self._hosts: dict[_Origin, _Host] = {}
        self._pools: dict[tuple[_Origin, str], urllib3.HTTPConnectionPool] = {}

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
        """Write the remembered ETags / Last-Modified dates (atomically), if any changed."""
        self._validators.save()

    def close(self) -> None:
        """Save the conditional-GET state and close pooled connections."""
        self.save_state()
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close()

    def check_url(self, url: str) -> str:
        """Raise :class:`FetchRefused` unless ``url`` may be fetched; return the address to use.

        Checks scheme and address only (not robots.txt), without sending anything.
        """
        return self._resolve(_origin_of(url))

    def fetch(self, url: str, *, conditional: bool = True) -> Response:
        """GET ``url``, following redirects; see the module docstring for the rules."""
        started = self._clock()
        redirects: list[str] = []
        tally = _Tally()
        current = url
        try:
            while True:
                raw = self._fetch_hop(current, conditional=conditional, tally=tally)
                location = _header(raw.headers, "location")
                if raw.status not in REDIRECT_STATUSES or not location:
                    break
                if len(redirects) >= self.max_redirects:
                    raise FetchRefused("too_many_redirects", f"more than {self.max_redirects}")
                redirects.append(current)
                current = urljoin(current, location.strip())
        except (FetchRefused, FetchFailed) as e:
            return self._failed(url, current, e, redirects, started, tally.attempts)
        return self._answered(url, current, raw, redirects, started, tally.attempts)

    # -- one hop: checks, robots, retries ---------------------------------

    def _fetch_hop(self, url: str, *, conditional: bool, tally: _Tally) -> _Raw:
        origin = _origin_of(url)
        address = self._resolve(origin)
        self._check_robots(origin, url)
        headers = self._headers(origin, url if conditional else None)
        return self._with_retries(
            origin, address, url, headers, limit=self.max_body_bytes, tally=tally
        )

    def _with_retries(
        self,
        origin: _Origin,
        address: str,
        url: str,
        headers: Mapping[str, str],
        *,
        limit: int,
        tally: _Tally,
        truncate: bool = False,
    ) -> _Raw:
        for attempt in range(self.max_retries + 1):
            tally.attempts += 1
            last = attempt == self.max_retries
            try:
                raw = self._send(origin, address, url, headers, limit=limit, truncate=truncate)
            except FetchFailed as e:
                if not e.retryable or last:
                    raise
                self._back_off(origin, attempt, None, why=e.reason)
                continue
            if raw.status not in RETRY_STATUSES or last:
                return raw
            self._back_off(origin, attempt, _header(raw.headers, "retry-after"), why=raw.status)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _headers(self, origin: _Origin, conditional_url: str | None) -> dict[str, str]:
        headers = {
            "Host": origin.host_header,
            "User-Agent": self.user_agent,
            "Accept": ACCEPT,
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        if conditional_url:
            validators = self._validators.get(conditional_url)
            if "etag" in validators:
                headers["If-None-Match"] = validators["etag"]
            if "last_modified" in validators:
                headers["If-Modified-Since"] = validators["last_modified"]
        return headers

    def _back_off(
        self, origin: _Origin, attempt: int, retry_after: str | None, why: object
    ) -> None:
        """Hold back every request to the host; the retry then waits its turn."""
        delay = retry_after_seconds(retry_after, now=dt.datetime.now(dt.UTC))
        if delay is None:
            delay = self._rng.uniform(0, min(self.backoff_max, self.backoff_base * 2**attempt))
        delay = min(delay, self.backoff_max)
        log.info("retrying %s in %.1fs (%s)", origin.host_header, delay, why)
        host = self._host(origin)
        with host.lock:
            host.not_before = max(host.not_before, self._clock() + delay)
        self._count(retries=1)

    # -- safety ------------------------------------------------------------

    def _resolve(self, origin: _Origin) -> str:
        try:
            infos = socket.getaddrinfo(origin.host, origin.port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as e:
            raise FetchFailed("dns", f"{origin.host}: {e}") from e
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        trusted_name = origin.host in self.allow_names
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
            if trusted_name or any(ip in network for network in self.allow_networks):
                continue
            if reason := address_block_reason(ip):
                raise FetchRefused("blocked_address", f"{origin.host} is {ip} ({reason})")
        return sorted(addresses, key=lambda address: ":" in address)[0]  # IPv4 first

    # -- robots.txt ----------------------------------------------------------

    def _check_robots(self, origin: _Origin, url: str) -> None:
        """Raise :class:`FetchRefused` if the origin's robots.txt forbids ``url``."""
        host = self._host(origin)
        with host.robots_lock:
            if host.robots is None or self._clock() >= host.robots_expires:
                host.robots, host.robots_problem = self._load_robots(origin)
                host.robots_expires = self._clock() + self.robots_ttl
                crawl_delay = (
                    host.robots.crawl_delay(self.user_agent)
                    if isinstance(host.robots, Protego)
                    else None
                )
                host.delay = max(self.per_host_delay, min(crawl_delay or 0, self.backoff_max))
            robots, problem = host.robots, host.robots_problem
        if isinstance(robots, Protego) and not robots.can_fetch(url, self.user_agent):
            self._count(robots_refused=1)
            raise FetchRefused("robots_disallowed", url)
        if robots is False:
            self._count(robots_refused=1)
            raise FetchRefused("robots_unavailable", f"{origin.robots_url}: {problem}")

    def _load_robots(self, origin: _Origin) -> tuple[Protego | bool, str | None]:
        """The origin's rules: parsed, True (no rules) or False (disallow all, and why)."""
        url = origin.robots_url
        for _ in range(ROBOTS_MAX_REDIRECTS + 1):
            self._count(robots_fetches=1)
            try:
                hop = _origin_of(url)
                headers = self._headers(hop, None)
                raw = self._with_retries(
                    hop,
                    self._resolve(hop),
                    url,
                    headers,
                    limit=ROBOTS_MAX_BYTES,
                    tally=_Tally(),
                    truncate=True,
                )
            except (FetchRefused, FetchFailed) as e:
                log.warning("robots.txt of %s unreachable (%s): disallowing it", origin.host, e)
                return False, str(e)
            location = _header(raw.headers, "location")
            if raw.status in REDIRECT_STATUSES and location:
                url = urljoin(url, location.strip())
                continue
            if 200 <= raw.status < 300:
                return Protego.parse(raw.body.decode("utf-8", errors="replace")), None
            if 400 <= raw.status < 500 and raw.status != 429:
                return True, None
            log.warning("robots.txt of %s answered %s: disallowing it", origin.host, raw.status)
            return False, f"status {raw.status}"
        return True, None  # Google: too many redirects counts as a 404

    # -- one request ---------------------------------------------------------

    def _send(
        self,
        origin: _Origin,
        address: str,
        url: str,
        headers: Mapping[str, str],
        *,
        limit: int,
        truncate: bool = False,
    ) -> _Raw:
        host = self._host(origin)
        with host.semaphore:
            self._wait_turn(host)
            self._count(requests=1)
            started = self._clock()
            try:
                response = self._pool(origin, address).urlopen(
                    "GET",
                    _request_target(url),
                    headers=dict(headers),
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
                body = self._read_body(response, started, limit=limit, truncate=truncate)
                complete = True
            finally:
                if not complete:
                    response.close()  # drop the connection rather than read the rest
                response.release_conn()
        pairs = [(str(key), str(value)) for key, value in response.headers.iteritems()]
        return _Raw(response.status, pairs, body)

    def _read_body(
        self, response: urllib3.BaseHTTPResponse, started: float, *, limit: int, truncate: bool
    ) -> bytes:
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit and not truncate:
            raise FetchFailed("too_large", f"Content-Length {length} over {limit} bytes")
        decoder = _decoder_for(response.headers.get("content-encoding"), limit)
        parts: list[bytes] = []
        received = 0
        try:
            for chunk in response.stream(_CHUNK, decode_content=False):
                received += len(chunk)
                if received > limit:
                    if truncate:
                        break
                    raise FetchFailed("too_large", f"body over {limit} bytes")
                parts.append(decoder.feed(chunk))
                if self._clock() - started > self.total_timeout:
                    raise FetchFailed("timeout", "body too slow", retryable=True)
            if not truncate:
                parts.append(decoder.finish())
        except (urllib3_errors.HTTPError, OSError) as e:
            raise _transport_failure(e) from e
        finally:
            self._count(bytes_received=received)
        body = b"".join(parts)
        return body[:limit] if truncate else body

    def _wait_turn(self, host: _Host) -> None:
        """Reserve the host's next request slot and sleep until it comes."""
        with host.lock:
            now = self._clock()
            start = max(now, host.last_start + host.delay, host.not_before)
            host.last_start = start
        if start > now:
            self._sleep(start - now)

    # -- bookkeeping ---------------------------------------------------------

    def _host(self, origin: _Origin) -> _Host:
        with self._lock:
            host = self._hosts.get(origin)
            if host is None:
                semaphore = threading.BoundedSemaphore(self.per_host_concurrency)
                host = self._hosts[origin] = _Host(semaphore, self.per_host_delay)
            return host

    def _pool(self, origin: _Origin, address: str) -> urllib3.HTTPConnectionPool:
        """A keep-alive pool that connects to ``address`` but speaks to ``origin.host``."""
        with self._lock:
            pool = self._pools.get((origin, address))
            if pool is None:
                size = self.per_host_concurrency
                if origin.scheme == "https":
                    pool = urllib3.HTTPSConnectionPool(
                        address,
                        origin.port,
                        maxsize=size,
                        cert_reqs="CERT_REQUIRED",
                        server_hostname=origin.host,
                        assert_hostname=origin.host,
                    )
                else:
                    pool = urllib3.HTTPConnectionPool(address, origin.port, maxsize=size)
                self._pools[(origin, address)] = pool
            return pool

    def _count(self, **increments: int) -> None:
        with self._lock:
            for name, value in increments.items():
                setattr(self._stats, name, getattr(self._stats, name) + value)

    def _answered(
        self, url: str, final: str, raw: _Raw, redirects: list[str], started: float, attempts: int
    ) -> Response:
        not_modified = raw.status == 304
        error = None if raw.status < 400 else f"http_{raw.status}"
        if 200 <= raw.status < 300:
            self._validators.remember(final, raw.headers)
        with self._lock:
            self._stats.fetches += 1
            self._stats.statuses[raw.status] += 1
            self._stats.not_modified += not_modified
            self._stats.errors += error is not None
        return Response(
            url=final,
            requested_url=url,
            status=raw.status,
            headers=raw.headers,
            body=raw.body,
            fetched_at=dt.datetime.now(dt.UTC),
            redirects=redirects,
            elapsed=self._clock() - started,
            not_modified=not_modified,
            error=error,
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
        log.info("fetch %s failed: %s", url, failure)
        with self._lock:
            self._stats.fetches += 1
            self._stats.errors += 1
            self._stats.blocked += failure.reason in ("blocked_address", "scheme")
        return Response(
            url=final,
            requested_url=url,
            status=None,
            headers=[],
            body=b"",
            fetched_at=dt.datetime.now(dt.UTC),
            redirects=redirects,
            elapsed=self._clock() - started,
            error=failure.reason,
            detail=failure.detail,
            attempts=attempts,
        )


def _transport_failure(error: Exception) -> FetchFailed:
    """Classify a urllib3 / socket error; all but TLS failures are worth a retry."""
    if isinstance(error, urllib3_errors.SSLError):
        return FetchFailed("tls", str(error))
    if isinstance(error, urllib3_errors.NewConnectionError):
        return FetchFailed("connection", str(error), retryable=True)
    if isinstance(error, urllib3_errors.TimeoutError | TimeoutError):
        return FetchFailed("timeout", str(error), retryable=True)
    return FetchFailed("connection", str(error), retryable=True)


def _parse_allow_list(
    entries: Sequence[str],
) -> tuple[frozenset[str], tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]]:
    names: set[str] = set()
    networks = []
    for entry in (e.strip() for e in entries):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            names.add(entry.lower().rstrip("."))
    return frozenset(names), tuple(networks)
