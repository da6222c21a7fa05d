"""What a fetch gives back: one HTTP answer (:class:`Reply`) and the outcome
of a whole fetch, redirects followed (:class:`Response`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from newsflow.acquire.http.headers import header

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class Reply:
    """One HTTP answer as it came, body decoded; a redirect is not followed."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def redirect(self) -> str | None:
        """Where a redirect points (not yet resolved against the URL), or None."""
        location = header(self.headers, "location")
        if self.status in REDIRECT_STATUSES and location:
            return location.strip()
        return None


@dataclass(frozen=True)
class Response:
    """The outcome of one :meth:`HttpClient.fetch`, successful or not.

    ``url`` is the final URL after redirects; ``redirects`` the URLs that
    answered with a redirect, in order. ``body`` is decompressed. ``status``
    is None when the fetch ended without a usable HTTP response (a refusal, a
    network error, a body over the limits); ``reason`` then says why (a key
    of ``errors.REASONS``), as it does for 4xx/5xx answers (``http_<status>``). A 304 is ``ok`` with
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
    reason: str | None = None
    detail: str = ""
    attempts: int = 0

    @property
    def ok(self) -> bool:
        """A page to process (2xx) or a known-unchanged one (304)."""
        return self.reason is None

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        return header(self.headers, name)
