"""`secretscan-train scorer fit`: the cheap scorer's weights, from the judge's own training rows.

The rows are the JSONL examples `data build` writes (synthetic and real candidates alike). Each prompt is read
back into a candidate (path, rule, line, value), its features hashed exactly as at scan time, and a logistic
regression fitted with scikit-learn (with `--trees`, gradient-boosted trees beside it: `training/forest.py`). The
settle band is chosen on out-of-fold predictions (folds keep a repository or a generated group together), so the
band is measured on code the fold never saw.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from secretscan.config import Config
from secretscan.errors import ConfigError
from secretscan.inference.forest import Forest
from secretscan.inference.scorer import CalibrationPoints, Scorer, calibrated, feature_indices, slope_points
from secretscan.scanner.prompt import Prompt
from secretscan.scanner.types import Candidate
from secretscan.training.forest import Trees, fit_trees

DEFAULT_BUCKETS = 2**18
# The trees' share of the scorer's log-odds, the regression's the rest: an even mean, as measured in CV.
TREE_SHARE = 0.5


@dataclass(frozen=True)
class BandPolicy:
    """How sure the scorer must be to settle a candidate without the LLM.

    Settled as a secret only where at least `precision` of the out-of-fold candidates above the band were secrets,
    and as safe only where at most `miss_rate` of those below it were. The defaults were chosen on
    realcode/train, where the shipped judge's LLM scored 1.7k candidates: at (0.8, 0.1) the scorer settles 85%
    of them and the F1 of the cascade equals LLM-on-everything's (docs/eval.md).
    """

    precision: float = 0.8
    miss_rate: float = 0.1
    # The LLM's share of the folded log-odds in the band (0.3 beat 0.5 there: the synthetic-only LLM is weaker).
    # `scorer fit --judge-on` measures it instead, for the judge at hand.
    llm_weight: float = 0.3


@dataclass(frozen=True)
class ScorerRow:
    candidate: Candidate
    label: bool
    group: str  # rows of one group share a fold
    weight: float
    real: bool  # from labelled real code, not the generator
    prompt: Prompt  # the judge's prompt, as the row holds it
    unlabelled: bool = False  # a candidate on a real line nobody labelled: a probable negative


def candidate_from_prompt(user: str, rule_category: str = "secret") -> Candidate:
    """The candidate a `build_prompt` user turn describes (its path, rule, line and value)."""
    fields: dict[str, str] = {}
    for line in user.split("\n"):
        key, sep, value = line.partition(": ")
        if sep and key in ("path", "rule", "line", "value"):
            fields[key] = value
    missing = [key for key in ("path", "rule", "line", "value") if key not in fields]
    if missing:
        raise ConfigError(f"not a judge prompt: no {', '.join(missing)}")
    column = fields["line"].find(fields["value"]) + 1
    return Candidate(
        path=fields["path"],
        line=1,
        column=max(column, 1),
        secret=fields["value"],
        rule=fields["rule"],
        category=rule_category,
        line_text=fields["line"],
    )


def _group_of(row: dict[str, Any], candidate: Candidate) -> str:
    """The row's group from `data build` (a real repository, a pair of generated files); a row written by other
    means is a group of its file."""
    meta = row.get("meta", {})
    group = meta.get("group")
    return f"{meta.get('source')}:{group}" if group is not None else "file:" + candidate.path


def read_rows(paths: Sequence[Path], unlabelled_weight: float, synthetic_weight: float = 1.0) -> list[ScorerRow]:
    """Training rows from `data build` JSONL files. Probable negatives (unlabelled real lines) weigh less, and so
    may the generator's rows."""
    rows = []
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
        for number, raw in enumerate(lines, start=1):
            try:
                row = json.loads(raw)
                system, user = row["messages"][0]["content"], row["messages"][1]["content"]
                label = bool(row["label"])
            except (json.JSONDecodeError, KeyError, IndexError, TypeError):
                raise ConfigError(f"{path}:{number}: not a training row") from None
            meta = row.get("meta", {})
            candidate = candidate_from_prompt(user, meta.get("rule_category", "secret"))
            real = str(meta.get("source", "")).startswith("real")
            unlabelled = meta.get("source") == "real-unlabelled"
            weight = unlabelled_weight if unlabelled else 1.0 if real else synthetic_weight
            rows.append(
                ScorerRow(candidate, label, _group_of(row, candidate), weight, real, Prompt(system, user), unlabelled)
            )
    if not rows:
        raise ConfigError("no training rows")
    return rows


def judged_rows(rows: Sequence[ScorerRow]) -> list[int]:
    """The rows that choose the threshold, and whose judge verdicts choose the LLM weight: the labelled real ones,
    or every row when none is real."""
    if not any(row.real for row in rows):
        return list(range(len(rows)))
    return [i for i, row in enumerate(rows) if row.real and not row.unlabelled]


def judge_probabilities(
    rows: Sequence[ScorerRow], indices: Sequence[int], config: Config, advance: Callable[[int], None]
) -> dict[int, float]:
    """The judge's P(secret) for rows[i], i in indices, one prompt at a time as a scan sends them."""
    from secretscan.inference.factory import make_judge

    judge = make_judge(config, warn=lambda message: None)
    if judge is None:
        raise ConfigError("the judge's backend is none: nothing to weigh the LLM by")
    probabilities = {}
    for i in indices:
        probabilities[i] = judge.score([rows[i].prompt])[0]
        advance(1)
    return probabilities


def feature_matrix(candidates: Iterable[Candidate], buckets: int) -> Any:
    """A binary sparse matrix: row i has a 1 in each bucket one of candidate i's features hashes to."""
    from scipy.sparse import csr_matrix

    indptr, indices = [0], []
    for candidate in candidates:
        indices += feature_indices(candidate, buckets)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    return csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, buckets))


@dataclass(frozen=True)
class Fitted:
    """The scorer's models fitted on some rows: the regression, and the trees over the same features (None: the
    regression alone), averaged in log-odds."""

    coef: np.ndarray
    bias: float
    trees: Trees | None

    def linear_log_odds(self, matrix: Any) -> np.ndarray:
        return np.asarray(matrix @ self.coef + self.bias, dtype=np.float64)

    def log_odds(self, matrix: Any) -> np.ndarray:
        if self.trees is None:
            return self.linear_log_odds(matrix)
        return TREE_SHARE * self.trees.log_odds(matrix) + (1 - TREE_SHARE) * self.linear_log_odds(matrix)

    def shipped(self) -> tuple[np.ndarray, float, Forest | None]:
        """The weights, bias and forest of a `Scorer` with these log-odds."""
        if self.trees is None:
            return self.coef, self.bias, None
        linear = 1 - TREE_SHARE
        bias = linear * self.bias + TREE_SHARE * self.trees.baseline
        return linear * self.coef, bias, self.trees.forest(TREE_SHARE)


def _fit(matrix: Any, labels: np.ndarray, weights: np.ndarray, c: float, trees: bool) -> Fitted:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=2000, solver="liblinear")
    model.fit(matrix, labels, sample_weight=weights)
    fitted_trees = fit_trees(matrix, labels, weights) if trees else None
    return Fitted(model.coef_[0].astype(np.float32), float(model.intercept_[0]), fitted_trees)


def fold_of(group: str, folds: int) -> int:
    return int.from_bytes(hashlib.sha256(group.encode()).digest()[:4], "big") % folds


def out_of_fold(
    rows: Sequence[ScorerRow], matrix: Any, c: float, folds: int, trees: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's P(secret) from models fitted on the other folds (`matrix`: the rows' `feature_matrix`): the
    scorer's, and its regression's alone."""
    labels = np.array([r.label for r in rows])
    weights = np.array([r.weight for r in rows])
    fold = np.array([fold_of(r.group, folds) for r in rows])
    predictions, linear = np.zeros(len(rows)), np.zeros(len(rows))
    for k in range(folds):
        held = fold == k
        if held.all() or not held.any():
            continue
        fitted = _fit(matrix[~held], labels[~held], weights[~held], c, trees)
        predictions[held] = 1 / (1 + np.exp(-fitted.log_odds(matrix[held])))
        linear[held] = 1 / (1 + np.exp(-fitted.linear_log_odds(matrix[held])))
    return predictions, linear


def choose_band(
    probabilities: np.ndarray, labels: np.ndarray, policy: BandPolicy = BandPolicy()
) -> tuple[float, float]:
    """The widest settled ends: of the candidates above `high`, at least `policy.precision` are secrets; of those
    below `low`, at most `policy.miss_rate` are. Thresholds are taken from the predictions themselves."""
    thresholds = np.unique(probabilities)
    low = 0.0
    for t in thresholds:
        below = probabilities < t
        if below.any() and labels[below].mean() <= policy.miss_rate:
            low = float(t)
    high = 1.0
    for t in thresholds[::-1]:
        above = probabilities > t
        if above.any() and labels[above].mean() >= policy.precision:
            high = float(t)
    return (low, max(low, high))


def f1_at(predicted: np.ndarray, labels: np.ndarray) -> float:
    tp = int((predicted & labels).sum())
    return 2 * tp / max(1, int(predicted.sum()) + int(labels.sum()))


def f1_optimal_threshold(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The threshold on these predictions at which F1 peaks (the scan's threshold is then moved onto it)."""
    best, best_f1 = 0.5, -1.0
    for t in np.arange(0.05, 0.951, 0.01):
        f1 = f1_at(probabilities >= t, labels)
        if f1 > best_f1:
            best, best_f1 = float(t), f1
    return best


# The LLM weights `--judge-on` tries: 0 is the scorer alone inside the band, 1 the LLM alone.
LLM_WEIGHTS = tuple(round(0.1 * step, 1) for step in range(11))


def log_odds_of(probabilities: np.ndarray) -> np.ndarray:
    clipped = np.clip(probabilities, 1e-6, 1 - 1e-6)
    return np.log(clipped / (1 - clipped))


def cascade_f1(
    scorer_probabilities: np.ndarray, llm_probabilities: np.ndarray, labels: np.ndarray,
    band: tuple[float, float], llm_weight: float,
) -> float:
    """F1 at the scan's threshold (0.5) of the cascade as the engine runs it: the scorer's word outside the band,
    `Scorer.fold` inside it. The scorer's probabilities are on the shipped scale (the bias already moved)."""
    cascade = cascade_probabilities(scorer_probabilities, llm_probabilities, band, llm_weight)
    return f1_at(cascade >= 0.5, labels)


def cascade_probabilities(
    scorer_probabilities: np.ndarray, llm_probabilities: np.ndarray, band: tuple[float, float], llm_weight: float
) -> np.ndarray:
    """The cascade's P(secret) before calibration, as the engine computes it (see `cascade_f1`)."""
    low, high = band
    log_odds = (1 - llm_weight) * log_odds_of(scorer_probabilities) + llm_weight * log_odds_of(llm_probabilities)
    inside = (scorer_probabilities >= low) & (scorer_probabilities <= high)
    return np.where(inside, 1 / (1 + np.exp(-log_odds)), scorer_probabilities)


# The slopes `fit_slopes` may choose: a log-odds stretched or squeezed at most 20-fold.
CALIBRATION_SLOPES = (0.05, 20.0)
# The maps `scorer fit` compares out of fold and may ship: a Platt scaling through 0.5 on each side (two slopes;
# the findings at 0.5 stay where they are) and a centred isotonic regression (any increasing map). Both keep the
# order of the findings; a plain isotonic regression's steps would give a hundred findings one confidence.
CALIBRATIONS = ("two slopes", "centred isotonic")


def fit_slopes(probabilities: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """The slopes (below 0.5, above it) that stretch these P(secret)'s log-odds to minimise the log loss: a Platt
    scaling through the origin on each side."""
    from scipy.optimize import minimize_scalar

    log_odds = log_odds_of(probabilities)
    slopes = []
    for side in (log_odds < 0, log_odds >= 0):
        signed = np.where(labels[side], log_odds[side], -log_odds[side])
        if not side.any():
            slopes.append(1.0)
            continue
        fitted = minimize_scalar(
            lambda slope: float(np.logaddexp(0, -slope * signed).mean()), bounds=CALIBRATION_SLOPES, method="bounded"
        )
        slopes.append(float(fitted.x))
    return slopes[0], slopes[1]


def fit_calibration(method: str, probabilities: np.ndarray, labels: np.ndarray) -> CalibrationPoints:
    """The map (`Scorer.calibration` points) of one of `CALIBRATIONS`, fitted on these rows.

    The centred isotonic regression joins the centres of the isotonic regression's blocks (each block's mean P and
    its share of secrets) by lines, instead of holding each block's share flat across it (Oron and Flournoy,
    "Centered isotonic regression", 2017): as calibrated out of fold, and increasing between the first and the
    last centre."""
    if method == "two slopes":
        return slope_points(*fit_slopes(probabilities, labels))
    from sklearn.isotonic import IsotonicRegression

    order = np.argsort(probabilities, kind="stable")
    said, truth = probabilities[order], labels[order].astype(float)
    fitted = IsotonicRegression(y_min=0.0, y_max=1.0).fit(said, truth).predict(said)
    starts = np.flatnonzero(np.r_[True, np.diff(fitted) != 0])
    centres = [float(block.mean()) for block in np.split(said, starts[1:])]
    points: list[tuple[float, float]] = []
    for centre, share in zip(centres, fitted[starts]):
        # Blocks of one tied P have one centre: the first block's share stands there.
        if not points or centre > points[-1][0]:
            points.append((centre, float(share)))
    return tuple(points)


def calibration_cv(probabilities: np.ndarray, labels: np.ndarray, fold: np.ndarray) -> dict[str, float | None]:
    """The ECE (10 bins) of these P(secret) as they are ("none"), and calibrated by each of `CALIBRATIONS`
    fitted on the other folds."""
    from secretscan.eval.metrics import expected_calibration_error

    eces = {"none": expected_calibration_error(probabilities.tolist(), labels.tolist())}
    for method in CALIBRATIONS:
        calibrated_out = np.zeros(len(probabilities))
        for k in np.unique(fold):
            held = fold == k
            points = fit_calibration(method, probabilities[~held], labels[~held])
            calibrated_out[held] = [calibrated(float(p), points) for p in probabilities[held]]
        eces[method] = expected_calibration_error(calibrated_out.tolist(), labels.tolist())
    return eces


def _shifted(probability: float, shift: float) -> float:
    clipped = min(max(probability, 1e-9), 1 - 1e-9)
    return float(1 / (1 + np.exp(-(np.log(clipped / (1 - clipped)) - shift))))


@dataclass(frozen=True)
class FitReport:
    scorer: Scorer
    # The out-of-fold F1-optimal threshold, before the bias moved it onto the scan's 0.5.
    calibrated_from: float
    rows: int
    positives: int
    auc: float | None  # out of fold, on the real rows when there are any
    linear_auc: float | None  # the same, of the regression alone (without the trees)
    settled_share: float
    settled_accuracy: float | None
    # (LLM weight, F1 of the cascade) on the rows the judge scored, when it scored any.
    fold_f1: tuple[tuple[float, float], ...] = ()
    judged_rows: int = 0
    # Each row's out-of-fold P(secret), on the shipped scale (the bias moved), as a scan would score it.
    out_of_fold: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # The calibration shipped ("none": the cascade's P(secret) as it is), and the cascade's ECE on the judged rows
    # as it is ("none") and calibrated out of fold by each of `CALIBRATIONS` (empty: nothing to measure on).
    calibration_method: str = "none"
    calibration_ece: Mapping[str, float | None] = field(default_factory=dict)


def roc_auc(probabilities: np.ndarray, labels: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, probabilities)) if 0 < labels.sum() < len(labels) else None


def fit_scorer(
    rows: Sequence[ScorerRow],
    buckets: int = DEFAULT_BUCKETS,
    c: float = 1.0,
    folds: int = 5,
    policy: BandPolicy = BandPolicy(),
    llm_probabilities: Mapping[int, float] | None = None,
    calibration_probabilities: Mapping[int, float] | None = None,
    trees: bool = False,
) -> FitReport:
    """Cross-validate (AUC, band), then fit on every row.

    Real code is the yardstick: when there are real rows, the AUC and the band are measured on them alone (the
    generator's rows are easier, and would widen the band past what real code bears).

    `llm_probabilities` (row index: the judge's P(secret)) are for rows the judge never trained on. With them,
    the LLM weight is the one of `LLM_WEIGHTS` at which the cascade's F1 on those rows peaks (the first, the
    lightest, on a tie), not `policy.llm_weight`. The calibration is then fitted on the cascade's P(secret) of the
    labelled rows in `calibration_probabilities` (the judge's P(secret) of every row it has one for, out of fold;
    by default `llm_probabilities`): the more rows, the surer the map, and most of a cascade's verdicts are the
    scorer's, which is out of fold on every row.

    With `trees`, gradient-boosted trees over the same features join the regression (`Fitted`)."""
    labels = np.array([r.label for r in rows])
    matrix = feature_matrix((r.candidate for r in rows), buckets)
    predictions, linear_predictions = out_of_fold(rows, matrix, c, folds, trees)
    measured = np.array([r.real for r in rows])
    if not measured.any():
        measured[:] = True
    # Labelled real lines decide where the F1 peaks; the bias is then moved so that the scan's threshold (0.5)
    # sits there, and the band with it.
    labelled = np.zeros(len(rows), dtype=bool)
    labelled[judged_rows(rows)] = True
    optimum = f1_optimal_threshold(predictions[labelled], labels[labelled]) if labelled.any() else 0.5
    shift = float(np.log(optimum / (1 - optimum)))
    low, high = choose_band(predictions[measured], labels[measured], policy)
    settled = ((predictions < low) | (predictions > high)) & measured
    settled_accuracy = float(((predictions[settled] > high) == labels[settled]).mean()) if settled.any() else None
    settled_share = float(settled.sum() / measured.sum())
    coef, bias, forest = _fit(matrix, labels, np.array([r.weight for r in rows]), c, trees).shipped()
    band = (_shifted(low, shift), _shifted(high, shift))
    fold_f1: tuple[tuple[float, float], ...] = ()
    llm_weight = policy.llm_weight
    calibration: CalibrationPoints = ()
    calibration_method = "none"
    calibration_ece: dict[str, float | None] = {}
    if llm_probabilities:
        judged = sorted(llm_probabilities)
        scorer_side = np.array([_shifted(p, shift) for p in predictions[judged]])
        llm_side = np.array([llm_probabilities[i] for i in judged])
        fold_f1 = tuple(
            (weight, cascade_f1(scorer_side, llm_side, labels[judged], band, weight)) for weight in LLM_WEIGHTS
        )
        llm_weight = max(fold_f1, key=lambda pair: pair[1])[0]
        measured_on = calibration_probabilities or llm_probabilities
        calibrated_rows = [i for i in sorted(measured_on) if labelled[i]]
        calibration_method, calibration, calibration_ece = _calibration(
            cascade_probabilities(
                np.array([_shifted(p, shift) for p in predictions[calibrated_rows]]),
                np.array([measured_on[i] for i in calibrated_rows]),
                band,
                llm_weight,
            ),
            labels[calibrated_rows],
            np.array([fold_of(rows[i].group, folds) for i in calibrated_rows]),
        )
    return FitReport(
        scorer=Scorer(coef.astype(np.float32).tolist(), bias - shift, band, llm_weight, calibration, forest),
        calibrated_from=optimum,
        rows=len(rows),
        positives=int(labels.sum()),
        auc=roc_auc(predictions[measured], labels[measured]),
        linear_auc=roc_auc(linear_predictions[measured], labels[measured]),
        settled_share=settled_share,
        settled_accuracy=settled_accuracy,
        fold_f1=fold_f1,
        judged_rows=len(llm_probabilities or {}),
        out_of_fold=np.array([_shifted(p, shift) for p in predictions]),
        calibration_method=calibration_method,
        calibration_ece=calibration_ece,
    )


def _calibration(
    cascade: np.ndarray, labels: np.ndarray, fold: np.ndarray
) -> tuple[str, CalibrationPoints, dict[str, float | None]]:
    """The calibration to ship: of `CALIBRATIONS`, the one with the lowest ECE out of fold, fitted on every judged
    row, unless none lowers the ECE ("none"). With the ECE of each."""
    eces = calibration_cv(cascade, labels, fold)
    measured = {method: ece for method, ece in eces.items() if ece is not None}
    best = min(measured, key=lambda method: measured[method], default="none")
    if best == "none":
        return "none", (), eces
    return best, fit_calibration(best, cascade, labels), eces
