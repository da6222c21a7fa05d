"""Undo what renderers did to a page, down to one logical line per block.

Text browsers (lynx, w3m) hard-wrap paragraphs at a screen width and lay
tables out as side-by-side columns; markdown renderers (html2text, pandoc)
wrap at any width and keep link targets, image syntax and emphasis. The
cleaner's line features only mean something once each paragraph is one line
again and the markup is gone.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable

#: One line of the page: its text, whether it was a list item, whether a
#: blank line (or a block boundary) came before it.
RawLine = tuple[str, bool, bool]

_LINEBREAK_RE = re.compile(r"\r\n|\r|\n")
_SPACE_RE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
_BULLET_RE = re.compile(r"^(?:[•·▪◦●■□‣∙◆►▸*]|[-\u2013+](?=\s))\s*")
# Renderer conventions: markdown (html2text, pandoc) and text browsers (lynx, w3m).
_WORD_START_RE = re.compile(r"(?<= )[^ ]")
# A cheap test before unicodedata's east-Asian width: Hangul jamo and
# syllables, CJK radicals to Yi, compatibility ideographs, full-width forms.
# A screen-width rule, not a script set (see newsflow.text.words).
_WIDE_RE = re.compile(r"[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uffef]")
_MIN_COLUMN, _MIN_SPLIT_LINES, _MAX_SCREEN = 20, 4, 220
_RULE_RE = re.compile(r"^[\s|:+=_*#\-\u2500-\u257f]{3,}$")
_URL_LINE_RE = re.compile(r"^(?:\d+\.\s*)?(?:https?|ftp|file|mailto):\S*$|^I?FRAME:\s*\S*$", re.I)
_MD_LINK_HINT_RE = re.compile(r"\]\(|^#{1,6} ", re.M)
_MD_MIN_LINKS = 5
_MD_BLOCK_RE = re.compile(r"^\s*(?:#{1,6}(?:\s|$)|>|\||\d+\.\s|[*+-]\s)")
_MD_REFDEF_RE = re.compile(r"^\[[^\]]+\]:\s*\S+")
_MD_TARGET = r"\(\s*<?(?:[a-z][\w+.-]*:|/|#|\.|\w)[^()]*(?:\([^()]*\)[^()]*)*\)"
# Every pattern runs in time linear in the line: a repeated character may
# only be consumed by one part of a pattern, and no bracketed part may run
# over the bracket that opens the next one, or a junk line of 50,000 "["
# costs minutes. tests/unit/text/test_plaintext.py times them on such lines.
_PLACEHOLDER_WORDS = frozenset({"", "IMG", "image", "img", "inline"})
_PLACEHOLDER_HINT_RE = re.compile(r"[._\d/]")


def _placeholder(match: re.Match[str]) -> str:
    """A text browser's image placeholder ([IMG], [photo_01.jpg], [ ]) becomes a space."""
    inner = match.group(1)
    if inner.strip() in _PLACEHOLDER_WORDS or _PLACEHOLDER_HINT_RE.search(inner):
        return " "
    return match.group(0)


_MARKUP_SUBS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"!\[[^\[\]]*\]" + _MD_TARGET), " "),  # markdown image
    (re.compile(r"\[([^\[\]]*)\]" + _MD_TARGET), r"\1"),  # markdown link
    (re.compile(r"\[([^\[\]]+)\]\[[^\[\]]*\]"), r"\1"),  # reference link
    (re.compile(r"<(?:https?|mailto|ftp):[^<>\s]*>", re.I), " "),  # autolink
    (re.compile(r"^(?:>\s?)+"), ""),  # blockquote
    (re.compile(r"^#{1,6}(?=\s|$)|\s#{1,6}$"), ""),  # atx heading marks
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])"), r"\1"),  # markdown escapes
    (re.compile(r"\*\*(?=[^\s*])([^*]+?)(?<=\S)\*\*"), r"\1"),  # strong
    (re.compile(r"__(?=[^\s_])([^_]+?)(?<=\S)__"), r"\1"),  # strong
    (re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])"), r"\1"),  # emphasis
    (re.compile(r"(?<![\w_])_(?=\S)([^_]+?)(?<=\S)_(?![\w_])"), r"\1"),  # emphasis
    # text-browser placeholders: [INS: :INS], (BUTTON), ____, [IMG], [photo_01.jpg]
    (re.compile(r"\[(?:INS|DEL):[^\[]*?:(?:INS|DEL)\]|\((?:BUTTON|submit|reset)\)|_{3,}"), " "),
    (re.compile(r"\[(\s*|[^\[\]\s]*)\]"), _placeholder),
)

#: A seam of glued inline text: flat renderings run inline elements together
#: ("HomeNewsWorld", "By Jane DoeNovember 18, 2026").
GLUE = re.compile(r"(?<=[a-z\u00e0-\u00ff])(?=[A-Z\u00c0-\u00de])")


def unglue(text: str) -> str:
    """Open the seams of glued inline text: "DoeNovember" -> "Doe November".

    Only searches (dates, bylines) see the opened text; the article keeps the
    page's own, since a seam can be a name's ("McDonald").
    """
    return GLUE.sub(" ", text)


def page_lines(raw: str) -> list[RawLine]:
    """Split the page into (text, is_bullet, starts_paragraph) triples.

    Blank lines are folded into the paragraph flag so pages with and without
    blank lines between paragraphs look alike downstream. Text browsers lay
    tables out as side-by-side columns and hard-wrap paragraphs, so columns
    are split apart and wrapped lines re-joined before markup is stripped.
    """
    physical = _LINEBREAK_RE.split(raw)
    if len(_MD_LINK_HINT_RE.findall(raw)) >= _MD_MIN_LINKS:
        physical = _join_markdown(raw)
    grid = [_display(line.expandtabs().rstrip()) for line in physical]
    page_width = _wrap_width([_SPACE_RE.sub(" ", row.replace("\0", "")) for row in grid])
    out: list[RawLine] = []
    blank = True
    for line in _logical_lines(_split_columns(grid), page_width):
        text, bullet = _strip_markup(line)
        if not text:
            blank = True
            continue
        out.append((text, bullet, blank))
        blank = False
    return out


def _join_markdown(raw: str) -> list[str]:
    """Lines of a markdown rendering with links resolved and soft breaks joined.

    Markdown renderers wrap paragraphs, links included, at any width and end
    a line that must stay broken with two spaces, so a line continues the
    previous one unless that ended a block (blank, hard break, heading) or
    it opens one (list item, heading, quote, table row).
    """
    for pattern, repl in _MARKUP_SUBS[:2]:
        raw = pattern.sub(lambda m, r=repl: m.expand(r).replace("\n", " "), raw)
    out: list[str] = []
    for line in _LINEBREAK_RE.split(raw):
        prev = out[-1] if out else ""
        if (
            line.strip()
            and prev.strip()
            and not prev.endswith("  ")
            and not _MD_BLOCK_RE.match(prev)
            and not _MD_BLOCK_RE.match(line)
            and not _BULLET_RE.match(line.strip())
        ):
            out[-1] = prev.rstrip() + " " + line.strip()
        else:
            out.append(line)
    return out


def _logical_lines(segments: list[list[str]], page_width: int | None) -> list[str]:
    """Lines of all segments, each re-joined at its own wrap width."""
    out: list[str] = []
    for segment in segments:
        rows = [_SPACE_RE.sub(" ", row.replace("\0", "")) for row in segment]
        width = _wrap_width(rows) or page_width
        out += [*_unwrap(rows, width), ""]
    return out


def _strip_markup(line: str) -> tuple[str, bool]:
    """Plain text of one logical line and whether it was a list item.

    Markdown renderers keep link targets, image syntax, emphasis and heading
    marks; text browsers print placeholders for images, frames and form
    fields. None of it is article text, and URLs would read as words.
    """
    line = line.strip()
    if _RULE_RE.match(line) or _URL_LINE_RE.match(line) or _MD_REFDEF_RE.match(line):
        return "", False
    bullet = bool(_BULLET_RE.match(line))
    if bullet:
        line = _BULLET_RE.sub("", line, count=1)
    for pattern, repl in _MARKUP_SUBS:
        line = pattern.sub(repl, line)
    line = _SPACE_RE.sub(" ", line).strip()
    if _BULLET_RE.match(line) and not bullet:  # "> * item", "## * item"
        bullet, line = True, _BULLET_RE.sub("", line, count=1).strip()
    return ("" if _RULE_RE.match(line) else line), bullet


def _display(line: str) -> str:
    """The line padded so that index = screen column (wide CJK chars take two)."""
    if not _WIDE_RE.search(line):
        return line
    return "".join(c + "\0" if unicodedata.east_asian_width(c) in "WF" else c for c in line)


def _split_columns(rows: list[str], depth: int = 0) -> list[list[str]]:
    """Lay side-by-side columns (tables rendered by a text browser) out one after
    the other, so a sidebar does not interleave with the article's lines.

    Returns the page as segments; each column is its own segment because it
    was wrapped at its own width.
    """
    found = _column_run(rows) if depth < 4 else None
    if found is None:
        return [rows]
    lo, hi, col = found
    left = [row[:col].rstrip() for row in rows[lo:hi]]
    right = [row[col:].rstrip() for row in rows[lo:hi]]
    parts = (rows[:lo], left, right, rows[hi:])
    return [seg for part in parts if part for seg in _split_columns(part, depth + 1)]


def _column_run(grid: list[str]) -> tuple[int, int, int] | None:
    """The longest run of lines (lo, hi) that a column boundary col splits cleanly.

    A boundary is a screen column that no word crosses on any line of the
    run while many lines have text on both sides of it, their right part
    starting exactly there; ordinary wrapped prose never keeps that up.
    Pages with very long lines were not laid out on a screen at all.
    """
    widths = sorted(len(row) for row in grid if row.strip())
    if not widths or widths[int(len(widths) * 0.97)] > _MAX_SCREEN:
        return None
    best: tuple[int, int, int] | None = None
    for col in _candidate_columns(grid, range(_MIN_COLUMN, min(widths[-1], _MAX_SCREEN) - 8)):
        run = _longest_clean_run(grid, col)
        if run and (best is None or run[1] - run[0] > best[1] - best[0]):
            best = (run[0], run[1], col)
    return best


def _candidate_columns(grid: list[str], columns: range) -> list[int]:
    """The columns of ``columns`` where a clean run could be, in ascending order.

    A run needs lines whose right part starts at the column after a space,
    some of them after two: counted in one pass over the page, this rules
    out nearly every column of ordinary prose before the per-column scan.
    """
    starts: Counter[int] = Counter()
    padded: Counter[int] = Counter()
    for row in grid:
        lead = len(row) - len(row.lstrip())
        for match in _WORD_START_RE.finditer(row, lead + 1):
            col = match.start()
            starts[col] += 1
            padded[col] += row[col - 2] == " "
    return [col for col in columns if starts[col] >= _MIN_SPLIT_LINES and padded[col] >= 2]


def _longest_clean_run(grid: list[str], col: int) -> tuple[int, int] | None:
    """Longest run of lines not crossed at col, mostly with text on both sides.

    Most lines that reach col must have text on both sides, and some must
    show a table cell's padding (two spaces before col): a word starting at
    col after one space happens in prose. The run spans its first two-sided
    line to the next crossed line: a long cell goes on below a short one.
    """
    best: tuple[int, int] | None = None
    first, split, padded, reaching = -1, 0, 0, 0
    for i, row in enumerate([*grid, "x" * (col + 1)]):
        if len(row) > col and row[col] != " " and row[col - 1] != " ":
            dense = split >= max(_MIN_SPLIT_LINES, 0.5 * reaching) and padded >= 2
            if dense and (best is None or i - first > best[1] - best[0]):
                best = (first, i)
            first, split, padded, reaching = -1, 0, 0, 0
        elif len(row) > col and row[col] != " " and row[:col].strip():
            first = i if first < 0 else first
            split, padded = split + 1, padded + (row[col - 2] == " ")
        reaching += len(row) > col and first >= 0
    return best


def _wrap_width(lines: list[str]) -> int | None:
    """Column a text-mode browser wrapped the page at, or None if not wrapped.

    A wrapped dump has many lines that end close to one right margin and
    few beyond it; lines with an unbreakable token (a URL) may overshoot.
    """
    lengths = sorted(
        len(line) for line in lines if len(line.strip()) >= 20 and _longest_token(line) <= 30
    )
    if len(lengths) < 10:
        return None
    width = lengths[int(len(lengths) * 0.97)]
    if width < 40 or width > 160:
        return None
    near = sum(width - 15 <= n <= width for n in lengths)
    return width if near >= max(5, 0.15 * len(lengths)) else None


def _longest_token(line: str) -> int:
    """Length of the longest whitespace-separated token in a line."""
    return max((len(token) for token in line.split()), default=0)


def _unwrap(lines: list[str], width: int | None) -> list[str]:
    """Re-join lines a text browser broke at width: a line was wrapped when
    the next line's first word would still have fitted on it."""
    if width is None:
        return lines
    out: list[str] = []
    last = ""  # previous physical line, before any joining
    for line in lines:
        head = line.strip()
        if (
            out
            and head
            and last.strip()
            and not _BULLET_RE.match(head)
            and len(last) + 1 + len(head.split()[0]) > width
        ):
            out[-1] = out[-1].rstrip() + " " + head
        else:
            out.append(line)
        last = line
    return out
