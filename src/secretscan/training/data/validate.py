"""The data quality checker behind `secretscan-train data validate FILE...`.

Errors (the command exits 1): a row that is not the contract's schema, an empty message, a label outside
{"yes", "no"} or one that contradicts `label`, a system prompt that is not the scanner's (stale data), a user
prompt out of length bounds, an exact duplicate, the same prompt with both labels, a secret value in two
splits, or near-identical prompts in two splits (leakage). Warnings: near duplicates inside one split, and
label balance outside the expected range per split and per file kind.
The split of a file is its stem: train.jsonl -> "train".
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secretscan.scanner.prompt import LABEL_SECRET, LABELS, SYSTEM_PROMPT
from secretscan.training.data.dedup import NearDuplicateIndex, exact_key
from secretscan.training.data.stats import SplitStats, summarize
from secretscan.training.data.values import CATEGORIES

ROLES = ("system", "user", "assistant")
# Real corpora carry their labellers' own categories, which no fixed list can hold.
# Rows from real code, whose categories are the labellers' own: labelled corpora, and a team's audit marks
# (`data import-audit`).
REAL_SOURCES = ("real", "real-unlabelled", "audit")
SOURCES = ("synthetic", "harvested", *REAL_SOURCES)
META_KEYS = ("rule", "category", "kind", "hard_negative", "source", "secret_hash")
_SHA256 = re.compile(r"[0-9a-f]{64}")
# build_prompt's shape: "path: …\nrule: …\n…line: …\nvalue: …"
_PROMPT_SHAPE = re.compile(r"\Apath: .*\nrule: .*\n(?:.*\n)*?line: .*\n(?:.*\n)*value: .+\Z")
# Examples listed per problem; the count is always complete.
SHOW = 5


@dataclass(frozen=True)
class Limits:
    min_user_chars: int = 20
    max_user_chars: int = 1500
    near_threshold: float = 0.9
    num_perm: int = 64
    # A split (or file kind) whose share of secrets is outside this range gets a warning.
    min_positive_share: float = 0.3
    max_positive_share: float = 0.7


@dataclass
class Report:
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    warnings: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    stats: dict[str, SplitStats] = field(default_factory=dict)
    rows: int = 0

    @property
    def error_count(self) -> int:
        return sum(len(v) for v in self.errors.values())

    @property
    def warning_count(self) -> int:
        return sum(len(v) for v in self.warnings.values())

    @property
    def ok(self) -> bool:
        return self.error_count == 0


@dataclass(frozen=True)
class _Row:
    where: str  # file:line
    split: str
    user: str
    label: bool
    secret_hash: str
    source: str


def _check_row(raw: Any, where: str, split: str, limits: Limits, report: Report) -> _Row | None:
    """Schema checks for one parsed row; returns what the dataset-level checks need, or None if unusable."""
    errors = report.errors
    if not isinstance(raw, dict) or not {"messages", "label", "meta"} <= set(raw):
        errors["schema"].append(f"{where}: a row needs messages, label and meta")
        return None
    messages, label, meta = raw["messages"], raw["label"], raw["meta"]
    if not isinstance(messages, list) or len(messages) != 3 or not all(isinstance(m, dict) for m in messages):
        errors["schema"].append(f"{where}: messages must be [system, user, assistant]")
        return None
    roles = tuple(m.get("role") for m in messages)
    if roles != ROLES:
        errors["roles"].append(f"{where}: roles are {list(roles)}, expected {list(ROLES)}")
        return None
    contents = [m.get("content") for m in messages]
    if any(not isinstance(c, str) or not c.strip() for c in contents):
        empty = [r for r, c in zip(ROLES, contents, strict=True) if not isinstance(c, str) or not c.strip()]
        errors["empty_message"].append(f"{where}: empty {', '.join(empty)} message")
        return None
    system, user, answer = contents
    if system != SYSTEM_PROMPT:
        errors["stale_prompt"].append(f"{where}: system prompt differs from the scanner's (rebuild the data)")
    if not _PROMPT_SHAPE.match(user):
        errors["prompt_format"].append(f"{where}: user message is not in build_prompt's format")
    if not limits.min_user_chars <= len(user) <= limits.max_user_chars:
        errors["length"].append(
            f"{where}: user message has {len(user)} chars (bounds {limits.min_user_chars}..{limits.max_user_chars})"
        )
    if answer not in LABELS:
        errors["bad_label"].append(f"{where}: answer {answer[:20]!r} is not one of {list(LABELS)}")
    if not isinstance(label, bool):
        errors["bad_label"].append(f"{where}: label must be true or false, not {label!r}")
        return None
    if answer in LABELS and (answer == LABEL_SECRET) != label:
        errors["bad_label"].append(f"{where}: answer {answer!r} contradicts label {label}")
    if not isinstance(meta, dict) or not set(META_KEYS) <= set(meta):
        missing = sorted(set(META_KEYS) - set(meta)) if isinstance(meta, dict) else list(META_KEYS)
        errors["meta"].append(f"{where}: meta lacks {', '.join(missing)}")
        return None
    source = meta["source"]
    if source not in SOURCES:
        errors["meta"].append(f"{where}: source {source!r} is not one of {list(SOURCES)}")
    if not isinstance(meta["secret_hash"], str) or not _SHA256.fullmatch(meta["secret_hash"]):
        errors["meta"].append(f"{where}: secret_hash must be a sha256 hex digest")
    if not isinstance(meta["hard_negative"], bool) or (meta["hard_negative"] and label):
        errors["meta"].append(f"{where}: hard_negative must be a boolean, and false for a secret")
    category = meta["category"]
    known = category in CATEGORIES or (source == "harvested" and category == "harvested")
    if not known and not (source in REAL_SOURCES and isinstance(category, str) and category):
        errors["meta"].append(f"{where}: unknown category {category!r}")
    return _Row(where, split, user, label, str(meta["secret_hash"]), str(source))


def row_problems(raw: Any, where: str, limits: Limits = Limits()) -> list[str]:
    """What is wrong with one row on its own (no dataset-level checks); empty when it is a valid example."""
    report = Report()
    _check_row(raw, where, "train", limits, report)
    return [message for messages in report.errors.values() for message in messages]


def _read(path: Path, limits: Limits, report: Report) -> tuple[list[_Row], list[dict[str, Any]]]:
    rows: list[_Row] = []
    raw_rows: list[dict[str, Any]] = []
    split = path.stem
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            where = f"{path.name}:{number}"
            if not line.strip():
                report.errors["schema"].append(f"{where}: blank line")
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                report.errors["schema"].append(f"{where}: not JSON ({exc.msg})")
                continue
            report.rows += 1
            checked = _check_row(raw, where, split, limits, report)
            if checked is not None:
                rows.append(checked)
                raw_rows.append(raw)
    return rows, raw_rows


def _duplicates(rows: Sequence[_Row], report: Report) -> None:
    first: dict[str, _Row] = {}
    for row in rows:
        key = exact_key(row.user)
        if key not in first:
            first[key] = row
            continue
        earlier = first[key]
        if earlier.label != row.label:
            report.errors["contradictory_label"].append(
                f"{row.where}: same prompt as {earlier.where} with the other label"
            )
        else:
            report.errors["duplicate"].append(f"{row.where}: duplicate of {earlier.where}")


def _secret_leakage(rows: Sequence[_Row], report: Report) -> None:
    splits_of: dict[str, dict[str, str]] = defaultdict(dict)
    for row in rows:
        if row.label:
            splits_of[row.secret_hash].setdefault(row.split, row.where)
    for secret_hash, places in splits_of.items():
        if len(places) > 1:
            report.errors["secret_leakage"].append(
                f"the secret with hash {secret_hash[:12]}… is in {len(places)} splits: {', '.join(places.values())}"
            )


def _near_duplicates(rows: Sequence[_Row], limits: Limits, report: Report) -> None:
    index = NearDuplicateIndex(limits.near_threshold, limits.num_perm)
    by_key: dict[str, _Row] = {}
    seen_exact: set[str] = set()
    for i, row in enumerate(rows):
        key = exact_key(row.user)
        if key in seen_exact:
            continue  # already an exact-duplicate error
        seen_exact.add(key)
        probe = index.probe(row.user)
        match = index.find(probe)
        if match is not None:
            other = by_key[match]
            if other.split != row.split:
                report.errors["near_duplicate_leakage"].append(
                    f"{row.where}: near-identical to {other.where} in split {other.split!r}"
                )
            else:
                report.warnings["near_duplicate"].append(f"{row.where}: near-identical to {other.where}")
        name = str(i)
        index.add(name, probe)
        by_key[name] = row


def _balance(stats: dict[str, SplitStats], limits: Limits, report: Report) -> None:
    def check(what: str, positives: int, total: int) -> None:
        if total and not limits.min_positive_share <= positives / total <= limits.max_positive_share:
            report.warnings["balance"].append(
                f"{what}: {positives / total:.0%} secrets ({positives}/{total}), expected "
                f"{limits.min_positive_share:.0%}..{limits.max_positive_share:.0%}"
            )

    for name, split in stats.items():
        if name in ("all", "harvested"):
            continue
        check(f"split {name}", split.positives, split.examples)
    total = stats.get("all")
    if total is not None:
        for kind in sorted({k for k, _ in total.kinds}):
            positives, negatives = total.kinds[(kind, True)], total.kinds[(kind, False)]
            # Small kinds swing; only warn where there is enough data to tell.
            if positives + negatives >= 50:
                check(f"kind {kind}", positives, positives + negatives)


def validate_files(paths: Sequence[Path], limits: Limits = Limits()) -> Report:
    report = Report()
    rows: list[_Row] = []
    raw_by_split: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for path in paths:
        checked, raw = _read(path, limits, report)
        rows.extend(checked)
        raw_by_split[path.stem].extend(raw)
    _duplicates(rows, report)
    _secret_leakage([r for r in rows if r.source == "synthetic"], report)
    _near_duplicates(rows, limits, report)
    report.stats = summarize(raw_by_split)
    _balance(report.stats, limits, report)
    return report


def format_report(report: Report) -> str:
    from secretscan.training.data.stats import format_stats

    lines = [format_stats(report.stats), ""]
    for severity, problems in (("error", report.errors), ("warning", report.warnings)):
        for kind, items in sorted(problems.items()):
            lines.append(f"{severity}: {kind}: {len(items)}")
            lines.extend(f"  {item}" for item in items[:SHOW])
            if len(items) > SHOW:
                lines.append(f"  … and {len(items) - SHOW} more")
    verdict = "OK" if report.ok else "FAILED"
    lines.append(f"{verdict}: {report.rows} rows, {report.error_count} errors, {report.warning_count} warnings")
    return "\n".join(lines)
