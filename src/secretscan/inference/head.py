"""The judge's head: a logistic regression on the LLM's last hidden state and its own yes/no, in the standard library.

The LLM answers `yes` or `no`, but the hidden state it computed on the way (the last prompt token's, after the
final norm: what the label logits are read from) carries more than that one bit. A head fitted on labelled real
code (`secretscan-train scorer fit --head-out`) reads it, together with the LLM's yes/no log-odds, and its
P(secret) is what the judge answers. It costs one dot product per candidate: the state comes from the same
forward pass as the label logits.

A head belongs to one model: the shipped adapter on the embedded base, whose sha256 it names. The file is JSON
(no numpy on the scan path): the weights are already divided by the training states' spread, so a scan reads
them as they are.
"""

from __future__ import annotations

import hashlib
import json
import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from secretscan.errors import ModelError
from secretscan.inference.verdict import logit, sigmoid

HEAD_FORMAT = 1


@dataclass(frozen=True)
class Head:
    weights: Sequence[float]  # one per hidden dimension
    llm_coef: float  # weight of the LLM's yes/no log-odds
    bias: float
    adapter_sha256: str  # the adapter whose hidden states it was fitted on
    identity: str  # sha256 of the file: part of the judge's model_id, so cached verdicts follow the head

    def probability(self, llm_probability: float, hidden_state: Sequence[float]) -> float:
        if len(hidden_state) != len(self.weights):
            raise ModelError(f"the judge head expects a hidden state of {len(self.weights)}, got {len(hidden_state)}")
        log_odds = self.bias + self.llm_coef * logit(llm_probability)
        log_odds += sum(map(operator.mul, self.weights, hidden_state))
        return sigmoid(log_odds)


def head_document(weights: Sequence[float], llm_coef: float, bias: float, adapter_sha256: str) -> str:
    """The JSON text of a head file (what `load_head` reads)."""
    return json.dumps(
        {
            "format": HEAD_FORMAT,
            "adapter_sha256": adapter_sha256,
            "llm_coef": llm_coef,
            "bias": bias,
            "weights": [float(f"{w:.6g}") for w in weights],
        },
        indent=0,
    ) + "\n"


def load_head(path: Path) -> Head:
    """Read a head file; a missing, damaged or foreign one is a one-line ModelError."""
    try:
        blob = path.read_bytes()
        data = json.loads(blob)
        if data["format"] != HEAD_FORMAT:
            raise ValueError(f"format {data['format']!r}, this version reads {HEAD_FORMAT}")
        weights = [float(w) for w in data["weights"]]
        llm_coef, bias, adapter = float(data["llm_coef"]), float(data["bias"]), str(data["adapter_sha256"])
    except OSError as exc:
        raise ModelError(f"judge head {path}: cannot read it ({exc.strerror})") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"judge head {path}: not a head file ({exc})") from None
    if not weights or not all(math.isfinite(v) for v in [*weights, llm_coef, bias]):
        raise ModelError(f"judge head {path}: empty or non-finite weights")
    return Head(weights, llm_coef, bias, adapter, hashlib.sha256(blob).hexdigest())
