"""File-kind renderers: each turns slots (a key name + a planted value) into a realistic file with ground truth."""

from __future__ import annotations

from secretscan.training.data.kinds import code, config, credentials, docs, ops
from secretscan.training.data.kinds.base import Kind, Planted, Rendered, Slot

KINDS: dict[str, Kind] = {
    kind.name: kind for kind in (*code.KINDS, *config.KINDS, *ops.KINDS, *docs.KINDS, *credentials.KINDS)
}

__all__ = ["KINDS", "Kind", "Planted", "Rendered", "Slot"]
