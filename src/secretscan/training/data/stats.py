"""Counts and tables over JSONL splits: examples, labels, hard negatives, near-miss pairs, per kind and category."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SplitStats:
    examples: int = 0
    positives: int = 0
    hard_negatives: int = 0
    near_miss: int = 0
    # Negatives the scanner's filters drop before the judge (meta.judge_visible false).
    filtered: int = 0
    # (kind, label) and (category, label) counts.
    kinds: Counter[tuple[str, bool]] = field(default_factory=Counter)
    categories: Counter[tuple[str, bool]] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)
    user_chars: int = 0

    @property
    def negatives(self) -> int:
        return self.examples - self.positives

    @property
    def hard_share(self) -> float:
        return self.hard_negatives / self.negatives if self.negatives else 0.0

    def add(self, row: Mapping[str, Any]) -> None:
        meta = row.get("meta", {})
        label = bool(row.get("label"))
        self.examples += 1
        self.positives += label
        self.hard_negatives += bool(meta.get("hard_negative")) and not label
        self.near_miss += bool(meta.get("near_miss"))
        self.filtered += meta.get("judge_visible") is False
        self.kinds[(str(meta.get("kind", "?")), label)] += 1
        self.categories[(str(meta.get("category", "?")), label)] += 1
        self.rules[str(meta.get("rule", "?"))] += 1
        messages = row.get("messages") or []
        if len(messages) > 1 and isinstance(messages[1], dict):
            self.user_chars += len(str(messages[1].get("content", "")))

    def as_dict(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "positives": self.positives,
            "negatives": self.negatives,
            "hard_negatives": self.hard_negatives,
            "hard_negative_share": round(self.hard_share, 4),
            "near_miss": self.near_miss,
            "filtered_negatives": self.filtered,
            "kinds": _nested(self.kinds),
            "categories": _nested(self.categories),
            "rules": dict(sorted(self.rules.items())),
            "mean_user_chars": round(self.user_chars / self.examples, 1) if self.examples else 0.0,
        }


def _nested(counts: Counter[tuple[str, bool]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for (name, label), n in sorted(counts.items()):
        out.setdefault(name, {"secret": 0, "not_secret": 0})["secret" if label else "not_secret"] += n
    return out


def summarize(splits: Mapping[str, Iterable[Mapping[str, Any]]]) -> dict[str, SplitStats]:
    """Per-split stats, plus "all" over the synthetic splits (harvested rows are weak labels, kept apart)."""
    result: dict[str, SplitStats] = {}
    total = SplitStats()
    for name, rows in splits.items():
        stats = SplitStats()
        for row in rows:
            stats.add(row)
            if name != "harvested":
                total.add(row)
        result[name] = stats
    result["all"] = total
    return result


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for i, row in enumerate(cells):
        lines.append(
            "  ".join(c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(row, widths, strict=True)))
        )
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def format_stats(stats: Mapping[str, SplitStats]) -> str:
    """The tables `secretscan-train data stats` and `data build` print."""
    split_rows = [
        (
            name,
            s.examples,
            s.positives,
            s.negatives,
            _pct(s.positives, s.examples),
            s.hard_negatives,
            _pct(s.hard_negatives, s.negatives),
            s.filtered,
            s.near_miss,
            round(s.user_chars / s.examples) if s.examples else 0,
        )
        for name, s in stats.items()
    ]
    header = ("split", "examples", "secret", "not", "secret%", "hard-neg", "hard%", "filtered", "near-miss", "chars")
    out = [_table(header, split_rows)]
    total = stats.get("all") or next(iter(stats.values()))
    kinds = sorted({k for k, _ in total.kinds})
    out.append(
        _table(
            ("kind", "examples", "secret", "not", "secret%"),
            [
                (
                    k,
                    total.kinds[(k, True)] + total.kinds[(k, False)],
                    total.kinds[(k, True)],
                    total.kinds[(k, False)],
                    _pct(total.kinds[(k, True)], total.kinds[(k, True)] + total.kinds[(k, False)]),
                )
                for k in kinds
            ],
        )
    )
    categories = sorted({c for c, _ in total.categories}, key=lambda c: (-total.categories[(c, True)], c))
    out.append(
        _table(
            ("category", "secret", "not"),
            [(c, total.categories[(c, True)], total.categories[(c, False)]) for c in categories],
        )
    )
    return "\n\n".join(out)
