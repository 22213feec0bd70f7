"""`data build`: generated files -> labelled, de-duplicated, balanced, leak-free train/val/test JSONL.

1. Generate files group by group (a file and maybe its near-miss twin) and label their candidates: the
   judge-visible ones, and (up to `filtered_negative_share` of the negatives) those the filters drop.
2. Drop exact duplicates (same prompt) and near duplicates (MinHash, over the whole pool, so no two kept
   examples are near-identical anywhere); fill three quotas in generation order: secrets, judge-visible
   negatives, filter-dropped negatives.
   With a `real` section, up to `real.share` of the examples are candidates of labelled real code instead
   (`real.py`), deduplicated the same way; the generator fills the rest.
3. Assign each group to a split by hashing (seed, group), so twins (and a real repository's files) always
   share a split.
4. Leakage guard: a secret value that appears in train is dropped from val and test (and val's from test).
5. Write train/val/test.jsonl and build.json (config, counts, exclusions, file hashes). No timestamps, so the
   same config gives byte-identical output.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from secretscan import __version__
from secretscan.errors import ConfigError
from secretscan.training.data.config import DataConfig, config_to_mapping
from secretscan.training.data.dedup import NearDuplicateIndex, exact_key
from secretscan.training.data.examples import Example, dump_row, label_file
from secretscan.training.data.generate import generate_group
from secretscan.training.data.stats import SplitStats, summarize

SPLITS = ("train", "val", "test")
MANIFEST = "build.json"


@dataclass(frozen=True)
class BuildResult:
    out_dir: Path
    stats: dict[str, SplitStats]
    files_generated: int
    # Candidates the judge never sees (certain, filtered by harmless_reason) or we could not label.
    excluded: dict[str, int]
    # Examples dropped on the way: duplicates, surplus of a full class, leakage.
    dropped: dict[str, int]
    harvested: int = 0


@dataclass(frozen=True)
class _Kept:
    example: Example
    row: dict[str, Any]


def split_of(seed: int, group: int, config: DataConfig) -> str:
    digest = hashlib.sha256(f"{seed}:split:{group}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64
    if point < config.splits.train:
        return "train"
    if point < config.splits.train + config.splits.val:
        return "val"
    return "test"


def _progress(total: int, enabled: bool) -> Any:
    from tqdm import tqdm

    # disable=None: tqdm turns itself off when stderr is not a terminal (CI logs, tests).
    return tqdm(total=total, desc="examples", unit="ex", file=sys.stderr, disable=None if enabled else True)


def collect(config: DataConfig, progress: bool = False) -> tuple[list[_Kept], int, Counter[str], Counter[str]]:
    """Generate until the quotas are filled: secrets, judge-visible negatives and filter-dropped negatives.

    Returns (kept, files generated, excluded, dropped)."""
    positives = round(config.examples * config.positive_share)
    filtered = int((config.examples - positives) * config.filtered_negative_share)
    need = {"secret": positives, "visible": config.examples - positives - filtered, "filtered": filtered}
    have = dict.fromkeys(need, 0)
    kept: list[_Kept] = []
    seen: dict[str, bool] = {}
    conflicts: set[str] = set()
    index = NearDuplicateIndex(config.dedup.near_threshold, config.dedup.num_perm)
    excluded: Counter[str] = Counter()
    dropped: Counter[str] = Counter()
    files = 0
    group = 0
    with _progress(config.examples, progress) as bar:
        while any(have[k] < need[k] for k in need):
            if files >= config.max_files:
                raise ConfigError(
                    f"{files} files gave only {have} examples (need {need}); "
                    "raise max_files or adjust the generator mix"
                )
            for file in generate_group(config.seed, group, config.generator):
                files += 1
                for example in label_file(file, excluded, keep_filtered=need["filtered"] > 0):
                    quota = "secret" if example.label else ("filtered" if example.filtered else "visible")
                    if have[quota] >= need[quota]:
                        dropped[f"surplus_{quota}"] += 1
                        continue
                    row = example.row(config.context_lines)
                    user = row["messages"][1]["content"]
                    key = exact_key(user)
                    if key in seen:
                        dropped["exact_duplicate"] += 1
                        if seen[key] != example.label:
                            conflicts.add(key)
                        continue
                    seen[key] = example.label
                    probe = index.probe(user)
                    if index.find(probe) is not None:
                        dropped["near_duplicate"] += 1
                        continue
                    index.add(key, probe)
                    kept.append(_Kept(example, row))
                    have[quota] += 1
                    bar.update(1)
            group += 1
    if conflicts:
        # The same prompt with both labels would teach noise; neither copy stays.
        before = len(kept)
        kept = [k for k in kept if exact_key(k.row["messages"][1]["content"]) not in conflicts]
        dropped["conflicting_label"] += before - len(kept)
    return kept, files, excluded, dropped


def take_real(examples: Iterable[Example], config: DataConfig, dropped: Counter[str]) -> list[_Kept]:
    """Up to `real.share` of the examples from real code, in a seeded order, exact duplicates dropped (and both
    copies of a prompt labelled both ways: real labels disagree on repeated lines)."""
    assert config.real is not None
    limit = round(config.examples * config.real.share)
    rows: dict[str, _Kept] = {}
    conflicts: set[str] = set()
    for example in examples:
        row = example.row(config.context_lines)
        key = exact_key(row["messages"][1]["content"])
        if key in rows:
            dropped["real_exact_duplicate"] += 1
            if rows[key].example.label != example.label:
                conflicts.add(key)
            continue
        rows[key] = _Kept(example, row)
    for key in conflicts:
        del rows[key]
    dropped["real_conflicting_label"] += len(conflicts)
    ordered = sorted(rows, key=lambda key: hashlib.sha256(f"{config.seed}:real:{key}".encode()).digest())
    dropped["real_surplus"] += max(0, len(ordered) - limit)
    return [rows[key] for key in ordered[:limit]]


def assign_splits(kept: Iterable[_Kept], config: DataConfig, dropped: Counter[str]) -> dict[str, list[dict[str, Any]]]:
    """Split by group, then drop val/test secrets whose value already appears in an earlier split."""
    by_split: dict[str, list[_Kept]] = {name: [] for name in SPLITS}
    for item in kept:
        by_split[split_of(config.seed, item.example.group, config)].append(item)
    seen_secrets: set[str] = set()
    out: dict[str, list[dict[str, Any]]] = {}
    for name in SPLITS:
        rows = []
        secrets_here: set[str] = set()
        for item in by_split[name]:
            secret_hash = item.row["meta"]["secret_hash"]
            if item.example.label and secret_hash in seen_secrets:
                dropped[f"leak_{name}"] += 1
                continue
            if item.example.label:
                secrets_here.add(secret_hash)
            rows.append(item.row)
        seen_secrets |= secrets_here
        out[name] = rows
    return out


def add_audits(
    splits: dict[str, list[dict[str, Any]]], config: DataConfig, dropped: Counter[str]
) -> dict[str, list[dict[str, Any]]]:
    """The team's audit rows (`audits.repeat` times each) join the train split; a generated or real row with the
    same prompt leaves every split, since the team's verdict on exactly that text is the one to learn."""
    from secretscan.training.data.audits import read_audit_rows

    assert config.audits is not None
    audit_rows = read_audit_rows(config.audits.files)
    prompts = {exact_key(row["messages"][1]["content"]) for row in audit_rows}
    out = {}
    for name, rows in splits.items():
        kept = [row for row in rows if exact_key(row["messages"][1]["content"]) not in prompts]
        dropped["audit_same_prompt"] += len(rows) - len(kept)
        out[name] = kept
    out["train"] = out["train"] + audit_rows * config.audits.repeat
    return out


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> str:
    """Write rows; returns the file's sha256."""
    data = "".join(dump_row(row) for row in rows).encode("utf-8")
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def build_dataset(config: DataConfig, out_dir: Path, progress: bool = False) -> BuildResult:
    out_dir.mkdir(parents=True, exist_ok=True)
    real: list[_Kept] = []
    real_excluded: Counter[str] = Counter()
    real_dropped: Counter[str] = Counter()
    if config.real is not None:
        from secretscan.training.data.real import import_real

        imported = import_real(config.real, config.seed)
        real_excluded = Counter({f"real:{k}": v for k, v in imported.excluded.items()})
        real = take_real(imported.examples, config, real_dropped)
    synthetic = replace(config, examples=max(10, config.examples - len(real)))
    kept, files, excluded, dropped = collect(synthetic, progress)
    # The hard-negative floor is the generator's promise; real code brings its own negatives. (The split step
    # drops only secrets, so the generated negatives' share can be read before it.)
    generated_negatives = [k.example for k in kept if not k.example.label]
    hard_share = sum(e.hard_negative for e in generated_negatives) / max(1, len(generated_negatives))
    excluded.update(real_excluded)
    dropped.update(real_dropped)
    splits = assign_splits([*kept, *real], config, dropped)
    if config.audits is not None:
        splits = add_audits(splits, config, dropped)
    stats = summarize(splits)
    if hard_share < config.min_hard_negative_share:
        raise ConfigError(
            f"only {hard_share:.0%} of the negatives are hard (need "
            f"{config.min_hard_negative_share:.0%}); give the generator more hard-negative roles"
        )
    hashes = {f"{name}.jsonl": write_jsonl(out_dir / f"{name}.jsonl", rows) for name, rows in splits.items()}
    harvested = 0
    if config.harvest is not None and config.harvest.roots:
        from secretscan.training.data.harvest import harvest_rows

        rows = harvest_rows(
            config.harvest, config.context_lines, excluded_secrets={r["meta"]["secret_hash"] for r in _all(splits)}
        )
        hashes["harvested.jsonl"] = write_jsonl(out_dir / "harvested.jsonl", rows)
        harvested = len(rows)
        stats = summarize({**splits, "harvested": rows})
    manifest = {
        # The examples depend on the candidate stage and prompt builder of this version.
        "secretscan_version": __version__,
        "config": config_to_mapping(config),
        "files_generated": files,
        "counts": {name: s.as_dict() for name, s in stats.items()},
        "excluded_candidates": dict(sorted(excluded.items())),
        "dropped_examples": dict(sorted(dropped.items())),
        "sha256": hashes,
    }
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return BuildResult(out_dir, stats, files, dict(sorted(excluded.items())), dict(sorted(dropped.items())), harvested)


def _all(splits: dict[str, list[dict[str, Any]]]) -> Iterable[dict[str, Any]]:
    for rows in splits.values():
        yield from rows
