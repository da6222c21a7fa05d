"""Learn the article-or-not model (``include/newsflow/text/pagekind.json``).

Reads the shared corpora (``wcxb-dev``: every page with its ``page_type``;
``aeb``: news articles), computes each page's features with the product's own
code (``newsflow.text.extract.page_evidence``), and fits an L2-regularised
logistic regression in numpy. Pages with no main text are left out: they are
rejected before the model sees them.

What it prints is measured out of fold: five folds grouped by site (a site's
pages are all in one fold), so every figure is on sites the model did not
learn from. The threshold is the highest that keeps ``--keep`` of the
articles out of fold; the model written is then fit on all pages, with that
threshold, and the out-of-fold figures go into the file as ``measured``.

Usage::

    python tools/learn_pagekind.py [--corpora DIR] [--keep 0.993] [--jobs N] [--dry-run]
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import zlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from newsflow.text.extract import PageRejected, page_evidence
from newsflow.text.pagekind import MODEL_FILE

log = logging.getLogger("learn_pagekind")
ROOT = Path(__file__).resolve().parents[1]
FOLDS = 5
L2 = 1.0


def _pages(corpora: Path) -> list[tuple[Path, bool, str]]:
    """(html file, is an article, site) of every page of both corpora."""
    pages = []
    truth = json.loads((corpora / "wcxb-dev" / "ground-truth.json").read_text(encoding="utf-8"))
    for pid, page in sorted(truth.items()):
        path = corpora / "wcxb-dev" / "html" / f"{pid}.html.gz"
        pages.append((path, page["page_type"] == "article", page["domain"]))
    truth = json.loads((corpora / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    for pid, page in sorted(truth.items()):
        path = next((corpora / "aeb" / "html").glob(f"{pid}.*"))
        pages.append((path, True, urlsplit(page.get("url") or "").hostname or pid))
    return pages


def _features(path: Path) -> dict[str, float] | None:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    try:
        return page_evidence(raw.decode("utf-8", errors="replace"))
    except PageRejected:
        return None


def _fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Weights and bias of an L2 logistic regression (Newton's method; x standardised)."""
    design = np.hstack([x, np.ones((len(x), 1))])
    beta = np.zeros(design.shape[1])
    penalty = np.eye(design.shape[1]) * L2
    penalty[-1, -1] = 0.0  # the bias is not shrunk
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-design @ beta))
        gradient = design.T @ (p - y) + penalty @ beta
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta[:-1], float(beta[-1])


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, scale = x.mean(axis=0), x.std(axis=0)
    return mean, np.where(scale > 0, scale, 1.0)


def _clip_bounds(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each feature's 1st and 99th percentile: a page beyond them (a menu of
    5,000 links) weighs as the most extreme page learned from, no more."""
    return np.quantile(x, 0.01, axis=0), np.quantile(x, 0.99, axis=0)


def _out_of_fold(x: np.ndarray, y: np.ndarray, sites: list[str]) -> np.ndarray:
    """Each page's article probability from a model that never saw its site."""
    fold = np.array([zlib.crc32(site.encode()) % FOLDS for site in sites])
    scores = np.zeros(len(y))
    for k in range(FOLDS):
        train, held = fold != k, fold == k
        low, high = _clip_bounds(x[train])
        clipped = np.clip(x, low, high)
        mean, scale = _standardise(clipped[train])
        weights, bias = _fit((clipped[train] - mean) / scale, y[train])
        held_x = (clipped[held] - mean) / scale
        scores[held] = 1.0 / (1.0 + np.exp(-(held_x @ weights + bias)))
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    parser.add_argument("--keep", type=float, default=0.993, help="share of articles to keep")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--dry-run", action="store_true", help="print, do not write the model")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("trafilatura").setLevel(logging.ERROR)  # "discarding data" per page

    pages = _pages(args.corpora)
    with ProcessPoolExecutor(args.jobs) as pool:
        found = list(pool.map(_features, [path for path, _, _ in pages], chunksize=8))
    kept = [
        (f, label, site) for f, (_, label, site) in zip(found, pages, strict=True) if f is not None
    ]
    names = sorted(kept[0][0])
    x = np.array([[f[name] for name in names] for f, _, _ in kept])
    y = np.array([float(label) for _, label, _ in kept])
    sites = [site for _, _, site in kept]
    log.info("%d pages with main text (%d articles) of %d", len(y), int(y.sum()), len(pages))

    scores = _out_of_fold(x, y, sites)
    threshold = float(np.quantile(scores[y == 1], 1.0 - args.keep))
    articles_kept = float((scores[y == 1] >= threshold).mean())
    others_rejected = float((scores[y == 0] < threshold).mean())
    print(f"out of fold ({FOLDS} folds grouped by site), threshold {threshold:.3f}:")
    print(f"  articles kept          {articles_kept:.3f} of {int(y.sum())}")
    print(f"  other pages rejected   {others_rejected:.3f} of {int((1 - y).sum())}")

    low, high = _clip_bounds(x)
    x = np.clip(x, low, high)
    mean, scale = _standardise(x)
    weights, bias = _fit((x - mean) / scale, y)
    for name, weight in sorted(zip(names, weights, strict=True), key=lambda item: -abs(item[1])):
        print(f"  {name:26} {weight:+.3f}")
    if args.dry_run:
        return 0
    model = {
        "about": "learned by tools/learn_pagekind.py; see newsflow.text.pagekind",
        "weights": dict(zip(names, np.round(weights, 6).tolist(), strict=True)),
        "bias": round(bias, 6),
        "mean": dict(zip(names, np.round(mean, 6).tolist(), strict=True)),
        "scale": dict(zip(names, np.round(scale, 6).tolist(), strict=True)),
        "low": dict(zip(names, np.round(low, 6).tolist(), strict=True)),
        "high": dict(zip(names, np.round(high, 6).tolist(), strict=True)),
        "threshold": round(threshold, 6),
        "measured": {
            "folds": f"{FOLDS}, grouped by site",
            "pages": len(y),
            "articles_kept": round(articles_kept, 4),
            "other_pages_rejected": round(others_rejected, 4),
        },
    }
    MODEL_FILE.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {MODEL_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
