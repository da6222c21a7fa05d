"""Data-quality checks on a tiny lake of known rows, read as analysts read it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import duckdb
import pyarrow as pa
import pytest

from newsflow.warehouse import queries
from newsflow.warehouse.quality import (
    CheckResult,
    QualityCheckFailed,
    QualityThresholds,
    quality_rows,
    raise_for_failures,
    run_checks,
)
from newsflow.warehouse.schema import SCHEMAS
from support.tiny_warehouse import article, lake_at, publish, publish_all, reject

SOURCE = "harbor-herald"
DAYS = [dt.date(2026, 11, 10) + dt.timedelta(days=i) for i in range(9)]  # 11-10 .. 11-18


def _articles(source: str, day: dt.date, n: int, **values: object) -> list[dict]:
    return [article(f"{source}-{day}-{i}", **values) for i in range(n)]


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """Every partition published with its run; checks read the analysts' connection."""
    lake = lake_at(tmp_path_factory.mktemp("quality") / "warehouse")
    articles = {(SOURCE, str(day)): _articles(SOURCE, day, 10) for day in DAYS[:7]}  # 11-10..16
    articles[(SOURCE, str(DAYS[7]))] = _articles(SOURCE, DAYS[7], 9)  # a normal day
    articles[(SOURCE, str(DAYS[8]))] = _articles(SOURCE, DAYS[8], 2)  # a sudden drop
    # another source: one collapsed day, and one day of bad rows
    articles[("wire", "2026-11-16")] = _articles("wire", dt.date(2026, 11, 16), 12)
    for day in ("2026-11-13", "2026-11-14", "2026-11-15"):
        articles[("wire", day)] = _articles("wire", dt.date.fromisoformat(day), 12)
    articles[("wire", "2026-11-17")] = [
        *_articles("wire", dt.date(2026, 11, 17), 1, word_count=0, text=""),
        *_articles("x", dt.date(2026, 11, 17), 6, published_at=None, duplicate_of="elsewhere"),
        *_articles("y", dt.date(2026, 11, 17), 3),
    ]
    articles[("wire", "2026-11-18")] = _articles("wire", dt.date(2026, 11, 18), 1)
    articles[("fresh", "2026-11-18")] = _articles("fresh", dt.date(2026, 11, 18), 4)
    rejects = [reject(f"r{i}.html", reason="empty") for i in range(5)]
    publish_all(lake, articles, rejects={("wire", "2026-11-17"): rejects})
    # a run that published nothing still counts as a (zero) partition of history
    publish(lake, "wire", "2026-11-12", run_fields={"run_id": "r"})
    with queries.analyst(lake) as con:
        yield con


def _by_check(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {r.check: r for r in results}


def test_a_sudden_drop_in_volume_is_reported_with_source_date_and_figures(con):
    volume = _by_check(run_checks(con, SOURCE, "2026-11-18"))["volume"]
    assert volume.status == "warn"
    assert volume.value == 2.0
    assert volume.message.startswith(
        "harbor-herald 2026-11-18: 2 articles, 80% below the trailing 7-partition average of 9.9"
    )
    strict = QualityThresholds(volume_fail_ratio=0.25)
    assert _by_check(run_checks(con, SOURCE, DAYS[8], strict))["volume"].status == "fail"


def test_a_normal_partition_passes_every_check(con):
    results = run_checks(con, SOURCE, DAYS[7])
    assert [r.check for r in results] == [
        "volume",
        "empty_text",
        "missing_date",
        "reject_rate",
        "duplicate_rate",
    ]
    assert {r.status for r in results} == {"pass"}
    assert results[0].message == (
        "harbor-herald 2026-11-17: 9 articles, 10% below the trailing 7-partition average of 10.0"
    )
    raise_for_failures(results)  # nothing to raise


def test_the_trailing_average_uses_previous_partitions_of_the_same_source_only(con):
    # wire: 12, 12, 12 on 11-13..15, 12 on 11-16, 10 on 11-17, and a zero-article run on 11-12
    volume = _by_check(run_checks(con, "wire", "2026-11-18"))["volume"]
    assert volume.status == "fail"
    assert (
        "wire 2026-11-18: 1 article, 90% below the trailing 6-partition average of 9.7"
        in volume.message
    )
    assert volume.threshold == pytest.approx(0.2 * 58 / 6)


def test_too_little_history_is_not_judged(con):
    volume = _by_check(run_checks(con, "fresh", "2026-11-18"))["volume"]
    assert volume.status == "pass"
    assert "too little history" in volume.message


def test_rates_of_empty_text_missing_dates_rejects_and_duplicates(con):
    checks = _by_check(run_checks(con, "wire", dt.date(2026, 11, 17)))
    expected = {
        "empty_text": ("warn", 0.1, 0.02),
        "missing_date": ("warn", 0.6, 0.5),
        "reject_rate": ("warn", 5 / 15, 0.3),
        "duplicate_rate": ("warn", 0.6, 0.5),
    }
    assert {
        name: (checks[name].status, pytest.approx(checks[name].value), checks[name].threshold)
        for name in expected
    } == expected
    assert checks["reject_rate"].message == (
        "wire 2026-11-17: 33% (5 of 15) of pages were rejected (warn above 30%, fail above 60%)"
    )
    strict = QualityThresholds(missing_date_fail=0.55, empty_text_fail=0.05)
    failed = [r for r in run_checks(con, "wire", "2026-11-17", strict) if r.status == "fail"]
    assert [r.check for r in failed] == ["empty_text", "missing_date"]
    with pytest.raises(QualityCheckFailed, match=r"wire 2026-11-17: 60% .* no published date"):
        raise_for_failures(failed)


def test_an_absent_partition_fails_on_volume_and_has_no_rates(con):
    results = _by_check(run_checks(con, SOURCE, "2026-11-19"))
    assert results["volume"].status == "fail" and results["volume"].value == 0.0
    assert results["empty_text"].status == "pass" and results["empty_text"].value == 0.0


def test_results_fit_the_quality_table_schema(con):
    checked_at = dt.datetime(2026, 11, 19, 7, tzinfo=dt.UTC)
    rows = quality_rows(run_checks(con, SOURCE, "2026-11-18"), checked_at=checked_at)
    table = pa.Table.from_pylist(rows, SCHEMAS["quality"])
    assert table.num_rows == 5
    assert table.column("status").to_pylist()[0] == "warn"
    assert "source" not in table.column_names  # from the partition path, like other tables
