"""A verdict cache around any judge: a prompt the same model has already scored is not scored again.

Re-running a scan or a hook over unchanged files then costs a lookup per candidate instead of a forward pass.
The key is sha256(model_id + "\\0" + rendered prompt); a row holds only that hash and the score, never the prompt
or the secret. It is one SQLite file in `cache_dir()` in WAL mode, so two scans can share it; a file that is not
a database any more is deleted and rebuilt, and a cache that can't be used at all is skipped with a warning.
Each `score()` call commits its verdicts before it returns; the engine asks in batches (`engine.JUDGE_BATCH`),
so a scan stopped halfway (Ctrl-C) keeps what it judged, and the next run is served those from here.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from secretscan.inference.base import Judge
from secretscan.paths import cache_dir
from secretscan.scanner.prompt import Prompt, render_chat

CACHE_FILE = "verdicts.sqlite3"
# Oldest verdicts go first beyond this (a row is ~50 bytes on disk).
MAX_ENTRIES = 200_000
# Wait this long for another scan that is writing, rather than failing.
BUSY_TIMEOUT_S = 30.0
# Switching a new file to WAL while another process does the same can fail at once with "database is locked":
# SQLite does not run the busy handler for that lock. It only happens while the file is created, so retry briefly.
WAL_SWITCH_TRIES = 100
WAL_SWITCH_PAUSE_S = 0.05
# SQLite's default limit on host parameters is 999 in older builds.
_CHUNK = 500


def verdict_key(model_id: str, prompt: Prompt) -> bytes:
    return hashlib.sha256(f"{model_id}\0{render_chat(prompt)}".encode("utf-8", "surrogatepass")).digest()


class CachedJudge:
    """Wraps a judge; `hits` counts the prompts answered from the cache since construction."""

    def __init__(
        self, inner: Judge, path: Path | None = None, warn: Callable[[str], None] = lambda message: None
    ) -> None:
        self.inner = inner
        self.hits = 0
        self._path = path
        self._warn = warn
        self._db: sqlite3.Connection | None = None
        # False once the cache proved unusable: the scan goes on without it.
        self._usable = True

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    def score(self, prompts: Sequence[Prompt]) -> list[float]:
        model_id = self.inner.model_id
        keys = [verdict_key(model_id, prompt) for prompt in prompts]
        known = self._lookup(keys)
        missing = [i for i, key in enumerate(keys) if key not in known]
        self.hits += len(prompts) - len(missing)
        if missing:
            fresh = self.inner.score([prompts[i] for i in missing])
            for i, score in zip(missing, fresh):
                known[keys[i]] = score
            self._store([(keys[i], score) for i, score in zip(missing, fresh)])
        return [known[key] for key in keys]

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _lookup(self, keys: list[bytes]) -> dict[bytes, float]:
        found: dict[bytes, float] = {}

        def read(db: sqlite3.Connection) -> None:
            for start in range(0, len(keys), _CHUNK):
                chunk = keys[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = db.execute(f"SELECT key, score FROM verdicts WHERE key IN ({marks})", chunk)
                found.update((bytes(key), float(score)) for key, score in rows)

        self._with_db(read)
        return found

    def _store(self, rows: list[tuple[bytes, float]]) -> None:
        def write(db: sqlite3.Connection) -> None:
            with db:
                db.executemany("INSERT OR REPLACE INTO verdicts (key, score) VALUES (?, ?)", rows)
                db.execute(
                    "DELETE FROM verdicts WHERE rowid <= (SELECT max(rowid) FROM verdicts) - ?", (MAX_ENTRIES,)
                )

        self._with_db(write)

    def _with_db(self, action: Callable[[sqlite3.Connection], None]) -> None:
        """Run `action`; if the file is broken, rebuild it once; if the cache still fails, warn and stop using it."""
        if not self._usable:
            return
        for attempt in (1, 2):
            try:
                action(self._connect())
                return
            except sqlite3.DatabaseError as exc:
                self.close()
                # Another scan holding the lock past the timeout is no reason to delete its cache.
                busy = "locked" in str(exc) or "busy" in str(exc)
                if attempt == 1 and not busy and self._delete_files():
                    continue
                self._usable = False
                self._warn(f"verdict cache {self._file()} is not usable ({exc}); going on without it")
                return

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            db = sqlite3.connect(self._file(), timeout=BUSY_TIMEOUT_S)
            try:
                _enable_wal(db)
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("CREATE TABLE IF NOT EXISTS verdicts (key BLOB NOT NULL UNIQUE, score REAL NOT NULL)")
            except sqlite3.DatabaseError:
                db.close()
                raise
            self._db = db
        return self._db

    def _file(self) -> Path:
        return self._path if self._path is not None else cache_dir() / CACHE_FILE

    def _delete_files(self) -> bool:
        base = self._file()
        try:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{base}{suffix}").unlink(missing_ok=True)
        except OSError:
            return False
        return True


def _enable_wal(db: sqlite3.Connection) -> None:
    for attempt in range(WAL_SWITCH_TRIES):
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == WAL_SWITCH_TRIES - 1:
                raise
            time.sleep(WAL_SWITCH_PAUSE_S)
