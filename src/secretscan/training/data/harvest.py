"""Weak negatives from real code: what the candidate stage fires on in a local source tree (e.g. site-packages).

Installed libraries rarely hold live credentials, but they are not guaranteed clean, and their test fixtures
can hold weak literals that the policy counts as secrets. So these labels are *weak*: they go to a separate
`harvested.jsonl` (source "harvested"), are reported apart, and training decides whether to use them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from secretscan.scanner.candidates import find_candidates
from secretscan.scanner.filters import harmless_reason
from secretscan.scanner.types import Certainty, ScanUnit
from secretscan.training.data.config import HarvestConfig
from secretscan.training.data.dedup import exact_key
from secretscan.training.data.examples import Example

MAX_FILE_BYTES = 1_000_000
# Folders whose files are fixtures on purpose: their literals are exactly the weak secrets the policy keeps.
_SKIP_DIRS = frozenset({"tests", "test", "testing", "fixtures", "__pycache__", ".git", "node_modules", "examples"})


def _files(root: Path, config: HarvestConfig) -> Iterator[Path]:
    """Files under `root` in a stable order (sorted walk), so the harvest is reproducible for a given tree."""
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(names):
            if name.endswith(config.suffixes):
                yield Path(folder) / name


def _read(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if b"\x00" in data[:8192]:
        return None
    return data.decode("utf-8", errors="replace")


def harvest_rows(config: HarvestConfig, context_lines: int, excluded_secrets: set[str]) -> list[dict[str, Any]]:
    """Rows for the judge-visible candidates in `config.roots`, labelled not-secret (weak), de-duplicated."""
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    files = 0
    for root_text in config.roots:
        root = Path(root_text)
        for path in _files(root, config):
            if files >= config.max_files or len(rows) >= config.max_examples:
                return rows
            text = _read(path)
            files += 1
            if not text:
                continue
            relative = f"{root.name}/{path.relative_to(root).as_posix()}"
            taken = 0
            for candidate in find_candidates(ScanUnit(relative, text)):
                if taken >= config.max_per_file:
                    break
                if candidate.rule not in config.rules or candidate.certainty is Certainty.CERTAIN:
                    continue
                if harmless_reason(candidate) is not None:
                    continue
                if candidate.secret_hash in excluded_secrets:
                    continue
                kind = path.suffix.lstrip(".") or "other"
                row = Example(candidate, False, "harvested", kind, "harvested", False, 0).row(context_lines)
                key = exact_key(row["messages"][1]["content"])
                if key in seen:
                    continue
                seen.add(key)
                rows.append(row)
                taken += 1
                if len(rows) >= config.max_examples:
                    return rows
    return rows
