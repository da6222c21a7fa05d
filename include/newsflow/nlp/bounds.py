"""How much text NER reads at once: chunks of one text, batches bounded in weight.

spaCy's memory grows with the text it holds at once, not with the article:
one 490 KB article read whole took 1.1 GB, four 3.2 GB. So a long text is
read in chunks of a bounded number of characters, cut where a cut costs least
(a blank line, else a line end, else a sentence end, else a space; a hard cut
only in a run without any), and chunks go through ``nlp.pipe`` in batches
bounded in tokens as well as in count. Chunks are ``(start, end)`` spans of
the text, so every offset found in one stays an offset of the whole text.

The same bounded batching serves the pipeline's batches of pages and
articles (``newsflow.jobs.batch``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

#: Where to cut, best first. Each match ends where the next chunk starts, so
#: the whitespace of a cut stays with the chunk before it.
_BOUNDARIES = (
    re.compile(r"\n[^\S\n]*\n\s*"),  # a blank line: paragraphs
    re.compile(r"\n\s*"),  # a line end
    re.compile(r"[.!?][\"'\u201d\u2019)\]]*\s+|[\u3002\uff01\uff1f]\s*"),  # a sentence end
    re.compile(r"\s+"),  # a word end
)


def chunk_spans(text: str, max_chars: int) -> list[tuple[int, int]]:
    """Consecutive ``(start, end)`` spans covering ``text``, each of at most ``max_chars``.

    A text that fits is one span (none for an empty text). A cut goes at the
    best boundary in the second half of the window, so chunks stay large;
    failing that at the best anywhere in it, and only failing that anywhere.
    """
    if max_chars < 1:
        raise ValueError(f"max_chars must be at least 1, got {max_chars}")
    spans = []
    start = 0
    while start < len(text):
        end = _cut(text, start, max_chars)
        spans.append((start, end))
        start = end
    return spans


def _cut(text: str, start: int, max_chars: int) -> int:
    if len(text) - start <= max_chars:
        return len(text)
    window = text[start : start + max_chars]
    fallback = 0
    for boundary in _BOUNDARIES:
        last = max((m.end() for m in boundary.finditer(window)), default=0)
        if last >= max_chars // 2:
            return start + last
        fallback = fallback or last
    return start + (fallback or max_chars)


def batched(
    items: Iterable[T],
    size: int,
    *,
    max_weight: int = 0,
    weight: Callable[[T], int] = len,
) -> Iterator[list[T]]:
    """Lists of at most ``size`` items, in order, lazily.

    With ``max_weight`` (0: no bound), a list also ends as soon as the
    ``weight`` of its items (characters, bytes, tokens) reaches
    ``max_weight``: so it weighs less than ``max_weight`` plus its last item.
    No item is drawn ahead: an item is drawn only to go into the list being
    filled, so whatever the consumer did with the lists before (timing them,
    or stopping and reading the rest of ``items`` itself) is done first.
    """
    items = iter(items)
    while True:
        batch: list[T] = []
        total = 0
        for item in items:
            batch.append(item)
            total += weight(item) if max_weight else 0
            if len(batch) >= size or (max_weight and total >= max_weight):
                break
        if not batch:
            return
        yield batch
