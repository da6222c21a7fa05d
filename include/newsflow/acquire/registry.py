"""The source registry: which sites we ingest, and how to reach their pages.

Sources are declared in YAML (``include/sources.yaml``) so operators add a
site without touching code. Ids end up in partition paths, so they are
validated strictly here, once, before any path is built from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from newsflow.acquire.urls import InvalidURL, canonicalize, redact, redact_text
from newsflow.records import SourceConfigError, validate_source_id

#: ``site``: a homepage whose linked feeds and robots.txt sitemaps are read.
KINDS = ("archive", "feed", "sitemap", "site", "urls")


@dataclass(frozen=True)
class Source:
    """One site we ingest. ``path`` is set for archives, ``url``/``urls`` for the web."""

    id: str
    name: str
    kind: str
    path: Path | None = None
    url: str | None = None
    urls: tuple[str, ...] = ()


#: The fields an entry may have; any other is a typo the registry would otherwise ignore.
FIELDS = ("id", "name", "kind", "path", "url", "urls")


def _parse_source(entry: object, base: Path, position: int) -> Source:
    """Entry number ``position`` of the list; an error names the source and the field."""
    if not isinstance(entry, dict):
        raise SourceConfigError(f"entry {position}: each source must be a mapping, got {entry!r}")
    try:
        source_id = validate_source_id(entry.get("id"))
    except SourceConfigError as e:
        raise SourceConfigError(f"entry {position}: {e}") from e
    unknown = sorted(str(key) for key in entry if key not in FIELDS)
    if unknown:
        raise SourceConfigError(
            f"source {source_id}: unknown field {', '.join(map(repr, unknown))}"
            f" (known: {', '.join(FIELDS)})"
        )
    kind = entry.get("kind")
    if kind not in KINDS:
        raise SourceConfigError(f"source {source_id}: kind must be one of {KINDS}, got {kind!r}")
    path = _text(entry, "path", source_id)
    url = _text(entry, "url", source_id)
    urls = _url_list(entry, source_id)
    if kind == "archive" and not path:
        raise SourceConfigError(f"source {source_id}: an archive source needs 'path'")
    if kind in ("feed", "sitemap", "site") and not url:
        raise SourceConfigError(f"source {source_id}: a {kind} source needs 'url'")
    if kind == "urls" and not urls:
        raise SourceConfigError(f"source {source_id}: a urls source needs 'urls'")
    for field, value in [("url", url), *(("urls", u) for u in urls)]:
        if value is not None:
            _check_url(value, field, source_id)
    return Source(
        id=source_id,
        name=str(entry.get("name") or source_id),
        kind=kind,
        path=(base / path).resolve() if path else None,
        url=url,
        urls=urls,
    )


def _text(entry: dict, field: str, source_id: str) -> str | None:
    """``entry[field]`` if it is a string (None if absent): a number or a list there is
    a mistake, not something to coerce."""
    value = entry.get(field)
    if value is not None and not isinstance(value, str):
        raise SourceConfigError(
            f"source {source_id}: {field!r} must be a string, got {type(value).__name__} {value!r}"
        )
    return value


def _url_list(entry: dict, source_id: str) -> tuple[str, ...]:
    """``urls`` as a tuple of strings. A string given instead of a list is refused: taken
    as a sequence it would be single characters, none of them a URL."""
    value = entry.get("urls")
    if value is None:
        return ()
    if not isinstance(value, list):
        raise SourceConfigError(
            f"source {source_id}: 'urls' must be a list of URLs, got {type(value).__name__}"
            f" {redact_text(str(value))!r}"
        )
    for item in value:
        if not isinstance(item, str):
            raise SourceConfigError(
                f"source {source_id}: each of 'urls' must be a string, got {item!r}"
            )
    return tuple(value)


def _check_url(url: str, field: str, source_id: str) -> None:
    try:
        canonicalize(url)
    except InvalidURL as e:
        raise SourceConfigError(
            f"source {source_id}: {field!r} must be an absolute http(s) URL, got {redact(url)!r}"
        ) from e


def load_sources(path: Path) -> dict[str, Source]:
    """Read the registry at ``path``; relative archive paths resolve against its folder.

    Every error names the file (and the source and field where there is one).
    Whether an archive's folder exists is checked when a run needs it
    (``newsflow.jobs.sources.source_for_run``), so one moved folder does not
    stop every other source.
    """
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise SourceConfigError(f"cannot read source registry {path}: {e.strerror or e}") from e
    except yaml.YAMLError as e:
        raise SourceConfigError(f"cannot read source registry {path}: {_yaml_reason(e)}") from e
    entries = (document or {}).get("sources") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise SourceConfigError(f"{path}: expected a top-level 'sources:' list")
    sources: dict[str, Source] = {}
    for position, entry in enumerate(entries, 1):
        try:
            source = _parse_source(entry, Path(path).parent, position)
        except SourceConfigError as e:
            raise SourceConfigError(f"{path}: {e}") from e
        if source.id in sources:
            raise SourceConfigError(f"{path}: duplicate source id {source.id!r}")
        sources[source.id] = source
    return sources


def _yaml_reason(error: yaml.YAMLError) -> str:
    """What is wrong and where (line, column), on one line."""
    problem = getattr(error, "problem", None)
    mark = getattr(error, "problem_mark", None)
    if problem and mark:
        return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"
    return " ".join(str(error).split())
