"""Where secretscan keeps its own files. Tests point SECRETSCAN_CACHE_DIR at a tmp dir."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """The user cache dir (verdict cache, merged models), created on first use."""
    override = os.environ.get("SECRETSCAN_CACHE_DIR")
    if override:
        path = Path(override)
    else:
        from platformdirs import user_cache_dir

        path = Path(user_cache_dir("secretscan"))
    path.mkdir(parents=True, exist_ok=True)
    return path
