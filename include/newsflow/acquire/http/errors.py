"""Why a fetch failed, and whether trying again can help: one table for both.

Two parties ask: the client, whether to retry at once (with backoff) inside
the fetch, and the orchestrator, whether a source whose feed failed should be
tried again later (:class:`newsflow.acquire.crawler.DiscoveryFailed`'s
``transient``). :data:`REASONS` answers both for every reason a fetch can
fail for; :func:`retry_of` adds the HTTP statuses.
"""

from __future__ import annotations

import enum

from newsflow.acquire.urls import redact_text


class Retry(enum.Enum):
    """What trying again can do for a failed fetch."""

    #: The network hiccupped: the client retries at once, with backoff.
    AT_ONCE = "at_once"
    #: Not retried within the run, but a later run may succeed.
    LATER = "later"
    #: The URL, a policy or a limit says no: waiting will not mend it.
    NEVER = "never"


#: Every reason :class:`FetchRefused` and :class:`FetchFailed` carry (the
#: ``error`` of a failed :class:`~newsflow.acquire.http.response.Response`).
REASONS: dict[str, Retry] = {
    # refused by a policy
    "scheme": Retry.NEVER,
    "invalid_url": Retry.NEVER,
    "blocked_address": Retry.NEVER,
    "robots_disallowed": Retry.NEVER,
    "robots_unavailable": Retry.LATER,
    "too_many_redirects": Retry.NEVER,
    # failed by the network or the server
    "dns": Retry.LATER,
    "timeout": Retry.AT_ONCE,
    "connection": Retry.AT_ONCE,
    "tls": Retry.LATER,
    "too_large": Retry.NEVER,
    "decode": Retry.LATER,
    "unsupported_encoding": Retry.NEVER,
}

#: Statuses the client retries at once (obeying ``Retry-After``).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def retry_of(error: str) -> Retry:
    """What trying again can do for a fetch that failed with ``error``.

    ``error`` is a reason of :data:`REASONS` or ``http_<status>``: a 408,
    a 429 and a 5xx may mend, other 4xx answers will not.
    """
    if error.startswith("http_"):
        status = int(error.removeprefix("http_"))
        if status in RETRY_STATUSES:
            return Retry.AT_ONCE
        return Retry.LATER if status >= 500 or status == 408 else Retry.NEVER
    return REASONS[error]


def is_transient(error: str) -> bool:
    """Whether a fetch error may go away on a later try (5xx, 429, timeouts, ...)."""
    return retry_of(error) is not Retry.NEVER


class _Failure(Exception):
    """A fetch that ended without a page; ``reason`` is a key of :data:`REASONS`.

    ``detail`` is kept redacted (:func:`~newsflow.acquire.urls.redact_text`):
    it quotes URLs and the HTTP stack's messages, and it goes on to logs,
    ``rejects`` rows and callers, none of which may see a credential.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown fetch failure reason {reason!r}: add it to REASONS")
        detail = redact_text(detail)
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class FetchRefused(_Failure):
    """A policy said no: bad scheme, blocked address, robots.txt, redirect limit."""


class FetchFailed(_Failure):
    """The network or the server failed us; ``retryable`` says if retrying at once may help."""

    @property
    def retryable(self) -> bool:
        return REASONS[self.reason] is Retry.AT_ONCE
