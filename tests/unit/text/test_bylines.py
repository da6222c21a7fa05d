"""Author names as bylines and page metadata state them (newsflow.text.bylines)."""

from __future__ import annotations

import json

import pytest

from newsflow.text.bylines import author_names, byline, byline_names
from newsflow.text.extract import extract_html
from newsflow.text.metadata import PageMarkup
from support.pages import STORY, article_html


@pytest.mark.parametrize(
    ("stated", "names"),
    [
        ("By Jane Doe", ["Jane Doe"]),
        ("Written by: Jane Doe", ["Jane Doe"]),
        # several authors, in the forms bylines and trafilatura write them
        ("Jane Doe and Ana Costa", ["Jane Doe", "Ana Costa"]),
        ("Jane Doe, Ana Costa, and Li Wei", ["Jane Doe", "Ana Costa", "Li Wei"]),
        ("Jane Doe; Ana Costa", ["Jane Doe", "Ana Costa"]),
        ("Jane Doe &amp; Ana Costa", ["Jane Doe", "Ana Costa"]),
        # job titles go, after a comma or run on after the name
        ("Jane Doe, Senior Autos Reporter", ["Jane Doe"]),
        ("Jane Doe Senior Autos Reporter", ["Jane Doe"]),
        ("Jane Doe, CEO of Example Corp", ["Jane Doe"]),
        ("Jane Doe; Sr. Director of Operations", ["Jane Doe"]),
        # credentials stay with the name
        ("Jane Doe, MD, PhD", ["Jane Doe, MD, PhD"]),
        ("Jane Doe, M.D. FACP", ["Jane Doe, M.D. FACP"]),
        # a glued date, a handle, a profile URL, a placeholder are no names
        ("Jane Doe February 8", ["Jane Doe"]),
        ("Jane Doe Last Updated August 1", ["Jane Doe"]),
        ("Example Post on Tuesday, August 29, 2023", ["Example Post"]),
        ("Audiophile On", ["Audiophile On"]),  # a word a date is glued with stays without one
        ("@janedoe", []),
        ("https://www.facebook.com/examplepost", []),
        ("undefined", []),
        ("Written By", []),
        (None, []),
        # the same person twice is one author
        ("Jane Doe; jane doe", ["Jane Doe"]),
    ],
)  # fmt: skip
def test_author_names_are_people_without_labels_roles_or_dates(stated, names):
    assert author_names([stated]) == names


@pytest.mark.parametrize(
    ("names", "expected"),
    [([], None), (["A"], "A"), (["A", "B"], "A and B"), (["A", "B", "C"], "A, B, and C")],
)
def test_the_author_column_reads_as_an_english_byline(names, expected):
    assert byline(names) == expected


def _json_ld(*objects: dict) -> str:
    return "".join(
        f'<script type="application/ld+json">{json.dumps(obj)}</script>' for obj in objects
    )


def test_json_ld_authors_follow_id_links_and_win_over_the_byline():
    graph = {
        "@graph": [
            {"@type": "WebSite", "name": "The Test Gazette", "author": {"name": "Web Team"}},
            {
                "@type": "NewsArticle",
                "author": [{"@id": "#ana"}, {"@type": "Person", "name": "Li Wei"}],
                "dateModified": "2026-11-17T09:00:00Z",
            },
            {"@type": "Person", "@id": "#ana", "name": "Ana Costa"},
        ]
    }
    html = article_html(title="Bridge", paragraphs=STORY, extra=_json_ld(graph))
    assert PageMarkup(html).declared_authors() == (["Ana Costa", "Li Wei"], ["Jane Roe"])
    extracted = extract_html(html)
    assert extracted.authors == ("Ana Costa", "Li Wei")
    assert extracted.author == "Ana Costa and Li Wei"
    assert extracted.modified.isoformat() == "2026-11-17"


def test_a_json_ld_author_that_is_the_site_gives_way_to_the_pages_byline():
    publisher = {"@type": "NewsArticle", "author": {"@type": "Person", "name": "The Test Gazette"}}
    html = article_html(
        title="Bridge",
        paragraphs=STORY,
        extra=_json_ld(publisher),
        canonical="https://www.testgazette.example/2026/11/16/bridge",
    )
    assert extract_html(html).authors == ("Jane Roe",)


def test_the_modified_date_comes_from_meta_tags_and_is_none_when_unstated():
    tagged = '<meta property="article:modified_time" content="2026-11-18T10:00:00Z">'
    assert PageMarkup(tagged).modified_date().isoformat() == "2026-11-18"
    assert PageMarkup(article_html(title="Bridge", paragraphs=STORY)).modified_date() is None


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("By Jane Doe", "Jane Doe"),
        ("Posted by Jane Doe on Tuesday", "Jane Doe on Tuesday"),
        ("Written by:", ""),  # the names are on the next line
        ("By the way, rents rose", None),  # no capitalised name after the label
        ("Bypass surgery rates rose", None),
        ("Photos by Jane Doe", None),  # a photo credit
        ("The bridge reopened on Monday", None),
    ],
)
def test_a_byline_line_gives_its_names(line, names):
    assert byline_names(line) == names


def _page_without_stated_authors(header: str) -> str:
    return (
        "<html><head><title>Bridge</title></head><body><nav><a href='/'>Home</a></nav>"
        f"<article>{header}" + "".join(f"<p>{p}</p>" for p in STORY) + "</article></body></html>"
    )


@pytest.mark.parametrize(
    ("header", "authors"),
    [
        ("<h1>Bridge reopens</h1><p>By <a href='/a/jane'>Jane Doe</a></p>", ("Jane Doe",)),
        ("<div>Written by</div><div>Ana Costa</div><h1>Bridge reopens</h1>", ("Ana Costa",)),
        # far from the headline a "By" line is no byline
        ("<h1>Bridge reopens</h1><p>" + "word " * 90 + "</p><p>By Jane Doe</p>", ()),
    ],
)
def test_with_no_stated_author_the_byline_by_the_headline_names_them(header, authors):
    assert extract_html(_page_without_stated_authors(header)).authors == authors


def _page_with_reading_card(label: str, data: str) -> str:
    card = (
        f'<meta name="twitter:label1" content="{label}">'
        f'<meta name="twitter:data1" content="{data}">'
    )
    return _page_without_stated_authors("<h1>Bridge reopens</h1>").replace(
        "<title>", f"{card}<title>"
    )


@pytest.mark.parametrize(
    ("label", "data", "authors"),
    [
        ("Written by", "Ana Costa", ("Ana Costa",)),
        ("Filed under", "Harbour News", ()),  # another card's label
    ],
)
def test_a_written_by_meta_label_names_the_author(label, data, authors):
    assert extract_html(_page_with_reading_card(label, data)).authors == authors


def _page_with_author_box(box: str) -> str:
    return _page_without_stated_authors("<h1>Bridge reopens</h1>").replace(
        "</article>", f"</article><aside class='about'>{box}</aside>"
    )


@pytest.mark.parametrize(
    ("box", "authors"),
    [
        ("<p>Written by Ana Costa</p><p>Ana covers the harbour.</p>", ("Ana Costa",)),
        ("<h3>Article written by:</h3><p>Ana Costa, MD</p>", ("Ana Costa, MD",)),
        # far from the headline, a bare "By" may credit anyone
        ("<p>Photo by Jane Doe</p><p>By Jane Doe</p>", ()),
        # nor does a theme's stylesheet header
        ("<style>/*\nTheme Name: Harbour\nAuthor: Elegant Themes\nVersion: 4\n*/</style>", ()),
        # a lone label over a sentence names no one
        ("<p>Author:</p><p>I moved to the harbour town ten years ago and never left.</p>", ()),
    ],
)
def test_with_no_other_source_an_author_box_anywhere_names_them(box, authors):
    assert extract_html(_page_with_author_box(box)).authors == authors
