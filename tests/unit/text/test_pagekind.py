"""Article or not (newsflow.text.pagekind): pages with main text that are no article."""

from __future__ import annotations

import json

import pytest

from newsflow.text.extract import PageRejected, extract_page, page_evidence
from newsflow.text.pagekind import judge
from support.pages import STORY, article_html

PRODUCTS = [
    ("Harbour Lantern", "A brass storm lantern for boats and gardens, with a glass chimney"),
    ("Deck Shoes", "Non-slip canvas shoes for wet decks, in six colours and all sizes"),
    ("Rope Set", "Three lengths of braided mooring rope with spliced eyes at both ends"),
    ("Tide Clock", "A wall clock that shows high and low tide for any port you set"),
    ("Chart Case", "A waterproof case for paper charts, with a clear window and strap"),
    ("Life Vest", "An inflatable vest with a harness ring, a whistle and a light"),
]


def product_listing() -> str:
    """A shop's category page: a grid of products, prices, buttons, a filter form."""
    cards = "".join(
        f'<li class="card"><a href="/shop/{i}"><h3>{name}</h3></a><p>{blurb}.</p>'
        f'<span class="price">${19 + 7 * i}.99</span><button>Add to cart</button></li>'
        for i, (name, blurb) in enumerate(PRODUCTS * 3)
    )
    offers = {"@type": "ItemList", "itemListElement": [{"@type": "Product", "name": n}
                                                       for n, _ in PRODUCTS]}  # fmt: skip
    return (
        "<!doctype html><html><head><title>Boat gear | Harbour Shop</title>"
        '<meta property="og:type" content="website">'
        '<link rel="canonical" href="https://harbourshop.example/shop/category/boat-gear">'
        f'<script type="application/ld+json">{json.dumps(offers)}</script></head><body>'
        '<form><input name="q"><input type="checkbox" name="in-stock"><select></select></form>'
        f"<h1>Boat gear</h1><ul>{cards}</ul></body></html>"
    )


def test_a_shops_listing_is_rejected_as_no_article_with_its_kind_in_the_detail():
    with pytest.raises(PageRejected) as caught:
        extract_page(product_listing().encode())
    assert (caught.value.stage, caught.value.reason) == ("extract", "not_an_article")
    assert str(caught.value).split(": ", 1)[1].startswith("product page")


def test_a_news_article_is_kept_and_weighs_far_from_the_listing():
    html = article_html(title="Lisbon to rebuild its old harbour bridge", paragraphs=STORY)
    article = judge(page_evidence(html))
    listing = judge(page_evidence(product_listing()))
    assert article.is_article and not listing.is_article
    assert extract_page(html.encode()).text


def test_declared_article_evidence_raises_the_probability():
    html = article_html(title="Lisbon to rebuild its old harbour bridge", paragraphs=STORY)
    declared = html.replace(
        "</head>",
        '<meta property="og:type" content="article"><script type="application/ld+json">'
        '{"@type": "NewsArticle", "author": {"name": "Jane Roe"}}</script></head>',
    )
    assert judge(page_evidence(declared)).probability > judge(page_evidence(html)).probability
