from __future__ import annotations

from pathlib import Path

import pytest

from newsflow.acquire.registry import SourceConfigError, load_sources, validate_source_id
from newsflow.config import Settings
from newsflow.jobs.sources import UnknownSource, registered_source, source_for_run, source_ids
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


def test_an_id_with_a_trailing_newline_is_refused_and_the_message_names_the_file(tmp_path):
    """``id: |`` gives ``"ab\\n"``: a partition folder no later run could match."""
    registry = write(tmp_path, "sources:\n  - id: |\n      ab\n    kind: archive\n    path: x\n")
    with pytest.raises(SourceConfigError) as caught:
        load_sources(registry)
    assert str(caught.value) == (
        f"{registry}: entry 1: invalid source id 'ab\\n': expected 1 to 64 of a-z, 0-9, '_' and '-'"
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "{id: a, kind: urls, urls: https://n.example/a}",
            "'urls' must be a list of URLs, got str",
        ),
        ("{id: a, kind: urls, urls: [https://n.example/a, 7]}", "each of 'urls' must be a string"),
        ("{id: a, kind: urls, urls: [/story.html]}", "'urls' must be an absolute http(s) URL"),
        ("{id: a, kind: urls, urls: []}", "a urls source needs 'urls'"),
        ("{id: a, kind: feed, url: [https://n.example/rss]}", "'url' must be a string, got list"),
        ("{id: a, kind: feed, url: ftp://n.example/rss}", "'url' must be an absolute http(s) URL"),
        ("{id: a, kind: sitemap, url: n.example/sitemap.xml}", "'url' must be an absolute"),
        ("{id: a, kind: archive, path: 2026}", "'path' must be a string, got int"),
        ("{id: a, kind: archive, pth: x}", "unknown field 'pth' (known: id, name, kind,"),
        ("just-a-string", "entry 1: each source must be a mapping"),
    ],
)
def test_fields_of_the_wrong_type_are_refused_naming_file_source_and_field(
    tmp_path, entry, message
):
    registry = write(tmp_path, f"sources:\n  - {entry}\n")
    with pytest.raises(SourceConfigError) as caught:
        load_sources(registry)
    assert str(caught.value).startswith(f"{registry}: ")
    assert message in str(caught.value)


def test_a_bad_url_s_credentials_stay_out_of_the_message(tmp_path):
    registry = write(
        tmp_path, "sources:\n  - {id: a, kind: feed, url: 'gopher://ed:s3cret@n.example/'}\n"
    )
    with pytest.raises(SourceConfigError, match="'url' must be an absolute") as caught:
        load_sources(registry)
    assert "s3cret" not in str(caught.value)


def test_urls_sources_keep_their_list_and_web_urls_may_carry_credentials(tmp_path):
    registry = write(
        tmp_path,
        "sources:\n  - {id: a, kind: urls, urls: [https://n.example/a, 'http://n.example/b']}\n"
        "  - {id: b, kind: feed, url: 'https://ed:pw@n.example/rss.xml'}\n",
    )
    sources = load_sources(registry)
    assert sources["a"].urls == ("https://n.example/a", "http://n.example/b")
    assert sources["b"].url == "https://ed:pw@n.example/rss.xml"


def test_a_malformed_registry_says_where(tmp_path):
    registry = write(tmp_path, "sources:\n  - id: a\n   kind: archive\n")
    with pytest.raises(SourceConfigError, match=r"cannot read source registry .* at line 3"):
        load_sources(registry)


def settings_for(registry: Path) -> Settings:
    return Settings.from_env({"NEWSFLOW_SOURCES": str(registry)})


def test_a_run_needs_the_archive_folder_a_registry_names(tmp_path):
    """Checked when a run needs it: reading the registry (and the other sources) still works."""
    (tmp_path / "here").mkdir()
    registry = write(
        tmp_path,
        "sources:\n  - {id: here, kind: archive, path: here}\n"
        "  - {id: gone, kind: archive, path: moved/away}\n"
        "  - {id: web, kind: feed, url: 'https://n.example/rss'}\n",
    )
    settings = settings_for(registry)
    assert source_ids(settings=settings) == ["here", "gone", "web"]
    assert source_for_run(settings, "here").path == tmp_path / "here"
    assert source_for_run(settings, "web").kind == "feed"
    with pytest.raises(SourceConfigError) as caught:
        source_for_run(settings, "gone")
    assert str(caught.value) == (
        f"{registry}: source gone: archive folder {tmp_path / 'moved' / 'away'} does not exist"
    )


def test_an_unknown_source_is_a_registry_error_that_names_the_known_ones(tmp_path):
    registry = write(
        tmp_path,
        "sources:\n  - {id: b, kind: archive, path: x}\n  - {id: a, kind: archive, path: y}\n",
    )
    with pytest.raises(UnknownSource) as caught:
        registered_source(settings_for(registry), "nope")
    assert isinstance(caught.value, SourceConfigError) and isinstance(caught.value, KeyError)
    assert str(caught.value) == f"unknown source 'nope' in {registry}; known: a, b"
