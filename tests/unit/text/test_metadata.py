from __future__ import annotations

import pytest

from newsflow.text.metadata import headline

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
    assert headline(title, site_name=site_name, url=url) == expected
