"""robots.txt, read by Google's rules and cached per origin.

A 2xx gives the rules; a 4xx other than 429 means "no rules, everything
allowed"; a 429, a 5xx, or an unreachable or refused robots.txt means
"disallow everything on that origin" until the cached answer expires
(``robots_ttl``, one run in practice), and pages refused so say
``robots_unavailable``, not ``robots_disallowed``. Only the first
:data:`ROBOTS_MAX_BYTES` are read; more than :data:`ROBOTS_MAX_REDIRECTS`
redirects count as a 404. The ``Sitemap:`` lines of the rules read are
there for discovery (:func:`sitemaps_of`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from protego import Protego

from newsflow.acquire.http.errors import FetchFailed, FetchRefused
from newsflow.acquire.http.response import Reply
from newsflow.acquire.http.safety import Origin
from newsflow.acquire.urls import WEB_SCHEMES

log = logging.getLogger(__name__)

#: Google reads the first 500 KiB of a robots.txt and ignores the rest.
ROBOTS_MAX_BYTES = 500 * 1024
ROBOTS_MAX_REDIRECTS = 5

#: Parsed rules, True (no rules: allow all) or False (deny all).
Rules = Protego | bool


@dataclass
class Robots:
    """One origin's cached robots.txt answer; hold ``lock`` to read or renew it."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    rules: Rules | None = None
    problem: str | None = None  # why rules is False
    expires: float = float("-inf")

    def stale(self, now: float) -> bool:
        return self.rules is None or now >= self.expires

    def crawl_delay(self, user_agent: str) -> float | None:
        rules = self.rules
        return rules.crawl_delay(user_agent) if isinstance(rules, Protego) else None


def refuse_if_forbidden(
    rules: Rules | None, problem: str | None, *, origin: Origin, url: str, user_agent: str
) -> None:
    """Raise :class:`FetchRefused` if ``rules`` forbid ``url`` (or deny the whole origin)."""
    if isinstance(rules, Protego) and not rules.can_fetch(url, user_agent):
        raise FetchRefused("robots_disallowed", url)
    if rules is False:
        raise FetchRefused("robots_unavailable", f"{origin.robots_url}: {problem}")


def sitemaps_of(rules: Rules | None) -> list[str]:
    """The absolute http(s) ``Sitemap:`` URLs of ``rules``, in file order, each once."""
    if not isinstance(rules, Protego):
        return []
    urls = (url.strip() for url in rules.sitemaps)
    return list(dict.fromkeys(url for url in urls if _is_absolute_web_url(url)))


def _is_absolute_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)


def load_robots(origin: Origin, get: Callable[[str], Reply]) -> tuple[Rules, str | None]:
    """The origin's rules and, when they deny all, why; ``get`` sends one request."""
    url = origin.robots_url
    for _ in range(ROBOTS_MAX_REDIRECTS + 1):
        try:
            reply = get(url)
        except (FetchRefused, FetchFailed) as e:
            log.warning("robots.txt of %s unreachable (%s): disallowing it", origin.host, e)
            return False, str(e)
        if (location := reply.redirect()) is not None:
            url = urljoin(url, location)
            continue
        if 200 <= reply.status < 300:
            return Protego.parse(reply.body.decode("utf-8", errors="replace")), None
        if 400 <= reply.status < 500 and reply.status != 429:
            return True, None
        log.warning("robots.txt of %s answered %s: disallowing it", origin.host, reply.status)
        return False, f"status {reply.status}"
    return True, None  # Google: too many redirects counts as a 404
