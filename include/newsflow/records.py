"""What every layer shares: the records the data's way carries, its identities and errors.

The layers (``acquire``, ``text``, ``nlp``, ``warehouse``) import from here and
never from each other; ``jobs`` composes them. The records are the rows of the
warehouse's tables, typed: a misspelt or missing field is an error where the
row is made, not a NULL column found months later (``warehouse.schema`` checks
its Arrow schemas against them on import).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass

#: A source id: it names partition paths, so nothing else is allowed in one.
SOURCE_ID = re.compile(r"[a-z0-9_-]{1,64}")


class SourceConfigError(ValueError):
    """The registry is malformed; the message names the source and field."""


def validate_source_id(source_id: str) -> str:
    """Return ``source_id`` if it is safe to use in a partition path (all of it:
    ``fullmatch``, so a trailing newline is refused too)."""
    if not isinstance(source_id, str) or not SOURCE_ID.fullmatch(source_id):
        raise SourceConfigError(
            f"invalid source id {source_id!r}: expected 1 to 64 of a-z, 0-9, '_' and '-'"
        )
    return source_id


class Stage(enum.StrEnum):
    """Where a page left the data's way: a ``rejects`` row's ``stage``."""

    #: The page could not be got (the network, the server, a policy, a damaged record).
    FETCH = "fetch"
    #: Its bytes are no text (empty, binary, an encoding nothing reads).
    DECODE = "decode"
    #: It holds no article (no main text, too short, a login wall, a copy, over time).
    EXTRACT = "extract"


@dataclass(slots=True, kw_only=True)
class Article:
    """One clean article: an ``articles`` row without its partition (``source``, ``date``)."""

    article_id: str
    url: str | None
    canonical_url: str | None
    title: str | None
    #: The byline as it reads ("A, B, and C"), and its names one by one.
    author: str | None
    authors: list[str]
    published_at: dt.date | None
    #: The date the page says it was last changed, if it says so.
    modified_at: dt.date | None
    date_source: str | None
    site_name: str | None
    language: str | None
    text: str
    word_count: int
    content_hash: str
    input_format: str
    extractor_version: str
    pipeline_version: str
    #: Set by the enrich step; None while the article is only extracted.
    ner_model: str | None
    entity_count: int
    ingested_at: dt.datetime
    raw_ref: str
    #: MinHash signature; ``cluster_id`` and ``duplicate_of`` are set when the
    #: date's stories are clustered (every source in).
    fingerprint: bytes
    cluster_id: str | None
    duplicate_of: str | None


@dataclass(slots=True, kw_only=True)
class Entity:
    """One entity mention of an article: an ``entities`` row."""

    article_id: str
    text: str
    #: The label and the canonical name the corpus decided (newsflow.nlp.corpus).
    label: str
    canonical: str
    start_char: int
    end_char: int
    sentence: int
    model: str
    #: The label and the canonical name the article alone gave (newsflow.nlp.entities):
    #: what the corpus decision is recomputed from.
    ner_label: str
    ner_canonical: str
    #: The GeoNames place a GPE or LOC name means in its article, where the gazetteer knows it.
    geonames_id: int | None = None
    country_code: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(slots=True, kw_only=True)
class Reject:
    """A page that did not become an article, and why: a ``rejects`` row."""

    raw_ref: str
    url: str | None
    stage: Stage
    #: A reason of the stage: a fetch failure (``timeout``, ``http_404``, ...),
    #: a decode or extract verdict (``binary``, ``no_main_text``, ...).
    reason: str
    detail: str


@dataclass(slots=True, kw_only=True)
class Run:
    """One publish of a partition: a ``runs`` row (the partition's history is kept)."""

    run_id: str
    started_at: dt.datetime
    #: Set by the commit, under the partition's lock, as it inserts the row.
    finished_at: dt.datetime | None = None
    pages_in: int
    articles: int
    rejects: int
    entities: int
    seconds_extract: float
    seconds_enrich: float
    seconds_write: float
    #: Set by the commit: from its start to the row's insert.
    seconds_publish: float = 0.0
    pipeline_version: str
    extractor_version: str
    models: str
    #: A hash of the versions and settings that made the partition (reprocessing reads it).
    config_hash: str
    #: What fetching cost (web sources; zero for archives): ``FetchStats.run_fields``.
    seconds_fetch: float = 0.0
    http_fetches: int = 0
    http_requests: int = 0
    http_bytes_received: int = 0
    http_retries: int = 0
    http_robots_fetches: int = 0
    http_robots_refused: int = 0
    http_blocked: int = 0
    http_not_modified: int = 0
    http_errors: int = 0
    http_status_counts: str = "{}"
    #: Index children read and not read (over ``max_sitemaps``, or ruled out by date).
    sitemaps_read: int = 0
    sitemaps_skipped: int = 0
    #: New pages announced but left for the next run (page cap or fetch budget).
    pages_deferred: int = 0


#: The record of each table the pipeline writes, by table name.
RECORDS: dict[str, type] = {
    "articles": Article,
    "entities": Entity,
    "rejects": Reject,
    "runs": Run,
}
