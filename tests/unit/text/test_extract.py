from __future__ import annotations

import codecs
import datetime as dt
import time

import pytest

from newsflow.text.dates import iso_date, url_date
from newsflow.text.extract import (
    MAX_MARKUP,
    PageRejected,
    check_markup,
    decode,
    extract_html,
    extract_page,
    extract_text,
    page_date,
    sniff_format,
)
from newsflow.text.metadata import PageMarkup, identify_language
from newsflow.text.words import count_tokens, count_words, word_tokens
from support.pages import STORY, article_html

BOILERPLATE = [
    "We use cookies",
    "Share on Facebook",
    "Also read",
    "Ferry timetable",
    "Leave a comment",
    "Post comment",
    "All rights reserved",
    "Home",
    "By Jane Roe",
]


def test_html_article_keeps_every_paragraph_and_drops_the_boilerplate():
    html = article_html(
        title="Lisbon to rebuild harbour bridge",
        paragraphs=STORY,
        canonical="https://gazette.example/bridge",
    )
    extracted = extract_html(html)
    for paragraph in STORY:
        assert paragraph in extracted.text
    for phrase in BOILERPLATE:
        assert phrase not in extracted.text, phrase
    assert extracted.text.split("\n\n")[0] == STORY[0]  # the title is not repeated in the body
    assert extracted.title == "Lisbon to rebuild harbour bridge"
    assert extracted.author == "Jane Roe"
    assert extracted.published.isoformat() == "2026-11-16"
    assert extracted.language == "en"
    assert extracted.canonical_url == "https://gazette.example/bridge"
    assert extracted.input_format == "html"
    assert extracted.word_count == count_words(extracted.text)  # counted once, of the final text


def test_html_post_pass_removes_teasers_credits_and_biographies_inside_the_article():
    extra = (
        "<p>Photo: Ana Costa / The Test Gazette</p>"
        "<p>Read more: City budget passes after a long night</p>"
        "<p>Jane Roe is a senior correspondent who has covered Lisbon politics since 2015.</p>"
    )
    html = article_html(title="Bridge", paragraphs=STORY, extra=extra)
    text = extract_html(html).text
    assert "Ana Costa" not in text
    assert "City budget passes" not in text
    assert "senior correspondent" not in text
    assert STORY[-1] in text


def test_plain_text_pages_go_through_the_text_cleaner():
    page = "\n\n".join(
        [
            "Home > World",
            "Lisbon to rebuild harbour bridge",
            *STORY,
            "Also Read: Ferry timetable changes again",
            "Leave a Reply",
        ]
    )
    extracted = extract_page(page.encode())
    assert extracted.input_format == "text"
    assert extracted.word_count == count_words(extracted.text)
    assert STORY[2] in extracted.text
    assert "Ferry timetable" not in extracted.text
    assert "Leave a Reply" not in extracted.text


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty"),
        (b"  \n\t ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
    ],
)
def test_undecodable_pages_are_rejected_with_a_reason(body, reason):
    with pytest.raises(PageRejected) as caught:
        extract_page(body)
    assert (caught.value.stage, caught.value.reason) == ("decode", reason)


def test_pages_without_an_article_are_rejected():
    index = (
        "<html><body><nav>"
        + "".join(f'<li><a href="/n{i}">Headline number {i}</a></li>' for i in range(30))
        + "</nav><h1>Page not found</h1><p>Sorry.</p></body></html>"
    )
    with pytest.raises(PageRejected) as caught:
        extract_page(index.encode())
    assert caught.value.stage == "extract"
    assert caught.value.reason in {"no_main_text", "not_an_article", "not_found_page"}


def test_decode_honours_boms_and_declared_charsets():
    text = "Zürich café"
    assert decode(codecs.BOM_UTF8 + text.encode()) == text
    assert decode(codecs.BOM_UTF16_LE + text.encode("utf-16-le")) == text
    declared = f'<meta charset="iso-8859-15"><p>{text} €</p>'.encode("iso-8859-15")
    assert "café €" in decode(declared)


def test_decode_prefers_the_http_charset_and_detects_when_nothing_is_declared():
    cyrillic = "Президент встретился с премьер-министром в Москве в среду. " * 20
    koi8 = f"<p>{cyrillic}</p>".encode("koi8-r")
    assert cyrillic in decode(koi8, declared="koi8-r")
    # A wrong <meta> loses against the server's header...
    mislabelled = b'<meta charset="utf-16">' + koi8
    assert cyrillic in decode(mislabelled, declared="koi8-r")
    # ...and with no declaration at all the bytes are detected, not read as cp1252.
    assert cyrillic in decode(f"<p>{cyrillic}</p>".encode("windows-1251"))
    # A header naming an unknown or wrong charset does not break decoding.
    assert decode("Zürich".encode(), declared="no-such-charset") == "Zürich"


def test_sniff_format():
    assert sniff_format("<!DOCTYPE html><html>") == "html"
    assert sniff_format("  <div class=x>hello</div>") == "html"
    assert sniff_format("Breaking: 3 < 4 and the <b> key is bold") == "text"


def test_language_comes_from_the_text_not_the_template():
    german = (
        "Der Bürgermeister der Stadt hat am Montag angekündigt, dass die alte Brücke "
        "im Hafen neu gebaut wird. Die Arbeiten sollen im Januar beginnen und sind "
        "für die Bewohner des Viertels eine gute Nachricht, sagte er auf der Sitzung."
    )
    html = article_html(title="Brücke", paragraphs=[german] * 3)  # template says lang="en"
    assert extract_html(html).language == "de"
    assert identify_language(" ".join(STORY)) == "en"
    assert identify_language("too short to tell") is None


def page_with_dates(head: str = "", body: str = "") -> str:
    return (
        f"<html><head><title>Bridge</title>{head}</head><body><article>{body}"
        + "".join(f"<p>{p}</p>" for p in STORY)
        + "</article></body></html>"
    )


@pytest.mark.parametrize(
    ("html", "url", "expected"),
    [
        (
            page_with_dates(
                '<script type="application/ld+json">{"@graph": [{"@type": "WebPage"}, '
                '{"@type": "NewsArticle", "datePublished": "2026-11-14T09:00:00+01:00"}]}'
                '</script><meta property="article:published_time" content="2026-11-15">'
            ),
            None,
            ("2026-11-14", "json_ld"),
        ),
        (
            page_with_dates('<meta property="article:published_time" content="2026-11-15">'),
            None,
            ("2026-11-15", "html_meta"),
        ),
        (
            page_with_dates(body='<span itemprop="datePublished">2026-11-13</span>'),
            None,
            ("2026-11-13", "html_meta"),
        ),
        (
            page_with_dates(body='<time datetime="2026-11-12T10:00">12 Nov</time>'),
            None,
            ("2026-11-12", "html_time"),
        ),
        (page_with_dates(), "https://g.example/2026/11/11/bridge", ("2026-11-11", "url")),
        (page_with_dates(), "https://g.example/news/bridge", (None, None)),
    ],
)
def test_published_date_comes_from_the_most_explicit_place(html, url, expected):
    published, source = PageMarkup(html).published_date(url=url, fallback=None)
    assert (published.isoformat() if published else None, source) == expected


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        # an XHTML page's declaration does not hide its meta tags
        (
            '<?xml version="1.0" encoding="utf-8"?>'
            + page_with_dates('<meta name="pubdate" content="2026-11-15">'),
            ("2026-11-15", "html_meta"),
        ),
        # JSON-LD deep in the body
        (
            page_with_dates(
                body='<div><section><script type="application/ld+json">'
                '{"datePublished": "2026-11-14"}</script></section></div>'
            ),
            ("2026-11-14", "json_ld"),
        ),
        # an element's text as the DOM reads it: markup and comments split it
        (
            page_with_dates(body='<p itemprop="datePublished">2026-<b>11</b>-<!-- x -->13</p>'),
            ("2026-11-13", "html_meta"),
        ),
        # a <time> inside a dateless itemprop element is still a <time>
        (
            page_with_dates(
                body='<div itemprop="datePublished">Monday <time datetime="2026-11-12">'
                "12 Nov</time></div>"
            ),
            ("2026-11-12", "html_time"),
        ),
    ],
)
def test_date_elements_are_found_wherever_the_page_puts_them(html, expected):
    published, source = PageMarkup(html).published_date(url=None, fallback=None)
    assert (published.isoformat() if published else None, source) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # a labelled date above the headline
        (
            "<div><span>Last updated:</span> <span>Dec 12, 2025</span></div><h1>Rents rose</h1>",
            ("2025-12-12", "html_header"),
        ),
        # below it, the nearest of two
        (
            "<h1>Rents rose</h1><p>Published: January 3, 2024</p><p>"
            + "words " * 20
            + "as on 5 March 2019</p>",
            ("2024-01-03", "html_header"),
        ),
        # an update's date gives way to the other date by the headline, farther as it is
        (
            "<p>December 22, 2022</p><p>Updated: January 2, 2026</p><h1>Rents rose</h1>",
            ("2022-12-22", "html_header"),
        ),
        # and stands when it is the only one
        (
            "<h1>Rents rose</h1><p>Last updated on</p><p>January 2, 2026</p>",
            ("2026-01-02", "html_header"),
        ),
        # a date far into the story is no byline's: the heuristics' date stands
        (
            "<h1>Rents rose</h1><p>" + "words " * 80 + "on 5 March 2019</p>",
            ("2020-01-01", "htmldate"),
        ),
        # a date in a script is not visible
        (
            '<h1>Rents rose</h1><script>var d = "March 5, 2019";</script>',
            ("2020-01-01", "htmldate"),
        ),
    ],
)
def test_the_date_by_the_headline_comes_before_the_heuristics(body, expected):
    published, source = PageMarkup(page_with_dates(body=body)).published_date(
        url=None, fallback=lambda: "2020-01-01"
    )
    assert (published.isoformat(), source) == expected


def test_a_machine_readable_date_comes_before_the_date_by_the_headline():
    html = page_with_dates(
        '<meta property="article:published_time" content="2026-11-15">',
        body="<h1>Rents rose</h1><p>Updated December 31, 2026</p>",
    )
    assert PageMarkup(html).published_date(url=None, fallback=None)[1] == "html_meta"


def test_the_heuristics_are_asked_only_when_the_page_states_no_date():
    asked = []

    def guess() -> str:
        asked.append(True)
        return "2020-01-01"

    stated = page_with_dates('<meta property="article:published_time" content="2026-11-15">')
    assert PageMarkup(stated).published_date(url=None, fallback=guess)[1] == "html_meta"
    assert not asked
    assert PageMarkup("<p>x</p>").published_date(url=None, fallback=guess)[1] == "htmldate"
    assert asked


def test_broken_json_ld_and_impossible_dates_are_skipped():
    html = page_with_dates(
        '<script type="application/ld+json">{not json</script>'
        '<meta name="date" content="2026-13-45"><meta name="pubdate" content="2026-11-10">'
    )
    published, source = PageMarkup(html).published_date(url=None, fallback=lambda: "2020-01-01")
    assert (published.isoformat(), source) == ("2026-11-10", "html_meta")
    no_date = PageMarkup("<p>x</p>").published_date(url=None, fallback=lambda: "2020-01-01")
    assert no_date[1] == "htmldate"
    assert PageMarkup("").published_date(url="https://g.example/2026/11/11/x", fallback=None) == (
        dt.date(2026, 11, 11),
        "url",
    )
    assert url_date("https://g.example/2026/02/30/x") is None


@pytest.mark.parametrize(
    "boilerplate",
    [
        "Also read: Harbour tolls to rise in spring",
        "Related: Ferry strike enters second week",
        "Most read in Lisbon",
        "Subscribe to our Morning Briefing newsletter",
        "Sign up for breaking news alerts",
        "Got a news tip? Email tips@gazette.example",
        "Share this article",
        "By MARIA LOPES",
        "Photo: Ana Costa / The Test Gazette",
        "The harbour at dawn. | Photo: Ana Costa",
        "Jane Roe is a senior correspondent who has covered Lisbon since 2015.",
        "The author, Jane Roe, writes about cities.",
    ],
)
def test_html_post_pass_drops_each_kind_of_boilerplate(boilerplate):
    html = article_html(title="Bridge", paragraphs=[*STORY[:3], boilerplate, *STORY[3:]])
    text = extract_html(html).text
    assert boilerplate not in text
    assert all(paragraph in text for paragraph in STORY)


@pytest.mark.parametrize(
    "sentence",
    [
        "Share this information with your neighbours, the mayor urged residents on Monday.",
        "By the end of the week, engineers had closed the bridge to all traffic again.",
        "Related costs, such as the temporary footbridge, are not included in the budget.",
    ],
)
def test_html_post_pass_keeps_article_sentences_that_look_like_boilerplate(sentence):
    html = article_html(title="Bridge", paragraphs=[*STORY[:3], sentence, *STORY[3:]])
    assert sentence in extract_html(html).text


def test_words_are_counted_in_scripts_without_spaces():
    assert count_words("Mayor Elena Marchetti spoke on Monday.") == 6
    assert count_words("横浜市議会は月曜日に計画を承認した。") == 8  # 17 characters
    assert count_words("Yokohama 横浜市 council") == 3


def test_the_word_measures_differ_where_their_thresholds_were_tuned():
    """count_words (the word_count column) skips punctuation and splits unspaced
    scripts; the post-pass's tokens do neither; the cleaner's split at apostrophes."""
    assert (count_words("Don't stop — now"), count_tokens("Don't stop — now")) == (3, 4)
    assert word_tokens("Don't stop — now") == ["don", "t", "stop", "now"]
    assert (count_words("横浜市議会は月曜日に"), count_tokens("横浜市議会は月曜日に")) == (5, 1)


def test_metadata_values_and_urls_share_one_date_rule():
    assert iso_date("2026-11-16T09:55:00+01:00") == dt.date(2026, 11, 16)
    assert iso_date("2026-02-30") is None
    assert iso_date(None) is None
    assert url_date("https://g.example/news/2026-11-16-harbour") == dt.date(2026, 11, 16)
    assert url_date("https://g.example/news/2026/13/16/harbour") is None


@pytest.mark.parametrize(
    "boilerplate",
    [
        "Also read: Harbour tolls to rise in spring",
        "Read more: Ferry strike enters second week",
        "Subscribe to our Morning Briefing newsletter",
        "Follow us",
        "Leave a comment",
        "Photo: Ana Costa / The Test Gazette",
        "The harbour at dawn. | Photo: Ana Costa",
        "By Jane Roe",
    ],
)
def test_both_cleaners_drop_what_their_shared_vocabulary_names(boilerplate):
    """At the story's end: there the text cleaner also takes "Leave a comment" as
    the label that ends the article; in the middle it would cut the story."""
    html = article_html(title="Bridge", paragraphs=[*STORY, boilerplate])
    page = "\n\n".join(["Harbour bridge to be rebuilt", *STORY, boilerplate])
    for extracted in (extract_html(html), extract_text(page)):
        assert boilerplate not in extracted.text, extracted.input_format
        assert all(paragraph in extracted.text for paragraph in STORY), extracted.input_format


def table_page(cells: int) -> bytes:
    """Legal HTML that is all markup: a table of ``cells`` cells (end tags are optional)."""
    row = "<tr>" + "<td>7" * 10
    return ("<!doctype html><html><body><table>" + row * (cells // 10) + "</table>").encode()


def test_a_page_with_more_markup_than_any_article_is_rejected_before_it_is_parsed():
    """A million cells took 21 s and most of a gigabyte to reach extract/timeout."""
    body = table_page(1_000_000)
    started = time.perf_counter()
    with pytest.raises(PageRejected) as caught:
        extract_page(body, budget=20)
    took = time.perf_counter() - started
    assert (caught.value.stage, caught.value.reason) == ("extract", "too_complex")
    assert f"{body.count(b'<')} '<'" in caught.value.detail
    assert f"(> {MAX_MARKUP})" in caught.value.detail
    assert took < 0.5, f"{took:.2f} s to turn the page away"
    started = time.perf_counter()
    assert page_date(body, budget=20) == (None, None)  # an import indexes it cheaply too
    assert time.perf_counter() - started < 0.5


def test_the_markup_bound_counts_tags_in_the_bytes_whatever_the_encoding():
    check_markup(b"<" * MAX_MARKUP)
    with pytest.raises(PageRejected, match="too_complex"):
        check_markup(b"<" * (MAX_MARKUP + 1))
    with pytest.raises(PageRejected, match="too_complex"):
        check_markup(("<td>" * (MAX_MARKUP + 1)).encode("utf-16"))


def test_a_page_as_busy_as_the_busiest_real_one_is_still_an_article():
    """21,646 ``<`` was the most on 1,493 real pages: an article inside that much markup."""
    menu = "".join(f'<li><a href="/s/{i}">Section {i}</a></li>' for i in range(5_500))
    body = article_html(title="Harbour bridge", paragraphs=STORY, extra=f"<ul>{menu}</ul>")
    assert 21_646 < body.count("<") < MAX_MARKUP
    extracted = extract_page(body.encode(), budget=20)
    assert "Elena Marchetti" in extracted.text


# Invisible and decomposed characters a CMS leaves in words: the decomposed
# "Marchetti" accent is "e" + U+0301; U+200B, U+2060, U+FEFF, U+00AD and a
# Latin-side U+200D hide inside words.
HIDDEN = {
    "Mayor Elena": "Mayor E\u0301lena",
    "Marchetti": "Mar\u200bchet\u00adti",
    "harbour bridge": "har\u2060bour bri\ufeffdge",
    "Lisbon": "Lis\u200dbon",
}


def _with_hidden_characters(text: str) -> str:
    for plain, hidden in HIDDEN.items():
        text = text.replace(plain, hidden)
    return text


def test_both_cleaners_store_nfc_text_without_invisible_characters():
    story = [_with_hidden_characters(p) for p in STORY]
    title = _with_hidden_characters("Lisbon to rebuild harbour bridge")
    html = article_html(title=title, paragraphs=story, author="Ana\u200b Costa\u00ad")
    page = "\n\n".join([title, "By Ana\u200b Costa", *story])
    for extracted in (extract_page(html.encode()), extract_page(page.encode(), mode="text")):
        assert "Mayor \u00c9lena Marchetti" in extracted.text, extracted.input_format
        assert "harbour bridge" in extracted.text and "Lisbon" in extracted.text
        assert extracted.title == "Lisbon to rebuild harbour bridge", extracted.input_format
        assert extracted.author == "Ana Costa", extracted.input_format
        for field in (extracted.text, extracted.title, extracted.author):
            assert not set(field) & set("\u200b\u200d\u2060\ufeff\u00ad\u0301")


def test_joiners_that_are_spelling_stay():
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # "I want": ZWNJ is spelling
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one emoji, joined by ZWJ
    last = f"{STORY[-1]} A banner on the bridge read {persian} {family}."
    page = "\n\n".join(["Harbour bridge to be rebuilt", *STORY[:-1], last])
    assert f"{persian} {family}" in extract_page(page.encode(), mode="text").text


def test_a_nul_byte_in_a_text_page_is_debris_not_a_sign_of_a_binary_file():
    page = "\n\n".join(["Harbour bridge to be rebuilt", *STORY]).encode()
    broken = page[:200] + b"\x00" + page[200:]
    extracted = extract_page(broken)
    assert "\x00" not in extracted.text
    assert extracted.text == extract_page(page).text
