"""URL canonicalisation: every spelling of a page collapses to one string."""

from __future__ import annotations

import pytest

from newsflow.acquire.urls import InvalidURL, canonicalize, redact_text, remove_dot_segments


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        # case of scheme and host; the path keeps its case
        ("HTTP://News.Example.COM/Story", "http://news.example.com/Story"),
        # default ports go, others stay
        ("http://ex.com:80/a", "http://ex.com/a"),
        ("https://ex.com:443/a", "https://ex.com/a"),
        ("https://ex.com:80/a", "https://ex.com:80/a"),
        ("http://ex.com:8080/a", "http://ex.com:8080/a"),
        # empty path, fragment, trailing dot of the host, user info
        ("https://ex.com", "https://ex.com/"),
        ("https://ex.com/a#comments", "https://ex.com/a"),
        ("http://ex.com./a", "http://ex.com/a"),
        ("http://user:secret@ex.com/a", "http://ex.com/a"),
        # dot segments
        ("http://ex.com/a/./b/../c", "http://ex.com/a/c"),
        ("http://ex.com/../../a", "http://ex.com/a"),
        ("http://ex.com/a/b/..", "http://ex.com/a/"),
        ("http://ex.com/a/%2E%2E/b", "http://ex.com/b"),
        # percent-encoding: unreserved decoded, the rest upper-case, raw bytes encoded
        ("http://ex.com/%7euser/%e2%82%ac", "http://ex.com/~user/%E2%82%AC"),
        ("http://ex.com/caf\u00e9 menu", "http://ex.com/caf%C3%A9%20menu"),
        ("http://ex.com/100%", "http://ex.com/100%25"),
        ("http://ex.com/?q=a%2Fb&r=%41", "http://ex.com/?q=a%2Fb&r=A"),
        # query: tracking removed, the rest sorted stably, empty pieces dropped
        ("http://ex.com/s?utm_source=x&b=2&a=1&UTM_Campaign=y", "http://ex.com/s?a=1&b=2"),
        ("http://ex.com/s?fbclid=1&gclid=2&dclid=3&msclkid=4&id=9", "http://ex.com/s?id=9"),
        ("http://ex.com/s?mc_cid=1&mc_eid=2&igshid=3&yclid=4&_ga=5&ref_src=6", "http://ex.com/s"),
        ("http://ex.com/s?tag=b&page=2&tag=a", "http://ex.com/s?page=2&tag=b&tag=a"),
        ("http://ex.com/s?&&flag&x=", "http://ex.com/s?flag&x="),
        ("http://ex.com/s?utm_source=feed", "http://ex.com/s"),
        # session ids, in the query and as path parameters
        ("http://ex.com/s?PHPSESSID=ab&sid=1&sessionid=2&p=1", "http://ex.com/s?p=1"),
        ("http://ex.com/a;jsessionid=0A1B2C/story.jsp?x=1", "http://ex.com/a/story.jsp?x=1"),
        ("http://ex.com/story;JSESSIONID=abc", "http://ex.com/story"),
        # international and IP hosts
        ("http://B\u00fccher.Example/x", "http://xn--bcher-kva.example/x"),
        ("http://xn--bcher-kva.example/x", "http://xn--bcher-kva.example/x"),
        ("http://[2001:DB8::1]:80/", "http://[2001:db8::1]/"),
        ("  http://ex.com/a  ", "http://ex.com/a"),
    ],
)
def test_canonicalize(url: str, canonical: str) -> None:
    assert canonicalize(url) == canonical


def test_canonicalize_is_idempotent() -> None:
    url = "HTTP://B\u00fccher.example:80/a/../b%7e/?z=1&utm_medium=x&a=%e2%82%ac#f"
    once = canonicalize(url)
    assert canonicalize(once) == once


@pytest.mark.parametrize(
    "url",
    [
        "ftp://ex.com/a",
        "mailto:a@ex.com",
        "javascript:alert(1)",
        "/relative/path",
        "http://",
        "http://ex.com:99999/",
    ],
)
def test_canonicalize_refuses_what_is_not_a_web_url(url: str) -> None:
    with pytest.raises(InvalidURL):
        canonicalize(url)


def test_remove_dot_segments_rfc_examples() -> None:
    assert remove_dot_segments("/a/b/c/./../../g") == "/a/g"
    assert remove_dot_segments("mid/content=5/../6") == "mid/6"
    assert remove_dot_segments("/a/b/.") == "/a/b/"


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        # a URL in text loses what redact() takes away, and the text around it stays
        (
            "fetch http://user:s3cret@ex.com:8/x?token=s3cret&id=1 failed: timeout",
            "fetch http://ex.com:8/x?id=1 failed: timeout",
        ),
        ("'https://u:s3cret@ex.com/?API_KEY=s3cret'", "'https://ex.com/'"),
        ("see //u:s3cret@ex.com/a", "see //ex.com/a"),
        ("http://u:s3cret@[::1/x", "http://[::1/x"),  # too malformed to parse: user info goes
        # outside a URL, a credential parameter keeps its name, not its value
        (
            "Pool(host='ex.com'): url: /x?token=s3cret&id=1 (Caused by X)",
            "Pool(host='ex.com'): url: /x?token=[redacted]&id=1 (Caused by X)",
        ),
        ("password=s3cret rejected", "password=[redacted] rejected"),
        (
            "api%5Fkey=s3cret&x-amz-signature=s3cret",
            "api%5Fkey=[redacted]&x-amz-signature=[redacted]",
        ),
        # what is not a credential is left alone
        (
            "mytoken=abc, token= and a=b http://ex.com/p?q=1.",
            "mytoken=abc, token= and a=b http://ex.com/p?q=1.",
        ),
        ("user@example.com at 10:30", "user@example.com at 10:30"),
    ],
)
def test_redact_text(text: str, redacted: str) -> None:
    assert redact_text(text) == redacted
