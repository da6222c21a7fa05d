from __future__ import annotations

import codecs

import pytest

from conftest import STORY, article_html
from newsflow.extract import (
    PageRejected,
    decode,
    detect_language,
    extract_html,
    extract_page,
    sniff_format,
)

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
    assert caught.value.reason in {"no_main_text", "not_an_article"}


def test_decode_honours_boms_and_declared_charsets():
    text = "Zürich café"
    assert decode(codecs.BOM_UTF8 + text.encode()) == text
    assert decode(codecs.BOM_UTF16_LE + text.encode("utf-16-le")) == text
    declared = f'<meta charset="iso-8859-15"><p>{text} €</p>'.encode("iso-8859-15")
    assert "café €" in decode(declared)


def test_sniff_format():
    assert sniff_format("<!DOCTYPE html><html>") == "html"
    assert sniff_format("  <div class=x>hello</div>") == "html"
    assert sniff_format("Breaking: 3 < 4 and the <b> key is bold") == "text"


def test_detect_language():
    assert detect_language(" ".join(STORY)) == "en"
    german = (
        "Der Bürgermeister der Stadt hat am Montag angekündigt, dass die alte Brücke "
        "im Hafen neu gebaut wird. Die Arbeiten sollen im Januar beginnen und sind "
        "für die Bewohner des Viertels eine gute Nachricht, sagte er auf der Sitzung."
    )
    assert detect_language(german) == "de"
    assert detect_language("too short") is None
