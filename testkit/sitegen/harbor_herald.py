"""The Harbor Herald: an older Drupal-style div soup with JSON-LD metadata.

Like on the real thing, some editors type the byline and "Also read" links
into the body field itself, and some stories end with a news-tip line; the
pipeline must strip those without the help of a semantic container.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random

from .markup import e, slugify
from .sites import SITE
from .stories import Story
from .vocab import BEATS

MENU = ("Local", "Port", "Business", "Sport", "Courts", "Obituaries", "Weather")


def render(story: Story, rng: random.Random) -> tuple[str, list[str]]:
    """The page of ``story`` and the boilerplate phrases on it that are not body text."""
    blocks, inline = _body(story, rng)
    return _page(story, blocks), _boilerplate(story, inline)


def node_id(story: Story) -> int:
    """Stable fake Drupal node id of a story (for the shortlink)."""
    return 10000 + int(hashlib.sha256(story.title.encode()).hexdigest()[:6], 16) % 90000


def _credit(story: Story) -> str:
    """The lead photo's credit line."""
    return f"Photo: {story.photographer} / The Harbor Herald"


def _body(story: Story, rng: random.Random) -> tuple[list[str], list[str]]:
    """Blocks of the body field and the boilerplate phrases editors typed into it."""
    blocks: list[str] = []
    inline: list[str] = []
    typed_related = rng.random() < 0.5
    if rng.random() < 0.4:
        inline.append(f"By {story.author.upper()}")
        blocks.append(f"<p><strong>{inline[-1]}</strong></p>")
    for i, para in enumerate(story.paragraphs):
        blocks.append(f"<p>{e(para)}</p>")
        if i == 1:
            tag = "p" if typed_related else 'div class="inline-related"'
            blocks.append(
                f"<{tag}><strong>Also read:</strong> "
                f'<a href="/news/{slugify(story.teasers[0])}">{e(story.teasers[0])}</a>'
                f"</{tag.split()[0]}>"
            )
        if i == 3:
            blocks.append(
                '<div class="ad-slot ad-slot--mpu"><span>Advertisement</span>'
                '<div id="div-gpt-ad-1"></div></div>'
            )
    if rng.random() < 0.5:
        inline.append("Got a news tip?")
        blocks.append(
            "<p><em>Got a news tip? Email newsdesk@harborherald.example or call the newsroom "
            "on 0800 555 0199.</em></p>"
        )
    return blocks, inline


def _json_ld(story: Story, updated: dt.datetime) -> str:
    """The schema.org NewsArticle block (headline, dates, author), as Drupal modules write it."""
    return json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": story.title,
            "datePublished": story.published.isoformat(),
            "dateModified": updated.isoformat(),
            "author": {"@type": "Person", "name": story.author},
            "publisher": {"@type": "Organization", "name": "The Harbor Herald"},
        }
    )


def _page(story: Story, blocks: list[str]) -> str:
    """The whole HTML document around the body field."""
    section = story.section.lower()
    pub = story.published
    home = SITE["harbor-herald"].home
    url = f"{home}/news/{section}/{story.slug}-{pub:%Y%m%d}"
    credit = _credit(story)
    updated = story.published + dt.timedelta(hours=2, minutes=7)
    bio = (
        f"{story.author} has reported on {BEATS[len(story.title) % len(BEATS)]} for the "
        f"Harbor Herald since {2005 + len(story.author) % 15} and is a senior correspondent "
        "who has covered three general elections."
    )
    jsonld = _json_ld(story, updated)
    menu = "".join(f'<li class="menu-item"><a href="/news/{s.lower()}">{s}</a></li>' for s in MENU)
    trending = "".join(
        f'<div class="views-row"><span class="rank">{n}</span> '
        f'<a href="/news/{slugify(t)}">{e(t)}</a></div>'
        for n, t in enumerate(story.popular, 1)
    )
    return f"""<!DOCTYPE html>
<html lang="en" dir="ltr" prefix="og: https://ogp.me/ns#">
  <head>
    <meta charset="utf-8" />
    <title>{e(story.title)} - The Harbor Herald</title>
    <meta name="author" content="{e(story.author)}" />
    <meta name="Generator" content="Drupal 10 (https://www.drupal.org)" />
    <meta property="og:title" content="{e(story.title)}" />
    <meta property="article:published_time" content="{story.published.isoformat()}" />
    <meta property="article:modified_time" content="{updated.isoformat()}" />
    <link rel="canonical" href="{url}" />
    <link rel="shortlink" href="{home}/node/{node_id(story)}" />
    <script type="application/ld+json">{jsonld}</script>
  </head>
  <body class="path-node page-node-type-article">
    <div id="sliding-popup" class="eu-cookie-compliance-banner">
      <div class="popup-content info"><div id="popup-text">
      <p>This website uses cookies. We use cookies to personalise content and ads
      and to analyse our traffic.</p>
      </div>
      <div id="popup-buttons"><button type="button" class="agree-button">OK, I agree</button>
      <button type="button" class="decline-button">No, thanks</button></div></div>
    </div>
    <div class="dialog-off-canvas-main-canvas">
    <div id="page-wrapper"><div id="page">
      <div id="hh-topbar" class="region region-topbar">
        <span class="today">{pub:%A, %B} {pub.day}, {pub.year}</span>
        <a href="/subscribe" class="btn-subscribe">Subscribe today &ndash; 3 months for 1 euro</a>
        <a href="/user/login">Log in</a>
      </div>
      <div class="region region-header"><div class="site-branding">
      <a href="/" rel="home">The Harbor Herald</a>
      <div class="site-slogan">News from the waterfront since 1889</div></div>
        <nav role="navigation" id="block-main-menu"><ul class="menu">{menu}</ul></nav>
      </div>
      <div class="region region-breadcrumb"><div class="breadcrumb">
      <a href="/">Home</a> &raquo; <a href="/news">News</a> &raquo;
      <a href="/news/{section}">{story.section}</a>
      </div></div>
      <div id="main" class="layout-main-wrapper"><div class="layout-content">
        <div class="node node--type-article node--view-mode-full">
          <div class="node__title"><span class="field field--name-title">{e(story.title)}</span>
          </div>
          <div class="node__meta">
            <span class="byline">By
            <a href="/staff/{slugify(story.author)}">{e(story.author)}</a>, Staff Writer</span>
            <span class="posted">Posted: {pub:%b} {pub.day}, {pub.year} {pub:%I:%M %p}</span>
            <span class="updated">Updated: {updated:%b} {updated.day}, {updated.year}
            {updated:%I:%M %p}</span>
          </div>
          <div class="social-share"><span class="social-share__label">Share this story</span>
            <a class="fb" href="https://facebook.example/sharer?u={url}">Facebook</a>
            <a class="tw" href="https://x.example/intent?u={url}">Tweet this</a>
            <a class="wa" href="whatsapp://send?text={url}">WhatsApp</a>
            <a class="mail" href="mailto:?subject=Harbor%20Herald">Email</a>
          </div>
          <div class="field field--name-field-image">
            <img src="/sites/default/files/styles/wide/{story.slug[:24]}.jpg" alt="" />
            <div class="image-caption">{e(story.caption)}</div>
            <div class="image-credit">{credit}</div>
          </div>
          <div class="clearfix text-formatted field field--name-body field--type-text-with-summary">
            {chr(10).join("            " + b for b in blocks).lstrip()}
          </div>
          <div class="field field--name-field-tags"><div class="field__label">Tags</div>
          <a href="/tags/{story.topic}">{story.topic}</a>,
          <a href="/tags/{slugify(story.city)}">{story.city}</a>
          </div>
          <div class="author-info"><h4>About the author</h4><p>{e(bio)}</p>
          <a href="mailto:newsdesk@harborherald.example">Send a news tip</a></div>
        </div>
        <div id="comments" class="comment-wrapper">
          <h2 class="title">Join the conversation</h2>
          <p>Comments are moderated. Please keep it civil. Leave a comment below.</p>
          <form class="comment-comment-form comment-form" action="/comment/reply/node"
                method="post" accept-charset="UTF-8">
            <div class="form-item"><label for="edit-name">Your name</label>
            <input type="text" id="edit-name" name="name" /></div>
            <div class="form-item"><label for="edit-comment-body">Comment</label>
            <textarea id="edit-comment-body" name="comment_body"></textarea></div>
            <input type="submit" value="Save" /> <input type="submit" value="Preview" />
          </form>
        </div>
      </div>
      <div class="layout-sidebar-second"><div class="block block-views">
      <h2>Most read this week</h2><div class="view-content">{trending}</div></div>
        <div class="block newsletter"><h2>Morning Tide newsletter</h2>
        <p>Get the Harbor Herald headlines in your inbox every morning.</p>
        <input type="email" placeholder="you@example.com" /><button>Sign up</button></div>
      </div></div>
      <footer class="site-footer"><div class="region region-footer"><ul class="menu"><li>
      <a href="/contact">Contact the newsroom</a></li><li><a href="/corrections">Corrections</a>
      </li><li><a href="/terms">Terms of use</a></li></ul>
        <p class="copyright">Copyright &copy; 2026 Harbor Herald Publishing Ltd.
        Reproduction without permission is prohibited.</p>
        </div></footer>
    </div></div>
    </div>
  </body>
</html>
"""


def _boilerplate(story: Story, inline: list[str]) -> list[str]:
    """Phrases of the page that must not survive into the clean text."""
    return [
        "We use cookies",
        "Share this story",
        "Tweet this",
        "Also read:",
        story.teasers[0],
        "Advertisement",
        _credit(story),
        "is a senior correspondent who has covered",
        "Leave a comment",
        "Most read this week",
        story.popular[2],
        "Morning Tide newsletter",
        "Reproduction without permission is prohibited",
        *inline,
    ]
