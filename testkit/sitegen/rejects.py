"""Pages the pipeline must reject: a tag index, a soft 404 and an image saved as HTML.

Each one is a failure seen on real crawls. The HTML ones wear the sources' own
chrome (cookie banner, menus, footer), so only their content gives them away.
"""

from __future__ import annotations

import datetime as dt
import random
import struct
import zlib

from .markup import e, long_date, slugify
from .vocab import TEASERS


def tag_index_page(rng: random.Random, day: dt.date) -> str:
    """A Daily Planet topic page: only a list of headlines and links."""
    items = []
    for i, headline in enumerate(rng.sample(TEASERS, 10)):
        when = day - dt.timedelta(days=i)
        items.append(
            f'<li class="teaser"><a href="/news/{slugify(headline)}">{e(headline)}</a> '
            f'<time datetime="{when.isoformat()}">{long_date(when)}</time></li>'
        )
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Port | Topics | The Daily Planet</title>
<link rel="canonical" href="https://dailyplanet.example/tag/port"></head>
<body class="template-tag">
<div id="cookie-banner" class="cookie-banner"><p>We use cookies to improve your experience.</p>
<button>Accept all cookies</button></div>
<header class="site-header"><a class="site-logo" href="/">The Daily Planet</a>
<nav class="main-nav"><ul><li><a href="/">Home</a></li><li><a href="/city">City</a></li><li>
<a href="/business">Business</a></li><li><a href="/sport">Sport</a></li></ul></nav></header>
<main><nav class="breadcrumbs"><ol><li><a href="/">Home</a></li><li><a href="/tag">Topics</a></li>
<li>Port</li></ol></nav>
<h1>Topic: Port</h1>
<ul class="teaser-list">
{chr(10).join(items)}
</ul>
<nav class="pagination">
<a href="/tag/port?page=2">Older stories</a> <a href="/tag/port?page=9">Last page</a></nav>
</main>
<footer class="site-footer"><p>&copy; 2026 The Daily Planet Media Group. All rights reserved.</p>
</footer>
</body></html>
"""


def not_found_page(rng: random.Random) -> str:
    """The Harbor Herald's 404 page, served with status 200 by a misconfigured CMS."""
    trending = "".join(
        f'<li><a href="/news/{slugify(t)}">{e(t)}</a></li>' for t in rng.sample(TEASERS, 4)
    )
    return f"""<!DOCTYPE html>
<html lang="en" dir="ltr">
  <head><meta charset="utf-8" /><title>Page not found - The Harbor Herald</title></head>
  <body class="path-system page-404">
    <div class="region region-header"><a href="/" rel="home">The Harbor Herald</a>
      <ul class="menu"><li><a href="/news/local">Local</a></li><li><a href="/news/port">Port</a>
      </li><li><a href="/news/sport">Sport</a></li></ul></div>
    <div id="main"><h1 class="page-title">Page not found</h1>
      <p>Sorry, the page you requested could not be found. It may have been moved or deleted.</p>
      <form action="/search" method="get">
      <input type="search" name="keys" placeholder="Search the Herald" />
      <input type="submit" value="Search" /></form>
      <div class="block"><h2>Most read this week</h2><ul>{trending}</ul></div>
    </div>
    <footer class="site-footer">
    <p class="copyright">Copyright &copy; 2026 Harbor Herald Publishing Ltd.</p></footer>
  </body>
</html>
"""


def binary_page(rng: random.Random) -> bytes:
    """A small PNG image that a broken crawler saved under an .html name."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        """One PNG chunk: length, type, data and CRC, so the file is a valid image."""
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    width, height = 32, 32
    raw = b"".join(
        b"\x00" + bytes(rng.randrange(256) for _ in range(width * 3)) for _ in range(height)
    )
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )
