"""What counts as a word, and which scripts are written without spaces.

Three measures, each kept where its thresholds were tuned on it, so they are
not interchangeable:

- :func:`count_words`, the ``articles.word_count`` column, the
  ``MIN_ARTICLE_WORDS`` gate and the language identifier's minimum:
  whitespace tokens that are not only punctuation, plus one word per two Han
  or kana characters ("横浜市議会は" is three words, "—" none);
- :func:`count_tokens`, whitespace-separated tokens as they stand: the HTML
  post-pass's paragraph limits and the text cleaner's heading and breadcrumb
  limits ("—" is one token, and so is a whole unspaced Japanese sentence);
- :func:`word_tokens`, runs of word characters in the lower-cased text: the
  text cleaner's stop-word density, repeated-line keys and shingles ("don't"
  is two tokens, "U.S." two).
"""

from __future__ import annotations

import re

# Unicode blocks of the scripts below, named once so that the sets built from
# them show how they differ.
KANA = r"\u3040-\u30ff"
HAN = r"\u3400-\u4dbf\u4e00-\u9fff"
HAN_COMPATIBILITY = r"\uf900-\ufaff"
YIJING_HEXAGRAMS = r"\u4dc0-\u4dff"
HANGUL_SYLLABLES = r"\uac00-\ud7af"

#: Han ideographs and kana: scripts that do not put spaces between words.
UNSPACED_SCRIPT = re.compile(f"[{KANA}{HAN}{HAN_COMPATIBILITY}]")
#: Scripts whose characters each carry about three Latin letters' worth of
#: text, for the text cleaner's line sizes. Unlike :data:`UNSPACED_SCRIPT` it
#: includes Hangul (Korean is dense but spaced) and the Yijing hexagram block
#: between the two Han ranges, and leaves out the compatibility ideographs.
DENSE_SCRIPT = re.compile(f"[{KANA}{HAN}{YIJING_HEXAGRAMS}{HANGUL_SYLLABLES}]")

#: A run of word characters (letters, digits, underscore, in any script).
WORD = re.compile(r"\w+", re.UNICODE)
_PUNCTUATION_ONLY = re.compile(r"^[\W_]+$")


def count_words(text: str) -> int:
    """Words of ``text``; Chinese and Japanese, written without spaces, count
    one word per two characters (about their average word length)."""
    unspaced = len(UNSPACED_SCRIPT.findall(text))
    spaced = UNSPACED_SCRIPT.sub(" ", text).split()
    return sum(1 for token in spaced if not _PUNCTUATION_ONLY.match(token)) + unspaced // 2


def count_tokens(text: str) -> int:
    """Whitespace-separated tokens of ``text``, punctuation and unspaced runs included."""
    return len(text.split())


def word_tokens(text: str) -> list[str]:
    """The lower-cased runs of word characters of ``text``, in order."""
    return WORD.findall(text.lower())
