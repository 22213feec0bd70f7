"""The round-trip check: do the exported GGUFs, run by the `llama-cpp` judge, judge like the HF model did?

Both sides score the same held-out examples (the test split of `secretscan-train data build`): the HF model with
torch on the text `render_chat` renders, the GGUF through `LlamaCppJudge`, exactly as a scan would. For each
exported variant we report verdict agreement at the 0.5 threshold, F1 at that threshold and ROC AUC against
the labels, and refuse to ship a variant that loses more than a point of F1 or AUC against the HF model, or
(for f16 and Q8_0, which should be near-lossless) agrees on fewer than 99% of the verdicts.
"""

from __future__ import annotations

import json
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from secretscan.errors import ModelError
from secretscan.scanner.prompt import LABEL_SAFE, LABEL_SECRET, Prompt, render_chat

THRESHOLD = 0.5
# One point of F1 or AUC, on the 0-1 scale.
MAX_METRIC_DROP = 0.01
MIN_AGREEMENT = 0.99
# Output types that only round weights to 8 or 16 bits; they must agree almost everywhere.
NEAR_LOSSLESS = ("f16", "q8_0")


@dataclass(frozen=True)
class HeldOut:
    prompts: tuple[Prompt, ...]
    labels: tuple[bool, ...]


def load_heldout(path: Path, limit: int | None = None) -> HeldOut:
    """Held-out rows in the training JSONL format (system and user messages, boolean `label`)."""
    prompts: list[Prompt] = []
    labels: list[bool] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(f"cannot read held-out examples {path}: {exc}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            messages = {m["role"]: m["content"] for m in row["messages"]}
            prompt = Prompt(system=messages["system"], user=messages["user"])
            label = row["label"]
        except (ValueError, KeyError, TypeError):
            raise ModelError(f"{path}:{number}: not a training row (messages with system and user, label)") from None
        if not isinstance(label, bool):
            raise ModelError(f"{path}:{number}: label must be true or false")
        prompts.append(prompt)
        labels.append(label)
        if limit is not None and len(prompts) >= limit:
            break
    if not prompts:
        raise ModelError(f"{path} holds no held-out examples")
    return HeldOut(tuple(prompts), tuple(labels))


def f1_at(scores: Sequence[float], labels: Sequence[bool], threshold: float = THRESHOLD) -> float | None:
    """F1 at `threshold` (secretscan eval's definition); None when there are neither positives nor predictions."""
    from secretscan.eval.metrics import counts_at

    return counts_at(zip(scores, labels, strict=True), threshold).f1


def roc_auc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """P(score of a random positive > score of a random negative), ties counting half; None without both."""
    positives = [s for s, y in zip(scores, labels, strict=True) if y]
    negatives = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not positives or not negatives:
        return None
    ranked = sorted(negatives)
    wins = 0.0
    for score in positives:
        below = bisect_left(ranked, score)
        ties = bisect_right(ranked, score) - below
        wins += below + ties / 2
    return wins / (len(positives) * len(negatives))


@dataclass(frozen=True)
class Scored:
    """One model's P(secret) on the held-out examples, and how long it took per example."""

    name: str
    scores: tuple[float, ...]
    seconds_per_example: float


@dataclass(frozen=True)
class Retention:
    variant: str
    file: str
    agreement: float
    max_score_gap: float
    f1: float | None
    auc: float | None
    f1_drop: float
    auc_drop: float
    seconds_per_example: float
    refused: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _drop(reference: float | None, value: float | None) -> float:
    """How much `value` lost against `reference`; an undefined value counts as 0, two undefined as no loss."""
    if reference is None:
        return 0.0
    return reference - (value if value is not None else 0.0)


def refusal_reason(variant: str, agreement: float, f1_drop: float, auc_drop: float) -> str | None:
    """Why `variant` must not ship, or None."""
    reasons = []
    if f1_drop > MAX_METRIC_DROP:
        reasons.append(f"F1 drops {100 * f1_drop:.1f} points (limit {100 * MAX_METRIC_DROP:.0f})")
    if auc_drop > MAX_METRIC_DROP:
        reasons.append(f"AUC drops {100 * auc_drop:.1f} points (limit {100 * MAX_METRIC_DROP:.0f})")
    if variant.lower() in NEAR_LOSSLESS and agreement < MIN_AGREEMENT:
        reasons.append(
            f"agrees with the HF model on {100 * agreement:.1f}% of verdicts (needs {100 * MIN_AGREEMENT:.0f}%)"
        )
    return "; ".join(reasons) or None


def compare(reference: Scored, candidate: Scored, labels: Sequence[bool], variant: str, file: str) -> Retention:
    """How well `candidate` (a GGUF) retains `reference` (the HF model) on the labelled examples."""
    if len(reference.scores) != len(candidate.scores) or len(labels) != len(reference.scores):
        raise ValueError("scores and labels differ in length")
    pairs = list(zip(reference.scores, candidate.scores, strict=True))
    agreement = sum(1 for a, b in pairs if (a >= THRESHOLD) == (b >= THRESHOLD)) / len(pairs)
    f1, auc = f1_at(candidate.scores, labels), roc_auc(candidate.scores, labels)
    f1_drop = _drop(f1_at(reference.scores, labels), f1)
    auc_drop = _drop(roc_auc(reference.scores, labels), auc)
    return Retention(
        variant=variant,
        file=file,
        agreement=agreement,
        max_score_gap=max(abs(a - b) for a, b in pairs),
        f1=f1,
        auc=auc,
        f1_drop=f1_drop,
        auc_drop=auc_drop,
        seconds_per_example=candidate.seconds_per_example,
        refused=refusal_reason(variant, agreement, f1_drop, auc_drop),
    )


def score_hf(model_dir: Path, prompts: Sequence[Prompt]) -> Scored:
    """P(secret) from a Hugging Face model folder: softmax of the `yes`/`no` logits after the rendered prompt."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    model.eval()
    label_ids = []
    for label in (LABEL_SECRET, LABEL_SAFE):
        ids = tokenizer.encode(label, add_special_tokens=False)
        if len(ids) != 1:
            raise ModelError(f"the tokenizer in {model_dir} splits {label!r} into {len(ids)} tokens")
        label_ids.append(ids[0])
    scores = []
    started = time.perf_counter()
    with torch.inference_mode():
        for prompt in prompts:
            ids = tokenizer(render_chat(prompt), add_special_tokens=False, return_tensors="pt").input_ids
            logits = model(input_ids=ids).logits[0, -1]
            pair = torch.stack([logits[label_ids[0]], logits[label_ids[1]]]).double()
            scores.append(float(torch.softmax(pair, dim=0)[0]))
    elapsed = time.perf_counter() - started
    return Scored("hf", tuple(scores), elapsed / len(prompts))


def score_gguf(model: Path, prompts: Sequence[Prompt], lora: Path | None = None, name: str = "gguf") -> Scored:
    """P(secret) from the `llama-cpp` judge, as a scan computes it."""
    from secretscan.inference.llama_cpp import LlamaCppJudge

    judge = LlamaCppJudge(model, lora)
    # Loading is timed apart: the per-example figure is what a scan pays once the model is up.
    judge.load()
    started = time.perf_counter()
    scores = judge.score(prompts)
    elapsed = time.perf_counter() - started
    return Scored(name, tuple(scores), elapsed / len(prompts))


@dataclass(frozen=True)
class Variant:
    """An exported model to check: a GGUF, optionally with a GGUF LoRA applied at load time."""

    name: str
    model: Path
    lora: Path | None = None


def check_variants(
    hf_model_dir: Path,
    variants: Sequence[Variant],
    heldout: HeldOut,
    echo: Callable[[str], None] = lambda line: None,
) -> tuple[Scored, list[Retention]]:
    """Score the HF model once and every variant, and compare each with it."""
    reference = score_hf(hf_model_dir, heldout.prompts)
    results = []
    for variant in variants:
        scored = score_gguf(variant.model, heldout.prompts, variant.lora, variant.name)
        file = variant.model.name if variant.lora is None else f"{variant.model.name} + {variant.lora.name}"
        result = compare(reference, scored, heldout.labels, variant.name, file)
        echo(describe(result))
        results.append(result)
    return reference, results


def report(heldout_path: Path, heldout: HeldOut, reference: Scored, results: Sequence[Retention]) -> dict[str, Any]:
    """roundtrip.json: what was checked, the HF model's own figures, and every variant's."""
    return {
        "heldout": {"path": str(heldout_path), "examples": len(heldout.labels), "positives": sum(heldout.labels)},
        "reference": {
            "f1": f1_at(reference.scores, heldout.labels),
            "auc": roc_auc(reference.scores, heldout.labels),
            "seconds_per_example": reference.seconds_per_example,
        },
        "variants": [result.as_dict() for result in results],
    }


def percent(value: float | None) -> str:
    """A 0-1 figure as percent with one decimal, or n/a."""
    return "n/a" if value is None else f"{100 * value:.1f}"


def describe(result: Retention) -> str:
    verdict = f"REFUSED: {result.refused}" if result.refused else "ok"
    return (
        f"{result.variant:<10} agreement {100 * result.agreement:.1f}%  F1 {percent(result.f1)}  "
        f"AUC {percent(result.auc)}  (drops {100 * result.f1_drop:+.1f} / {100 * result.auc_drop:+.1f} points)  "
        f"{1000 * result.seconds_per_example:.0f} ms/example  {verdict}"
    )
