"""Reading the verdict cache from outside, as another process would, for the tests of concurrent and interrupted scans."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path


def cached_rows(cache: Path) -> int:
    """Verdicts in the cache file, read the way another process would; 0 while it doesn't exist yet."""
    if not cache.is_file():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{cache}?mode=ro", uri=True, timeout=5)) as db:
            return int(db.execute("SELECT count(*) FROM verdicts").fetchone()[0])
    except sqlite3.OperationalError:  # the scan has not created the table yet
        return 0
