"""The article region: the densest contiguous run of prose among the scored lines.

A maximum-sum segment of the line scores leaves headers, menus and teaser
tails outside; then hard end labels ("Comments", "Most popular") and an
author biography at the end cut it where a comment thread or a footer would
otherwise be taken for more article.
"""

from __future__ import annotations

import re

from newsflow.text.lexicon import BIOGRAPHY_LINE, COMMENT_HEAD, DESCRIBING_VERB, HARD_TAIL_LABEL
from newsflow.text.plaintext.lines import COMMENT, GOOD, TAIL, Line, marker_text
from newsflow.text.plaintext.stamps import byline_name, is_date_line

#: Score added to prose right below a byline or date stamp.
_ANCHOR_BONUS = 4.0

#: (first line, last line, total score); last < first when there is no region.
Region = tuple[int, int, float]


def anchor_bonus(lines: list[Line]) -> None:
    """Favour prose right below a byline or date stamp: where articles start."""
    for i, line in enumerate(lines):
        if line.kind != GOOD:
            continue
        window = lines[max(0, i - 3) : i]
        if any(is_date_line(w.text) or byline_name(w.text) for w in window):
            line.score += _ANCHOR_BONUS


def choose_region(lines: list[Line]) -> Region:
    """Article region, cut at a hard end marker ("Comments", "Most popular").

    Comment threads are prose too and can outweigh a short article, so the
    prose before such a marker wins when what follows is a thread (comment
    metadata lines) or weighs less; a sidebar box dropped into the middle of
    a long story is bridged instead.
    """
    start, end, total = _best_region(lines)
    markers = [i for i, line in enumerate(lines) if _is_hard_tail(line)]
    for i in markers:
        if start < i <= end:
            h_start, h_end, h_total = _best_region(lines[start:i])
            rest = _best_region(lines[i : end + 1])[2]
            if h_total >= max(0.3 * total, 8.0) and (
                rest < 0.75 * h_total or _thread_like(lines[i : end + 1])
            ):
                return start + h_start, start + h_end, h_total
    for i in (m for m in markers if m < start):
        head = _best_region(lines[:i])
        good = sum(line.kind == GOOD for line in lines[head[0] : head[1] + 1])
        thread = _thread_like(lines[start : end + 1])
        if head[1] >= i - 8 and good >= 2 and (head[2] >= 0.35 * total or thread):
            return head
    return start, end, total


def trim_tail(lines: list[Line], start: int, end: int, *, author: str | None) -> int:
    """Cut the region at an author biography and the name lines above it.

    Only a biography in the last quarter of the article's prose counts, so a
    paragraph that merely describes a journalist does not truncate a story.
    A biography is told by its phrases ("Jane Doe is a freelance writer",
    "can be reached at") or by opening with the byline's author, under any
    of the names a byline gives ("Ann Okafor, a recent graduate of ..." below
    "By Mary Ann Okafor").
    """
    describes_author = _author_description(author)
    mass = [max(line.score, 0.0) for line in lines[start : end + 1]]
    total = sum(mass) or 1.0
    for i in range(start + 2, end + 1):
        if sum(mass[i - start + 1 :]) > 0.25 * total or lines[i].words > 120:
            continue
        text = lines[i].text
        if BIOGRAPHY_LINE.search(text) or (describes_author and describes_author.match(text)):
            j = i
            while j - 1 > start and lines[j - 1].kind != GOOD and lines[j - 1].words <= 5:
                j -= 1
            return j - 1
    return end


def _author_description(author: str | None) -> re.Pattern[str] | None:
    """A line opening with the author's name, or its last parts, then describing them.

    "Mary Ann Okafor" may appear as itself, "Ann Okafor" or "Okafor"; the
    description is an apposition ("Okafor, a ..."), a parenthesis or a verb
    of what the person is or does ("Ann Okafor is ...", "... writes about").
    """
    parts = (author or "").split()
    if not parts:
        return None
    names = "|".join(re.escape(" ".join(parts[k:])) for k in range(len(parts)))
    return re.compile(rf"^(?:{names})(?:,\s+(?:an?|the|who)\s|\s+\(|\s+{DESCRIBING_VERB}\s)")


def _thread_like(lines: list[Line]) -> bool:
    """Several comment metadata lines ("jane says:", "2 days ago"): a thread."""
    return sum(line.kind == COMMENT for line in lines) >= 3


def _is_hard_tail(line: Line) -> bool:
    """A label such as "Comments" or "Most popular" that ends an article."""
    text = marker_text(line.text)
    return line.kind == TAIL and bool(HARD_TAIL_LABEL.match(text) or COMMENT_HEAD.match(text))


def _best_region(lines: list[Line]) -> Region:
    """Maximum-sum run of line scores: the densest stretch of prose."""
    best = (0, -1, 0.0)
    start, total = 0, 0.0
    for i, line in enumerate(lines):
        if total <= 0:
            start, total = i, 0.0
        total += line.score
        if total > best[2]:
            best = (start, i, total)
    return best
