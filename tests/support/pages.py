"""News pages as a CMS renders them, and the story the tests tell in them."""

from __future__ import annotations

import textwrap


def article_html(
    *,
    title: str,
    paragraphs: list[str],
    author: str = "Jane Roe",
    published: str = "2026-11-16",
    canonical: str | None = None,
    extra: str = "",
) -> str:
    """A news page the way a CMS renders one, with the usual boilerplate around it."""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return textwrap.dedent(f"""\
        <!doctype html><html lang="en"><head><meta charset="utf-8">
        <title>{title} | The Test Gazette</title>{link}
        <meta name="author" content="{author}">
        <meta property="article:published_time" content="{published}T07:30:00Z">
        </head><body>
        <div class="cookie-banner">We use cookies to improve your experience. Accept all</div>
        <nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
        <li><a href="/sport">Sport</a></li></ul></nav>
        <article><h1>{title}</h1><p class="byline">By {author}</p>
        <ul class="share"><li><a href="#">Share on Facebook</a></li>
        <li><a href="#">Share on X</a></li></ul>
        {body}
        {extra}
        <aside><h3>Also read</h3><ul><li><a href="/x">Ferry timetable changes again</a></li>
        </ul></aside></article>
        <section class="comments"><h3>Leave a comment</h3><form><textarea></textarea>
        <button>Post comment</button></form></section>
        <footer><p>© 2026 The Test Gazette. All rights reserved.</p></footer>
        </body></html>""")


STORY = [
    "Mayor Elena Marchetti announced on Monday that the city of Lisbon will rebuild "
    "the old harbour bridge, closed since a storm damaged it in the spring.",
    "The project, estimated at 40 million euros, will be financed by the European "
    "Investment Bank and the city council, Marchetti told reporters at the town hall.",
    "Engineers from the Northwind Shipping Company inspected the structure last week "
    "and found that two of its four pillars had been weakened by the tides.",
    "Residents of the Alfama district have complained for months about the detour, "
    "which adds twenty minutes to the trip between the ferry terminal and the market.",
    "Work is due to start in January and to last eighteen months, during which a "
    "temporary footbridge will carry pedestrians across the channel.",
    "Opposition councillor Tomas Ferreira welcomed the decision but said the city "
    "should publish the full inspection report before the first contract is signed.",
]
