from __future__ import annotations

import pytest

from newsflow.text.metadata import PageMarkup, without_site_name

POST = "https://www.examplepost.com/2026/11/16/story"
STORY = "Why rents rose again"


@pytest.mark.parametrize(
    ("title", "site_name", "url", "expected"),
    [
        (f"{STORY} - The Example Post", None, POST, STORY),
        (f"{STORY} | Example Post", "Example Post", None, STORY),
        (f"ExamplePost.com: {STORY}", None, POST, STORY),
        (f"{STORY} \u2013 Housing \u2013 The Example Post", "The Example Post", None,
         f"{STORY} \u2013 Housing"),
        # no part names the site: the title stays whole
        ("Paris - Berlin: the night train returns", "Example Post", POST,
         "Paris - Berlin: the night train returns"),
        # a part naming the site among more words is the headline's own
        ("Example Post readers pick the best bakeries in town - Food", None, POST,
         "Example Post readers pick the best bakeries in town - Food"),
        # nothing would be left, or there is nothing to cut
        ("The Example Post", "The Example Post", None, "The Example Post"),
        (f"{STORY}-The Example Post", None, POST, f"{STORY}-The Example Post"),
        (None, "Example Post", None, None),
    ],
)  # fmt: skip
def test_the_headline_is_the_title_without_the_sites_name(title, site_name, url, expected):
    assert without_site_name(title, site_name=site_name, url=url) == expected


TITLE = "Rents 2026: what tenants pay | Example Post"


def _page(*headings: str) -> str:
    return f"<html><head><title>{TITLE}</title></head><body>{''.join(headings)}</body></html>"


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        # the visible headline, not the title written for search engines
        (_page(f"<h1>{STORY}</h1>"), STORY),
        # inline markup joins a word, a line break separates two
        (_page("<h1>Why <b>r</b>ents rose<br>again</h1>"), STORY),
        # a logo's or a section's heading is no headline: the title is
        (_page("<h1>The Example Post</h1>"), "Rents 2026: what tenants pay"),
        (_page("<h1>Housing</h1>"), "Rents 2026: what tenants pay"),
        (_page("<h1>Housing news today</h1><h1>Readers' letters this week</h1>"),
         "Rents 2026: what tenants pay"),
        # of several headings, the one the title speaks of
        (_page("<h1>More from our housing desk</h1>", "<h1>What tenants pay in 2026</h1>"),
         "What tenants pay in 2026"),
        # a lone heading that shares no word with the title heads something else
        (_page("<h1>Why not go and fight for the reindeer?</h1>"), "Rents 2026: what tenants pay"),
        # no heading at all
        (_page(), "Rents 2026: what tenants pay"),
    ],
)  # fmt: skip
def test_the_headline_is_the_pages_visible_h1_when_one_reads_as_a_headline(page, expected):
    assert (
        PageMarkup(page).headline(
            "Rents 2026: what tenants pay | Example Post", site_name=None, url=POST
        )
        == expected
    )
