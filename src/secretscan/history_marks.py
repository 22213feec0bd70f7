"""`scan --history --since-last`: the last commit scanned, per repository and end revision, in the user cache.

A nightly job then asks the judge only about commits it has not scanned. One small SQLite table in its own file
(`history.sqlite3` beside the verdict cache), keyed by sha256(repository root, end revision): no paths, no
secrets. A mark that can't be read costs a full scan, never a missed commit: a broken file is deleted and the
scan starts from the beginning of the history.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from secretscan.paths import cache_dir

MARKS_FILE = "history.sqlite3"
BUSY_TIMEOUT_S = 30.0


def mark_key(root: Path, end: str) -> str:
    return hashlib.sha256(f"{root.resolve()}\0{end}".encode("utf-8", "surrogateescape")).hexdigest()


class HistoryMarks:
    """Last scanned commit per (repository, end revision)."""

    def __init__(self, path: Path | None = None, warn: Callable[[str], None] = lambda message: None) -> None:
        self._path = path
        self._warn = warn

    def _file(self) -> Path:
        return self._path if self._path is not None else cache_dir() / MARKS_FILE

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self._file(), timeout=BUSY_TIMEOUT_S)
        try:
            db.execute("CREATE TABLE IF NOT EXISTS marks (key TEXT PRIMARY KEY, commit_id TEXT NOT NULL, updated REAL)")
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def last(self, root: Path, end: str) -> str | None:
        """The commit the last completed scan of (root, end) ended at; None if there is none (or it can't be read)."""
        try:
            db = self._connect()
            try:
                row = db.execute("SELECT commit_id FROM marks WHERE key = ?", (mark_key(root, end),)).fetchone()
            finally:
                db.close()
        except sqlite3.DatabaseError as exc:
            self._warn(f"history marks {self._file()} are not readable ({exc}); scanning the whole history")
            self._file().unlink(missing_ok=True)
            return None
        return str(row[0]) if row else None

    def remember(self, root: Path, end: str, commit: str) -> None:
        try:
            db = self._connect()
            try:
                with db:
                    db.execute(
                        "INSERT OR REPLACE INTO marks (key, commit_id, updated) VALUES (?, ?, ?)",
                        (mark_key(root, end), commit, time.time()),
                    )
            finally:
                db.close()
        except sqlite3.DatabaseError as exc:
            self._warn(f"cannot record the scanned commit in {self._file()} ({exc}); the next scan starts over")
