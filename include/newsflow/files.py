"""Files replaced whole: readers see the old version or the new one, never half of one.

Raw archives, failure lists, feed copies, validators and ``attach.sql`` are
rewritten while other processes read them, and two writers of one file (a
retry beside a manual run) may overlap: each writes its own temp file beside
the target, unique to the call, and moves it into place when done.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def temp_beside(path: Path) -> Path:
    """A hidden temp file next to ``path`` that no other writer uses."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[IO[str]]:
    """A text file (UTF-8) that replaces ``path`` when the block ends; kept out on error."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_beside(path)
    try:
        with temp.open("w", encoding="utf-8") as handle:
            yield handle
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def replace_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_beside(path)
    try:
        temp.write_bytes(data)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
