"""The HTTP client against a real server on 127.0.0.1: politeness, safety, limits."""

from __future__ import annotations

import datetime as dt
import gzip
import ipaddress
import json
import logging
import random
import zlib
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path

import brotli
import pytest

from newsflow.acquire.http import (
    FetchRefused,
    FetchStats,
    HttpClient,
    address_block_reason,
    charset_of,
    is_transient,
    retry_after_seconds,
)
from newsflow.acquire.http.errors import FetchFailed
from support.tiny_warehouse import run
from support.webserver import NewsServer, Reply

UA = "newsflow-test/1.0 (+https://example.org/bot)"
PAGE = b"<html><body><p>" + b"news " * 200 + b"</p></body></html>"


class FakeTime:
    """A monotonic clock that only moves when the client sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def client(fake: FakeTime | None = None, **options: object) -> HttpClient:
    settings: dict[str, object] = {
        "user_agent": UA,
        "allow_hosts": ["127.0.0.1"],
        "per_host_delay": 0,
        "per_host_concurrency": 2,
        "connect_timeout": 2,
        "read_timeout": 2,
        "total_timeout": 30,
        "max_body_bytes": 10_000_000,
        "max_retries": 3,
        "rng": random.Random(7),
    }
    if fake is not None:
        settings.update(sleep=fake.sleep, clock=fake.clock)
    settings.update(options)
    return HttpClient(**settings)


@pytest.fixture
def site(news_server: NewsServer) -> NewsServer:
    news_server.routes["/robots.txt"] = Reply(200, b"User-agent: *\nDisallow: /private/\n")
    news_server.routes["/story"] = Reply(200, PAGE, (("Content-Type", "text/html"),))
    return news_server


# -- safety ---------------------------------------------------------------------


def test_loopback_is_refused_unless_allowed(site: NewsServer) -> None:
    refused = client(allow_hosts=[]).fetch(site.url("/story"))
    assert (refused.reason, refused.status, refused.body) == ("blocked_address", None, b"")
    assert "loopback" in refused.detail
    assert site.seen == []  # nothing was sent, not even robots.txt

    allowed = client(allow_hosts=["127.0.0.0/8"]).fetch(site.url("/story"))
    assert allowed.ok and allowed.status == 200 and allowed.body == PAGE


def test_allow_list_by_host_name(site: NewsServer) -> None:
    url = site.url("/story").replace("127.0.0.1", "localhost")
    assert client(allow_hosts=[]).fetch(url).reason == "blocked_address"
    assert client(allow_hosts=["LOCALHOST"]).fetch(url).status == 200
    # connected to the checked address, but the site still sees its own name
    assert site.seen[-1].headers["Host"] == f"localhost:{site.port}"


def test_only_http_and_https() -> None:
    http = client()
    for url in ("ftp://127.0.0.1/x", "file:///etc/passwd", "gopher://127.0.0.1/"):
        assert http.fetch(url).reason == "scheme"
    assert http.fetch("http:///nohost").reason == "invalid_url"
    with pytest.raises(FetchRefused) as refused:
        http.check_url("file:///etc/passwd")
    assert refused.value.reason == "scheme"
    assert http.stats.blocked == 3


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("169.254.1.1", "link_local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("100.64.0.1", "not_global"),
        ("100.100.100.200", "metadata"),
        # IETF protocol assignments, all of it (Python calls most of it global), in every form
        ("192.0.0.1", "ietf_protocol"),
        ("192.0.0.9", "ietf_protocol"),
        ("192.0.0.170", "ietf_protocol"),
        ("192.0.0.255", "ietf_protocol"),
        ("192.0.0.192", "metadata"),
        ("::ffff:192.0.0.200", "ietf_protocol"),
        ("::ffff:192.0.0.192", "metadata"),
        ("2002:c000:00c8::1", "ietf_protocol"),  # 6to4 of 192.0.0.200
        ("192.0.1.1", None),
        # site-local IPv6, fec0::/10, which Python calls global
        ("fec0::1", "site_local"),
        ("feff:ffff::1", "site_local"),
        ("3fff::1", "documentation"),
        ("fe80::1", "link_local"),
        ("93.184.216.34", None),
        ("2606:4700::1111", None),
        ("::ffff:93.184.216.34", None),
    ],
)
def test_address_block_reason(address: str, reason: str | None) -> None:
    assert address_block_reason(ipaddress.ip_address(address)) == reason


def test_redirects_are_checked_at_every_hop(site: NewsServer) -> None:
    site.routes["/to-metadata"] = Reply(
        302, headers=(("Location", "http://169.254.169.254/latest/meta-data/"),)
    )
    site.routes["/to-other-loopback"] = Reply(
        301, headers=(("Location", f"http://127.0.0.2:{site.port}/story"),)
    )
    http = client()
    metadata = http.fetch(site.url("/to-metadata"))
    assert metadata.reason == "blocked_address" and "metadata" in metadata.detail
    assert metadata.redirects == [site.url("/to-metadata")]
    other = http.fetch(site.url("/to-other-loopback"))
    assert other.reason == "blocked_address" and "127.0.0.2" in other.detail
    assert http.stats.blocked == 2


# -- redirects --------------------------------------------------------------------


def test_redirect_chain_is_followed(site: NewsServer) -> None:
    site.routes["/old"] = Reply(301, headers=(("Location", "/moved"),))
    site.routes["/moved"] = Reply(302, headers=(("Location", site.url("/story")),))
    response = client().fetch(site.url("/old"))
    assert response.status == 200 and response.body == PAGE
    assert response.url == site.url("/story")
    assert response.requested_url == site.url("/old")
    assert response.redirects == [site.url("/old"), site.url("/moved")]


def test_redirect_loop_stops_at_the_limit(site: NewsServer) -> None:
    site.routes["/a"] = Reply(302, headers=(("Location", "/b"),))
    site.routes["/b"] = Reply(302, headers=(("Location", "/a"),))
    response = client(max_redirects=3).fetch(site.url("/a"))
    assert response.reason == "too_many_redirects"
    assert site.hits("/a") + site.hits("/b") == 4  # the first request and 3 redirects


# -- robots.txt ---------------------------------------------------------------------

SITEMAP_ROBOTS = b"""Sitemap: https://news.example/a.xml
User-agent: *
Disallow: /private/
Sitemap: /relative.xml
sitemap: http://news.example/b.xml
Sitemap: https://news.example/a.xml
Sitemap: ftp://news.example/c.xml
"""


def test_robots_sitemaps_come_from_the_robots_txt_the_checks_use(site: NewsServer) -> None:
    site.routes["/robots.txt"] = Reply(200, SITEMAP_ROBOTS)
    http = client()
    expected = ["https://news.example/a.xml", "http://news.example/b.xml"]
    assert http.robots_sitemaps(site.url("/story")) == expected
    assert http.fetch(site.url("/story")).ok
    assert http.fetch(site.url("/private/x")).reason == "robots_disallowed"
    assert http.robots_sitemaps(site.url("/other")) == expected
    assert site.hits("/robots.txt") == 1


@pytest.mark.parametrize("robots", [Reply(404), Reply(500), Reply(200, b"User-agent: *\n")])
def test_robots_sitemaps_are_empty_without_a_readable_list(site: NewsServer, robots: Reply) -> None:
    site.routes["/robots.txt"] = robots
    assert client(FakeTime(), max_retries=0).robots_sitemaps(site.url("/")) == []


def test_robots_sitemaps_of_what_may_not_be_fetched(site: NewsServer) -> None:
    fake = FakeTime()
    assert client(fake, allow_hosts=[]).robots_sitemaps(site.url("/")) == []
    assert client(fake).robots_sitemaps("ftp://127.0.0.1/") == []
    assert site.seen == []
    assert client(fake, max_retries=0).robots_sitemaps("http://127.0.0.1:9/") == []


def test_robots_disallow_is_honoured_and_robots_fetched_once(site: NewsServer) -> None:
    http = client()
    assert http.fetch(site.url("/private/secret")).reason == "robots_disallowed"
    assert http.fetch(site.url("/story")).ok
    assert http.fetch(site.url("/story")).ok
    assert site.hits("/private/secret") == 0
    assert site.hits("/robots.txt") == 1
    assert site.seen[0].headers["User-Agent"] == UA
    stats = http.stats
    assert (stats.robots_refused, stats.robots_fetches, stats.requests) == (1, 1, 3)


def test_robots_cache_expires(site: NewsServer) -> None:
    fake = FakeTime()
    http = client(fake, robots_ttl=60)
    http.fetch(site.url("/story"))
    fake.now += 61
    http.fetch(site.url("/story"))
    assert site.hits("/robots.txt") == 2


@pytest.mark.parametrize(
    ("robots", "story_allowed"),
    [
        (Reply(404), True),  # no robots.txt: everything allowed
        (Reply(403), True),  # 4xx: Google allows all
        (Reply(500), False),  # server error: assume full disallow
        (Reply(429), False),
    ],
)
def test_robots_status_rules(site: NewsServer, robots: Reply, story_allowed: bool) -> None:
    site.routes["/robots.txt"] = robots
    response = client(FakeTime(), max_retries=1).fetch(site.url("/story"))
    assert response.ok is story_allowed
    assert response.reason == (None if story_allowed else "robots_unavailable")
    assert site.hits("/story") == int(story_allowed)


def test_robots_txt_is_retried_on_server_errors(site: NewsServer) -> None:
    site.routes["/robots.txt"] = [Reply(503), Reply(200, b"User-agent: *\nDisallow: /x\n")]
    fake = FakeTime()
    assert client(fake).fetch(site.url("/story")).ok
    assert site.hits("/robots.txt") == 2 and len(fake.sleeps) == 1


def test_crawl_delay_spaces_requests_on_the_server_side(site: NewsServer) -> None:
    site.routes["/robots.txt"] = Reply(200, b"User-agent: newsflow-test\nCrawl-delay: 0.3\n")
    http = client(per_host_delay=0.05)
    for _ in range(3):
        assert http.fetch(site.url("/story")).ok
    times = site.times()  # robots.txt, then three stories
    gaps = [later - earlier for earlier, later in pairwise(times)]
    assert len(gaps) == 3 and min(gaps) >= 0.28


def test_per_host_delay_spaces_requests(site: NewsServer) -> None:
    http = client(per_host_delay=0.2)
    for _ in range(3):
        http.fetch(site.url("/story"))
    times = site.times("/story")
    assert min(b - a for a, b in pairwise(times)) >= 0.18


def test_per_host_concurrency_is_capped(site: NewsServer) -> None:
    site.routes["/slow"] = Reply(200, b"slow", delay=0.2)
    http = client(per_host_concurrency=2)
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(http.fetch, [site.url("/slow")] * 6))
    assert all(r.status == 200 for r in results)
    assert site.max_in_flight == 2
    assert site.hits("/robots.txt") == 1
    assert http.stats.requests == 7


# -- retries ----------------------------------------------------------------------------


def test_429_honours_retry_after(site: NewsServer) -> None:
    site.routes["/busy"] = [Reply(429, headers=(("Retry-After", "7"),)), Reply(200, b"ok")]
    fake = FakeTime()
    http = client(fake)
    response = http.fetch(site.url("/busy"))
    assert (response.status, response.body, response.attempts) == (200, b"ok", 2)
    assert fake.sleeps == [7.0]
    assert http.stats.retries == 1


def test_retry_after_is_capped_at_backoff_max(site: NewsServer) -> None:
    site.routes["/busy"] = [Reply(503, headers=(("Retry-After", "3600"),)), Reply(200, b"ok")]
    fake = FakeTime()
    assert client(fake, backoff_max=30).fetch(site.url("/busy")).status == 200
    assert fake.sleeps == [30.0]


def test_500_then_success_backs_off_with_jitter(site: NewsServer) -> None:
    site.routes["/flaky"] = [Reply(500), Reply(502), Reply(200, b"ok")]
    fake = FakeTime()
    response = client(fake, backoff_base=2).fetch(site.url("/flaky"))
    assert response.body == b"ok" and response.attempts == 3
    assert site.hits("/flaky") == 3
    assert len(fake.sleeps) == 2
    assert 0 <= fake.sleeps[0] <= 2 and 0 <= fake.sleeps[1] <= 4


def test_persistent_errors_give_up_after_max_retries(site: NewsServer) -> None:
    site.routes["/down"] = Reply(503)
    site.routes["/gone"] = Reply(404, b"no such page")
    fake = FakeTime()
    http = client(fake, max_retries=2)
    down = http.fetch(site.url("/down"))
    assert (down.status, down.reason, down.ok) == (503, "http_503", False)
    assert site.hits("/down") == 3
    gone = http.fetch(site.url("/gone"))
    assert (gone.status, gone.reason, site.hits("/gone")) == (404, "http_404", 1)
    stats = http.stats
    assert stats.statuses == {503: 1, 404: 1} and stats.retries == 2 and stats.errors == 2


def test_read_timeout_is_retried_then_reported(site: NewsServer) -> None:
    site.routes["/slow"] = Reply(200, b"late", delay=1.0)
    fake = FakeTime()
    response = client(fake, read_timeout=0.2, max_retries=1).fetch(site.url("/slow"))
    assert response.reason == "timeout" and response.status is None
    assert site.hits("/slow") == 2


def test_unreachable_host_is_an_error_not_an_exception() -> None:
    fake = FakeTime()
    http = client(fake, max_retries=1)
    response = http.fetch("http://127.0.0.1:9/x")  # nothing listens on the discard port
    assert response.reason == "robots_unavailable" and "Connection refused" in response.detail
    assert len(fake.sleeps) == 1  # robots.txt was retried once before giving up
    assert http.fetch("http://127.0.0.1:9/y").reason == "robots_unavailable"
    assert http.stats.robots_fetches == 1  # the failure is cached, not retried per page


def test_retry_after_http_date() -> None:
    now = dt.datetime(2026, 11, 16, 12, 0, 0, tzinfo=dt.UTC)
    assert retry_after_seconds("Mon, 16 Nov 2026 12:00:30 GMT", now=now) == 30
    assert retry_after_seconds("Mon, 16 Nov 2026 11:00:00 GMT", now=now) == 0
    assert retry_after_seconds("120", now=now) == 120
    assert retry_after_seconds("soon", now=now) is None


# -- conditional GET -----------------------------------------------------------------


def _etag_route(request) -> Reply:
    if request.headers.get("If-None-Match") == '"v1"':
        return Reply(304, headers=(("ETag", '"v1"'),))
    return Reply(200, PAGE, (("ETag", '"v1"'), ("Last-Modified", "Mon, 16 Nov 2026 07:00:00 GMT")))


def test_conditional_get_remembers_validators_across_runs(site: NewsServer, tmp_path: Path) -> None:
    site.routes["/cached"] = _etag_route
    state = tmp_path / "state" / "http.json"
    with client(state_path=state) as first_run:
        assert first_run.fetch(site.url("/cached")).status == 200
        first_run.save_state()
    saved = json.loads(state.read_text())
    assert saved["urls"][site.url("/cached")]["etag"] == '"v1"'

    with client(state_path=state) as second_run:
        again = second_run.fetch(site.url("/cached"))
        assert (again.status, again.not_modified, again.ok, again.body) == (304, True, True, b"")
        assert second_run.stats.not_modified == 1
        forced = second_run.fetch(site.url("/cached"), conditional=False)
        assert forced.status == 200 and forced.body == PAGE
    requests = [r for r in site.seen if r.path == "/cached"]
    assert "If-None-Match" not in requests[0].headers
    assert requests[1].headers["If-Modified-Since"] == "Mon, 16 Nov 2026 07:00:00 GMT"
    assert "If-None-Match" not in requests[2].headers
    assert list(state.parent.iterdir()) == [state]  # no temporary file left behind


def test_validators_are_saved_only_when_the_caller_says_so(
    site: NewsServer, tmp_path: Path
) -> None:
    """Closing does not save: a run that stops before keeping its pages leaves no ETag."""
    site.routes["/cached"] = _etag_route
    state = tmp_path / "http.json"
    with client(state_path=state) as interrupted:
        assert interrupted.fetch(site.url("/cached")).status == 200
    assert not state.exists()
    with client(state_path=state) as retry:
        assert retry.fetch(site.url("/cached")).status == 200  # the page, not a 304
        retry.save_state()
    assert json.loads(state.read_text())["urls"][site.url("/cached")]["etag"] == '"v1"'


def test_corrupt_state_file_is_ignored(site: NewsServer, tmp_path: Path) -> None:
    state = tmp_path / "http.json"
    state.write_text("{not json")
    assert client(state_path=state).fetch(site.url("/story")).status == 200


# -- credentials ----------------------------------------------------------------------------

SECRET = "s3cret"


def test_no_credential_leaves_the_client(
    site: NewsServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Not in the validators file, the logs (urllib3's too) or a failure's detail;
    the response still names the URL as it was fetched."""
    caplog.set_level(logging.DEBUG)
    for path in (f"/cached?token={SECRET}&id=1", f"/cached?api_key={SECRET}", "/userinfo"):
        site.routes[path] = _etag_route
    site.routes[f"/slow?password={SECRET}"] = Reply(200, b"late", delay=1.0)
    base = f"127.0.0.1:{site.port}"
    answered = [
        f"http://{base}/cached?token={SECRET}&id=1",
        f"http://{base}/cached?api_key={SECRET}",
        f"http://user:{SECRET}@{base}/userinfo",
        f"http://{base}/gone?password={SECRET}",
    ]
    failing = [
        f"http://{base}/slow?password={SECRET}",  # timeout
        f"http://user:{SECRET}@127.0.0.1:9/x?token={SECRET}",  # connection refused
        f"http://{base}/private/x?token={SECRET}",  # robots.txt says no
        f"http://user:{SECRET}@127.0.0.1:99999/?token={SECRET}",  # invalid port
    ]
    state = tmp_path / "http-validators.json"
    http = client(FakeTime(), state_path=state, read_timeout=0.3, max_retries=0)
    responses = [http.fetch(url) for url in answered + failing]
    http.save_state()

    assert [r.status for r in responses] == [200, 200, 200, 404, None, None, None, None]
    assert [r.reason for r in responses[4:]] == [
        "timeout",
        "robots_unavailable",
        "robots_disallowed",
        "invalid_url",
    ]
    assert [r.requested_url for r in responses] == answered + failing
    assert responses[0].url == answered[0]
    assert SECRET not in state.read_text()
    assert set(json.loads(state.read_text())["urls"]) == {
        site.url("/cached?id=1"),
        site.url("/cached"),
        site.url("/userinfo"),
    }
    assert not any(SECRET in r.detail for r in responses)
    assert "token=[redacted]" in caplog.text  # urllib3's request line, logged redacted
    assert SECRET not in caplog.text
    with pytest.raises(FetchRefused) as refused:
        http.check_url(failing[-1])
    assert SECRET not in str(refused.value)

    again = client(state_path=state).fetch(answered[0])  # looked up by the redacted URL
    assert again.status == 304


def test_a_state_file_with_credentials_loses_them_on_save(tmp_path: Path) -> None:
    state = tmp_path / "http.json"
    urls = {f"http://ex.com/a?token={SECRET}&id=1": {"etag": '"v1"'}}
    state.write_text(json.dumps({"version": 1, "urls": urls}))
    client(state_path=state).save_state()
    assert json.loads(state.read_text())["urls"] == {"http://ex.com/a?id=1": {"etag": '"v1"'}}


# -- bodies ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("coding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data, wbits=-15)),  # raw deflate, as IIS sends
        ("br", brotli.compress),
    ],
)
def test_compressed_bodies_are_decoded(site: NewsServer, coding: str, compress) -> None:
    site.routes["/packed"] = Reply(200, compress(PAGE), (("Content-Encoding", coding),))
    response = client().fetch(site.url("/packed"))
    assert response.body == PAGE
    assert site.seen[-1].headers["Accept-Encoding"] == "gzip, deflate, br"


def test_chunked_body(site: NewsServer) -> None:
    site.routes["/chunked"] = Reply(200, PAGE * 20, chunked=True)
    assert client().fetch(site.url("/chunked")).body == PAGE * 20


def test_oversized_body_is_rejected(site: NewsServer) -> None:
    big = b"x" * 300_000
    site.routes["/big"] = Reply(200, big)
    site.routes["/big-chunked"] = Reply(200, big, chunked=True)
    http = client(max_body_bytes=100_000)
    declared = http.fetch(site.url("/big"))
    assert declared.reason == "too_large" and "Content-Length" in declared.detail
    streamed = http.fetch(site.url("/big-chunked"))
    assert streamed.reason == "too_large" and streamed.body == b""
    assert http.stats.bytes_received < 200_000  # stopped early, did not read it all
    assert http.fetch(site.url("/story")).ok  # the client is still usable


@pytest.mark.parametrize(
    ("coding", "compress"),
    [("gzip", gzip.compress), ("br", lambda data: brotli.compress(data, quality=4))],
)
def test_compression_bomb_is_rejected(site: NewsServer, coding: str, compress) -> None:
    bomb = compress(b"\0" * 50_000_000)
    assert len(bomb) < 100_000
    site.routes["/bomb"] = Reply(200, bomb, (("Content-Encoding", coding),))
    response = client(max_body_bytes=1_000_000).fetch(site.url("/bomb"))
    assert response.reason == "too_large" and "decompressed" in response.detail


def test_corrupt_and_unknown_encodings(site: NewsServer) -> None:
    site.routes["/corrupt"] = Reply(200, b"definitely not gzip", (("Content-Encoding", "gzip"),))
    site.routes["/truncated"] = Reply(
        200, gzip.compress(PAGE)[:-30], (("Content-Encoding", "gzip"),)
    )
    site.routes["/zstd"] = Reply(200, b"....", (("Content-Encoding", "zstd"),))
    http = client()
    assert http.fetch(site.url("/corrupt")).reason == "decode"
    assert http.fetch(site.url("/truncated")).reason == "decode"
    assert http.fetch(site.url("/zstd")).reason == "unsupported_encoding"


def test_one_table_says_what_retrying_can_do() -> None:
    """The client's retries at once and the orchestrator's later ones read one table."""
    assert FetchFailed("timeout").retryable and FetchFailed("connection").retryable
    assert not FetchFailed("dns").retryable and not FetchFailed("tls").retryable
    later = ("timeout", "connection", "dns", "robots_unavailable", "http_503", "http_408")
    assert all(is_transient(error) for error in later)
    never = ("blocked_address", "robots_disallowed", "too_large", "http_404", "http_410")
    assert not any(is_transient(error) for error in never)
    with pytest.raises(ValueError, match="REASONS"):
        FetchFailed("timeuot")


@pytest.mark.parametrize(
    ("charset", "text"),
    [("windows-1251", "Новости дня"), ("Shift_JIS", "今日のニュース")],
)
def test_legacy_charsets_arrive_intact(site: NewsServer, charset: str, text: str) -> None:
    body = f"<html><body><p>{text}</p></body></html>".encode(charset)
    content_type = f"text/html; charset={charset}"
    site.routes["/legacy"] = Reply(200, body, (("Content-Type", content_type),))
    response = client().fetch(site.url("/legacy"))
    assert response.body == body
    assert text in response.body.decode(charset_of(response.headers) or "utf-8")


def test_headers_keep_repeated_fields_in_order(site: NewsServer) -> None:
    site.routes["/cookies"] = Reply(
        200, b"hi", (("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Content-Type", "text/plain"))
    )
    response = client().fetch(site.url("/cookies"))
    assert [v for k, v in response.headers if k.lower() == "set-cookie"] == ["a=1", "b=2"]
    assert response.header("content-type") == "text/plain"
    assert response.fetched_at.tzinfo is dt.UTC


# -- helpers ------------------------------------------------------------------------------------


def test_charset_of() -> None:
    assert charset_of([("Content-Type", "text/html; charset=Shift_JIS")]) == "shift_jis"
    assert charset_of({"content-type": 'text/html; charset="windows-1251"'}) == "windows-1251"
    assert charset_of([("Content-Type", "text/html; charset=ISO-8859-1")]) == "windows-1252"
    assert charset_of([("Content-Type", "text/html; charset=no-such-codec")]) is None
    assert charset_of([("Content-Type", "text/html")]) is None
    assert charset_of([]) is None


def test_stats_merge_and_run_fields() -> None:
    one = FetchStats(fetches=2, requests=3, bytes_received=10)
    one.statuses.update({200: 2})
    two = FetchStats(fetches=1, requests=1, retries=1, robots_refused=1)
    two.statuses.update({200: 1, 404: 1})
    merged = one.merge(two)
    assert (merged.fetches, merged.requests, merged.retries) == (3, 4, 1)
    row = merged.run_fields()
    assert run("r", **row).http_retries == 1  # every field is a runs column
    assert row["http_fetches"] == 3 and row["http_robots_refused"] == 1
    assert row["http_bytes_received"] == 10
    assert json.loads(row["http_status_counts"]) == {"200": 3, "404": 1}
    assert one.fetches == 2  # merge does not mutate


def test_user_agent_is_required() -> None:
    with pytest.raises(ValueError, match="User-Agent"):
        client(user_agent=" ")
