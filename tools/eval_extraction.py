"""Measure extraction quality on a shared corpus: newsflow against plain trafilatura.

Runs the project's extractor and plain trafilatura side by side on the pages of
one corpus (``--corpus``: ``aeb``, the article extraction benchmark the rules were
written against, or ``wcxb-dev``, 1,312 pages of about 1,150 other sites of which
only the ``page_type: article`` ones are scored here) in several modes and scores every
system with the benchmark's own metric (``score_extraction.py``: 4-gram shingle
precision/recall averaged per page, F1 from the means):

  html     the HTML pages.  Systems: ``trafilatura default``
           (``trafilatura.extract(html, include_comments=False)``),
           ``trafilatura favor_precision`` (same, ``favor_precision=True``) and
           ``newsflow`` (``newsflow.text.extract.extract_html``).
  flat     the same pages rendered to text by ``html_to_text_dump.py --style flat``.
  bullets  the same, ``--style bullets``.
  lynx, w3m  the same pages rendered by the text browsers ``lynx -dump`` and
           ``w3m -dump`` when they are installed (``apt-get install lynx w3m``):
           renderers the cleaner was not written against, a check that its
           rules generalise. Skipped, with a note, when missing.
           Text systems: ``keep all text`` (the dump itself, the baseline),
           ``trafilatura`` (``trafilatura.extract(text, include_comments=False)``;
           it needs markup and returns nothing, and is scored as such) and
           ``newsflow`` (``newsflow.text.extract.extract_text``).

Every page is decoded the way the pipeline does (``newsflow.text.extract.decode``) and
the same string goes to every HTML system; the dump renderer gets the page's
bytes, as its own command line does. Dumps are written to a temporary folder that
is removed afterwards. A page a system rejects (``PageRejected``) or fails on
counts as an empty extraction; the ``empty`` column counts them. newsflow is
scored on its extractor alone: the pipeline's later "too short to be an article"
gate (``MIN_ARTICLE_WORDS``) is not applied. ``sec`` is the summed extraction
time of that system over all pages (CPU time across workers, not wall time).

Output: the results table and the worst newsflow pages per mode on stdout,
progress on stderr. When the corpora folder does not exist the tool says so and
exits 0, so ``make eval`` is harmless on machines without the shared corpus.

Usage (from the repository root, with the project's virtualenv)::

    python tools/eval_extraction.py [--corpus NAME] [--corpora DIR] [--tools DIR] [--limit N]
                                    [--jobs N] [--worst N] [--json OUT]
                                    [--pred-dir DIR] [-v]

  --corpus NAME   ``aeb`` (default) or ``wcxb-dev``
  --corpora DIR   shared corpora folder holding the corpus (default
                  ``<repo>/../shared/corpora``)
  --tools DIR     folder with ``html_to_text_dump.py`` and ``score_extraction.py``
                  (default ``<corpora>/../tools``)
  --limit N       only the first N pages (sorted by id), for quick runs
  --jobs N        worker processes (default 2)
  --worst N       worst newsflow pages listed per mode (default 10)
  --json OUT      also write all figures (summary, per-system, worst pages) as JSON
  --pred-dir DIR  also write each system's predictions there as
                  ``<mode>--<system>.jsonl`` (``{"id", "text"}``, the format
                  ``score_extraction.py --pred`` reads)
  -v              debug logging

Make target suggestion (the recipe line starts with a tab)::

    eval: $(INSTALLED)
        $(BIN)/python tools/eval_extraction.py
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import logging
import multiprocessing as mp
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import trafilatura

from newsflow.text.extract import (
    EXTRACTOR_VERSION,
    PageRejected,
    decode,
    extract_html,
    extract_text,
)

log = logging.getLogger("eval_extraction")

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPORA = REPO.parent / "shared" / "corpora"

MODES: dict[str, tuple[str, ...]] = {
    "html": ("trafilatura default", "trafilatura favor_precision", "newsflow"),
}
TEXT_STYLES = ("flat", "bullets")
TEXT_SYSTEMS = ("keep all text", "trafilatura", "newsflow")
MODES |= {style: TEXT_SYSTEMS for style in TEXT_STYLES}
#: Text browsers as archives use them; the page goes in on stdin as UTF-8.
BROWSERS: dict[str, tuple[str, ...]] = {
    "lynx": (
        "lynx",
        "-dump",
        "-nolist",
        "-force_html",
        "-stdin",
        "-assume_charset=utf-8",
        "-display_charset=utf-8",
    ),
    "w3m": ("w3m", "-dump", "-T", "text/html", "-I", "UTF-8", "-O", "UTF-8"),
}

# Set in each worker by _init_worker.
_RENDER: Callable[..., str] | None = None
_DUMP_DIR: Path | None = None
_BROWSERS: tuple[str, ...] = ()


@dataclass
class PageResult:
    """What every system extracted from one page, in every mode."""

    pid: str
    texts: dict[tuple[str, str], str] = field(default_factory=dict)
    seconds: dict[tuple[str, str], float] = field(default_factory=dict)
    errors: dict[tuple[str, str], str] = field(default_factory=dict)


def load_module(path: Path, name: str) -> ModuleType:
    """Import a stand-alone script (the benchmark's tools) by its file path."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def available_browsers() -> tuple[str, ...]:
    """The text browsers of BROWSERS installed on this machine."""
    return tuple(name for name in BROWSERS if shutil.which(name))


def _init_worker(tools_dir: str, dump_dir: str, browsers: tuple[str, ...]) -> None:
    """Per-process setup: the dump renderers and where dumps are written."""
    global _RENDER, _DUMP_DIR, _BROWSERS
    _RENDER = load_module(Path(tools_dir) / "html_to_text_dump.py", "html_to_text_dump").render
    _DUMP_DIR = Path(dump_dir)
    _BROWSERS = browsers
    # trafilatura logs every page it finds nothing in; that is expected for text input.
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)


def _run(result: PageResult, mode: str, system: str, func: Callable[[], str | None]) -> None:
    """Run one system on one page, timing it; a rejection or failure is an empty text."""
    start = time.process_time()
    try:
        text = func() or ""
    except PageRejected as exc:
        text = ""
        result.errors[mode, system] = f"rejected: {exc}"
    except Exception as exc:  # one page must not stop the measurement
        text = ""
        result.errors[mode, system] = f"failed: {type(exc).__name__}: {exc}"
        log.warning("%s failed on %s (%s): %s", system, result.pid, mode, exc)
    result.seconds[mode, system] = time.process_time() - start
    result.texts[mode, system] = text


def process_page(task: tuple[str, str]) -> PageResult:
    """Extract one page with every system in every mode (runs in a worker process)."""
    pid, path = task
    assert _RENDER is not None and _DUMP_DIR is not None, "worker not initialised"
    render = _RENDER
    body = gzip.decompress(Path(path).read_bytes())
    result = PageResult(pid)
    html = decode(body)

    _run(
        result,
        "html",
        "trafilatura default",
        lambda: trafilatura.extract(html, include_comments=False),
    )
    _run(
        result,
        "html",
        "trafilatura favor_precision",
        lambda: trafilatura.extract(html, include_comments=False, favor_precision=True),
    )
    _run(result, "html", "newsflow", lambda: extract_html(html).text)

    renderings = {style: lambda s=style: render(body, s) for style in TEXT_STYLES}
    renderings |= {name: lambda n=name: _browser_dump(n, html) for name in _BROWSERS}
    for style, rendered in renderings.items():
        dump_path = _DUMP_DIR / f"{style}-{pid}.txt"
        dump_path.write_text(rendered() + "\n", encoding="utf-8")
        dump = dump_path.read_text(encoding="utf-8")
        result.texts[style, "keep all text"] = dump
        result.seconds[style, "keep all text"] = 0.0
        _run(
            result,
            style,
            "trafilatura",
            lambda d=dump: trafilatura.extract(d, include_comments=False),
        )
        _run(result, style, "newsflow", lambda d=dump: extract_text(d).text)
    return result


def _browser_dump(name: str, html: str) -> str:
    """The page as the text browser ``name`` dumps it."""
    done = subprocess.run(
        BROWSERS[name], input=html.encode("utf-8"), capture_output=True, timeout=60, check=True
    )
    return done.stdout.decode("utf-8", errors="replace")


def page_f1(precision: float, recall: float) -> float:
    """F1 of one page (the benchmark's per-page ordering)."""
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _slug(system: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", system.lower()).strip("-")


def evaluate(args: argparse.Namespace, aeb: Path, tools_dir: Path) -> dict[str, Any]:
    """Extract, score and collect every figure; returns the JSON-able report."""
    scorer = load_module(tools_dir / "score_extraction.py", "score_extraction")
    truth_all: dict[str, dict[str, str]] = json.loads(
        (aeb / "ground-truth.json").read_text(encoding="utf-8")
    )
    # Only articles have an article body to score; wcxb-dev marks the other kinds.
    pids = sorted(
        pid for pid, gt in truth_all.items() if gt.get("page_type", "article") == "article"
    )
    if args.limit is not None:
        pids = pids[: args.limit]
    tasks = []
    for pid in pids:
        path = aeb / "html" / f"{pid}.html.gz"
        if not path.exists():
            log.warning("no page for ground-truth id %s (scored as empty)", pid)
            continue
        tasks.append((pid, str(path)))
    truth = {pid: truth_all[pid] for pid in pids}

    browsers = available_browsers()
    missing = sorted(set(BROWSERS) - set(browsers))
    if missing:
        log.warning("%s not installed: those renderings are skipped", ", ".join(missing))
    modes = MODES | {name: TEXT_SYSTEMS for name in browsers}
    results: list[PageResult] = []
    with tempfile.TemporaryDirectory(prefix="newsflow-eval-") as tmp:
        log.info("%d pages, %d workers, dumps in %s", len(tasks), args.jobs, tmp)
        initargs = (str(tools_dir), tmp, browsers)
        with mp.Pool(args.jobs, initializer=_init_worker, initargs=initargs) as pool:
            for done, result in enumerate(pool.imap_unordered(process_page, tasks), 1):
                results.append(result)
                if done % 20 == 0 or done == len(tasks):
                    log.info("extracted %d/%d pages", done, len(tasks))

    report: dict[str, Any] = {
        "corpus": str(aeb),
        "pages": len(truth),
        "trafilatura": trafilatura.__version__,
        "extractor_version": EXTRACTOR_VERSION,
        "modes": {},
        "worst": {},
    }
    if args.pred_dir:
        Path(args.pred_dir).mkdir(parents=True, exist_ok=True)
    for mode, systems in modes.items():
        report["modes"][mode] = {}
        for system in systems:
            preds = {r.pid: r.texts.get((mode, system), "") for r in results}
            rows, summary = scorer.score(truth, preds)
            summary["empty"] = sum(1 for pid in truth if not preds.get(pid, "").strip())
            summary["errors"] = sum(1 for r in results if (mode, system) in r.errors)
            summary["seconds"] = round(sum(r.seconds.get((mode, system), 0.0) for r in results), 2)
            report["modes"][mode][system] = summary
            if args.pred_dir:
                out = Path(args.pred_dir) / f"{mode}--{_slug(system)}.jsonl"
                with out.open("w", encoding="utf-8") as fh:
                    for pid in sorted(preds):
                        fh.write(json.dumps({"id": pid, "text": preds[pid]}) + "\n")
            if system == "newsflow":
                worst = sorted(rows, key=lambda row: page_f1(row[1], row[2]))[: args.worst]
                report["worst"][mode] = [
                    {
                        "id": pid,
                        "f1": round(page_f1(p, r), 4),
                        "precision": round(p, 4),
                        "recall": round(r, 4),
                        "url": truth[pid].get("url", ""),
                        "error": next(
                            (x.errors.get((mode, system), "") for x in results if x.pid == pid),
                            "",
                        ),
                    }
                    for pid, p, r in worst
                ]
    return report


def print_report(report: dict[str, Any]) -> None:
    """The results table and the worst pages, on stdout."""
    print(
        f"{Path(report['corpus']).name}: {report['pages']} article pages ({report['corpus']}); "
        f"trafilatura {report['trafilatura']}; {report['extractor_version']}"
    )
    print()
    header = f"{'mode':<8} {'system':<28} {'P':>6} {'R':>6} {'F1':>6} {'empty':>5} {'sec':>7}"
    print(header)
    print("-" * len(header))
    for mode, systems in report["modes"].items():
        for system, s in systems.items():
            print(
                f"{mode:<8} {system:<28} {s['precision']:6.3f} {s['recall']:6.3f} "
                f"{s['f1']:6.3f} {s['empty']:5d} {s['seconds']:7.1f}"
            )
        print()
    for mode, rows in report["worst"].items():
        print(f"worst {len(rows)} newsflow pages, {mode} mode:")
        for row in rows:
            hint = row["url"] or row["error"]
            if row["error"] and row["url"]:
                hint += f"  [{row['error'][:60]}]"
            print(
                f"  {row['id'][:12]}  F1={row['f1']:.3f}  P={row['precision']:.3f}  "
                f"R={row['recall']:.3f}  {hint}"
            )
        print()
    print(f"wall time: {report['wall_seconds']:.1f} s")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options (see the module docstring)."""
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 1)[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument(
        "--corpus",
        choices=("aeb", "wcxb-dev"),
        default="aeb",
        help="which corpus of the corpora folder (default aeb)",
    )
    ap.add_argument(
        "--corpora",
        type=Path,
        default=None,
        help="shared corpora folder with aeb/ (default <repo>/../shared/corpora)",
    )
    ap.add_argument(
        "--tools",
        type=Path,
        default=None,
        help="folder with the benchmark tools (default <corpora>/../tools)",
    )
    ap.add_argument("--limit", type=int, default=None, help="only the first N pages")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--worst", type=int, default=10, help="worst pages listed per mode")
    ap.add_argument(
        "--json",
        dest="json_out",
        type=Path,
        default=None,
        help="also write the figures to this JSON file",
    )
    ap.add_argument(
        "--pred-dir",
        type=Path,
        default=None,
        help="also write each system's predictions (JSONL) here",
    )
    ap.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    args = ap.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        ap.error("--limit must be at least 1")
    if args.jobs < 1:
        ap.error("--jobs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    corpora = args.corpora or DEFAULT_CORPORA
    shown = str(args.corpora) if args.corpora else "../shared/corpora"
    aeb = corpora / args.corpus
    if not (aeb / "ground-truth.json").is_file():
        where = shown if not corpora.is_dir() else f"{shown}/{args.corpus}"
        print(f"{where} not found: make eval measures against the shared corpora; nothing to do")
        return 0
    tools_dir = args.tools or corpora.parent / "tools"
    missing = [
        name
        for name in ("html_to_text_dump.py", "score_extraction.py")
        if not (tools_dir / name).is_file()
    ]
    if missing:
        print(
            f"error: {', '.join(missing)} not found in {tools_dir} (use --tools DIR)",
            file=sys.stderr,
        )
        return 2

    start = time.perf_counter()
    report = evaluate(args, aeb, tools_dir)
    report["wall_seconds"] = round(time.perf_counter() - start, 1)
    print_report(report)
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        log.info("figures written to %s", args.json_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
