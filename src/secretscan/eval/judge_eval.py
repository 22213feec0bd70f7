"""Judge-level eval over JSONL examples (the val/test splits of `secretscan-train data build`).

Each row's system and user messages are the prompt exactly as the scanner builds it, so the judge is scored on
the same text it sees at inference. Reports accuracy, precision/recall/F1, calibration (ECE) and latency.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from secretscan.eval.corpus import CorpusError
from secretscan.eval.metrics import (
    Counts,
    SweepPoint,
    best_point,
    counts_at,
    expected_calibration_error,
    sweep,
)
from secretscan.inference.base import Judge
from secretscan.scanner.prompt import Prompt

# How many prompts between two progress lines.
PROGRESS_EVERY = 16


@dataclass(frozen=True)
class Example:
    prompt: Prompt
    label: bool
    category: str


def _parse_example(raw: str, where: str) -> Example:
    try:
        row = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{where}: invalid JSON ({exc.msg})") from None
    if not isinstance(row, dict) or not isinstance(row.get("messages"), list):
        raise CorpusError(f"{where}: expected an object with messages and label")
    if not isinstance(row.get("label"), bool):
        raise CorpusError(f"{where}: label must be true or false")
    contents: dict[str, str] = {}
    for message in row["messages"]:
        if isinstance(message, dict) and isinstance(message.get("content"), str):
            contents.setdefault(str(message.get("role")), message["content"])
    if not contents.get("system") or not contents.get("user"):
        raise CorpusError(f"{where}: needs a non-empty system and user message")
    meta = row.get("meta")
    category = str(meta.get("category", "unknown")) if isinstance(meta, dict) else "unknown"
    return Example(Prompt(contents["system"], contents["user"]), row["label"], category)


def load_examples(path: Path, limit: int | None = None) -> list[Example]:
    """Read up to `limit` examples (all when None), in file order."""
    try:
        rows = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CorpusError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CorpusError(f"{path}: not UTF-8") from None
    examples: list[Example] = []
    for number, raw in enumerate(rows, start=1):
        if limit is not None and len(examples) >= limit:
            break
        if raw.strip():
            examples.append(_parse_example(raw, f"{path}:{number}"))
    if not examples:
        raise CorpusError(f"{path}: no examples")
    return examples


@dataclass(frozen=True)
class JudgeEval:
    examples: int
    threshold: float
    counts: Counts  # at the threshold
    ece: float | None
    brier: float
    best: SweepPoint | None  # F1-optimal threshold
    latency_ms: dict[str, float]  # mean, p50, p95 per candidate
    by_category: dict[str, Counts]

    @property
    def accuracy(self) -> float:
        return (self.counts.tp + self.counts.tn) / self.counts.total


def _percentile(sorted_values: Sequence[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def evaluate_judge(
    examples: Sequence[Example], judge: Judge, threshold: float, progress: Callable[[str], None] = lambda m: None
) -> JudgeEval:
    """Score examples one at a time, so that the latency is per candidate as the scanner would see it."""
    scores: list[float] = []
    seconds: list[float] = []
    for done, example in enumerate(examples, start=1):
        started = time.perf_counter()
        scores.append(judge.score([example.prompt])[0])
        seconds.append(time.perf_counter() - started)
        if done % PROGRESS_EVERY == 0 or done == len(examples):
            progress(f"examples: judged {done}/{len(examples)} ({sum(seconds) / done:.2f} s each)")
    labels = [example.label for example in examples]
    lines = list(zip(scores, labels))
    by_category: dict[str, list[tuple[float, bool]]] = {}
    for example, score in zip(examples, scores):
        by_category.setdefault(example.category, []).append((score, example.label))
    ordered = sorted(seconds)
    return JudgeEval(
        examples=len(examples),
        threshold=threshold,
        counts=counts_at(lines, threshold),
        ece=expected_calibration_error(scores, labels),
        brier=sum((score - label) ** 2 for score, label in lines) / len(lines),
        best=best_point(sweep(lines)),
        latency_ms={
            "mean": 1000 * sum(seconds) / len(seconds),
            "p50": 1000 * _percentile(ordered, 0.5),
            "p95": 1000 * _percentile(ordered, 0.95),
        },
        by_category={name: counts_at(items, threshold) for name, items in sorted(by_category.items())},
    )
