"""The source registry: which sites we ingest, and how to reach their pages.

Sources are declared in YAML (``include/sources.yaml``) so operators add a
site without touching code. Ids end up in partition paths, so they are
validated strictly here, once, before any path is built from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

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


def _parse_source(entry: object, base: Path) -> Source:
    if not isinstance(entry, dict):
        raise SourceConfigError(f"each source must be a mapping, got {entry!r}")
    source_id = validate_source_id(entry.get("id"))
    kind = entry.get("kind")
    if kind not in KINDS:
        raise SourceConfigError(f"source {source_id}: kind must be one of {KINDS}, got {kind!r}")
    path = entry.get("path")
    if kind == "archive" and not path:
        raise SourceConfigError(f"source {source_id}: an archive source needs 'path'")
    if kind in ("feed", "sitemap", "site") and not entry.get("url"):
        raise SourceConfigError(f"source {source_id}: a {kind} source needs 'url'")
    if kind == "urls" and not entry.get("urls"):
        raise SourceConfigError(f"source {source_id}: a urls source needs 'urls'")
    return Source(
        id=source_id,
        name=str(entry.get("name") or source_id),
        kind=kind,
        path=(base / path).resolve() if path else None,
        url=entry.get("url"),
        urls=tuple(entry.get("urls") or ()),
    )


def load_sources(path: Path) -> dict[str, Source]:
    """Read the registry at ``path``; relative archive paths resolve against its folder."""
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise SourceConfigError(f"cannot read source registry {path}: {e}") from e
    entries = (document or {}).get("sources") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise SourceConfigError(f"{path}: expected a top-level 'sources:' list")
    sources: dict[str, Source] = {}
    for entry in entries:
        source = _parse_source(entry, Path(path).parent)
        if source.id in sources:
            raise SourceConfigError(f"{path}: duplicate source id {source.id!r}")
        sources[source.id] = source
    return sources
