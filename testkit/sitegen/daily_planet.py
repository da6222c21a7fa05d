"""The Daily Planet: a semantic HTML5 CMS (``<article>``, ``<aside>``, ``<figure>``).

It carries the boilerplate real sites carry (cookie banner, menus, breadcrumbs,
share buttons, "Also read" teasers, photo credits, author biography, comment
form, "Most popular") and renders the German article too, with German chrome.
"""

from __future__ import annotations

import random
from typing import NamedTuple

from .markup import e, long_date, slugify
from .sites import SITE
from .stories import Story
from .vocab import BEATS, PHOTOGRAPHERS

SECTIONS_MENU = ("City", "Business", "Sport", "Science", "Courts", "Health", "Opinion")


def render(story: Story, rng: random.Random) -> tuple[str, list[str]]:
    """The page of ``story`` and the boilerplate phrases on it that are not body text."""
    words = _words(story)
    body, inline = _body(story, rng, words)
    return _page(story, words, body), _boilerplate(story, words, inline)


def _credit(story: Story) -> str:
    """The lead photo's credit line."""
    return f"Photo: {story.photographer} / Daily Planet"


class Chrome(NamedTuple):
    """The page furniture of one language: buttons, labels, the author's bio."""

    accept: str
    manage: str
    share: tuple[str, ...]
    cookies: str
    also: str
    comment: str
    popular: str
    bio: str


def _words(story: Story) -> Chrome:
    """The page furniture in the story's language (German for the German article)."""
    if story.language == "de":
        return Chrome(
            accept="Alle akzeptieren",
            manage="Einstellungen",
            share=("Auf Facebook teilen", "Auf X teilen", "Per E-Mail senden"),
            cookies="Wir verwenden Cookies, um Ihnen ein besseres Nutzererlebnis zu bieten.",
            also="Lesen Sie auch:",
            comment="Kommentar schreiben",
            popular="Meistgelesen",
            bio=f"{story.author} ist Hafenreporterin der Daily Planet und berichtet seit 2017 "
            "über Schifffahrt und Logistik.",
        )
    return Chrome(
        accept="Accept all cookies",
        manage="Manage preferences",
        share=("Share on Facebook", "Share on X", "Share on LinkedIn", "Email this article"),
        cookies="We use cookies to improve your experience and to show you "
        "personalised advertising.",
        also="Also read:",
        comment="Leave a comment",
        popular="Most popular",
        bio=f"{story.author} is a senior correspondent who has covered "
        f"{BEATS[len(story.author) % len(BEATS)]} for The Daily Planet since "
        f"{2008 + len(story.title) % 12}. Before that, "
        f"{story.author.split()[0]} worked for regional papers in the north.",
    )


def _body(story: Story, rng: random.Random, words: Chrome) -> tuple[list[str], list[str]]:
    """Body blocks and the boilerplate phrases editors put among them.

    Editors vary what they put inside the body: the "Also read" block is a
    teaser <aside> on some pages and a plain paragraph on others, some stories
    carry a second photo mid-body and some end with a newsletter plug. German
    pages get none of the variation (and draw nothing from ``rng`` for it).
    """
    de = story.language == "de"
    body = [f"<p>{e(p)}</p>" for p in story.paragraphs]
    also = (
        '<aside class="also-read" aria-label="Related">'
        f'<h3 class="also-read__title">{words.also}</h3><ul>'
        + "".join(f'<li><a href="/news/{slugify(t)}">{e(t)}</a></li>' for t in story.teasers)
        + "</ul></aside>"
    )
    inline: list[str] = []
    if not de and rng.random() < 0.5:
        teaser = story.teasers[0]
        also = (
            f'<p class="related-link"><strong>{words.also}</strong> '
            f'<a href="/news/{slugify(teaser)}">{e(teaser)}</a></p>'
        )
    body.insert(min(3, len(body) - 1), also)
    if not de and rng.random() < 0.5:
        second = rng.choice([p for p in PHOTOGRAPHERS if p != story.photographer])
        inline.append(f"Photo: {second} / Daily Planet")
        body.insert(
            min(5, len(body) - 1),
            f'<figure class="inline-image"><img src="/media/{story.slug[:20]}-2.jpg" alt="">'
            f"<figcaption>The waterfront in {story.city}. "
            f'<span class="credit">{inline[-1]}</span></figcaption></figure>',
        )
    if not de and rng.random() < 0.5:
        inline.append("Planet Morning Briefing")
        body.append(
            "<p><em>Sign up for the Planet Morning Briefing, our free newsletter, and get the "
            'day\'s top stories before breakfast. <a href="/newsletters">Subscribe here</a>.'
            "</em></p>"
        )
    return body, inline


def _page(story: Story, words: Chrome, body: list[str]) -> str:
    """The whole HTML document around the body blocks."""
    de = story.language == "de"
    section = story.section.lower()
    home = SITE["daily-planet"].home
    url = f"{home}/{section}/{story.published:%Y/%m/%d}/{story.slug}"
    stamp = f"{long_date(story.published)}, {story.published:%H:%M}"
    credit = _credit(story)
    nav = "".join(f'<li><a href="/{s.lower()}">{s}</a></li>' for s in SECTIONS_MENU)
    share = "".join(
        f'<li><a class="share share--{i}" href="#share-{i}">{s}</a></li>'
        for i, s in enumerate(words.share)
    )
    popular = "".join(f'<li><a href="/news/{slugify(t)}">{e(t)}</a></li>' for t in story.popular)
    return f"""<!DOCTYPE html>
<html lang="{story.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(story.title)} | The Daily Planet</title>
<meta name="description" content="{e(story.standfirst)}">
<meta name="author" content="{e(story.author)}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="The Daily Planet">
<meta property="og:title" content="{e(story.title)}">
<meta property="og:url" content="{url}">
<meta property="article:published_time" content="{story.published.isoformat()}">
<meta property="article:section" content="{story.section}">
<link rel="canonical" href="{url}">
<link rel="stylesheet" href="/static/css/planet.min.css">
<script async src="/static/js/analytics.js"></script>
</head>
<body class="template-article section-{story.section.lower()}">
<div id="cookie-banner" class="cookie-banner" role="dialog" aria-live="polite">
<p>{words.cookies} <a href="/privacy">Privacy policy</a></p>
<button type="button" class="btn-accept">{words.accept}</button>
<button type="button" class="btn-manage">{words.manage}</button>
</div>
<header class="site-header">
<a class="site-logo" href="/">The Daily Planet</a>
<nav class="main-nav" aria-label="Main"><ul><li><a href="/">Home</a></li>{nav}<li>
<a href="/subscribe">Subscribe</a></li></ul></nav>
<form class="site-search" action="/search">
<input type="search" name="q" placeholder="Search the Planet"></form>
</header>
<main id="main">
<nav class="breadcrumbs" aria-label="Breadcrumb"><ol><li><a href="/">Home</a></li><li>
<a href="/{story.section.lower()}">{story.section}</a></li>
<li aria-current="page">{e(story.title)}</li></ol></nav>
<article class="story" itemscope itemtype="https://schema.org/NewsArticle">
<header class="story__header">
<h1 class="story__headline" itemprop="headline">{e(story.title)}</h1>
<p class="story__standfirst">{e(story.standfirst)}</p>
<div class="story__byline">{"Von" if de else "By"}
<a rel="author" href="/authors/{slugify(story.author)}">{e(story.author)}</a>
<time datetime="{story.published.isoformat()}">{stamp}</time>
</div>
<ul class="share-buttons">{share}</ul>
</header>
<figure class="story__image">
<img src="/media/{story.slug[:30]}.jpg" alt="{e(story.caption)}" width="1200" height="675">
<figcaption>{e(story.caption)} <span class="credit">{credit}</span></figcaption>
</figure>
<div class="story__body" itemprop="articleBody">
{chr(10).join(body)}
</div>
<div class="story__tags">{"Themen" if de else "Topics"}:
<a href="/tag/{story.topic}">{story.topic.title()}</a>
<a href="/tag/{slugify(story.city)}">{story.city}</a>
</div>
<section class="author-bio">
<img src="/media/authors/{slugify(story.author)}.jpg" alt="">
<p>{e(words.bio)}</p>
</section>
</article>
<section id="comments" class="comments">
<h2>{words.comment}</h2>
<form class="comment-form" action="/comments/post" method="post">
<label>Name <input type="text" name="name" required></label>
<label>Email (will not be published) <input type="email" name="email" required></label>
<textarea name="comment" rows="6" placeholder="Join the discussion"></textarea>
<button type="submit">Post comment</button>
</form>
</section>
</main>
<aside class="sidebar most-popular"><h2>{words.popular}</h2><ol>{popular}</ol></aside>
<footer class="site-footer">
<nav><ul><li><a href="/about">About us</a></li><li><a href="/contact">Contact</a></li><li>
<a href="/advertise">Advertise</a></li><li><a href="/privacy">Privacy policy</a></li></ul></nav>
<p>&copy; 2026 The Daily Planet Media Group. All rights reserved.</p>
</footer>
</body>
</html>
"""


def _boilerplate(story: Story, words: Chrome, inline: list[str]) -> list[str]:
    """Phrases of the page that must not survive into the clean text."""
    de = story.language == "de"
    return [
        words.share[0],
        " ".join(words.cookies.split()[:3]),
        words.also,
        story.teasers[0],
        words.comment,
        words.popular,
        story.popular[-1],
        _credit(story),
        words.bio[:60] if de else "is a senior correspondent who has covered",
        "All rights reserved",
        *inline,
    ]
