"""Article or not: whether an HTML page that yields text is an article at all.

Product pages, listings, forum threads, documentation and service pages
have main text too, and trafilatura extracts it: a word count cannot tell
them from a short article. The evidence is the page's own: what it declares
itself (JSON-LD ``@type``, ``og:type``), whether it states a date and an
author, how its text is built (paragraphs of sentences or short lines and
links), its markup (forms, list items, prices) and its URL (a date, a slug).

A logistic model weighs the evidence. Its weights are in ``pagekind.json``,
learned by ``tools/learn_pagekind.py`` from the shared corpora with folds
grouped by site, and its threshold keeps the articles the folds kept (see
the file's ``measured``); the features are computed here, by the same code
for learning and for judging.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from newsflow.text.metadata import STORY_TYPES, PageMarkup

MODEL_FILE = Path(__file__).with_name("pagekind.json")

#: JSON-LD types by the kind of page they declare.
_DECLARED_KINDS = {
    "article": STORY_TYPES,
    "product": {"Product", "Offer", "AggregateOffer", "SoftwareApplication", "Service"},
    "listing": {"ItemList", "CollectionPage", "SearchResultsPage", "OfferCatalog"},
    "forum": {"QAPage", "DiscussionForumPosting", "Question", "Answer", "Comment"},
    "documentation": {"FAQPage", "HowTo", "TechArticle", "APIReference"},
}
_SENTENCE_END = re.compile(r"[.!?:;\"'\u201d\u2019)\u3002]$")
_URL_DATE = re.compile(r"/(?:19|20)\d\d[/-](?:0?[1-9]|1[0-2])(?:[/-]|$)")
_PRICE = re.compile(r"[$\u20ac\u00a3\u00a5]\s?\d|\d\s?(?:\u20ac|USD|EUR)\b")
#: The tags counted, in one pass over the page: ``<a ...>`` counts as "a".
_COUNTED_TAG = re.compile(r"<(a|li|form|input|article|h2|h3|pre|code|table|button)[\s>]", re.I)
#: The ``date_source`` values of a date the page itself states.
_STATED_DATE_SOURCES = frozenset({"json_ld", "html_meta", "html_time"})
#: Words web sites put in the paths of their stories, and of their other pages.
_STORY_PATH = re.compile(r"\b(?:news|article|articles|story|stories|blog|post|posts|opinion)\b")
_OTHER_PATH = re.compile(
    r"\b(?:products?|shop|store|pricing|services?|category|categories|tags?|collections?"
    r"|forums?|threads?|questions?|docs?|documentation|help|support|wiki|faq|reference"
    r"|about|contact|search)\b"
)


@dataclass(frozen=True)
class Verdict:
    """The model's reading of a page: the article probability and its strongest evidence."""

    probability: float
    threshold: float
    evidence: str
    #: What the page looks like instead: a declared kind, else one its shape suggests.
    kind: str

    @property
    def is_article(self) -> bool:
        return self.probability >= self.threshold


def page_features(
    html: str,
    *,
    markup: PageMarkup,
    title: str | None,
    text: str,
    words: int,
    url: str | None,
    date_source: str | None,
) -> dict[str, float]:
    """The evidence of one page, as numbers (see the module docstring).

    ``words`` is the main text's :func:`~newsflow.text.words.count_words`;
    ``date_source`` is where the page's published date came from: only a date
    the page states (JSON-LD, meta tags, ``<time>``) counts, not one guessed.
    """
    paragraphs = [p for p in text.split("\n") if p.strip()]
    counts = Counter(tag.lower() for tag in _COUNTED_TAG.findall(html))
    declared = markup.declared_types()
    og_type = (markup.meta_content("og:type") or "").strip().lower()
    path = (url or "").split("://", 1)[-1].partition("/")[2].split("?", 1)[0].strip("/")
    slug = path.rsplit("/", 1)[-1]
    features = {
        "log_words": math.log1p(words),
        "log_paragraphs": math.log1p(len(paragraphs)),
        "log_words_per_paragraph": math.log1p(words / max(len(paragraphs), 1)),
        "sentence_paragraphs": _share(paragraphs, lambda p: bool(_SENTENCE_END.search(p))),
        "short_paragraphs": _share(paragraphs, lambda p: len(p.split()) < 8),
        "text_density": len(text) / max(len(html), 1),
        # a link or list item per word of the main text is all they can say:
        # beyond that a page is a menu's or a footer's as much as a listing's
        "links_per_word": min(counts["a"] / max(words, 1), 1.0),
        "items_per_word": min(counts["li"] / max(words, 1), 1.0),
        "log_forms": math.log1p(counts["form"] + counts["input"]),
        "log_prices": math.log1p(len(_PRICE.findall(text))),
        "og_article": float(og_type == "article"),
        "og_other": float(bool(og_type) and og_type != "article"),
        "states_date": float(date_source in _STATED_DATE_SOURCES),
        "states_modified": float(markup.modified_date() is not None),
        "states_author": float(any(markup.declared_authors())),
        "one_heading": float(markup.heading_count() == 1),
        "log_title_words": math.log1p(len((title or "").split())),
        "article_element": float(counts["article"] > 0),
        "url_date": float(bool(_URL_DATE.search("/" + path + "/"))),
        "url_depth": min(path.count("/") + 1, 6) if path else 0.0,
        "url_story_word": float(bool(_STORY_PATH.search(path.lower()))),
        "url_other_word": float(bool(_OTHER_PATH.search(path.lower()))),
        "headings_per_word": min((counts["h2"] + counts["h3"]) / max(words, 1), 1.0),
        "has_code": float(counts["pre"] + counts["code"] > 0),
        "log_tables": math.log1p(counts["table"]),
        "log_buttons": math.log1p(counts["button"]),
        "slug_words": min(slug.count("-") + slug.count("_") + 1, 15) if slug else 0.0,
    }
    for kind, types in _DECLARED_KINDS.items():
        features[f"declares_{kind}"] = float(bool(declared & types))
    return features


def _share(paragraphs: list[str], test: Callable[[str], bool]) -> float:
    """The share of ``paragraphs`` that pass ``test`` (0 for none)."""
    return sum(1 for p in paragraphs if test(p)) / len(paragraphs) if paragraphs else 0.0


@functools.cache
def _model() -> dict:
    return json.loads(MODEL_FILE.read_text(encoding="utf-8"))


def judge(features: dict[str, float]) -> Verdict:
    """The article probability of a page's features, and the feature that weighed most.

    The evidence names the feature that pulled furthest towards "not an
    article", for the reject's ``detail``.
    """
    model = _model()
    pulls = {
        name: weight
        * (_clipped(features[name], model, name) - model["mean"][name])
        / model["scale"][name]
        for name, weight in model["weights"].items()
    }
    score = model["bias"] + sum(pulls.values())
    probability = 1.0 / (1.0 + math.exp(-max(min(score, 60.0), -60.0)))
    strongest = min(pulls, key=pulls.get)
    return Verdict(
        probability=probability,
        threshold=model["threshold"],
        evidence=f"{strongest}={features[strongest]:.2f}",
        kind=_likely_kind(features),
    )


def _clipped(value: float, model: dict, name: str) -> float:
    """The value within the range the model learned from (beyond it, it says no more)."""
    return min(max(value, model["low"][name]), model["high"][name])


def _likely_kind(features: dict[str, float]) -> str:
    """The kind of page the features suggest, for a reject's ``detail``."""
    for kind in _DECLARED_KINDS:
        if kind != "article" and features[f"declares_{kind}"]:
            return kind
    if features["log_prices"] >= math.log1p(3) or features["log_forms"] >= math.log1p(5):
        return "product or service"
    if features["short_paragraphs"] > 0.5 or features["links_per_word"] > 0.2:
        return "listing"
    return "other"
