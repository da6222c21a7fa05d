"""Text-mode cleaner for pages that arrive as plain text.

Archives, scrapers and browser "save as text" keep only a page's visible text:
navigation, breadcrumbs, share buttons, captions, bylines, author blurbs,
teasers and comment forms arrive mixed into the article. trafilatura needs
HTML, so this module cleans such dumps on its own, with generic line features
(length, stop-word density, terminal punctuation, bullets, repetition and
known boilerplate phrases) rather than rules keyed to particular sites:

1. every non-empty line is classified and scored (prose is positive, menus,
   bullets and boilerplate are negative);
2. the densest contiguous run of prose (a maximum-sum segment) is the article
   region, so headers, menus and teaser tails fall outside it;
3. boilerplate lines inside the region (teasers, captions, bylines, date
   lines, prompts) are dropped, and title, author and date are recovered from
   the lines they came from.

Only the standard library is used, so the text path works without models.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

__all__ = ["CleanedText", "clean_text_page"]


@dataclass(frozen=True)
class CleanedText:
    """The article found in a plain-text page, with the metadata it carried."""

    text: str
    title: str | None
    author: str | None
    published: dt.date | None
    # Where the date came from: "dateline" ("Beijing, 20 December 2023 (TDI):"),
    # "published_line" (a "Published ..."/"Updated ..." or bare date line) or None.
    published_source: str | None = None


# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------

# Small stop-word lists: enough to tell prose from link text. The page's
# language is whichever list hits most often; pages in none of them (CJK,
# other scripts) are judged on length and punctuation alone.
_STOPWORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": "a about after all also an and are as at be because been but by can could "
        "did do does for from had has have he her his how i if in into is it its just "
        "more most my no not of on one or our out she so some than that the their them "
        "then there these they this to up was we were what when which while who will "
        "with would you your said says against any before being between both during each "
        "few here him its me only other over same should such through under until very "
        "where why new two first last year after now even those many any us per",
        "de": "aber als am an auch auf aus bei bis das dass dem den der des die doch "
        "ein eine einem einen einer es für hat hatte ich im in ist kann mit nach nicht "
        "noch nur oder sich sie sind so und von vor war was wie wir wird zu zum zur",
        "fr": "au aux avec ce ces comme dans de des du elle en est et il ils je la le "
        "les leur mais ne nous on ou par pas plus pour qu que qui sa se ses son sont "
        "sur un une vous été",
        "es": "al como con de del el en es esta está fue ha la las le lo los más no "
        "para pero por que se su sus un una y ya",
        "pt": "ao aos as com como da das de do dos e em é foi mais mas na nas no nos "
        "não o os ou para pela pelo por que se sua seu um uma já",
        "it": "al alla anche che chi come con da dal del della di e gli ha il in la le "
        "lo ma nel nella non per più si sono su un una è",
        "nl": "aan als bij dat de die een en er het hij in is maar met niet of om op "
        "te van voor was wat ze zijn",
        "id": "ada akan dalam dan dari dengan di ini itu juga karena ke kita oleh pada "
        "tidak untuk yang bisa atau sudah",
        "ru": "а без в во все да для до его её же за и из или к как на не но о об от "  # noqa: RUF001
        "по при с так то что это он она они мы вы бы был была",  # noqa: RUF001
    }.items()
}

_MONTHS: dict[str, int] = {}
for _num, _names in enumerate(
    (
        "january jan",
        "february feb",
        "march mar",
        "april apr",
        "may",
        "june jun",
        "july jul",
        "august aug",
        "september sep sept",
        "october oct",
        "november nov",
        "december dec",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _num

# --------------------------------------------------------------------------
# Compiled patterns
# --------------------------------------------------------------------------

_WORD_RE = re.compile(r"\w+", re.UNICODE)
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_LINEBREAK_RE = re.compile(r"\r\n|\r|\n")
_SPACE_RE = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
_BULLET_RE = re.compile(r"^(?:[•·▪◦●■□‣∙◆►▸*]|[-\u2013+](?=\s))\s*")
_TERMINAL_RE = re.compile(r"[.!?…:;。\uff01\uff1f」』\"”\u2019»)\]]$")
_SENTENCE_PUNCT_RE = re.compile(r"[.,;:!?。、\uff0c\uff01\uff1f]")
_GLUE_RE = re.compile(r"(?<=[a-z\u00e0-\u00ff])(?=[A-Z\u00c0-\u00de])")
_CRUMB_SEP_RE = re.compile(r"\s(?:>|»|\u203a|/|\||→|::)\s|\s?[>»\u203a]\s?")
# Renderer conventions: markdown (html2text, pandoc) and text browsers (lynx, w3m).
_WORD_START_RE = re.compile(r"(?<= )[^ ]")
_WIDE_RE = re.compile(r"[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uffef]")
_MIN_COLUMN, _MIN_SPLIT_LINES, _MAX_SCREEN = 20, 4, 220
_RULE_RE = re.compile(r"^[\s|:+=_*#\-\u2500-\u257f]{3,}$")
_URL_LINE_RE = re.compile(r"^(?:\d+\.\s*)?(?:https?|ftp|file|mailto):\S*$|^I?FRAME:\s*\S*$", re.I)
_MD_LINK_HINT_RE = re.compile(r"\]\(|^#{1,6} ", re.M)
_MD_MIN_LINKS = 5
_MD_BLOCK_RE = re.compile(r"^\s*(?:#{1,6}(?:\s|$)|>|\||\d+\.\s|[*+-]\s)")
_MD_REFDEF_RE = re.compile(r"^\[[^\]]+\]:\s*\S+")
_MD_TARGET = r"\(\s*<?(?:[a-z][\w+.-]*:|/|#|\.|\w)[^()]*(?:\([^()]*\)[^()]*)*\)"
_MARKUP_SUBS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"!\[[^\]]*\]" + _MD_TARGET), " "),  # markdown image
    (re.compile(r"\[([^\[\]]*)\]" + _MD_TARGET), r"\1"),  # markdown link
    (re.compile(r"\[([^\[\]]+)\]\[[^\]]*\]"), r"\1"),  # reference link
    (re.compile(r"<(?:https?|mailto|ftp):[^>\s]*>", re.I), " "),  # autolink
    (re.compile(r"^(?:>\s?)+"), ""),  # blockquote
    (re.compile(r"^#{1,6}(?=\s|$)|\s#{1,6}$"), ""),  # atx heading marks
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])"), r"\1"),  # markdown escapes
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # strong
    (re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])"), r"\1"),  # emphasis
    (re.compile(r"(?<![\w_])_(?=\S)([^_]+?)(?<=\S)_(?![\w_])"), r"\1"),  # emphasis
    # text-browser placeholders: [IMG], [photo_01.jpg], [INS: :INS], (BUTTON), ____
    (re.compile(r"\[(?:INS|DEL):.*?:(?:INS|DEL)\]|\((?:BUTTON|submit|reset)\)|_{3,}"), " "),
    (re.compile(r"\[(?:IMG|image|img|inline|\s*|[^\]\s]*[._\d/][^\]\s]*)\]"), " "),
)
_NUMERIC_RE = re.compile(r"^[\d\s.,:;/%()+\-\u2013—|]+$")

_MONTH_ALT = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>[01]?\d)-(?P<d>[0-3]?\d)\b"),
    re.compile(
        rf"\b(?P<mon>{_MONTH_ALT})\.?\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)\b",
        re.I,
    ),
    re.compile(
        rf"\b(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\.?\s+(?:of\s+)?(?P<mon>{_MONTH_ALT})\.?,?\s+"
        r"(?P<y>(?:19|20)\d\d)\b",
        re.I,
    ),
    re.compile(r"\b(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\.(?P<y>(?:19|20)\d\d)\b"),
    re.compile(r"\b(?P<y>(?:19|20)\d\d)/(?P<m>[01]?\d)/(?P<d>[0-3]?\d)\b"),
    re.compile(r"\b(?P<m>[01]?\d)/(?P<d>[0-3]?\d)/(?P<y>(?:19|20)\d\d)\b"),
    re.compile(r"\b(?P<d>[0-3]?\d)/(?P<m>[01]?\d)/(?P<y>(?:19|20)\d\d)\b"),
)
# Words that may accompany a date on a line that is only a date stamp.
_DATE_FILLER_RE = re.compile(
    r"\b(?:published|posted|updated|last|modified|created|date|dated|on|at|am|pm|a\.m|p\.m|"
    r"gmt|utc|est|edt|cet|cest|bst|ist|pst|pdt|et|pt|hrs?|"
    r"mon|tue|wed|thu|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|today|yesterday|time|read|min|mins|minutes?|ago)\b\.?|\d{1,2}:\d\d(?::\d\d)?",
    re.I,
)
_DATELINE_RE = re.compile(r"^[A-Z][\w .'\u2019-]{1,40},\s[^:]{4,40}\([^)]{1,20}\)\s?[:\-\u2013—]")
_UPDATED_RE = re.compile(r"\b(?:updated|modified|edited)\b", re.I)
_SRC_DATELINE, _SRC_LINE = "dateline", "published_line"

_NAME_TOKEN = r"(?:[A-Z\u00c0-\u00de][\w'\u2019.\-]*|de|da|del|van|von|der|bin|al|le|la)"
_BYLINE_RE = re.compile(
    rf"^(?i:by|written by|words by|reported by|story by|posted by|author:?|text:?|von|par|por)"
    rf"\s+(?P<name>[A-Z\u00c0-\u00de][\w'\u2019.\-]*(?:\s+{_NAME_TOKEN}){{0,4}})",
)
_BIO_AUTHOR_RE = re.compile(r"^the (?:author|writer),\s+(?P<name>[^,]{3,60}),\s+(?:is|was)\b", re.I)
_ROLE = (
    r"(?:writer|journalist|reporter|correspondent|editor|columnist|contributor|author|"
    r"educator|blogger|researcher|analyst|freelancer|photographer|producer|host|founder)"
)
_BIO_RE = re.compile(
    r"^(?i:the (?:author|writer)\b|about the author\b)"
    r"|\b(?:can|may) be (?:reached|contacted) at\b"
    r"|\bfollow (?:him|her|them) on\b|\bemail (?:him|her|them|the (?:author|writer)) at\b"
    r"|^[A-Z][\w'\u2019.-]+(?:\s+[A-Z][\w'\u2019.-]+){0,3}(?:\s+\([^)]{2,40}\))?\s+(?:is|was)\s+"
    r"(?:an?|the)\s+(?:[\w-]+\s+){0,6}" + _ROLE + r"s?\b",
)

# Lines that end the article: what follows is teasers, comments or footer.
# Hard markers (comments, "most popular", "you may also like") cut the
# article region; soft ones ("Related", "Tags") only weigh against it.
_HARD_TAIL = (
    r"most (?:popular|read|viewed|shared|commented|emailed)\b.*|"
    r"trending(?: now| stories| articles)?|"
    r"you (?:may|might|will) also (?:like|enjoy|be interested in)|"
    r"recommended(?: for you| stories| articles| reading)?|read (?:this )?next|up next|"
    r"more (?:great |top |popular )?(?:[\w.&'\u2019-]+ ){0,2}(?:stories|news|articles|videos)|"
    r"what to read next|leave a (?:reply|comment)|post a comment|add a comment|"
    r"(?:top rated |reader |user |latest )?comments?|"
    r"\d+ (?:comments?|responses?|replies|thoughts)\b.*|responses? to\b.*|"
    r"(?:read|view|show|see|load) (?:all )?comments|join the (?:conversation|discussion)|"
    r"sponsored(?: content| stories| links)?|around the web|from the web|"
    r"promoted(?: stories| content)?|share this(?: article| story| post)?|"
    r"popular(?: posts| stories| now| articles)?|sources?|references|about this article|"
    r"like this article\??"
)
_TAIL_RE = re.compile(
    rf"^(?:{_HARD_TAIL}|related(?: articles| stories| posts| news| content| topics)?|"
    r"latest(?: news| stories| posts)?|more(?: from| in| on)?(?: [\w.&'\u2019-]+){1,2}|"
    r"top stories|don'?t miss|editor'?s picks?|about the author|tags?|topics?)\s*:?$",
    re.I,
)
_HARD_TAIL_RE = re.compile(rf"^(?:{_HARD_TAIL})\s*:?$", re.I)
# "12 thoughts on “A Long Headline ...”" opens a comment thread at any length.
_COMMENT_HEAD_RE = re.compile(
    r"^\d+ (?:thoughts|responses?|comments?|replies) (?:on|to)\b|^(?:one|two|three) "
    r"(?:thoughts?|responses?|comments?|replies) (?:on|to)\b",
    re.I,
)
# Flat renderings glue a teaser card's headline to its summary:
# "Two Held After Death Of StudentA 24-year-old woman and ...".
_TEASER_CARD_RE = re.compile(r"^((?:\S+\s+){3,}?\S*?[a-z]{4})[A-Z][a-z]*\s+[a-z\d]")
_CAPPED_SMALL_WORDS = frozenset(("In", "To", "Of", "On", "At", "By", "For", "And", "Or"))
_HEADLINE_SMALL_WORDS = frozenset(
    ("a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "at", "by", "with", "from", "is")
)
_COMMENT_META_RE = re.compile(
    r"\b(?:says|said|wrote|writes|replied)\s*:$"
    r"|^\d+ (?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?) ago\b"
    r"|^(?:at )?\d{1,2}:\d\d(?::\d\d)?\s*(?:[ap]\.?m\.?)?$"
    r"|^(?:reply|report|like|quote|flag|permalink|upvote|downvote|share)(?:\s*\(\d+\))?$"
    r"|^rating:|^\d+ (?:votes?|likes?|points?|replies)$|^(?:reply|log in to reply)\b"
    r"|^(?:read more|continue reading|read (?:the )?full (?:story|article)|more)\W*$",
    re.I,
)

# Phrases that mark a line as boilerplate wherever it occurs.
_BOILER_RE = re.compile(
    r"^(?:also read|read also|read more|read more about|see also|related|more|watch|listen|"
    r"recommended|suggested|click here|sign up|subscribe|follow us|follow|share|tweet|"
    r"advertisement|advertising|sponsored|ad|cookies?|newsletter|tags?|topics?|filed under|"
    r"posted in|categories|category|source|sources|image|photo|video|next|previous|prev|"
    r"next article|previous article|print|email|e-mail|comments?|reply|log ?in|sign ?in|"
    r"register|menu|search|home|skip to (?:main )?content|back to top|loading\.*)"
    r"(?:\s*[:|»>\-\u2013—]\s*.*|\s*)$"
    r"|\ball rights reserved\b|^©|^copyright\b"
    r"|\byour email address will not be published\b|\brequired fields are marked\b"
    r"|\bpost with no comments\b|\bno comments yet\b|\bbe the first to comment\b"
    r"|\bregistered trademarks? of\b|\bsubject to copyright\b|\bno part may be reproduced\b"
    r"|^the information (?:provided|contained) (?:on|in) this (?:web ?site|site|page)\b"
    r"|^stay (?:up to date|informed|connected|in touch)\b|\bno thanks\b"
    r"|\bsuccess?fully subscribed\b|\bactivation link\b"
    r"|\bsupport (?:us|our (?:work|journalism|reporting)|independent journalism)\b"
    r"|\bmake a (?:donation|contribution)\b|\bbecome a (?:member|subscriber|patron)\b"
    r"|^(?:citation|cite this(?: article)?)\s*:"
    r"|\blet us know (?:in the comments|what you think|your thoughts)\b"
    r"|\b(?:share|leave) your (?:thoughts|comments|views)\b|\bcomment below\b"
    r"|\bin the comments? (?:section )?below\b"
    r"|\b(?:sign up|subscribe) (?:for|to) (?:our|the)\b[^.]{0,40}\bnewsletter"
    r"|\bnewsletter\b.{0,60}\b(?:inbox|sign up|subscribe)\b"
    r"|\bprivacy policy\b.{0,40}\bterms\b|\bterms of (?:use|service)\b"
    r"|\b(?:javascript|your browser) (?:is )?(?:disabled|not supported)\b"
    r"|^(?:facebook|twitter|linkedin|whatsapp|pinterest|reddit|telegram|instagram|youtube|"
    r"google\+?|google plus|rss|email|print|copy link|flipboard|tumblr)$",
    re.I,
)
# Consent banners run long, so they are matched at any length.
_CONSENT_RE = re.compile(
    r"\bwe use cookies\b|\buses? cookies\b|\bcookie (?:policy|settings|preferences)\b"
    r"|\baccept (?:all )?cookies\b|\bby continuing to (?:browse|use)\b|\bcookies?\b.*\bcookies?\b",
    re.I,
)
_CAPTION_RE = re.compile(
    r"\|\s*(?:photo|image|picture|pic|credit|source|foto)s?\s*:"
    r"|^(?:photo|image|picture|pic|file photo|photograph|illustration|credit|foto|bild)s?"
    r"(?:\s+credit)?\s*[:\uff1a]"
    r"|\((?:photo|image|picture|pic|file photo|foto)s?\b[^)]*\)\s*$"
    r"|^\((?:photo|image|credit)"
    r"|(?:photo|image|picture)s?\s*(?:credit|courtesy)\b"
    r"|credit:\s*\S|^(?:image|photo|picture|slide) \d+ (?:of|/) \d+$|^\d+\s*of\s*\d+\D"
    r"|\((?:AP|AFP|Reuters|EPA|Getty|Getty Images|Shutterstock)(?: Photo)?(?:/[^)]*)?\)$"
    r"|\(\s*[A-Z][A-Z .'\u2019-]+/[A-Z][A-Z .'\u2019/-]+\s*\)?$"
    r"|\b(?:getty images|shutterstock|ap photo|afp photo|reuters/|epa-efe|istock(?:photo)?)"
    r"\b[^.]{0,40}$",
    re.I,
)

# --------------------------------------------------------------------------
# Line model
# --------------------------------------------------------------------------

_GOOD, _MEDIUM, _SHORT, _BOILER, _TAIL = "good", "medium", "short", "boiler", "tail"
_COMMENT = "comment"
_ANCHOR_BONUS = 4.0
_REPEAT_SHARE = 0.7
_DENSITY_GOOD, _DENSITY_LONG, _DENSITY_MEDIUM = 0.18, 0.12, 0.15


@dataclass
class _Line:
    """One non-empty line of the page and the features the cleaner uses."""

    text: str
    bullet: bool
    para_start: bool
    words: int
    size: int
    stop_density: float
    terminal: bool
    kind: str = _SHORT
    score: float = 0.0


def _normalise(raw: str) -> list[tuple[str, bool, bool]]:
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
    out: list[tuple[str, bool, bool]] = []
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


def _size(text: str) -> int:
    """Length in Latin-character equivalents: CJK characters weigh three."""
    return len(text) + 2 * len(_CJK_RE.findall(text))


def _pick_language(lines: list[tuple[str, bool, bool]]) -> frozenset[str] | None:
    """Return the stop-word list that fits the page, or None when none does."""
    tokens = [w for text, _, _ in lines if len(text) > 60 for w in _WORD_RE.findall(text.lower())]
    if len(tokens) < 30:
        tokens = [w for text, _, _ in lines for w in _WORD_RE.findall(text.lower())]
    if not tokens:
        return None
    best = max(_STOPWORDS.values(), key=lambda sw: sum(t in sw for t in tokens))
    density = sum(t in best for t in tokens) / len(tokens)
    return best if density >= 0.12 else None


def _make_line(text: str, bullet: bool, para: bool, stops: frozenset[str] | None) -> _Line:
    """Compute the generic features of one line."""
    words = _WORD_RE.findall(text.lower())
    n = len(words)
    density = sum(w in stops for w in words) / n if stops and n else 0.0
    return _Line(
        text=text,
        bullet=bullet,
        para_start=para,
        words=max(n, len(_CJK_RE.findall(text)) // 2),
        size=_size(text),
        stop_density=density,
        terminal=bool(_TERMINAL_RE.search(text)),
    )


# --------------------------------------------------------------------------
# Boilerplate detectors
# --------------------------------------------------------------------------


def _is_breadcrumb(text: str) -> bool:
    """Glued ("HomeNewsWorld...") or separated ("News > Russia") link trails."""
    if len(text) > 200:
        return False
    glue = len(_GLUE_RE.findall(text))
    if (
        glue >= 2
        and (text.lower().startswith("home") or glue >= 3)
        and not _TERMINAL_RE.search(text)
    ):
        return True
    parts = [p.strip() for p in _CRUMB_SEP_RE.split(text)]
    return (
        len(parts) >= 2
        and all(0 < len(p.split()) <= 5 for p in parts)
        and not any(p.endswith(".") for p in parts)
    )


def _find_date(text: str) -> tuple[dt.date | None, tuple[int, int] | None]:
    """First calendar date in a line, with its span in the line's unglued form.

    Flat dumps glue inline elements ("By Jane DoeNovember 18, 2026"), so the
    search runs on the text with those seams opened up (see _unglue).
    """
    spaced = _unglue(text)
    best: tuple[dt.date | None, tuple[int, int] | None] = (None, None)
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(spaced):
            found = _to_date(m)
            if found and (best[1] is None or m.start() < best[1][0]):
                best = (found, m.span())
                break
    return best


def _unglue(text: str) -> str:
    """Open the seams of glued inline text: "DoeNovember" -> "Doe November"."""
    return _GLUE_RE.sub(" ", text)


def _to_date(m: re.Match[str]) -> dt.date | None:
    """Turn a date-pattern match into a date; None for impossible dates."""
    parts = m.groupdict()
    month = _MONTHS.get(parts["mon"].lower().rstrip(".")) if parts.get("mon") else None
    try:
        return dt.date(int(parts["y"]), month or int(parts["m"]), int(parts["d"]))
    except (ValueError, TypeError):
        return None


def _is_date_line(text: str) -> bool:
    """A line that is only a date stamp ("Published 21 March 2023", "2023-03-21")."""
    if len(text) > 80:
        return False
    found, span = _find_date(text)
    if not found or span is None:
        return False
    spaced = _unglue(text)
    rest = spaced[: span[0]] + " " + spaced[span[1] :]
    rest = _BYLINE_RE.sub("", _DATE_FILLER_RE.sub(" ", rest))
    return not _WORD_RE.search(re.sub(r"\d+", "", rest))


def _byline_name(text: str) -> str | None:
    """The author name of a "By Jane Doe" byline line, else None."""
    if len(text) > 120:
        return None
    spaced = _unglue(text)
    m = _BYLINE_RE.match(spaced)
    if not m:
        return None
    tokens: list[str] = []
    for token in m.group("name").split():
        if token.lower().rstrip(".,") in _MONTHS or token[0].isdigit():
            break
        tokens.append(token.rstrip(",|"))
        if token.endswith((",", "|")):
            break
    while tokens and tokens[-1].islower():
        tokens.pop()
    name = " ".join(tokens).strip(" ,.-|")
    rest = spaced[m.start("name") + len(name) :]
    if not name or len(_WORD_RE.findall(rest)) > 12:
        return None
    return name


def _is_caption(line: _Line) -> bool:
    """Photo captions and credits."""
    return bool(_CAPTION_RE.search(line.text)) and line.words <= 60


def _is_teaser_card(line: _Line) -> bool:
    """A Title Case headline glued to the summary that follows it."""
    m = _TEASER_CARD_RE.match(line.text)
    if not m or line.words < 12:
        return False
    return all(
        w[0].isupper() or w[0].isdigit() or w in _HEADLINE_SMALL_WORDS or not w[0].isalpha()
        for w in m.group(1).split()
    )


def _is_boiler(line: _Line) -> bool:
    """Known boilerplate: phrases, captions, breadcrumbs, date and byline lines."""
    text = line.text
    if (line.words <= 40 and _BOILER_RE.search(text)) or _CONSENT_RE.search(text):
        return True
    return (
        _is_caption(line)
        or _is_breadcrumb(text)
        or _is_date_line(text)
        or _byline_name(text) is not None
        or (line.words <= 12 and bool(_NUMERIC_RE.match(text)))
    )


# --------------------------------------------------------------------------
# Classification and region
# --------------------------------------------------------------------------


def _classify(line: _Line, stops: frozenset[str] | None) -> None:
    """Set the line's kind and its score for the region search."""
    if (line.words <= 8 and _TAIL_RE.match(_marker_text(line.text))) or (
        line.words <= 40 and _COMMENT_HEAD_RE.match(line.text)
    ):
        line.kind, line.score = _TAIL, -12.0
    elif line.words <= 15 and _COMMENT_META_RE.search(line.text):
        line.kind, line.score = _COMMENT, -3.0
    elif _is_boiler(line) or _is_teaser_card(line):
        line.kind, line.score = _BOILER, -1.5
    elif _is_prose(line, stops, long=True):
        line.kind, line.score = _GOOD, min(line.size / 40.0, 12.0)
    elif _is_prose(line, stops, long=False):
        line.kind, line.score = _MEDIUM, 0.5
    else:
        line.kind, line.score = _SHORT, _short_penalty(line)


def _marker_text(text: str) -> str:
    """Section label without decoration: "[ 167 comments ]" -> "167 comments"."""
    return text.strip(" []()<>|-\u2013—:•*#").strip()


def _short_penalty(line: _Line) -> float:
    """Bulleted short lines are menu items more often than plain short lines."""
    return -1.5 if line.bullet else -1.0


def _anchor_bonus(lines: list[_Line]) -> None:
    """Favour prose right below a byline or date stamp: where articles start."""
    for i, line in enumerate(lines):
        if line.kind != _GOOD:
            continue
        window = lines[max(0, i - 3) : i]
        if any(_is_date_line(w.text) or _byline_name(w.text) for w in window):
            line.score += _ANCHOR_BONUS


def _is_prose(line: _Line, stops: frozenset[str] | None, long: bool) -> bool:
    """Sentence-like text: long enough, punctuated, with function words."""
    min_size, min_words = (80, 10) if long else (30, 5)
    if line.size < min_size or line.words < min_words:
        return False
    if stops is not None and line.stop_density < _min_density(line, long):
        return False
    if not _SENTENCE_PUNCT_RE.search(line.text):
        return False
    return line.terminal or line.words >= (15 if long else 10)


def _min_density(line: _Line, long: bool) -> float:
    """Stop-word density a prose line needs; long sentences full of names need less."""
    if not long:
        return _DENSITY_MEDIUM
    return _DENSITY_LONG if line.words >= 25 else _DENSITY_GOOD


def _choose_region(lines: list[_Line]) -> tuple[int, int, float]:
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
        good = sum(line.kind == _GOOD for line in lines[head[0] : head[1] + 1])
        thread = _thread_like(lines[start : end + 1])
        if head[1] >= i - 8 and good >= 2 and (head[2] >= 0.35 * total or thread):
            return head
    return start, end, total


def _thread_like(lines: list[_Line]) -> bool:
    """Several comment metadata lines ("jane says:", "2 days ago"): a thread."""
    return sum(line.kind == _COMMENT for line in lines) >= 3


def _is_hard_tail(line: _Line) -> bool:
    """A label such as "Comments" or "Most popular" that ends an article."""
    text = _marker_text(line.text)
    return line.kind == _TAIL and bool(_HARD_TAIL_RE.match(text) or _COMMENT_HEAD_RE.match(text))


def _best_region(lines: list[_Line]) -> tuple[int, int, float]:
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


# --------------------------------------------------------------------------
# Metadata
# --------------------------------------------------------------------------


def _heading_like(line: _Line) -> bool:
    """Short, unpunctuated or question/exclamation line that could be a title."""
    if line.bullet or line.kind in (_BOILER, _TAIL) or not 2 <= line.words <= 30:
        return False
    return not line.text.endswith((".", ",", ";")) or line.text.endswith("...")


def _strip_glue(text: str) -> str:
    """Drop a glued breadcrumb prefix: "HomeNewsWorldTitle words" -> "Title words"."""
    pieces = _GLUE_RE.split(text)
    while (
        len(pieces) > 1
        and len(pieces[0].split()) <= 3
        and not any(w.islower() for w in pieces[0].split())
    ):
        pieces = pieces[1:]
    return "".join(pieces).strip()


def _find_title(lines: list[_Line], start: int) -> str | None:
    """Best heading-like line before the article region.

    Titles are usually repeated (page heading, breadcrumb tail, share text)
    and sit close above the article, so both count.
    """
    texts = Counter(_key(line.text) for line in lines)
    best: tuple[float, str] | None = None
    first = max(0, start - 40)
    for i in range(first, min(start + 1, len(lines))):
        line = lines[i]
        candidate = _strip_glue(line.text) if _is_breadcrumb(line.text) else line.text
        if not (_heading_like(line) or candidate != line.text) or len(candidate.split()) < 3:
            continue
        if _is_date_line(candidate) or _TAIL_RE.match(candidate):
            continue
        key = _key(candidate)
        repeats = texts[key] - 1 + sum(1 for t in texts if t != key and t.endswith(key))
        score = 3.0 * min(repeats, 2) + min(len(candidate.split()), 12) / 4.0
        score -= (start - i) / 6.0
        if best is None or score > best[0]:
            best = (score, candidate)
    return best[1] if best else None


def _key(text: str) -> str:
    """Comparison key for repeated lines."""
    return " ".join(_WORD_RE.findall(text.lower()))


def _find_published(lines: list[_Line], start: int, end: int) -> tuple[dt.date | None, str | None]:
    """Publication date and where it came from, most trustworthy source first.

    A stand-alone stamp above the article beats a dateline, which beats a
    date inside some other short header line; captions carry photo dates and
    "Updated" stamps a later date, so they come last.
    """
    head = lines[max(0, start - 40) : start]
    lead = [
        line for line in lines[start : min(end + 1, start + 2)] if _DATELINE_RE.match(line.text)
    ]
    short = [line for line in head if line.words <= 25 and not _is_caption(line)]
    anywhere = [line for line in lines if _is_date_line(line.text)]
    groups = (
        (head, True, _SRC_LINE),
        (lead, False, _SRC_DATELINE),
        (short, False, _SRC_LINE),
        (anywhere, True, _SRC_LINE),
    )
    updated: tuple[dt.date | None, str | None] = (None, None)
    for group, stamps_only, source in groups:
        for line in group:
            if stamps_only and not _is_date_line(line.text):
                continue
            found, _ = _find_date(line.text[:160])
            if not found:
                continue
            if not _UPDATED_RE.search(line.text):
                return found, source
            updated = updated if updated[0] else (found, source)
    return updated


def _find_author(lines: list[_Line], start: int, end: int) -> str | None:
    """Author from a byline near the article, else from an author biography."""
    lo, hi = max(0, start - 40), min(len(lines), end + 5)
    for line in lines[lo:hi]:
        name = _byline_name(line.text)
        if name:
            return name
    for line in lines[start : hi + 10]:
        m = _BIO_AUTHOR_RE.match(line.text)
        if m:
            return m.group("name").strip()
    return None


# --------------------------------------------------------------------------
# Body
# --------------------------------------------------------------------------


def _trim_tail(lines: list[_Line], start: int, end: int) -> int:
    """Cut the region at an author biography and the name lines above it.

    Only a biography in the last quarter of the article's prose counts, so a
    paragraph that merely describes a journalist does not truncate a story.
    """
    mass = [max(line.score, 0.0) for line in lines[start : end + 1]]
    total = sum(mass) or 1.0
    for i in range(start + 2, end + 1):
        if sum(mass[i - start + 1 :]) > 0.25 * total or lines[i].words > 120:
            continue
        if _BIO_RE.search(lines[i].text):
            j = i
            while j - 1 > start and lines[j - 1].kind != _GOOD and lines[j - 1].words <= 5:
                j -= 1
            return j - 1
    return end


def _headline_cased(text: str) -> bool:
    """Every word capitalised, short prepositions too ("Debt In Africa To Grow").

    That is how teaser cards and link lists style the headlines of other
    stories; a page's own subheadings follow its own title's style.
    """
    words = text.split()
    if not 4 <= len(words) <= 20 or _TERMINAL_RE.search(text) or text.isupper():
        return False
    if not all(w[0].isupper() for w in words if w[0].isalpha()):
        return False
    return any(w in _CAPPED_SMALL_WORDS for w in words[1:])


def _teaser_headline_filter(title: str | None) -> bool:
    """Whether headline-cased lines are foreign to the page: its title writes
    some words in lower case (sentence case or standard title case)."""
    return bool(title) and any(w[0].islower() for w in title.split() if w[0].isalpha())


def _keep(
    line: _Line, title_key: str | None, counts: Counter[str], drop_headlines: bool = False
) -> bool:
    """Whether a line inside the article region belongs to the article."""
    if line.kind in (_BOILER, _TAIL, _COMMENT):
        return False
    if drop_headlines and line.kind != _GOOD and _headline_cased(line.text):
        return False
    key = _key(line.text)
    if title_key and key == title_key:
        return False
    if line.kind == _GOOD:
        return True
    if counts[key] > 1 and line.words <= 12:
        return False
    if line.words <= 2 and not line.terminal:
        return False
    return not (line.bullet and line.words <= 3)


def _drop_repeats(lines: list[_Line]) -> list[_Line]:
    """Drop lines whose text the article already said.

    Text browsers also print hidden copies of the story (summaries, metadata
    blocks, print versions); a line most of whose word 4-grams were seen
    earlier in the article is such a copy.
    """
    seen: set[tuple[str, ...]] = set()
    kept: list[_Line] = []
    for line in lines:
        words = _WORD_RE.findall(line.text.lower())
        grams = {tuple(words[i : i + 4]) for i in range(len(words) - 3)}
        if len(words) >= 8 and len(grams & seen) >= _REPEAT_SHARE * len(grams):
            continue
        seen |= grams
        kept.append(line)
    return kept


def _assemble(lines: list[_Line]) -> str:
    """One kept line is one paragraph: dumps put each block on its own line."""
    return "\n\n".join(line.text for line in lines)


def clean_text_page(raw: str) -> CleanedText:
    """Clean one plain-text page: the article body plus title, author and date.

    A page with no article-like prose yields empty text, so callers can
    reject it instead of storing navigation as an article.
    """
    parts = _normalise(raw or "")
    stops = _pick_language(parts)
    lines = [_make_line(t, b, p, stops) for t, b, p in parts]
    for line in lines:
        _classify(line, stops)
    _anchor_bonus(lines)
    start, end, total = _choose_region(lines)
    if total < 3.0 or end < start:
        title = _find_title(lines, len(lines)) if lines else None
        return CleanedText("", title, None, *_find_published(lines, len(lines), len(lines)))
    end = _trim_tail(lines, start, end)
    title = _find_title(lines, start)
    counts = Counter(_key(line.text) for line in lines)
    title_key = _key(title) if title else None
    drop_headlines = _teaser_headline_filter(title)
    body = [
        line for line in lines[start : end + 1] if _keep(line, title_key, counts, drop_headlines)
    ]
    body = _drop_repeats(body)
    published, source = _find_published(lines, start, end)
    return CleanedText(
        text=_assemble(body),
        title=title,
        author=_find_author(lines, start, end),
        published=published,
        published_source=source,
    )
