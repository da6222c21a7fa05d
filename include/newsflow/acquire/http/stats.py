"""What fetching cost: the counters of one client, one ``runs`` row's worth."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field


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

    def add(self, **increments: int) -> None:
        """Add to the named counters (the caller holds whatever lock guards them)."""
        for name, value in increments.items():
            setattr(self, name, getattr(self, name) + value)

    def run_fields(self) -> dict[str, int | str]:
        """The ``http_*`` fields of a ``runs`` record (``newsflow.records.Run``, whose
        constructor refuses a name it lacks); status counts as a JSON object."""
        row: dict[str, int | str] = {
            f"http_{name}": getattr(self, name) for name in _COUNTER_FIELDS
        }
        row["http_status_counts"] = json.dumps(
            {str(status): count for status, count in sorted(self.statuses.items())}
        )
        return row


_COUNTER_FIELDS = tuple(name for name in FetchStats.__dataclass_fields__ if name != "statuses")
