"""Time-boxed fuzzing of ``newsflow extract`` (``make fuzz``).

Feeds ``extract_page`` (the function behind ``newsflow extract`` and every
pipeline run) with inputs hypothesis generates: raw bytes, and mutations of
real pages (the sample archive, plus a generated article) — truncations,
spliced tags, deep nesting, byte flips, re-encodings, BOMs, NULs. Every input
must come back as an article or a ``PageRejected``; anything else is a crash.
A crashing input is saved under ``--out`` and the exit status is 1.

    .venv/bin/python tools/fuzz_extract.py --seconds 60 [--out fuzz-crashes]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import hashlib
import sys
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsflow.text.extract import PageRejected, extract_page

ROOT = Path(__file__).resolve().parents[1]

#: Seconds one input may take; the fuzzer checks the per-page budget works.
PAGE_BUDGET = 5.0


class TimeUp(BaseException):
    """Ends the run when the time box is over (not an Exception: hypothesis
    must not treat it as a failing example and start shrinking)."""


def seed_pages() -> list[bytes]:
    pages = [p.read_bytes() for p in sorted((ROOT / "include" / "sample_archive").rglob("*.*"))]
    pages = [p for p in pages if p and not p.lstrip().startswith((b"{", b"#"))]
    return pages or [b"<html><body><p>" + b"News of the day. " * 100 + b"</p></body></html>"]


def mutations(seeds: list[bytes]) -> st.SearchStrategy[bytes]:
    """A seed page with a few edits a broken site, crawler or disk could make."""

    def apply(seed: bytes, edits: list[tuple[str, int, int, bytes]]) -> bytes:
        page = bytearray(seed)
        for kind, at, size, blob in edits:
            at = at % (len(page) + 1)
            if kind == "truncate":
                del page[at:]
            elif kind == "delete":
                del page[at : at + size]
            elif kind == "insert":
                page[at:at] = blob
            elif kind == "repeat":
                page[at:at] = bytes(page[at : at + 64]) * (size % 2000)
            elif kind == "nest":
                page[at:at] = b"<div>" * (size * 50)
            elif kind == "flip" and page:
                page[at % len(page)] ^= 1 + size % 255
        return bytes(page)

    edit = st.tuples(
        st.sampled_from(["truncate", "delete", "insert", "repeat", "nest", "flip"]),
        st.integers(0, 1 << 20),
        st.integers(0, 4000),
        st.one_of(
            st.binary(max_size=64),
            st.sampled_from(
                [
                    b"<",
                    b"</p>",
                    b"<!--",
                    b"<![CDATA[",
                    b"<script>",
                    b"\x00",
                    b"\xff\xfe",
                    b"\xef\xbb\xbf",
                    b"&#x0;",
                    b"&#xd800;",
                    b"<meta charset='utf-16'>",
                    b"<html>",
                    b"]]>",
                    b"\r",
                    "\u2028".encode(),
                ]
            ),
        ),
    )
    encoded = st.sampled_from(seeds).flatmap(
        lambda seed: st.sampled_from(["utf-16", "utf-16-be", "cp1252", "latin-1", "utf-8"]).map(
            lambda codec: seed.decode("utf-8", "replace").encode(codec, "replace")
        )
    )
    edited = st.builds(apply, st.sampled_from(seeds), st.lists(edit, min_size=1, max_size=6))
    return st.one_of(edited, encoded, st.binary(max_size=4096))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--out", type=Path, default=ROOT / "fuzz-crashes")
    args = parser.parse_args(argv)
    started = time.monotonic()
    outcomes: collections.Counter[str] = collections.Counter()
    crashes: list[Path] = []
    slowest = [0.0]

    @settings(
        max_examples=10**9,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(mutations(seed_pages()))
    def fuzz(body: bytes) -> None:
        if time.monotonic() - started > args.seconds:
            raise TimeUp
        began = time.monotonic()
        try:
            extract_page(body, budget=PAGE_BUDGET)
            outcomes["article"] += 1
        except PageRejected as e:
            outcomes[f"{e.stage}/{e.reason}"] += 1
        except Exception:  # anything else is exactly what we look for
            args.out.mkdir(parents=True, exist_ok=True)
            path = args.out / f"crash-{hashlib.sha256(body).hexdigest()[:16]}.bin"
            path.write_bytes(body)
            crashes.append(path)
            print(f"CRASH on {path}:\n{traceback.format_exc()}", file=sys.stderr)
        slowest[0] = max(slowest[0], time.monotonic() - began)

    with contextlib.suppress(TimeUp):
        fuzz()
    total = sum(outcomes.values()) + len(crashes)
    print(
        f"fuzzed extract_page for {time.monotonic() - started:.0f} s: {total} inputs, "
        f"{len(crashes)} crashes, slowest {slowest[0]:.2f} s (budget {PAGE_BUDGET:g} s)"
    )
    for outcome, count in outcomes.most_common():
        print(f"  {outcome:32} {count}")
    over = slowest[0] > PAGE_BUDGET + 1
    if over:
        print(f"an input took {slowest[0]:.1f} s: the per-page budget did not hold")
    return 1 if crashes or over else 0


if __name__ == "__main__":
    sys.exit(main())
