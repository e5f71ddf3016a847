"""A small real file system (tmpfs) that a test can fill up and free again.

Mounting needs root (CI runs as root); where it is refused the test is skipped with the reason.
"""

from __future__ import annotations

import errno
import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

FILLER = "filler.bin"


@contextmanager
def small_disk(size_mb: int, *, owner: str | None = None) -> Iterator[Path]:
    """Mount a ``size_mb`` tmpfs (owned by the account ``owner``); always unmount it after.

    The mount point is a new folder of the system temporary folder, which other accounts (the
    PostgreSQL server's) can reach, unlike pytest's per-user one."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root (CI runs the suite as root)")
    path = Path(tempfile.mkdtemp(prefix="docqa-disk-"))
    options = f"size={size_mb}m,mode=0700"
    if owner is not None:
        import pwd

        account = pwd.getpwnam(owner)
        options += f",uid={account.pw_uid},gid={account.pw_gid}"
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if mount.returncode != 0:
        path.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {mount.stderr.strip() or mount.returncode}")
    try:
        yield path
    finally:
        # Lazy when still busy (a file a server keeps open): detached now, freed once closed.
        if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(path)], check=True)
        path.rmdir()


def fill(path: Path) -> int:
    """Write a filler file until the file system is full; returns the bytes written."""
    block = b"\0" * (64 * 1024)
    written = 0
    with open(path / FILLER, "ab", buffering=0) as out:
        for size in (len(block), 4096, 512, 1):
            try:
                while True:
                    written += out.write(block[:size])
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
    return written


def free(path: Path) -> None:
    """Remove the filler: the space comes back."""
    (path / FILLER).unlink()
