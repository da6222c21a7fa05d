from __future__ import annotations

from pathlib import Path

import pytest

from newsflow.acquire.registry import SourceConfigError, load_sources, validate_source_id
from support.paths import ROOT


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text)
    return path


def test_project_registry_lists_the_sample_sources():
    sources = load_sources(ROOT / "include" / "sources.yaml")
    assert len(sources) >= 3
    for source in sources.values():
        assert source.kind == "archive"
        assert source.path is not None and source.path.is_dir(), source


def test_relative_paths_resolve_against_the_registry_folder(tmp_path):
    registry = write(tmp_path, "sources:\n  - {id: a, name: A, kind: archive, path: pages/a}\n")
    assert load_sources(registry)["a"].path == (tmp_path / "pages" / "a").resolve()


@pytest.mark.parametrize("bad", ["../etc", "Daily", "a/b", "", "x" * 65, "a b", None])
def test_ids_that_could_escape_a_partition_path_are_refused(bad):
    with pytest.raises(SourceConfigError):
        validate_source_id(bad)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sources:\n  - {id: a, kind: archive}\n", "needs 'path'"),
        ("sources:\n  - {id: a, kind: carrier-pigeon, path: x}\n", "kind must be"),
        ("sources:\n  - {id: a, kind: feed}\n", "needs 'url'"),
        (
            "sources:\n  - {id: a, kind: archive, path: x}\n  - {id: a, kind: archive, path: y}\n",
            "duplicate",
        ),
        ("nothing: here\n", "sources:"),
        ("sources: [\n", "cannot read"),
    ],
)
def test_malformed_registries_say_what_is_wrong(tmp_path, text, message):
    with pytest.raises(SourceConfigError, match=message):
        load_sources(write(tmp_path, text))
