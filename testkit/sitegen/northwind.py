"""Northwind Wire: flat plain-text dumps of pages, like a crawler's "save as text".

No markup is left to tell boilerplate from body: breadcrumbs are glued into
one word ("HomeNewsCity..."), "Also Read:" lines and "| Photo:" captions sit
between paragraphs, and the bio, "Follow us", "Most Popular" and a comment
form trail the article. Only some pages keep blank lines between paragraphs,
so the pipeline cannot rely on them.
"""

from __future__ import annotations

import random

from .markup import long_date
from .stories import Story
from .vocab import BEATS

NBSP = "\u00a0"
#: A WordPress comment form as it reads once the markup is gone.
COMMENT_FORM = (
    "Leave a Reply",
    "",
    "Your email address will not be published. Required fields are marked *",
    "",
    "Comment *",
    "Name *",
    "Email *",
    "Post Comment",
    "",
)


def render(story: Story, rng: random.Random) -> tuple[str, list[str]]:
    """The text of ``story`` and the boilerplate phrases in it that are not body text."""
    spaced = rng.random() < 0.6
    header, paras, dateline_style = _header(story, rng)
    body = _body(story, paras, dateline_style=dateline_style)
    text = "\n".join(header) + ("\n\n" if spaced else "\n").join(body)
    text += "\n".join(_tail(story, rng))
    return text, _boilerplate(story)


def _credit(story: Story) -> str:
    """The photo credit as the wire's captions end."""
    return f"| Photo: {story.photographer}/Northwind Wire"


def _header(story: Story, rng: random.Random) -> tuple[list[str], list[str], bool]:
    """Lines above the body, the paragraphs (the first may get a dateline) and the style.

    Half the pages open with a dateline ("Bergen, 17 November 2026 (NW): ...")
    inside the first paragraph; the others print the photo caption and a
    "Published" line above the byline instead.
    """
    lines: list[str] = []
    if rng.random() < 0.5:
        lines += ["\u2022 Live", "  \u2022 facebook", "  \u2022 twitter", "  \u2022 whatsapp"]
    lines += ["HomeNews" + story.section + story.title, "", story.title, "", ""]
    paras = list(story.paragraphs)
    dateline_style = rng.random() < 0.5
    if dateline_style:
        lines += [f"By {story.author}", ""]
        paras[0] = f"{story.city}, {long_date(story.published)} (NW): {paras[0]}"
    else:
        lines += [
            f"    {story.caption} {_credit(story)}",
            "",
            f"Published {long_date(story.published)}",
            "",
            f"By {story.author}",
            "",
        ]
    return lines, paras, dateline_style


def _body(story: Story, paras: list[str], *, dateline_style: bool) -> list[str]:
    """Paragraphs with the "Also Read:" lines (and, for dateline pages, the caption)."""
    body: list[str] = []
    for i, para in enumerate(paras):
        body.append(para)
        if i == 2:
            body.append(f"Also Read:{NBSP}{story.teasers[0]}{NBSP}")
        if i == 4 and dateline_style:
            body.append(f"{story.caption} {_credit(story)}")
        if i == len(paras) - 3:
            body.append(f"Also Read:{NBSP}{story.teasers[1]}")
    return body


def _tail(story: Story, rng: random.Random) -> list[str]:
    """Lines below the body: author box, bio, follow/popular blocks and the comment form."""
    bio = (
        f"The author, {story.author}, is a senior correspondent who has covered "
        f"{BEATS[len(story.title) % len(BEATS)]} at Northwind Wire since "
        f"{2010 + len(story.author) % 10}. {story.author.split()[0]} studied journalism in "
        "Cardiff and previously worked as a freelance reporter in the Baltic states."
    )
    tail = [
        "",
        "",
        story.author,
        story.author,
        bio,
        "",
        "Follow us",
        "",
        "",
        "Most Popular",
        *story.popular[:4],
        "",
    ]
    form = list(COMMENT_FORM)
    return tail[:5] + form + tail[5:] if rng.random() < 0.5 else tail + form


def _boilerplate(story: Story) -> list[str]:
    """Phrases of the text that must not survive into the clean text."""
    return [
        "HomeNews",
        "Also Read:",
        story.teasers[0],
        _credit(story),
        "Follow us",
        "Most Popular",
        story.popular[1],
        "Leave a Reply",
        "Your email address will not be published",
        "is a senior correspondent who has covered",
    ]
