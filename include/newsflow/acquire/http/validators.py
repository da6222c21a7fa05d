"""Conditional GETs across runs: each URL's ETag / Last-Modified, kept in a JSON file.

A page unchanged since the last run then costs a 304 and no body. The file
is written atomically, and only when the owner says so
(:meth:`ValidatorStore.save`): a validator vouches for a copy of the page
that the warehouse holds, so it may be kept only once that copy is committed.
An unreadable file is ignored (every fetch is then unconditional once), never
fatal. URLs are kept by their :func:`~newsflow.acquire.urls.redact`-ed form, so
the file holds no credential (URLs that differ only in one share an entry).
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from newsflow.acquire.http.headers import header
from newsflow.acquire.urls import redact
from newsflow.files import replace_bytes

log = logging.getLogger(__name__)


class ValidatorStore:
    """ETag / Last-Modified per (redacted) URL, kept in a JSON file written atomically."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.lock = threading.Lock()
        loaded = self._load(path) if path else {}
        # A file from before redaction may hold credentials: the next save drops them.
        self.urls = {redact(url): validators for url, validators in loaded.items()}
        self.dirty = list(self.urls) != list(loaded)

    @staticmethod
    def _load(path: Path) -> dict[str, dict[str, str]]:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            log.warning("ignoring unreadable HTTP state %s: %s", path, e)
            return {}
        urls = document.get("urls") if isinstance(document, dict) else None
        return urls if isinstance(urls, dict) else {}

    def request_headers(self, url: str) -> dict[str, str]:
        """``If-None-Match`` / ``If-Modified-Since`` for what is remembered of ``url``."""
        with self.lock:
            validators = dict(self.urls.get(redact(url), {}))
        headers = {}
        if "etag" in validators:
            headers["If-None-Match"] = validators["etag"]
        if "last_modified" in validators:
            headers["If-Modified-Since"] = validators["last_modified"]
        return headers

    def remember(self, url: str, headers: list[tuple[str, str]]) -> None:
        """Keep the validators of a 2xx answer for ``url`` (or forget them if it sent none)."""
        validators = {
            key: value
            for key, name in (("etag", "etag"), ("last_modified", "last-modified"))
            if (value := header(headers, name))
        }
        key = redact(url)
        with self.lock:
            if self.urls.get(key) != (validators or None):
                self.dirty = True
                if validators:
                    self.urls[key] = validators
                else:
                    self.urls.pop(key, None)

    def save(self) -> None:
        """Write the file if anything changed since it was read or last saved."""
        with self.lock:
            if self.path is None or not self.dirty:
                return
            payload = json.dumps({"version": 1, "urls": self.urls}, sort_keys=True)
            replace_bytes(self.path, payload.encode())
            self.dirty = False
