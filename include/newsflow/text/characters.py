"""The characters an article is stored in: NFC, with nothing invisible left.

Pages mix composed and decomposed accents ("Müller" as one code point or as
"u" plus a combining diaeresis), and CMSs sprinkle zero-width spaces, word
joiners, byte-order marks and soft hyphens into words to steer line breaks.
Both split what a reader sees as one word: into two entity names, two search
terms, two dedupe shingles. trafilatura's ``bare_extraction`` skips the NFC
step its ``extract`` has, so every page goes through :func:`visible_nfc`
before either cleaner sees it.
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls but tab, line feed, form feed and carriage return (a NUL in a
# text page is debris, not a sign of a binary file); DEL; the soft hyphen;
# zero-width space, word joiner, byte-order mark. Zero-width (non-)joiners
# are spelling in Arabic, Persian and Indic scripts and glue emoji
# sequences, so they stay after a character of those (anything from Hebrew
# on) and go after Latin, Greek or Cyrillic letters, where they only hide.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\u00ad\u200b\u2060\ufeff]")
_JOINERS = ("\u200c", "\u200d")
_HIDING_JOINER = re.compile("(?<![\u0590-\U0010ffff])[\u200c\u200d]")


def visible_nfc(text: str) -> str:
    """``text`` without invisible characters, in Unicode normal form C."""
    text = _INVISIBLE.sub("", text)
    if any(joiner in text for joiner in _JOINERS):
        # apart, since a lookbehind tried at every character of a page is slow
        text = _HIDING_JOINER.sub("", text)
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)
