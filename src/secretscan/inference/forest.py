"""Gradient-boosted trees over the cheap scorer's features, evaluated in the standard library.

The scorer's logistic regression adds one weight per feature, so it cannot learn that `tests` in the path matters
for a short password and not for a random 40-character key. Trees over the same hashed features can, and the two
together beat either alone on real code (docs/training.md, "The cheap scorer"). The trees are fitted by
scikit-learn at training time and shipped as flat arrays in `scorer.npz`; a scan walks them in plain Python.

Every feature is binary (its hash bucket is present or not), so each split asks one question: is bucket `b`
among the candidate's? Absent goes left, present right.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

LEAF = -1  # the bucket of a leaf: no question to ask


@dataclass(frozen=True)
class Forest:
    """Trees as parallel node arrays; node `roots[t]` starts tree t. At an inner node, `buckets[n]` is the question
    and `left[n]` / `right[n]` the nodes for absent / present; at a leaf (`buckets[n] == LEAF`), `values[n]` is the
    log-odds the tree adds."""

    roots: Sequence[int]
    buckets: Sequence[int]
    left: Sequence[int]
    right: Sequence[int]
    values: Sequence[float]

    def log_odds(self, present: Collection[int]) -> float:
        """The log-odds all trees add for a candidate whose feature buckets are `present`."""
        buckets, left, right, values = self.buckets, self.left, self.right, self.values
        total = 0.0
        for node in self.roots:
            while (bucket := buckets[node]) != LEAF:
                node = right[node] if bucket in present else left[node]
            total += values[node]
        return total

    def check(self) -> str | None:
        """What is wrong with these arrays (a cut or foreign file), or None: every index in range, every walk ends."""
        nodes = len(self.buckets)
        if not len(self.left) == len(self.right) == len(self.values) == nodes:
            return "node arrays of different lengths"
        for node in range(nodes):
            if self.buckets[node] != LEAF and not (node < self.left[node] < nodes and node < self.right[node] < nodes):
                return f"node {node} points outside the forest or back"
        if any(not 0 <= root < nodes for root in self.roots):
            return "a tree's root is outside the forest"
        return None
