"""Politeness per origin: requests spaced out, capped in number, held back after failures.

Requests to one origin start at least ``delay`` apart (``per_host_delay`` or
the site's ``Crawl-delay``, whichever is longer), at most
``per_host_concurrency`` at once. A failure to retry holds back *every*
request to the origin for an exponential backoff with full jitter, or for as
long as ``Retry-After`` asks, so a struggling site gets room.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import random
import threading
from dataclasses import dataclass, field


@dataclass
class Pace:
    """One origin's request slots."""

    semaphore: threading.BoundedSemaphore
    delay: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_start: float = float("-inf")  # when the latest request was allowed to start
    not_before: float = float("-inf")  # set by backoff: no request to the host before

    def reserve(self, now: float) -> float:
        """Take the next request slot; return when it starts (``now`` or later)."""
        with self.lock:
            start = max(now, self.last_start + self.delay, self.not_before)
            self.last_start = start
        return start

    def hold_back(self, until: float) -> None:
        """No request to the origin starts before ``until``."""
        with self.lock:
            self.not_before = max(self.not_before, until)


def backoff_delay(
    attempt: int,
    retry_after: str | None,
    *,
    base: float,
    cap: float,
    rng: random.Random,
) -> float:
    """Seconds to wait before retry ``attempt + 1``: what ``Retry-After`` asks, else
    full jitter over ``base * 2**attempt``; never more than ``cap``."""
    delay = retry_after_seconds(retry_after, now=dt.datetime.now(dt.UTC))
    if delay is None:
        delay = rng.uniform(0, min(cap, base * 2**attempt))
    return min(delay, cap)


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
