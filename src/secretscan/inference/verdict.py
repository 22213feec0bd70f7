"""Turning a model's answer into P(secret). Shared by the backends; no inference library imported here."""

from __future__ import annotations

import math

from secretscan.scanner.prompt import LABEL_SAFE, LABEL_SECRET

# What an answer that is neither label means: no opinion, like a rule prior of 0.5.
NO_OPINION = 0.5


def p_secret(secret_logit: float, safe_logit: float) -> float:
    """softmax([secret, safe])[0]: the two label scores renormalised over the two (logits or log-probabilities)."""
    gap = safe_logit - secret_logit
    # Two branches so that no gap overflows exp().
    if gap >= 0:
        e = math.exp(-gap)
        return e / (1.0 + e)
    return 1.0 / (1.0 + math.exp(gap))


def p_secret_from_answer(answer: str) -> float:
    """A generated answer without probabilities: the label it starts with is taken as certain."""
    word = answer.strip().lower()
    if word.startswith(LABEL_SECRET):
        return 1.0
    if word.startswith(LABEL_SAFE):
        return 0.0
    return NO_OPINION


def logit(p: float) -> float:
    """log(p / (1 - p)), with p kept off 0 and 1."""
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def sigmoid(x: float) -> float:
    """The inverse of `logit`, without overflow at either end."""
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))
