"""Exact and near-duplicate detection for prompts: MinHash over character 5-grams, indexed with LSH (datasketch).

Character shingles, not words: a prompt is one short line plus a value, so word sets are too small to compare.
datasketch's MinHash is seeded, so the same texts give the same signatures on every run.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datasketch import MinHash

SHINGLE_CHARS = 5


def exact_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def shingles(text: str, size: int = SHINGLE_CHARS) -> list[bytes]:
    data = " ".join(text.split()).lower()
    if len(data) <= size:
        return [data.encode("utf-8", "surrogatepass")]
    # Sorted and unique, so the signature doesn't depend on set iteration order.
    return sorted({data[i : i + size].encode("utf-8", "surrogatepass") for i in range(len(data) - size + 1)})


def minhash(text: str, num_perm: int) -> MinHash:
    from datasketch import MinHash

    signature = MinHash(num_perm=num_perm, seed=1)
    signature.update_batch(shingles(text))
    return signature


class NearDuplicateIndex:
    """Texts seen so far; `find` returns the key of one at or above `threshold` Jaccard similarity."""

    def __init__(self, threshold: float, num_perm: int) -> None:
        from datasketch import MinHashLSH

        self.threshold = threshold
        self.num_perm = num_perm
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._signatures: dict[str, MinHash] = {}
        self._order: dict[str, int] = {}

    def signature(self, text: str) -> MinHash:
        return minhash(text, self.num_perm)

    def find(self, signature: MinHash) -> str | None:
        """The first (in insertion order) indexed key whose estimated similarity reaches the threshold."""
        hits = [key for key in self._lsh.query(signature) if self._signatures[key].jaccard(signature) >= self.threshold]
        if not hits:
            return None
        return min(hits, key=self._order.__getitem__)

    def add(self, key: str, signature: MinHash) -> None:
        self._lsh.insert(key, signature)
        self._signatures[key] = signature
        self._order[key] = len(self._order)

    def __len__(self) -> int:
        return len(self._signatures)
