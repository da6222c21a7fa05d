"""Property-based tests (hypothesis) for the three normalisers every row depends on.

The text cleaner sees every plain-text page, ``canonical_name`` every entity
mention, ``canonicalize`` every URL (article ids are its hash). Hand-written
examples cover the cases we thought of; these generate the ones we did not.
Example counts stay modest so ``make test`` stays quick; ``NEWSFLOW_SOAK=1``
runs 20 times as many.
"""

from __future__ import annotations

import os
import unicodedata
from urllib.parse import urlsplit

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newsflow.acquire.urls import InvalidURL, canonicalize, is_secret_param, is_tracking_param
from newsflow.nlp.entities import canonical_name
from newsflow.text.plaintext import clean_text_page

SCALE = 20 if os.environ.get("NEWSFLOW_SOAK") == "1" else 1
FAST = settings(
    max_examples=60 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# --- the text cleaner ---------------------------------------------------------

WORDS = st.sampled_from(
    [
        "the",
        "port",
        "council",
        "said",
        "on",
        "Monday",
        "harbour",
        "bridge",
        "will",
        "be",
        "rebuilt",
        "Lisbon",
        "mayor",
        "Share",
        "Advertisement",
        "Subscribe",
        "newsletter",
        "By",
        "Jane",
        "Roe",
        "Published",
        "2026",
        "|",
        "*",
        "-",
        ">",
        "#",
        "[link](http://x.example)",
        "![img](a.png)",
        "**bold**",
        "_it_",
        "Zürich",
        "naïve",
        "東京",
        "—",
        "…",
        "42",
    ]
)
LINE = st.lists(WORDS, min_size=0, max_size=30).map(" ".join)
PAGE = st.lists(st.one_of(LINE, st.just(""), st.text(max_size=80)), max_size=25).map("\n".join)


@FAST
@given(PAGE)
def test_the_text_cleaner_never_crashes_and_invents_nothing(page):
    """Whatever the page, the cleaner returns; every character of its text was
    on the page (it keeps, joins and strips, it never writes)."""
    cleaned = clean_text_page(page)
    assert isinstance(cleaned.text, str)
    kept = set(cleaned.text) - set(" \n\t")
    assert kept <= set(unicodedata.normalize("NFC", page)) | set(page)


@FAST
@given(PAGE)
def test_cleaned_text_has_no_blank_edges_or_runs_of_blank_lines(page):
    text = clean_text_page(page).text
    assert text == text.strip()
    assert "\n\n\n" not in text


VOCABULARY = [
    "mayor",
    "council",
    "harbour",
    "bridge",
    "engineers",
    "inspected",
    "pillars",
    "tides",
    "residents",
    "district",
    "complained",
    "detour",
    "ferry",
    "terminal",
    "market",
    "project",
    "financed",
    "investment",
    "bank",
    "reporters",
    "opposition",
    "councillor",
    "welcomed",
    "decision",
    "inspection",
    "report",
    "contract",
    "signed",
    "temporary",
    "footbridge",
    "pedestrians",
    "channel",
    "january",
    "eighteen",
    "months",
    "storm",
    "damaged",
    "spring",
    "city",
]
SENTENCE = st.permutations(VOCABULARY).map(lambda ws: " ".join(ws[:14]).capitalize() + ".")
ARTICLE = st.lists(SENTENCE, min_size=4, max_size=8, unique=True).map("\n\n".join)


@FAST
@given(ARTICLE)
def test_a_clean_article_under_a_headline_comes_through(article):
    """Not idempotence: the cleaner takes a page's first line as its title, so
    its own output (title removed) is not a page. Put a headline back on top and
    plain paragraphs of prose come through with their words, in order."""
    once = clean_text_page("Harbour bridge to be rebuilt\n\n" + article).text
    twice = clean_text_page("Harbour bridge to be rebuilt\n\n" + once).text
    assert twice.split() == once.split()
    assert set(once.split()) <= set(article.split())


# --- the entity canonicaliser ---------------------------------------------------

LABELS = st.sampled_from(["PERSON", "ORG", "GPE", "LOC", "NORP", "DATE", "EVENT"])
NAMES = st.one_of(
    st.text(max_size=60),
    st.lists(
        st.sampled_from(
            [
                "Mr.",
                "Mrs",
                "Dr.",
                "President",
                "the",
                "The",
                "U.S.",
                "U.N.",
                "Marchetti's",
                "Elena",
                "O’Brien",
                "Northwind",
                "Shipping",
                "Company",
                "'s",
                "'",
                '"',
                "(",
                ")",
                ",",
                ".",
                "-",
                "Zürich",
            ]
        ),
        max_size=8,
    ).map(" ".join),
)


@FAST
@given(NAMES, LABELS)
def test_canonical_names_are_trimmed_and_never_longer(text, label):
    name = canonical_name(text, label)
    assert name == name.strip()
    assert "  " not in name
    assert len(name) <= len(unicodedata.normalize("NFC", text))


@FAST
@example("THE ,0", "ORG")
@example("X's's", "ORG")
@example("The The Band", "ORG")
@given(NAMES, LABELS)
def test_canonical_names_are_idempotent(text, label):
    """A canonical name is its own canonical name: counting keys must not drift
    when a name is canonicalised again (views, re-runs, merges)."""
    name = canonical_name(text, label)
    assert canonical_name(name, label) == name


# --- the URL canonicaliser ----------------------------------------------------

HOSTS = st.sampled_from(
    ["News.Example", "news.example.", "xn--bcher-kva.example", "bücher.example", "127.0.0.1",
     "[2001:DB8::1]", "a.b.example"]
)  # fmt: skip
SEGMENTS = st.lists(
    st.sampled_from(
        ["a", "b", ".", "..", "story", "%7Euser", "caf%C3%A9", "é", "x%20y", ";jsessionid=1"]
    ),
    max_size=6,
).map("/".join)
PARAMS = st.lists(
    st.tuples(
        st.sampled_from(
            ["id", "page", "utm_source", "UTM_Medium", "fbclid", "token", "api_key", "q", "sid"]
        ),
        st.sampled_from(["1", "x", "a%20b", "ü", ""]),
    ),
    max_size=5,
)
URLS = st.builds(
    lambda scheme, user, host, port, path, params, fragment: (
        f"{scheme}://{user}{host}{port}/{path}"
        + ("?" + "&".join(f"{k}={v}" for k, v in params) if params else "")
        + fragment
    ),
    st.sampled_from(["http", "HTTP", "https", "HttpS"]),
    st.sampled_from(["", "user@", "user:s3cret@"]),
    HOSTS,
    st.sampled_from(["", ":80", ":443", ":8080"]),
    SEGMENTS,
    PARAMS,
    st.sampled_from(["", "#top", "#"]),
)


@FAST
@given(URLS)
def test_canonical_urls_are_idempotent_and_keep_only_what_names_the_page(url):
    try:
        canonical = canonicalize(url)
    except InvalidURL:
        return
    assert canonicalize(canonical) == canonical
    parts = urlsplit(canonical)
    assert parts.scheme == urlsplit(url).scheme.lower()
    assert parts.hostname == (parts.hostname or "").lower()
    assert "@" not in parts.netloc and "s3cret" not in canonical, "credentials survive"
    assert not parts.fragment
    for pair in filter(None, parts.query.split("&")):
        key = pair.partition("=")[0]
        assert not is_tracking_param(key) and not is_secret_param(key), pair
    default = {"http": ":80", "https": ":443"}[parts.scheme]
    assert not parts.netloc.endswith(default)


@FAST
@given(URLS, URLS)
def test_spellings_of_one_page_share_one_canonical_url(a, b):
    """Case, default ports, fragments, tracking and credential parameters never
    make two canonical URLs, so never two article ids for one page."""
    try:
        ca, cb = canonicalize(a), canonicalize(b)
    except InvalidURL:
        return
    if urlsplit(a).path == urlsplit(b).path and ca != cb:
        pa, pb = urlsplit(ca), urlsplit(cb)
        assert (pa.scheme, pa.netloc, pa.query) != (pb.scheme, pb.netloc, pb.query)
