"""A polite and defensive HTTP client for fetching news pages.

Polite, so that sites do not ban us: robots.txt is honoured (fetched once per
origin and cached, :mod:`.robots`), requests to one host are spaced out and
capped in number, transient failures are retried with exponential backoff and
full jitter, ``Retry-After`` is obeyed (:mod:`.pacing`), and conditional GETs
(ETag / Last-Modified, remembered across runs in a small JSON file that the
caller saves once it has kept the pages, :mod:`.validators`) let unchanged
pages cost a 304. Rate limits, robots and concurrency are kept per origin
(scheme, host, port); the robots.txt read also gives the origin's sitemaps.

Defensive, because every URL comes from the open web: only http(s), and no
host with a non-public address unless allowed (:mod:`.safety`); every
redirect hop is checked again; bodies are capped while streaming, before and
after decompression (:mod:`.client`); every request has a total deadline
that no trickling server can stretch (:mod:`.deadline`); and credentials in
URLs stay out of logs, failure details and the JSON file.

:meth:`HttpClient.fetch` never raises for a bad URL or a failed fetch: it
returns a :class:`Response` whose ``error`` names the reason (a key of
:data:`.errors.REASONS`, which also says whether retrying can help, or
``http_<status>``), so the pipeline can turn each one into a ``rejects`` row.

This package exports what the rest of newsflow uses; the modules hold the rest.
"""

from __future__ import annotations

from newsflow.acquire.http.client import HttpClient
from newsflow.acquire.http.errors import FetchRefused, is_transient
from newsflow.acquire.http.headers import charset_of
from newsflow.acquire.http.pacing import retry_after_seconds
from newsflow.acquire.http.response import Response
from newsflow.acquire.http.safety import address_block_reason
from newsflow.acquire.http.stats import FetchStats

__all__ = [
    "FetchRefused",
    "FetchStats",
    "HttpClient",
    "Response",
    "address_block_reason",
    "charset_of",
    "is_transient",
    "retry_after_seconds",
]
