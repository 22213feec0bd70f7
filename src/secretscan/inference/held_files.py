"""Temp files that show while they are being written, so that one a killed writer left behind can be removed.

The writer holds an exclusive `flock` on its temp file until it has renamed it into place or deleted it. The kernel
drops the lock when the process ends, by SIGKILL too, so a temp file no process holds a lock on was abandoned, and
the next writer removes it. Windows has no `flock`: there, abandoned files are left alone.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

if sys.platform != "win32":
    import fcntl


@contextmanager
def held_temp_file(directory: Path, prefix: str, suffix: str) -> Iterator[Path]:
    """A new empty file in `directory`, locked while the block runs, and deleted after it unless renamed away."""
    while True:
        handle, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=directory)
        if sys.platform != "win32":
            fcntl.flock(handle, fcntl.LOCK_EX)
        # A sweep may have taken the file for abandoned between mkstemp and the lock: then start over.
        if _same_file(name, handle):
            break
        os.close(handle)
    try:
        yield Path(name)
    finally:
        try:
            # Deleted while still locked, so that no sweep sees it unlocked first.
            if os.path.exists(name):
                os.unlink(name)
        finally:
            os.close(handle)


def _same_file(name: str, handle: int) -> bool:
    try:
        return os.stat(name).st_ino == os.fstat(handle).st_ino
    except FileNotFoundError:
        return False


def remove_abandoned(directory: Path, pattern: str) -> None:
    """Delete the files in `directory` matching `pattern` that no process holds a lock on."""
    if sys.platform == "win32" or not directory.is_dir():
        return
    for path in directory.glob(pattern):
        try:
            handle = os.open(path, os.O_RDONLY)
        except OSError:
            continue  # gone already, or not ours to read
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(handle)
            continue  # a live writer holds it
        try:
            if _same_file(str(path), handle):
                with suppress(OSError):  # a folder we may not write in: the file stays, nothing breaks
                    path.unlink()
        finally:
            os.close(handle)
