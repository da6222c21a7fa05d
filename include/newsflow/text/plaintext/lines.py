"""Each line of a text page with its features, its kind and its score.

Features are generic (length, stop-word density, terminal punctuation,
bullets, known boilerplate phrases) rather than keyed to particular sites.
Prose scores positive, menus, bullets and boilerplate negative; the article
region is then the densest run of scores (see ``region``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsflow.text.lexicon import (
    BOILER_LINE,
    CAPTION_LINE,
    COMMENT_HEAD,
    COMMENT_META,
    CONSENT_LINE,
    HEADLINE_SMALL_WORDS,
    TAIL_LABEL,
    TERMINAL,
)
from newsflow.text.plaintext.normalise import GLUE, RawLine
from newsflow.text.plaintext.stamps import byline_name, is_date_line
from newsflow.text.words import DENSE_SCRIPT, count_tokens, word_tokens

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

#: What a line is, as the region search and the body filter see it.
GOOD, MEDIUM, SHORT = "good", "medium", "short"
BOILER, TAIL, COMMENT = "boiler", "tail", "comment"
_DENSITY_GOOD, _DENSITY_LONG, _DENSITY_MEDIUM = 0.18, 0.12, 0.15

_SENTENCE_PUNCT_RE = re.compile(r"[.,;:!?。、\uff0c\uff01\uff1f]")
_CRUMB_SEP_RE = re.compile(r"\s(?:>|»|\u203a|/|\||→|::)\s|\s?[>»\u203a]\s?")
_NUMERIC_RE = re.compile(r"^[\d\s.,:;/%()+\-\u2013—|]+$")
# Flat renderings glue a teaser card's headline to its summary:
# "Two Held After Death Of StudentA 24-year-old woman and ...".
_TEASER_CARD_RE = re.compile(r"^((?:\S+\s+){3,}?\S*?[a-z]{4})[A-Z][a-z]*\s+[a-z\d]")


@dataclass
class Line:
    """One non-empty line of the page and the features the cleaner uses."""

    text: str
    bullet: bool
    para_start: bool
    # Runs of word characters, or one per two dense-script characters when
    # that is more: unlike ``count_words``, punctuation splits words ("don't"
    # is two) and Hangul counts as dense.
    words: int
    size: int
    stop_density: float
    terminal: bool
    kind: str = SHORT
    score: float = 0.0


def pick_language(lines: list[RawLine]) -> frozenset[str] | None:
    """Return the stop-word list that fits the page, or None when none does."""
    tokens = [w for text, _, _ in lines if len(text) > 60 for w in word_tokens(text)]
    if len(tokens) < 30:
        tokens = [w for text, _, _ in lines for w in word_tokens(text)]
    if not tokens:
        return None
    best = max(_STOPWORDS.values(), key=lambda sw: sum(t in sw for t in tokens))
    density = sum(t in best for t in tokens) / len(tokens)
    return best if density >= 0.12 else None


def make_line(raw: RawLine, stops: frozenset[str] | None) -> Line:
    """Compute the generic features of one line."""
    text, bullet, para = raw
    words = word_tokens(text)
    n = len(words)
    density = sum(w in stops for w in words) / n if stops and n else 0.0
    dense = len(DENSE_SCRIPT.findall(text))
    return Line(
        text=text,
        bullet=bullet,
        para_start=para,
        words=max(n, dense // 2),
        size=len(text) + 2 * dense,  # in Latin letters: a dense character weighs three
        stop_density=density,
        terminal=bool(TERMINAL.search(text)),
    )


def key(text: str) -> str:
    """Comparison key for repeated lines."""
    return " ".join(word_tokens(text))


def marker_text(text: str) -> str:
    """Section label without decoration: "[ 167 comments ]" -> "167 comments"."""
    return text.strip(" []()<>|-\u2013—:•*#").strip()


def classify(line: Line, stops: frozenset[str] | None) -> None:
    """Set the line's kind and its score for the region search."""
    if (line.words <= 8 and TAIL_LABEL.match(marker_text(line.text))) or (
        line.words <= 40 and COMMENT_HEAD.match(line.text)
    ):
        line.kind, line.score = TAIL, -12.0
    elif line.words <= 15 and COMMENT_META.search(line.text):
        line.kind, line.score = COMMENT, -3.0
    elif _is_boiler(line) or _is_teaser_card(line):
        line.kind, line.score = BOILER, -1.5
    elif _is_prose(line, stops, long=True):
        line.kind, line.score = GOOD, min(line.size / 40.0, 12.0)
    elif _is_prose(line, stops, long=False):
        line.kind, line.score = MEDIUM, 0.5
    else:
        line.kind, line.score = SHORT, _short_penalty(line)


def is_breadcrumb(text: str) -> bool:
    """Glued ("HomeNewsWorld...") or separated ("News > Russia") link trails."""
    if len(text) > 200:
        return False
    glue = len(GLUE.findall(text))
    if glue >= 2 and (text.lower().startswith("home") or glue >= 3) and not TERMINAL.search(text):
        return True
    parts = [p.strip() for p in _CRUMB_SEP_RE.split(text)]
    return (
        len(parts) >= 2
        and all(0 < count_tokens(p) <= 5 for p in parts)
        and not any(p.endswith(".") for p in parts)
    )


def is_caption(line: Line) -> bool:
    """Photo captions and credits."""
    return bool(CAPTION_LINE.search(line.text)) and line.words <= 60


def _is_teaser_card(line: Line) -> bool:
    """A Title Case headline glued to the summary that follows it."""
    m = _TEASER_CARD_RE.match(line.text)
    if not m or line.words < 12:
        return False
    return all(
        w[0].isupper() or w[0].isdigit() or w in HEADLINE_SMALL_WORDS or not w[0].isalpha()
        for w in m.group(1).split()
    )


def _is_boiler(line: Line) -> bool:
    """Known boilerplate: phrases, captions, breadcrumbs, date and byline lines."""
    text = line.text
    if (line.words <= 40 and BOILER_LINE.search(text)) or CONSENT_LINE.search(text):
        return True
    return (
        is_caption(line)
        or is_breadcrumb(text)
        or is_date_line(text)
        or byline_name(text) is not None
        or (line.words <= 12 and bool(_NUMERIC_RE.match(text)))
    )


def _short_penalty(line: Line) -> float:
    """Bulleted short lines are menu items more often than plain short lines."""
    return -1.5 if line.bullet else -1.0


def _is_prose(line: Line, stops: frozenset[str] | None, *, long: bool) -> bool:
    """Sentence-like text: long enough, punctuated, with function words."""
    min_size, min_words = (80, 10) if long else (30, 5)
    if line.size < min_size or line.words < min_words:
        return False
    if stops is not None and line.stop_density < _min_density(line, long=long):
        return False
    if not _SENTENCE_PUNCT_RE.search(line.text):
        return False
    return line.terminal or line.words >= (15 if long else 10)


def _min_density(line: Line, *, long: bool) -> float:
    """Stop-word density a prose line needs; long sentences full of names need less."""
    if not long:
        return _DENSITY_MEDIUM
    return _DENSITY_LONG if line.words >= 25 else _DENSITY_GOOD
