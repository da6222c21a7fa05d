"""The article body: which lines of the region belong to the article."""

from __future__ import annotations

from collections import Counter

from newsflow.text.lexicon import CAPPED_SMALL_WORDS, TERMINAL
from newsflow.text.plaintext.lines import BOILER, COMMENT, GOOD, TAIL, Line, key
from newsflow.text.words import word_tokens

#: Share of a line's word 4-grams seen earlier that makes it a copy.
_REPEAT_SHARE = 0.7


def article_text(region: list[Line], *, lines: list[Line], title: str | None) -> str:
    """The kept lines of ``region``, one paragraph each (dumps put each block on its own line).

    ``lines`` is the whole page: a short line repeated elsewhere on it is a
    menu or label, not article text.
    """
    counts = Counter(key(line.text) for line in lines)
    title_key = key(title) if title else None
    drop_headlines = _teaser_headline_filter(title)
    body = [
        line
        for line in region
        if _keep(line, title_key=title_key, counts=counts, drop_headlines=drop_headlines)
    ]
    return "\n\n".join(line.text for line in _drop_repeats(body))


def _keep(line: Line, *, title_key: str | None, counts: Counter[str], drop_headlines: bool) -> bool:
    """Whether a line inside the article region belongs to the article."""
    if line.kind in (BOILER, TAIL, COMMENT):
        return False
    if drop_headlines and line.kind != GOOD and _headline_cased(line.text):
        return False
    line_key = key(line.text)
    if title_key and line_key == title_key:
        return False
    if line.kind == GOOD:
        return True
    if counts[line_key] > 1 and line.words <= 12:
        return False
    if line.words <= 2 and not line.terminal:
        return False
    return not (line.bullet and line.words <= 3)


def _headline_cased(text: str) -> bool:
    """Every word capitalised, short prepositions too ("Debt In Africa To Grow").

    That is how teaser cards and link lists style the headlines of other
    stories; a page's own subheadings follow its own title's style.
    """
    words = text.split()
    if not 4 <= len(words) <= 20 or TERMINAL.search(text) or text.isupper():
        return False
    if not all(w[0].isupper() for w in words if w[0].isalpha()):
        return False
    return any(w in CAPPED_SMALL_WORDS for w in words[1:])


def _teaser_headline_filter(title: str | None) -> bool:
    """Whether headline-cased lines are foreign to the page: its title writes
    some words in lower case (sentence case or standard title case)."""
    return bool(title) and any(w[0].islower() for w in title.split() if w[0].isalpha())


def _drop_repeats(lines: list[Line]) -> list[Line]:
    """Drop lines whose text the article already said.

    Text browsers also print hidden copies of the story (summaries, metadata
    blocks, print versions); a line most of whose word 4-grams were seen
    earlier in the article is such a copy.
    """
    seen: set[tuple[str, ...]] = set()
    kept: list[Line] = []
    for line in lines:
        words = word_tokens(line.text)
        grams = {tuple(words[i : i + 4]) for i in range(len(words) - 3)}
        if len(words) >= 8 and len(grams & seen) >= _REPEAT_SHARE * len(grams):
            continue
        seen |= grams
        kept.append(line)
    return kept
