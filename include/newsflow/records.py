"""What every layer shares: the identities and errors the data's way is built on.

The layers (``acquire``, ``text``, ``nlp``, ``warehouse``) import from here and
never from each other; ``jobs`` composes them.
"""

from __future__ import annotations

import re

#: A source id: it names partition paths, so nothing else is allowed in one.
SOURCE_ID = re.compile(r"[a-z0-9_-]{1,64}")


class SourceConfigError(ValueError):
    """The registry is malformed; the message names the source and field."""


def validate_source_id(source_id: str) -> str:
    """Return ``source_id`` if it is safe to use in a partition path (all of it:
    ``fullmatch``, so a trailing newline is refused too)."""
    if not isinstance(source_id, str) or not SOURCE_ID.fullmatch(source_id):
        raise SourceConfigError(f"invalid source id {source_id!r}: expected [a-z0-9_-]+")
    return source_id
