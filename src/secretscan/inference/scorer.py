"""The cheap scorer in front of the LLM: logistic regression over hashed candidate features, in numpy.

It answers in microseconds, so it scores every candidate the filters leave. It settles the ones it is sure of
(P(secret) below `band[0]` or above `band[1]`, chosen on training data by `secretscan-train scorer`), and only
the uncertain band goes to the LLM. The weights ship as `data/scorer.npz`: a hashed weight vector holds no
value of the data it was trained on.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from secretscan.errors import ModelError
from secretscan.scanner.features import FEATURES, candidate_features
from secretscan.scanner.types import Candidate

DEFAULT_SCORER = Path(__file__).resolve().parent.parent / "data" / "scorer.npz"
# The feature families a weight file was trained on: a file trained on other features is refused, not misread.
FEATURE_SET = ",".join(name for name, _ in FEATURES)


def feature_index(feature: str, buckets: int) -> int:
    """The weight slot of one feature string: CRC-32 is stable across runs, processes and platforms."""
    return zlib.crc32(feature.encode("utf-8", "surrogatepass")) % buckets


def feature_indices(candidate: Candidate, buckets: int) -> list[int]:
    """The weight slots a candidate's features fall in, each once: a feature is present or not (binary), also where
    two features collide in one slot, exactly as the weights were fitted."""
    return sorted({feature_index(feature, buckets) for feature in candidate_features(candidate)})


@dataclass(frozen=True)
class Scorer:
    weights: np.ndarray  # float32, one weight per hash bucket
    bias: float
    # (low, high): P(secret) below low is settled as safe, above high as a secret; between, the LLM decides.
    band: tuple[float, float]
    # How the LLM's P(secret) and the scorer's are folded together in the band: weight of the LLM's log-odds.
    llm_weight: float

    @property
    def buckets(self) -> int:
        return int(self.weights.shape[0])

    def score(self, candidates: Sequence[Candidate]) -> list[float]:
        """P(secret) of each candidate."""
        return [_sigmoid(self.bias + float(self.weights[feature_indices(c, self.buckets)].sum())) for c in candidates]

    def settles(self, probability: float) -> bool:
        low, high = self.band
        return probability < low or probability > high

    def fold(self, probability: float, llm_probability: float) -> float:
        """The scorer's and the LLM's P(secret), averaged in log-odds with the LLM weighted by `llm_weight`."""
        log_odds = (1 - self.llm_weight) * _logit(probability) + self.llm_weight * _logit(llm_probability)
        return _sigmoid(log_odds)


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def save_scorer(scorer: Scorer, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        np.savez_compressed(
            out,
            weights=scorer.weights.astype(np.float32),
            bias=np.float64(scorer.bias),
            band=np.array(scorer.band, dtype=np.float64),
            llm_weight=np.float64(scorer.llm_weight),
            feature_set=np.array(FEATURE_SET),
        )


def load_scorer(path: Path = DEFAULT_SCORER) -> Scorer:
    """Load a weight file; a missing, corrupt or foreign one is a one-line ModelError."""
    try:
        with np.load(path, allow_pickle=False) as data:
            feature_set = str(data["feature_set"])
            weights = data["weights"].astype(np.float32)
            bias, band, llm_weight = float(data["bias"]), data["band"], float(data["llm_weight"])
    except (OSError, ValueError, KeyError, zlib.error) as exc:
        raise ModelError(f"scorer {path}: cannot read it ({exc})") from None
    if feature_set != FEATURE_SET:
        raise ModelError(f"scorer {path}: trained on features {feature_set!r}, this version extracts {FEATURE_SET!r}")
    if weights.ndim != 1 or band.shape != (2,) or not 0 <= band[0] <= band[1] <= 1 or not 0 <= llm_weight <= 1:
        raise ModelError(f"scorer {path}: malformed weights, band or LLM weight")
    return Scorer(weights, bias, (float(band[0]), float(band[1])), llm_weight)
