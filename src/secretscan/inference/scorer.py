"""The cheap scorer in front of the LLM: logistic regression over hashed candidate features, in the standard library.

It answers in microseconds, so it scores every candidate the filters leave. It settles the ones it is sure of
(P(secret) below `band[0]` or above `band[1]`, chosen on training data by `secretscan-train scorer`), and only
the uncertain band goes to the LLM. The weights ship as `data/scorer.npz`: a hashed weight vector holds no
value of the data it was trained on.

numpy writes the file (`secretscan-train scorer fit`), but a scan reads it with `zipfile` and `array`: importing
numpy takes 0.1-0.15 s on 2 cores, a third of what the pre-commit hook costs in all.
"""

from __future__ import annotations

import ast
import math
import struct
import sys
import zipfile
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from pathlib import Path

from secretscan.errors import ModelError
from secretscan.inference.forest import Forest
from secretscan.inference.verdict import logit, sigmoid
from secretscan.scanner.features import FEATURES, candidate_features
from secretscan.scanner.types import Candidate

# A calibration map: (P(secret), confidence) points, increasing in both.
CalibrationPoints = tuple[tuple[float, float], ...]
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
    weights: Sequence[float]  # one weight per hash bucket
    bias: float
    # (low, high): P(secret) below low is settled as safe, above high as a secret; between, the LLM decides.
    band: tuple[float, float]
    # How the LLM's P(secret) and the scorer's are folded together in the band: weight of the LLM's log-odds.
    llm_weight: float
    # The monotone map from the cascade's P(secret) to the confidence a scan reports, as (P, confidence) points
    # joined by straight lines (a centred isotonic fit's block centres, or two slopes sampled; see
    # `secretscan-train scorer fit`); no points: the P(secret) as it is.
    calibration: CalibrationPoints = ()
    # Trees over the same buckets, whose log-odds add to the weights' (None: the weights alone).
    forest: Forest | None = None

    @property
    def buckets(self) -> int:
        return len(self.weights)

    def log_odds(self, candidate: Candidate) -> float:
        weights = self.weights
        present = feature_indices(candidate, self.buckets)
        log_odds = self.bias + sum(weights[i] for i in present)
        if self.forest is not None:
            log_odds += self.forest.log_odds(set(present))
        return log_odds

    def score(self, candidates: Sequence[Candidate]) -> list[float]:
        """P(secret) of each candidate."""
        return [sigmoid(self.log_odds(c)) for c in candidates]

    def settles(self, probability: float) -> bool:
        low, high = self.band
        return probability < low or probability > high

    def fold(self, probability: float, llm_probability: float) -> float:
        """The scorer's and the LLM's P(secret), averaged in log-odds with the LLM weighted by `llm_weight`."""
        log_odds = (1 - self.llm_weight) * logit(probability) + self.llm_weight * logit(llm_probability)
        return sigmoid(log_odds)

    def calibrate(self, probability: float) -> float:
        """The confidence a scan reports for the cascade's P(secret): about that share of such findings are
        secrets on real code (`scorer fit` fits the map there)."""
        return calibrated(probability, self.calibration)


def calibrated(probability: float, points: Sequence[tuple[float, float]]) -> float:
    """`probability` through the map `points` (sorted by P): interpolated between two points, flat beyond the ends."""
    if not points:
        return probability
    right = bisect_right(points, (probability, math.inf))
    if right == 0:
        return points[0][1]
    if right == len(points):
        return points[-1][1]
    (x0, y0), (x1, y1) = points[right - 1], points[right]
    return y0 + (y1 - y0) * (probability - x0) / (x1 - x0)


def slope_points(below: float, above: float) -> CalibrationPoints:
    """The map that stretches the log-odds by `below` under 0.5 and by `above` over it, as points every 0.05 in
    log-odds from -12 to 12: the lines between them stay within 3e-4 of it for slopes up to 3 (0.012 at 20)."""
    steps = [k / 20 for k in range(-240, 241)]
    return tuple((sigmoid(z), sigmoid(z * (below if z < 0 else above))) for z in steps)


def save_scorer(scorer: Scorer, path: Path) -> None:
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        np.savez_compressed(
            out,
            weights=np.asarray(scorer.weights, dtype=np.float32),
            bias=np.float64(scorer.bias),
            band=np.array(scorer.band, dtype=np.float64),
            llm_weight=np.float64(scorer.llm_weight),
            calibration_points=np.array(scorer.calibration, dtype=np.float64).reshape(-1),
            feature_set=np.array(FEATURE_SET),
            **_forest_arrays(scorer.forest),
        )


def _forest_arrays(forest: Forest | None) -> dict[str, Any]:
    import numpy as np

    if forest is None:
        return {}
    return {
        "forest_roots": np.asarray(forest.roots, dtype=np.int32),
        "forest_buckets": np.asarray(forest.buckets, dtype=np.int32),
        "forest_left": np.asarray(forest.left, dtype=np.int32),
        "forest_right": np.asarray(forest.right, dtype=np.int32),
        "forest_values": np.asarray(forest.values, dtype=np.float64),
    }


# The .npy dtypes `save_scorer` writes, as `array` typecodes: little-endian float32, float64 and int32.
_TYPECODES = {"<f4": "f", "<f8": "d", "<i4": "i"}


def _read_npy(blob: bytes) -> array[Any] | str:
    """One array of an .npz member (the .npy format, NEP 1): a 1-d or 0-d number array, or a 0-d unicode string."""
    if blob[:6] != b"\x93NUMPY":
        raise ValueError("not an .npy array")
    if blob[6] == 1:
        (header_size,), start = struct.unpack("<H", blob[8:10]), 10
    else:
        (header_size,), start = struct.unpack("<I", blob[8:12]), 12
    header = ast.literal_eval(blob[start : start + header_size].decode("latin-1"))
    payload, descr, shape = blob[start + header_size :], header["descr"], header["shape"]
    if header["fortran_order"] or len(shape) > 1:
        raise ValueError(f"an array of shape {shape}")
    if descr.startswith("<U") and shape == ():
        return payload.decode("utf-32-le").rstrip("\x00")
    if descr not in _TYPECODES:
        raise ValueError(f"an array of dtype {descr}")
    values: array[Any] = array(_TYPECODES[descr])
    values.frombytes(payload)
    if sys.byteorder == "big":
        values.byteswap()
    if len(values) != math.prod(shape):
        raise ValueError(f"{len(values)} values for shape {shape}")
    return values


def _numbers(arrays: dict[str, array[Any] | str], name: str) -> array[Any]:
    values = arrays[name]
    if isinstance(values, str):
        raise ValueError(f"{name} is text")
    return values


def _forest(arrays: dict[str, array[Any] | str]) -> Forest | None:
    """The trees of a weight file, or None for a file of weights alone (as every file before the trees was)."""
    if "forest_roots" not in arrays:
        return None
    roots, buckets, left, right = (_numbers(arrays, f"forest_{name}") for name in ("roots", "buckets", "left", "right"))
    return Forest(roots, buckets, left, right, _numbers(arrays, "forest_values"))


def load_scorer(path: Path = DEFAULT_SCORER) -> Scorer:
    """Load a weight file; a missing, corrupt or foreign one is a one-line ModelError."""
    try:
        with zipfile.ZipFile(path) as archive:
            arrays = {name.removesuffix(".npy"): _read_npy(archive.read(name)) for name in archive.namelist()}
        feature_set, weights = arrays["feature_set"], _numbers(arrays, "weights")
        (bias,), band, (llm_weight,) = _numbers(arrays, "bias"), _numbers(arrays, "band"), _numbers(arrays, "llm_weight")
        calibration = _calibration(arrays)
        forest = _forest(arrays)
    # What a cut or damaged zip, .npy header or payload raises, from zipfile, zlib, struct, ast and array.
    except (OSError, EOFError, ValueError, KeyError, IndexError, TypeError, SyntaxError, NotImplementedError,
            struct.error, zipfile.BadZipFile, zlib.error) as exc:
        raise ModelError(f"scorer {path}: cannot read it ({exc})") from None
    if feature_set != FEATURE_SET:
        raise ModelError(f"scorer {path}: trained on features {feature_set!r}, this version extracts {FEATURE_SET!r}")
    if not weights or len(band) != 2 or not 0 <= band[0] <= band[1] <= 1 or not 0 <= llm_weight <= 1:
        raise ModelError(f"scorer {path}: malformed weights, band or LLM weight")
    if calibration is None:
        raise ModelError(f"scorer {path}: malformed calibration")
    if forest is not None and (problem := forest.check()) is not None:
        raise ModelError(f"scorer {path}: malformed trees ({problem})")
    return Scorer(weights, bias, (band[0], band[1]), llm_weight, calibration, forest)


def _calibration(arrays: dict[str, array[Any] | str]) -> CalibrationPoints | None:
    """The calibration map of a weight file (None: malformed). Files of an earlier version hold the two slopes
    (`calibration`), or nothing: before calibration was fitted, a scan reported the cascade's P(secret) as it is."""
    if "calibration_points" in arrays:
        flat = _numbers(arrays, "calibration_points")
        points = tuple(zip(flat[0::2], flat[1::2]))
        ordered = all(a[0] < b[0] and a[1] <= b[1] for a, b in zip(points, points[1:]))
        inside = all(0 <= x <= 1 and 0 <= y <= 1 for x, y in points)
        return points if len(flat) % 2 == 0 and ordered and inside else None
    if "calibration" in arrays:
        slopes = _numbers(arrays, "calibration")
        if len(slopes) != 2 or not all(0 < slope < 100 for slope in slopes):
            return None
        return slope_points(slopes[0], slopes[1])
    return ()
