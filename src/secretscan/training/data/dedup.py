"""Exact and near-duplicate detection for prompts: MinHash over character 5-grams, indexed with LSH (datasketch).

Character shingles, not words: a prompt is one short line plus a value, so word sets are too small to compare.
datasketch's MinHash is seeded, so the same texts give the same signatures on every run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datasketch import MinHash

SHINGLE_CHARS = 5
# LSH candidates are gathered this far below the threshold; exact Jaccard then decides.
LSH_MARGIN = 0.2


def exact_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def shingles(text: str, size: int = SHINGLE_CHARS) -> list[bytes]:
    data = " ".join(text.split()).lower()
    if len(data) <= size:
        return [data.encode("utf-8", "surrogatepass")]
    # Sorted and unique, so the signature doesn't depend on set iteration order.
    return sorted({data[i : i + size].encode("utf-8", "surrogatepass") for i in range(len(data) - size + 1)})


def _signature(grams: list[bytes], num_perm: int) -> MinHash:
    from datasketch import MinHash

    signature = MinHash(num_perm=num_perm, seed=1)
    signature.update_batch(grams)
    return signature


@dataclass(frozen=True)
class Probe:
    """What the index needs of one text: its MinHash signature and its exact shingle set."""

    signature: MinHash
    grams: frozenset[bytes]


def jaccard(a: frozenset[bytes], b: frozenset[bytes]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


class NearDuplicateIndex:
    """Texts seen so far; `find` returns the key of one at or above `threshold` Jaccard similarity.

    LSH proposes candidates at a lower threshold (so pairs just above the real one are not missed by the banding),
    and each candidate is confirmed on the exact shingle sets.
    """

    def __init__(self, threshold: float, num_perm: int) -> None:
        from datasketch import MinHashLSH

        self.threshold = threshold
        self.num_perm = num_perm
        self._lsh = MinHashLSH(threshold=max(0.5, threshold - LSH_MARGIN), num_perm=num_perm)
        self._grams: dict[str, frozenset[bytes]] = {}
        self._order: dict[str, int] = {}

    def probe(self, text: str) -> Probe:
        grams = shingles(text)
        return Probe(_signature(grams, self.num_perm), frozenset(grams))

    def find(self, probe: Probe) -> str | None:
        """The first (in insertion order) indexed key whose similarity reaches the threshold."""
        hits = [
            key for key in self._lsh.query(probe.signature) if jaccard(self._grams[key], probe.grams) >= self.threshold
        ]
        return min(hits, key=self._order.__getitem__) if hits else None

    def add(self, key: str, probe: Probe) -> None:
        self._lsh.insert(key, probe.signature)
        self._grams[key] = probe.grams
        self._order[key] = len(self._order)

    def __len__(self) -> int:
        return len(self._order)
