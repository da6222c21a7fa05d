"""Reading response headers: one value by name, and the declared charset."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Mapping

Headers = Iterable[tuple[str, str]] | Mapping[str, str]

_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.I)
# Labels that HTML (WHATWG Encoding) decodes as windows-1252, whatever they say.
_WINDOWS_1252_LABELS = frozenset(
    {"ascii", "us-ascii", "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "cp819"}
)


def header(headers: Headers, name: str) -> str | None:
    """The first value of header ``name`` (case-insensitive), or None."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return next((value for key, value in pairs if key.lower() == name.lower()), None)


def charset_of(headers: Headers) -> str | None:
    """The charset the ``Content-Type`` header declares, if Python knows it.

    ``iso-8859-1`` and ``us-ascii`` come back as ``windows-1252``, as browsers
    decode them (the WHATWG Encoding standard): pages labelled so use curly
    quotes and dashes from cp1252 all the time.
    """
    content_type = header(headers, "content-type")
    match = _CHARSET.search(content_type or "")
    if not match:
        return None
    label = match.group(1).lower()
    if label in _WINDOWS_1252_LABELS:
        return "windows-1252"
    try:
        codecs.lookup(label)
    except LookupError:
        return None
    return label
