"""Which files of an archive folder are pages, and how one is read.

Both folder readers follow this rule: the daily
:class:`newsflow.acquire.pages.FolderPages` (``date=<YYYY-MM-DD>/``
folders) and the import's :class:`newsflow.acquire.readers.FolderArchive`
(saved pages anywhere below a folder).

* A file's kind comes from its name, case-insensitively (:class:`FileKind`):
  ``.html``, ``.htm`` and ``.txt`` are pages; ``.json`` files are sidecars
  (facts about a page, never a page); hidden files (or files in hidden
  folders) and notes (``.md``, ``.yaml``, ``.yml``) are not pages; anything
  else is ``OTHER``. The readers differ in one place only, on ``OTHER``: a
  daily folder is a partition someone filled on purpose, so every file in it
  comes out as an article or a reject (a ``.zip`` dropped there is a
  ``decode/binary`` reject, not a silence); a folder to import is a mirror
  that also holds images, styles and scripts, which must not be copied into
  the warehouse, so it only counts them (``not_a_page``).
* A page is read through :meth:`PageFolder.read`: never past ``max_bytes``
  (``too_large``), and never through a link that leads out of the folder
  (``outside_archive``: ``evil.html -> /etc/passwd`` would copy a file of this
  machine into the warehouse).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from pathlib import Path

PAGE_SUFFIXES = (".html", ".htm", ".txt")
SIDECAR_SUFFIX = ".json"
NOTE_SUFFIXES = (".md", ".yaml", ".yml")


class FileKind(enum.Enum):
    """What a file of an archive folder is, by its name."""

    PAGE = "page"
    SIDECAR = "sidecar"
    NOT_A_PAGE = "not_a_page"
    OTHER = "other"


class PageUnreadable(Exception):
    """A page file that cannot be read; ``reason`` becomes the reject's reason."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class PageFolder:
    """The files below ``root`` and how to read them, by the rule above."""

    def __init__(self, root: Path, *, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self._resolved = root.resolve()

    def files(self, folder: Path, *, recursive: bool) -> Iterator[Path]:
        """The files in ``folder`` (below it too if ``recursive``), in name order.

        A link is listed if what it points at is a file; whether that lies
        inside the archive is :meth:`read`'s business.
        """
        entries = folder.rglob("*") if recursive else folder.iterdir()
        return (path for path in sorted(entries) if path.is_file())

    def kind(self, path: Path) -> FileKind:
        """What ``path`` (a file below ``root``) is, by its name."""
        if any(part.startswith(".") for part in path.relative_to(self.root).parts):
            return FileKind.NOT_A_PAGE
        suffix = path.suffix.lower()
        if suffix in PAGE_SUFFIXES:
            return FileKind.PAGE
        if suffix == SIDECAR_SUFFIX:
            return FileKind.SIDECAR
        if suffix in NOTE_SUFFIXES:
            return FileKind.NOT_A_PAGE
        return FileKind.OTHER

    def inside(self, path: Path) -> bool:
        """Whether ``path``, links followed, is below ``root``."""
        return path.resolve().is_relative_to(self._resolved)

    def read(self, path: Path) -> bytes:
        """The bytes of ``path``; raises :class:`PageUnreadable` rather than read
        outside the folder or more than ``max_bytes``."""
        if not self.inside(path):
            raise PageUnreadable("outside_archive", "a link that leads outside the archive folder")
        try:
            with path.open("rb") as handle:
                body = handle.read(self.max_bytes + 1)
        except OSError as e:
            raise PageUnreadable("unreadable", str(e)) from e
        if len(body) > self.max_bytes:
            raise PageUnreadable("too_large", f"larger than {self.max_bytes} bytes")
        return body
