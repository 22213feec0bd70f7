"""Fitting the judge's head (inference/head.py): a logistic regression on the LLM's hidden state and its yes/no.

The regularisation is chosen by cross-validation with folds that keep a repository together (the scorer's folds),
on the out-of-fold AUC of the labelled real rows; the head is then fitted on every row. Its out-of-fold
probabilities are what `scorer fit` weighs against the scorer's, exactly as the LLM's were before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from secretscan.errors import ConfigError
from secretscan.inference.llama_cpp import LlamaCppJudge
from secretscan.training.hidden import embed_prompts
from secretscan.training.scorer import LLM_WEIGHTS, ScorerRow, cascade_f1, f1_at, fold_of, log_odds_of, roc_auc

# Inverse L2 strengths tried. The states have 576 dimensions and the folds a few thousand real rows.
HEAD_CS = (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)


@dataclass(frozen=True)
class HeadFit:
    weights: np.ndarray  # per hidden dimension, on the raw states (the scaling folded in)
    llm_coef: float  # on the LLM's raw yes/no log-odds
    bias: float
    c: float
    out_of_fold: np.ndarray  # each row's P(secret) from a head fitted on the other folds, at the chosen C
    cv_auc: tuple[tuple[float, float | None], ...]  # (C, out-of-fold AUC on the measured rows)


def head_features(states: np.ndarray, llm_probabilities: np.ndarray) -> np.ndarray:
    """The head's inputs: the hidden state and, as its last column, the LLM's yes/no log-odds."""
    return np.hstack([states, log_odds_of(llm_probabilities)[:, None]])


def _fit(features: np.ndarray, labels: np.ndarray, weights: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    """(coefficients, intercept) on the raw features: standardised to fit, then folded back."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = features.mean(axis=0), features.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=5000)
    model.fit((features - mean) / scale, labels, sample_weight=weights)
    coef = model.coef_[0] / scale
    return coef, float(model.intercept_[0] - coef @ mean)


def _predict(features: np.ndarray, coef: np.ndarray, bias: float) -> np.ndarray:
    return 1 / (1 + np.exp(-(features @ coef + bias)))


def fit_head(
    states: np.ndarray,
    llm_probabilities: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray,
    fold: np.ndarray,
    measured: np.ndarray,
    cs: Sequence[float] = HEAD_CS,
) -> HeadFit:
    """Cross-validate C over `fold` (a fold number per row), choose it on the out-of-fold AUC of the `measured`
    rows (a boolean mask), and fit on every row."""
    features = head_features(states, llm_probabilities)
    grid: list[tuple[float, float | None]] = []
    predictions: dict[float, np.ndarray] = {}
    for c in cs:
        out_of_fold = np.zeros(len(labels))
        for k in np.unique(fold):
            held = fold == k
            coef, bias = _fit(features[~held], labels[~held], weights[~held], c)
            out_of_fold[held] = _predict(features[held], coef, bias)
        predictions[c] = out_of_fold
        grid.append((c, roc_auc(out_of_fold[measured], labels[measured])))
    best = max(grid, key=lambda pair: -1.0 if pair[1] is None else pair[1])[0]
    coef, bias = _fit(features, labels, weights, best)
    return HeadFit(coef[:-1], float(coef[-1]), bias, best, predictions[best], tuple(grid))


def shipped_model_judge() -> tuple[LlamaCppJudge, str]:
    """The shipped judge's model without a head (merged once if needed), and the sha256 of its adapter: the
    states a head is fitted on must be the ones a scan computes."""
    from secretscan.inference.default_judge import DefaultJudge
    from secretscan.inference.models import adapter_hashes, embedded_base_model, shipped_adapter

    base, adapter = embedded_base_model(), shipped_adapter()
    if adapter is None:
        raise ConfigError("this build ships no judge adapter: there is no hidden state to fit a head on")
    runner = DefaultJudge(base, adapter, warn=lambda message: None).backend().runner
    judge = LlamaCppJudge(runner.model_path, runner.lora_path, hidden_states=True)
    return judge, adapter_hashes(base, adapter)[1]


def fit_head_on_rows(
    rows: Sequence[ScorerRow], folds: int, cache: Path, advance: Callable[[int], None]
) -> tuple[list[int], np.ndarray, HeadFit, str]:
    """Embed the real rows (labelled and not) with the shipped model, and fit the head on them.

    Returns (the rows' indices, the LLM's own P(secret) of each, the fit, the adapter's sha256)."""
    judge, adapter_sha = shipped_model_judge()
    indices = [i for i, row in enumerate(rows) if row.real]
    if not indices:
        raise ConfigError("no real rows to fit the judge's head on")
    llm, states = embed_prompts([rows[i].prompt for i in indices], judge, cache, advance)
    picked = [rows[i] for i in indices]
    fitted = fit_head(
        states,
        llm,
        labels=np.array([row.label for row in picked]),
        weights=np.array([row.weight for row in picked]),
        fold=np.array([fold_of(row.group, folds) for row in picked]),
        measured=np.array([not row.unlabelled for row in picked]),
    )
    return indices, llm, fitted, adapter_sha


@dataclass(frozen=True)
class HeadRun:
    """A head fitted by `scorer fit --head-out`, with what it and the bare LLM said of the held-out rows."""

    fit: HeadFit
    adapter_sha256: str
    head_on_held: dict[int, float]  # row index: the head's out-of-fold P(secret)
    llm_on_held: dict[int, float]  # row index: the LLM's own P(secret)
    head_on_real: dict[int, float]  # every real row's index: the head's out-of-fold P(secret)

    @classmethod
    def of(
        cls, indices: Sequence[int], llm: np.ndarray, fit: HeadFit, adapter_sha256: str, held: Sequence[int]
    ) -> HeadRun:
        position = {row: k for k, row in enumerate(indices)}
        return cls(
            fit,
            adapter_sha256,
            {i: float(fit.out_of_fold[position[i]]) for i in held},
            {i: float(llm[position[i]]) for i in held},
            {i: float(fit.out_of_fold[k]) for k, i in enumerate(indices)},
        )


@dataclass(frozen=True)
class ViewScore:
    view: str
    auc: float | None
    f1: float  # at the scan's threshold, 0.5; for a cascade, at its best LLM weight
    llm_weight: float | None = None


def compare_views(
    labels: np.ndarray, scorer: np.ndarray, llm: np.ndarray, head: np.ndarray, band: tuple[float, float]
) -> list[ViewScore]:
    """The CV table: the scorer alone, the LLM's yes/no alone, the head alone, and each stacked with the scorer
    as a scan runs it (the scorer's word outside the band, the fold inside it, at its best weight)."""
    labels = labels.astype(bool)

    def alone(name: str, p: np.ndarray) -> ViewScore:
        return ViewScore(name, roc_auc(p, labels), f1_at(p >= 0.5, labels))

    def stacked(name: str, p: np.ndarray) -> ViewScore:
        weight, f1 = max(((w, cascade_f1(scorer, p, labels, band, w)) for w in LLM_WEIGHTS), key=lambda x: x[1])
        return ViewScore(name, None, f1, weight)

    return [
        alone("scorer alone", scorer),
        alone("LLM yes/no alone", llm),
        alone("head alone", head),
        stacked("scorer + LLM yes/no (today's fold)", llm),
        stacked("scorer + head (the stack)", head),
    ]
