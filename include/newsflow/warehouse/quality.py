"""Data-quality checks on one published partition (source, date).

A source that silently breaks (a redesigned site, a feed that stops, an
extractor that keeps only teasers) still produces a "successful" run. These
checks compare a partition with what the source normally delivers and say so
in words an operator can act on: every message names the source, the date and
the figure ("harbor-herald 2026-11-18: 2 articles, 80% below the trailing
7-partition average of 10.0").

Checks read the published tables of the lake (``articles``, ``rejects``,
``runs``), so they judge exactly what analysts see. Each returns ``pass``,
``warn`` or ``fail``; thresholds live in ``QualityThresholds``. Results are
rows of the ``quality`` table (its schema is in
``newsflow.warehouse.schema.SCHEMAS``; ``source`` and ``date`` come from the
partition, like every other table).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QualityThresholds:
    """When a partition is worth a warning or a failure. Rates are shares in [0, 1]."""

    #: Previous partitions of the source whose average article count is the baseline.
    trailing_partitions: int = 7
    #: Fewer previous partitions than this: too little history to judge volume.
    min_trailing_partitions: int = 3
    #: Articles below this share of the trailing average: warn (0.5 = half the usual).
    volume_warn_ratio: float = 0.5
    #: Articles below this share of the trailing average: fail.
    volume_fail_ratio: float = 0.2
    #: Share of articles whose text is empty (no words).
    empty_text_warn: float = 0.02
    empty_text_fail: float = 0.10
    #: Share of articles without a published date (many sites omit it: lenient).
    missing_date_warn: float = 0.5
    missing_date_fail: float = 0.9
    #: Share of pages that were rejected (rejects / (articles + rejects)).
    reject_rate_warn: float = 0.3
    reject_rate_fail: float = 0.6
    #: Share of articles that copy a story seen earlier (``duplicate_of`` set).
    duplicate_rate_warn: float = 0.5
    duplicate_rate_fail: float = 0.9


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check on one partition."""

    source: str
    date: dt.date
    check: str
    status: str  # "pass" | "warn" | "fail"
    value: float
    threshold: float
    message: str


class QualityCheckFailed(Exception):
    """At least one check failed; the message lists every failure."""


_VOLUME_SQL = """
WITH days AS (
    SELECT date FROM runs WHERE source = $source AND date < $date
    UNION
    SELECT date FROM articles WHERE source = $source AND date < $date
), counts AS (
    SELECT date, count(*) AS n FROM articles WHERE source = $source AND date < $date GROUP BY date
), recent AS (
    SELECT coalesce(counts.n, 0) AS n
    FROM days LEFT JOIN counts USING (date)
    ORDER BY days.date DESC
    LIMIT $limit
)
SELECT (SELECT count(*) FROM articles WHERE source = $source AND date = $date),
       (SELECT avg(n) FROM recent),
       (SELECT count(*) FROM recent)
"""

_RATES_SQL = """
SELECT count(*),
       count(*) FILTER (WHERE coalesce(word_count, 0) = 0 OR coalesce(trim(text), '') = ''),
       count(*) FILTER (WHERE published_at IS NULL),
       count(*) FILTER (WHERE duplicate_of IS NOT NULL),
       (SELECT count(*) FROM rejects WHERE source = $source AND date = $date)
FROM articles
WHERE source = $source AND date = $date
"""


def _articles(n: int) -> str:
    return f"{n} article" if n == 1 else f"{n} articles"


def _grade_high(value: float, warn: float, fail: float) -> tuple[str, float]:
    """Status for a rate where higher is worse, and the threshold it is judged by."""
    if value > fail:
        return "fail", fail
    if value > warn:
        return "warn", warn
    return "pass", warn


def _volume(
    con: duckdb.DuckDBPyConnection, source: str, date: dt.date, t: QualityThresholds
) -> CheckResult:
    params = {"source": source, "date": date, "limit": t.trailing_partitions}
    articles, average, history = con.execute(_VOLUME_SQL, params).fetchone()
    where = f"{source} {date.isoformat()}"
    if history < t.min_trailing_partitions or not average:
        message = (
            f"{where}: {_articles(articles)}; {history} earlier partitions averaging "
            f"{average or 0:.1f}, too little history to judge volume "
            f"(at least {t.min_trailing_partitions} with articles needed)"
        )
        return CheckResult(source, date, "volume", "pass", float(articles), 0.0, message)
    ratio = articles / average
    status = (
        "fail" if ratio < t.volume_fail_ratio else "warn" if ratio < t.volume_warn_ratio else "pass"
    )
    threshold = t.volume_fail_ratio if status == "fail" else t.volume_warn_ratio
    change = f"{abs(1 - ratio):.0%} {'below' if ratio < 1 else 'above'}"
    message = (
        f"{where}: {_articles(articles)}, {change} the trailing {history}-partition "
        f"average of {average:.1f}"
    )
    if status != "pass":
        message += f" ({status}: below {threshold:.0%} of the average)"
    return CheckResult(
        source, date, "volume", status, float(articles), threshold * average, message
    )


def _rate(
    source: str,
    date: dt.date,
    check: str,
    count: int,
    total: int,
    what: str,
    limits: tuple[float, float],
) -> CheckResult:
    value = count / total if total else 0.0
    status, threshold = _grade_high(value, *limits)
    message = (
        f"{source} {date.isoformat()}: {value:.0%} ({count} of {total}) {what} "
        f"(warn above {limits[0]:.0%}, fail above {limits[1]:.0%})"
    )
    return CheckResult(source, date, check, status, value, threshold, message)


def run_checks(
    con: duckdb.DuckDBPyConnection,
    source: str,
    date: dt.date | str,
    thresholds: QualityThresholds | None = None,
) -> list[CheckResult]:
    """Every check on the published partition ``(source, date)``, in a fixed order."""
    t = thresholds or QualityThresholds()
    day = date if isinstance(date, dt.date) else dt.date.fromisoformat(date)
    params = {"source": source, "date": day}
    articles, empty, undated, duplicates, rejects = con.execute(_RATES_SQL, params).fetchone()
    results = [
        _volume(con, source, day, t),
        _rate(source, day, "empty_text", empty, articles, "of articles have no text",
              (t.empty_text_warn, t.empty_text_fail)),
        _rate(source, day, "missing_date", undated, articles, "of articles have no published date",
              (t.missing_date_warn, t.missing_date_fail)),
        _rate(source, day, "reject_rate", rejects, articles + rejects, "of pages were rejected",
              (t.reject_rate_warn, t.reject_rate_fail)),
        _rate(source, day, "duplicate_rate", duplicates, articles,
              "of articles repeat a story seen earlier",
              (t.duplicate_rate_warn, t.duplicate_rate_fail)),
    ]  # fmt: skip
    for r in results:
        level = logging.INFO if r.status == "pass" else logging.WARNING
        log.log(level, "quality %s %s: %s", r.check, r.status, r.message)
    return results


def quality_rows(results: Iterable[CheckResult], *, checked_at: dt.datetime) -> list[dict]:
    """Rows for the ``quality`` table of one partition."""
    return [
        {
            "check_name": r.check,
            "status": r.status,
            "value": r.value,
            "threshold": r.threshold,
            "message": r.message,
            "checked_at": checked_at,
        }
        for r in results
    ]


def raise_for_failures(results: Iterable[CheckResult]) -> None:
    """Raise ``QualityCheckFailed`` naming every failed check; warnings pass."""
    failures = [r.message for r in results if r.status == "fail"]
    if failures:
        raise QualityCheckFailed("; ".join(failures))
