"""A partition's raw store: the responses fetched or imported for it, and the pages not got.

The fetch step (and an import) writes it; extraction reads it back
(:class:`newsflow.acquire.pages.RawArchivePages`), so a partition can be
extracted again at will without the network.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from newsflow.acquire.urls import canonical_or_none, redact, redact_text
from newsflow.acquire.warc import ArchivedResponse, WarcWriter, read_responses
from newsflow.files import replacing


@dataclass(frozen=True)
class FetchFailure:
    """A page that was announced but not got: kept so it becomes a reject."""

    url: str
    reason: str
    detail: str


@dataclass(frozen=True)
class RawArchive:
    """Where a partition's raw pages are kept: fetched or imported responses, and
    the pages that could not be got.

    ``ref_name`` is how ``raw_ref`` values name the WARC file. The archive is
    rewritten whole (atomically) whenever pages are added: earlier responses
    are carried over, so a page is fetched or imported once.
    """

    warc: Path
    failures: Path
    ref_name: str

    def writer(self) -> WarcWriter:
        """A writer that replaces the archive when it closes (keeps it on error)."""
        return WarcWriter(self.warc, ref_name=self.ref_name)

    def good_records(self) -> Iterator[tuple[set[str], ArchivedResponse]]:
        """The archive's 2xx responses, each with its canonical URLs."""
        if not self.warc.exists():
            return
        for record in read_responses(self.warc, ref_name=self.ref_name):
            if record.body is not None and 200 <= (record.status or 0) < 300:
                urls = {canonical_or_none(record.url), canonical_or_none(record.requested_url)}
                yield urls - {None}, record

    def urls(self) -> set[str]:
        """Canonical URLs the archive already holds a page for."""
        return {url for urls, _ in self.good_records() for url in urls}

    def carry_over(self, writer: WarcWriter, *, replaced: set[str]) -> None:
        """Copy the earlier responses into ``writer``, but those ``replaced`` anew."""
        for urls, record in self.good_records():
            if not urls & replaced:
                writer.write_response(
                    url=record.url,
                    status=record.status or 0,
                    headers=record.headers,
                    body=record.body or b"",
                    fetched_at=record.fetched_at or dt.datetime.now(dt.UTC),
                    requested_url=record.requested_url,
                    date_source=record.date_source,
                )


def write_failures(path: Path, failures: Iterable[FetchFailure]) -> int:
    """Replace the failure list beside a raw archive (JSON lines, atomically).

    Credentials in the URLs and details are redacted, as in the WARC: the
    list becomes ``rejects`` rows that every analyst reads.
    """
    count = 0
    with replacing(path) as handle:
        for failure in failures:
            kept = FetchFailure(redact(failure.url), failure.reason, redact_text(failure.detail))
            handle.write(json.dumps(asdict(kept)) + "\n")
            count += 1
    return count


def read_failures(path: Path) -> Iterator[FetchFailure]:
    """The failures :func:`write_failures` kept (none if there is no file)."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            yield FetchFailure(**json.loads(line))
