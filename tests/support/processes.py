"""A command's own peak memory, measured as a new user's process would see it.

Linux keeps a forked child's peak RSS (its parent's, at the fork) across
``exec``, so ``os.wait4`` on a child of a large pytest counts pytest's size
(911 MB for a 187 MB command under a 900 MB parent). The command is therefore
run from a small Python that reports its child's ``RUSAGE_CHILDREN`` peak.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

_SPAWN = (
    "import resource, subprocess, sys; code = subprocess.run(sys.argv[2:]).returncode; "
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
    "sys.exit(code)"
)


def run_with_peak_rss(
    command: Sequence[str],
    *,
    stdout: IO | int | None = None,
    stderr: IO | int | None = None,
    env: Mapping[str, str] | None = None,
) -> tuple[int, int]:
    """Run ``command``; its exit status and its own peak RSS in KiB."""
    with tempfile.TemporaryDirectory() as folder:
        peak = Path(folder) / "peak"
        done = subprocess.run(
            [sys.executable, "-c", _SPAWN, str(peak), *command],
            stdout=stdout,
            stderr=stderr,
            env=None if env is None else dict(env),
        )
        return done.returncode, int(peak.read_text())
