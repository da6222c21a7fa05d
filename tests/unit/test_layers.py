"""The package's layers import one way: records <- {acquire, text, nlp, warehouse}
<- jobs <- {DAGs, cli, the News page}; the four middle layers never import each other.

Read from the source (``ast``), not by importing, so a lazy import inside a
function counts as much as one at the top of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from support.paths import ROOT

PACKAGE = ROOT / "include" / "newsflow"
LAYERS = ("acquire", "text", "nlp", "warehouse")
#: What each part of the package may import from newsflow (besides itself).
#: ``records`` and ``files`` (atomic replacement) are the base every layer stands on.
BASE = {"records", "files"}
ALLOWED = {
    "records": set(),
    "files": set(),
    **{layer: BASE for layer in LAYERS},
    "config": {*BASE, "warehouse"},
    "jobs": {*BASE, "config", *LAYERS},
    "cli": {*BASE, "config", "jobs", *LAYERS},
}
#: The News page sits beside the command line, on top of everything.
PLUGINS = ROOT / "plugins"


def part_of(path: Path) -> str:
    """``include/newsflow/acquire/http.py`` -> ``acquire``; ``config.py`` -> ``config``."""
    first = path.relative_to(PACKAGE).parts[0]
    return first.removesuffix(".py")


def newsflow_imports(path: Path) -> set[str]:
    """The parts of newsflow that ``path`` imports (``newsflow.text.extract`` -> ``text``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = (
                [node.module]
                if node.module != "newsflow"
                else [f"newsflow.{alias.name}" for alias in node.names]
            )
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "newsflow" and len(parts) > 1:
                found.add(parts[1])
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_each_module_imports_only_the_layers_below_it(path):
    part = part_of(path)
    assert part in ALLOWED, f"{part}: not a known part of the package; add it to ALLOWED"
    upward = newsflow_imports(path) - ALLOWED[part] - {part, "__version__"}
    assert not upward, f"{path.relative_to(ROOT)} ({part}) imports {sorted(upward)}"


@pytest.mark.parametrize("path", sorted((ROOT / "dags").glob("*.py")), ids=lambda p: p.name)
def test_dags_call_only_jobs(path):
    assert newsflow_imports(path) <= {"jobs"}, path.name


@pytest.mark.parametrize(
    "path", sorted(PLUGINS.rglob("*.py")), ids=lambda p: str(p.relative_to(PLUGINS))
)
def test_the_news_page_calls_only_what_the_command_line_may(path):
    assert newsflow_imports(path) <= ALLOWED["cli"], path.name


def test_the_rule_sees_an_upward_import(tmp_path):
    """The check itself: a text module importing the warehouse is caught."""
    module = tmp_path / "bad.py"
    module.write_text("def f():\n    from newsflow.warehouse import commit\n", encoding="utf-8")
    assert newsflow_imports(module) - ALLOWED["text"] - {"text"} == {"warehouse"}


def top_level_imports(path: Path) -> set[str]:
    """The top-level packages ``path`` imports (``testkit.sitegen`` -> ``testkit``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
    return found


def test_the_package_never_imports_the_test_kit():
    """testkit (the sample-site generator) is not shipped: the Docker image has no copy."""
    users = [p for p in PACKAGE.rglob("*.py") if "testkit" in top_level_imports(p)]
    assert not users, [str(p.relative_to(ROOT)) for p in users]
