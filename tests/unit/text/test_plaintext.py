"""Tests for the text-mode cleaner (newsflow.text.plaintext).

Every page here is fictional and written for these tests: it imitates the
shapes plain-text dumps take (glued breadcrumbs, bullet menus, captions,
teasers, author blurbs, comment forms) without copying any real page.
"""

from __future__ import annotations

import datetime as dt
import random
import textwrap
import time

import pytest

from newsflow.text.plaintext import CleanedText, clean_text_page

# --------------------------------------------------------------------------
# Fictional article paragraphs shared by several pages
# --------------------------------------------------------------------------

LEAD = (
    "Port Alder, 14 March 2025 (NWS): The harbour council of Port Alder approved a plan on "
    "Friday to rebuild the old ferry terminal, which has been closed since a storm damaged "
    "its roof two winters ago."
)
PARA_2 = (
    "Council members said the work would start in the spring and take about eighteen months. "
    "The budget of the project is set at forty million crowns, most of it from the regional fund."
)
PARA_3 = (
    "Local ferry operators have waited for the decision for a long time, because the temporary "
    "pier they use now cannot take the larger boats that run in the summer season."
)
SUBHEADING = "Funding from the region"
PARA_4 = (
    "The regional fund will pay for the new roof and the waiting hall, while the town will cover "
    "the cost of the access road and the parking area next to the terminal."
)
QUOTE = "\u201cWe are finally moving,\u201d the mayor said."
PARA_5 = (
    "The mayor added that the council would publish the full tender documents next month and "
    "that residents could comment on the design at two public meetings in April."
)
ARTICLE = [LEAD, PARA_2, PARA_3, SUBHEADING, PARA_4, QUOTE, PARA_5]
TITLE = "Port Alder council approves new ferry terminal"


def _paragraphs(result: CleanedText) -> list[str]:
    return result.text.split("\n\n") if result.text else []


# --------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------

SEEDS_LIKE = "\n\n".join(
    [
        f"HomeNewsRegional News{TITLE}",
        TITLE,
        "",
        LEAD,
        PARA_2,
        "Also Read:\u00a0Harbour fees to rise next year\u00a0",
        PARA_3,
        SUBHEADING,
        PARA_4,
        "Read more: Ferry timetable changes announced for winter",
        QUOTE,
        PARA_5,
        "Mira Holt\nMira Holt\nThe author, Mira Holt, is a staff writer at The Northern Wire "
        "Service. She studied journalism in Lindby and covers coastal towns. She can be reached "
        "at mira@example.org.",
        "Follow us",
        "",
        "Most Popular",
        "Lindby opens its first night market",
        "Storm warning issued for the northern coast",
    ]
)

NO_BLANK_LINES = "\n".join(
    [
        "Skip to content",
        "Home",
        "World",
        "Business",
        "Sport",
        "Culture",
        "Subscribe",
        TITLE,
        "By Jane Doe",
        "November 18, 2026",
        *[p for p in ARTICLE if p != LEAD],
        "Share this article",
        "Facebook",
        "Twitter",
        "Related Articles",
        "Lindby opens its first night market",
        "Storm warning issued for the northern coast",
        "About us",
        "Contact",
        "Privacy policy",
        "\u00a9 2026 The Northern Wire. All rights reserved.",
    ]
)

BULLET_MENU = "\n".join(
    [
        "\u2022 Live",
        "    \u2022 Audio Only",
        "  \u2022 google plus",
        "  \u2022 facebook",
        "  \u2022 twitter",
        "News > Coast",
        "",
        TITLE,
        "",
        "  \u2022 The old ferry terminal of Port Alder, March 10, 2025.",
        "",
        "    The old ferry terminal of Port Alder, March 10, 2025. | Photo: Harbour Office",
        "",
        "Published 14 March 2025",
        "",
        *[f"{p}\n" for p in ARTICLE[1:]],
        "Post with no comments.",
    ]
)

CAPTIONS = "\n\n".join(
    [
        TITLE,
        LEAD,
        "Photo: The closed waiting hall of the terminal in February.",
        PARA_2,
        "Workers inspect the damaged roof (Photo credit: Harbour Office)",
        PARA_3,
        "Image 2 of 5",
        PARA_4,
        "The temporary pier seen from the water. Credit: Lena Voss",
        PARA_5,
    ]
)

COMMENT_TAIL = "\n\n".join(
    [
        TITLE,
        "By ANNA BERG | Northern Wire",
        "2025-03-14",
        *ARTICLE[1:],
        "What do you think about the new terminal? Let us know in the comments section below.",
        "Leave a Reply",
        "Your email address will not be published. Required fields are marked *",
        "3 thoughts on \u201cPort Alder council approves new ferry terminal\u201d",
        "harbourfan says:",
        "March 14, 2025 at 9:12 am",
        "This has taken far too long, the old terminal was a disgrace for years and the council "
        "knew it, but better late than never I suppose, and the boats will be happy.",
        "Reply",
        "oldsailor says:",
        "March 14, 2025 at 10:40 am",
        "I remember when the ferry ran every hour in the summer and the hall was full of people, "
        "so I hope the new building will bring some of that life back to the harbour again.",
        "Reply",
        "coastwatcher says:",
        "March 15, 2025 at 8:02 am",
        "Forty million crowns is a lot of money for a small town, and I would like to see the "
        "council explain in detail where every single crown of it is going to be spent.",
        "Reply",
    ]
)

ONLY_BOILERPLATE = "\n".join(
    [
        "Skip to content",
        "\u2022 Home",
        "\u2022 News",
        "\u2022 Sport",
        "Search",
        "Sign in",
        "We use cookies to improve your experience on our site. By continuing to browse, you "
        "agree to our use of cookies as described in our cookie policy.",
        "Accept all cookies",
        "Most Popular",
        "Lindby opens its first night market",
        "Storm warning issued for the northern coast",
        "Follow us",
        "Facebook",
        "Twitter",
        "\u00a9 2026 The Northern Wire. All rights reserved.",
    ]
)


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------


def test_seeds_like_page_keeps_article_and_drops_boilerplate() -> None:
    result = clean_text_page(SEEDS_LIKE)
    assert _paragraphs(result) == ARTICLE
    for junk in (
        "Also Read",
        "Read more",
        "The author",
        "Mira Holt",
        "Follow us",
        "Most Popular",
        "night market",
        "Storm warning",
        "HomeNews",
    ):
        assert junk not in result.text


def test_seeds_like_page_metadata() -> None:
    result = clean_text_page(SEEDS_LIKE)
    assert result.title == TITLE  # breadcrumb glue stripped, duplicate collapsed
    assert result.published == dt.date(2025, 3, 14)  # from the dateline, which stays in text
    assert result.text.startswith("Port Alder, 14 March 2025 (NWS):")
    assert result.author == "Mira Holt"  # no byline: taken from the author blurb


def test_page_without_blank_lines() -> None:
    result = clean_text_page(NO_BLANK_LINES)
    assert _paragraphs(result) == [p for p in ARTICLE if p != LEAD]
    assert result.title == TITLE
    assert result.author == "Jane Doe"
    assert result.published == dt.date(2026, 11, 18)
    for junk in (
        "By Jane Doe",
        "November 18, 2026",
        "Share this",
        "Related Articles",
        "night market",
        "All rights reserved",
        "Skip to content",
    ):
        assert junk not in result.text


def test_bullet_menu_breadcrumb_and_captions_at_top() -> None:
    result = clean_text_page(BULLET_MENU)
    assert _paragraphs(result) == ARTICLE[1:]
    assert result.title == TITLE
    # The stand-alone stamp wins over the photo date in the caption.
    assert result.published == dt.date(2025, 3, 14)
    for junk in (
        "Live",
        "facebook",
        "News > Coast",
        "Photo:",
        "March 10, 2025",
        "Published",
        "Post with no comments",
    ):
        assert junk not in result.text


def test_caption_lines_are_removed() -> None:
    result = clean_text_page(CAPTIONS)
    assert _paragraphs(result) == [LEAD, PARA_2, PARA_3, PARA_4, PARA_5]
    for junk in ("Photo:", "Photo credit", "Image 2 of 5", "Credit:"):
        assert junk not in result.text


def test_comment_form_and_thread_are_cut() -> None:
    result = clean_text_page(COMMENT_TAIL)
    assert _paragraphs(result) == ARTICLE[1:]
    for junk in (
        "Let us know",
        "Leave a Reply",
        "email address",
        "thoughts on",
        "says:",
        "disgrace",
        "ran every hour",
        "Forty million",
    ):
        assert junk not in result.text
    assert result.author == "ANNA BERG"
    assert result.published == dt.date(2025, 3, 14)


@pytest.mark.parametrize("separator", ["\n\n", "\n"])
def test_hard_wrapped_dump_is_rejoined(separator: str) -> None:
    """lynx/w3m dumps break paragraphs at a fixed width; lines must be re-joined."""
    menu = "\n".join(["Home", "World", "Business", "Sport", "Subscribe", TITLE])
    body = separator.join("\n".join(textwrap.wrap(p, 72)) for p in ARTICLE)
    result = clean_text_page(menu + "\n\n" + body)
    for paragraph in ARTICLE:
        assert paragraph in result.text
    assert "Subscribe" not in result.text
    if separator == "\n\n":
        assert _paragraphs(result) == ARTICLE


LONG_COMMENTS = [
    "I have taken the ferry from this harbour every summer since I was a child, and the old "
    "terminal was always part of the trip for us, with the small cafe, the wooden benches and "
    "the view over the water, so I really hope the architects keep some of that character in "
    "the new design instead of building another anonymous glass box like in the other towns.",
    "The council should also think about the buses that connect to the ferry, because right now "
    "the timetables do not match at all and you often wait for an hour in the cold, which is "
    "exactly the kind of thing that a new building alone will not fix for the people who live "
    "on the islands and depend on the connection every single day of the year.",
    "Forty million is a lot, but the terminal is the front door of the whole region for many "
    "visitors, and a proper building will pay for itself through tourism within a few years if "
    "the council also invests in the harbour area around it and keeps the shops open longer.",
]


def test_long_comment_thread_after_marker_is_cut() -> None:
    """A thread that outweighs the article must not become (part of) the article."""
    thread = []
    for n, comment in enumerate(LONG_COMMENTS):
        thread += [f"reader{n}", comment]
    raw = "\n".join([TITLE, *ARTICLE[1:3], "Comments", *thread])
    result = clean_text_page(raw)
    assert _paragraphs(result) == ARTICLE[1:3]


def test_page_without_article_yields_empty_text() -> None:
    result = clean_text_page(ONLY_BOILERPLATE)
    assert result.text == ""
    assert result.author is None


@pytest.mark.parametrize("raw", ["", "   \n\n  ", "Home\nNews\nSport"])
def test_degenerate_input(raw: str) -> None:
    result = clean_text_page(raw)
    assert result.text == ""
    assert result.published is None


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("Published 21 March 2023", dt.date(2023, 3, 21)),
        ("November 18, 2026", dt.date(2026, 11, 18)),
        ("2024-02-29", dt.date(2024, 2, 29)),
        ("Posted on Tuesday, 5 Aug 2025 at 14:05", dt.date(2025, 8, 5)),
    ],
)
def test_date_stamp_lines_are_parsed_and_removed(stamp: str, expected: dt.date) -> None:
    raw = "\n".join([TITLE, stamp, *ARTICLE[1:]])
    result = clean_text_page(raw)
    assert result.published == expected
    assert stamp not in result.text
    assert _paragraphs(result) == ARTICLE[1:]


def test_published_stamp_beats_updated_stamp() -> None:
    raw = "\n".join([TITLE, "Updated 2 April 2025", "Published 1 April 2025", *ARTICLE[1:]])
    assert clean_text_page(raw).published == dt.date(2025, 4, 1)


def test_impossible_date_is_ignored() -> None:
    raw = "\n".join([TITLE, "2025-02-30", *ARTICLE[1:]])
    assert clean_text_page(raw).published is None


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("Published 2025-04-01", dt.date(2025, 4, 1)),
        ("Published Mar. 21, 2025", dt.date(2025, 3, 21)),
        ("Published 21st of March 2025", dt.date(2025, 3, 21)),
        ("Published 21.03.2025", dt.date(2025, 3, 21)),
        ("Published 03/04/2025", dt.date(2025, 3, 4)),  # month first when both could be
        ("Published 25/04/2025", dt.date(2025, 4, 25)),  # day first when it must be
    ],
)
def test_date_stamps_in_the_usual_spellings_give_the_date(stamp, expected) -> None:
    result = clean_text_page("\n".join([TITLE, stamp, *ARTICLE[1:]]))
    assert (result.published, result.published_source) == (expected, "published_line")
    assert stamp not in result.text


@pytest.mark.parametrize("stamp", ["Published \u017feptember 5, 2020", "Published 5 \u017fep 2020"])
def test_a_month_spelled_with_a_long_s_gives_the_date(stamp) -> None:
    """The patterns match case-insensitively, so a long s (U+017F) matches "s";
    the month lookup folds the same way instead of raising ``KeyError``."""
    result = clean_text_page("\n".join([TITLE, stamp, *ARTICLE[1:]]))
    assert result.published == dt.date(2020, 9, 5)
    assert _paragraphs(result) == ARTICLE[1:]


def test_byline_glued_to_date_gives_author_and_date() -> None:
    raw = "\n".join([TITLE, "By Jane DoeNovember 18, 2026", *ARTICLE[1:]])
    result = clean_text_page(raw)
    assert result.author == "Jane Doe"
    assert result.published == dt.date(2026, 11, 18)
    assert "Jane Doe" not in result.text


def test_paragraph_mentioning_a_journalist_mid_article_is_kept() -> None:
    bio_like = (
        "Erik Sand is a reporter at the local radio station who first revealed the damage to "
        "the terminal roof, and he said the council had ignored early warnings from engineers."
    )
    raw = "\n".join([TITLE, *ARTICLE[1:3], bio_like, *ARTICLE[3:]])
    assert bio_like in clean_text_page(raw).text


# A biography that names the author differently from the byline: the byline
# has three name parts, the biography opens with the last two, and what it
# says (a university, a city) is no part of the story.
BYLINE_THREE_NAMES = "By Mary Ann Okafor"
BIOGRAPHY_TWO_NAMES = (
    "Ann Okafor, a recent graduate of the University of Lagos, writes about housing and "
    "transport for the Port Alder Courier from her home in Lisbon."
)


def test_a_biography_naming_the_author_differently_from_the_byline_is_dropped() -> None:
    raw = "\n\n".join([TITLE, BYLINE_THREE_NAMES, *ARTICLE, BIOGRAPHY_TWO_NAMES, "Comments"])
    result = clean_text_page(raw)
    assert result.author == "Mary Ann Okafor"
    assert _paragraphs(result) == ARTICLE
    assert "University of Lagos" not in result.text


@pytest.mark.parametrize(
    "closing",
    [
        # the same sentence about someone who did not write the story
        BIOGRAPHY_TWO_NAMES.replace("Ann Okafor", "Erik Sand"),
        # the author's name inside a sentence of the story, not opening a description
        "The mayor thanked Ann Okafor and the other residents who had campaigned for the "
        "terminal to reopen before the summer season.",
    ],
)
def test_a_closing_paragraph_that_does_not_describe_the_author_is_kept(closing: str) -> None:
    raw = "\n\n".join([TITLE, BYLINE_THREE_NAMES, *ARTICLE, closing])
    assert _paragraphs(clean_text_page(raw)) == [*ARTICLE, closing]


def test_result_is_frozen() -> None:
    result = clean_text_page(SEEDS_LIKE)
    with pytest.raises(AttributeError):
        result.text = "x"  # type: ignore[misc]


# --------------------------------------------------------------------------
# Renderer conventions, teaser headlines, repeats and date sources
# --------------------------------------------------------------------------

TEASER_HEADLINE = "Lindby Plans New Bridge To The Islands By 2030"


def test_headline_cased_teaser_between_paragraphs_is_dropped() -> None:
    raw = "\n\n".join([TITLE, LEAD, PARA_2, TEASER_HEADLINE, PARA_3, SUBHEADING, PARA_4])
    result = clean_text_page(raw)
    assert _paragraphs(result) == [LEAD, PARA_2, PARA_3, SUBHEADING, PARA_4]


def test_headline_cased_subheading_kept_when_title_uses_that_style() -> None:
    """A page whose own title capitalises every word styles its subheadings alike."""
    title = "Port Alder Council Says Yes To A New Ferry Terminal"
    raw = "\n\n".join([title, LEAD, PARA_2, TEASER_HEADLINE, PARA_3])
    assert TEASER_HEADLINE in clean_text_page(raw).text


def test_cookie_banner_and_newsletter_prompt_are_removed() -> None:
    cookie = (
        "We use cookies to give you the best experience on our website. By continuing to "
        "browse, you agree to our use of cookies."
    )
    newsletter = "Sign up for our daily newsletter and get the harbour news in your inbox."
    raw = "\n".join([cookie, "Accept all cookies", TITLE, *ARTICLE[1:4], newsletter, *ARTICLE[4:]])
    result = clean_text_page(raw)
    assert _paragraphs(result) == ARTICLE[1:]
    assert "cookies" not in result.text
    assert "newsletter" not in result.text


def test_markdown_rendering_is_unmarked_and_rejoined() -> None:
    """html2text-style output: links, images, emphasis, headings, wrapped lines."""
    nav = "\n".join(
        f"  * [{name}](https://example.org/{name.lower()}/)"
        for name in ("Home", "World", "Business", "Sport", "Culture")
    )
    para_2 = PARA_2.replace("eighteen months", "[eighteen\nmonths](https://example.org/plan)")
    body = [
        f"# {TITLE}",
        "![The old terminal](https://example.org/img/terminal.jpg)",
        "\n".join(textwrap.wrap(LEAD, 70)),
        "\n".join(textwrap.wrap(para_2, 70)),
        "\n".join(textwrap.wrap(PARA_3, 70)),
        f"## {SUBHEADING}",
        "\n".join(textwrap.wrap(PARA_4.replace("new roof", "**new roof**"), 70)),
        f"_{QUOTE}_",
        PARA_5,
        "[Share on Facebook](https://facebook.example/share) [Tweet](https://x.example/t)",
    ]
    result = clean_text_page(nav + "\n\n" + "\n\n".join(body))
    assert _paragraphs(result) == ARTICLE
    assert result.title == TITLE
    assert "https" not in result.text


def test_lynx_style_rendering() -> None:
    """Indented, hard-wrapped text with '*' bullets and image placeholders."""
    menu = "\n".join(f"     * {name}" for name in ("Home", "World", "Business", "Sport"))
    body = "\n\n".join(textwrap.indent("\n".join(textwrap.wrap(p, 76)), "   ") for p in ARTICLE)
    raw = "\n\n".join([menu, "   [logo_header.png]", TITLE, "   By Jane Doe", body, "   [IMG]"])
    result = clean_text_page(raw)
    assert _paragraphs(result) == ARTICLE
    assert result.author == "Jane Doe"


def test_side_by_side_columns_are_laid_out_one_after_the_other() -> None:
    """w3m prints a table layout as columns; the sidebar must not split sentences."""
    left = [line for p in ARTICLE for line in [*textwrap.wrap(p, 58), ""]]
    sidebar = [
        "Most read",
        "",
        "Lindby opens its",
        "first night market",
        "",
        "Storm warning for",
        "the northern coast",
        "",
        "Ferry fares to",
        "rise next year",
    ]
    rows = [
        f"{a:<60}{b}".rstrip()
        for a, b in zip(left, sidebar + [""] * (len(left) - len(sidebar)), strict=True)
    ]
    result = clean_text_page("\n".join([TITLE, "", *rows]))
    assert _paragraphs(result) == ARTICLE


def test_repeated_copy_of_the_story_is_dropped() -> None:
    """Text browsers also print hidden summaries that repeat the article."""
    raw = "\n".join([TITLE, *ARTICLE[1:], "Share", f"{PARA_2} {PARA_3}"])
    assert _paragraphs(clean_text_page(raw)) == ARTICLE[1:]


@pytest.mark.parametrize(
    ("lines", "expected", "source"),
    [
        ([TITLE, *ARTICLE], dt.date(2025, 3, 14), "dateline"),
        ([TITLE, "Published 21 March 2023", *ARTICLE[1:]], dt.date(2023, 3, 21), "published_line"),
        ([TITLE, "Updated 2 April 2025", *ARTICLE[1:]], dt.date(2025, 4, 2), "published_line"),
        ([TITLE, *ARTICLE[1:]], None, None),
    ],
)
def test_published_source(lines: list[str], expected: dt.date | None, source: str | None) -> None:
    result = clean_text_page("\n".join(lines))
    assert result.published == expected
    assert result.published_source == source


# --------------------------------------------------------------------------
# Time per character on pathological lines
# --------------------------------------------------------------------------

# Markup a renderer or a broken page repeats: brackets that never close,
# emphasis marks that never pair, half links and autolinks, placeholders.
PATHOLOGICAL_UNITS = ["[", "**a ", "__a ", "*", "![", "<http:", "[INS:", "[a](", "[a][", "\\"]
PATHOLOGICAL_CHARS = "[]()!*_<>:#\\/. aZ1"


def _cleaning_seconds(junk: str) -> float:
    """The best of three runs of the cleaner on an article with a junk line in it."""
    page = "\n\n".join([TITLE, *ARTICLE[:3], junk, *ARTICLE[3:]])
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        clean_text_page(page)
        best = min(best, time.perf_counter() - started)
    return best


def _units() -> list[str]:
    """The known units and twenty random ones, the same on every run."""
    rng = random.Random(18)
    drawn = ["".join(rng.choices(PATHOLOGICAL_CHARS, k=rng.randint(1, 6))) for _ in range(20)]
    return PATHOLOGICAL_UNITS + drawn


@pytest.mark.parametrize("unit", _units())
def test_a_pathological_line_costs_time_linear_in_its_length(unit: str) -> None:
    # Eight times the line may cost at most about eight times the time: a
    # backtracking pattern costs sixty-four times, and a 50,000-char line
    # took minutes before the patterns were made linear.
    short, long = ((unit * (n // len(unit) + 1))[:n] for n in (4_000, 32_000))
    ratio = _cleaning_seconds(long) / _cleaning_seconds(short)
    assert ratio < 16, f"{unit!r}: 8x the line took {ratio:.1f}x the time"


def test_an_article_with_a_line_of_fifty_thousand_brackets_keeps_its_text() -> None:
    result = clean_text_page("\n\n".join([TITLE, *ARTICLE, "[" * 50_000]))
    assert LEAD in result.text and PARA_5 in result.text
    assert "[[[" not in result.text
