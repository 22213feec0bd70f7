"""Fit the cheap scorer's trees (scikit-learn's histogram gradient boosting) and turn them into a shipped `Forest`.

The trees see the same hashed features as the logistic regression, restricted to the buckets that enough rows
have: a bucket that a few rows share can only be learned by heart. In repository-grouped CV on the labelled real
rows, the trees and the regression averaged in log-odds beat either alone (docs/training.md, "The cheap scorer").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from secretscan.inference.forest import LEAF, Forest

# Chosen by repository-grouped 5-fold CV on the labelled real rows of the default build (docs/training.md).
TREE_PARAMS: dict[str, Any] = {
    "max_iter": 300,
    "learning_rate": 0.05,
    "max_leaf_nodes": 31,
    "min_samples_leaf": 10,
    "l2_regularization": 1.0,
    "early_stopping": False,  # scikit-learn's default turns it on past 10,000 rows, with a split that ignores repos
    "random_state": 0,
}
MIN_BUCKET_ROWS = 40  # a bucket the trees may split on is present in at least this many training rows


@dataclass(frozen=True)
class Trees:
    """A fitted model and the buckets (columns of the scorer's feature matrix) it was fitted on."""

    model: Any  # sklearn.ensemble.HistGradientBoostingClassifier
    columns: np.ndarray

    def log_odds(self, matrix: Any) -> np.ndarray:
        """The trees' log-odds for each row of a `feature_matrix`, their baseline included."""
        return np.asarray(self.model.decision_function(matrix[:, self.columns].toarray()), dtype=np.float64)

    @property
    def baseline(self) -> float:
        """The log-odds every row starts from, before the trees add theirs."""
        return float(np.ravel(self.model._baseline_prediction)[0])

    def forest(self, scale: float) -> Forest:
        """The trees as a shipped `Forest`, every leaf scaled by `scale` (the baseline is left to the bias).

        scikit-learn keeps each tree as an array of nodes (its `_predictors`, not public API: the test
        `test_forest_matches_scikit_learn` checks that the walk gives `decision_function`'s log-odds)."""
        roots: list[int] = []
        buckets: list[int] = []
        left: list[int] = []
        right: list[int] = []
        values: list[float] = []
        for (predictor,) in self.model._predictors:
            offset = len(buckets)
            roots.append(offset)
            for node in predictor.nodes:
                if node["is_leaf"]:
                    buckets.append(LEAF)
                    left.append(LEAF)
                    right.append(LEAF)
                    values.append(scale * float(node["value"]))
                    continue
                # A binary feature splits between 0 and 1: absent goes left. Anything else is a model we can't ship.
                if not 0 <= node["num_threshold"] < 1:
                    raise ValueError(f"a split at {node['num_threshold']}, not between absent and present")
                buckets.append(int(self.columns[node["feature_idx"]]))
                left.append(offset + int(node["left"]))
                right.append(offset + int(node["right"]))
                values.append(0.0)
        return Forest(roots, buckets, left, right, values)


def fit_trees(matrix: Any, labels: np.ndarray, weights: np.ndarray) -> Trees | None:
    """Trees on the buckets of `matrix` (a scorer `feature_matrix`) that at least `MIN_BUCKET_ROWS` rows have; None
    when no bucket is that common (too few rows to learn trees from)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    columns = np.flatnonzero(np.asarray((matrix > 0).sum(axis=0)).ravel() >= MIN_BUCKET_ROWS)
    if not len(columns) or len(set(labels.tolist())) < 2:
        return None
    model = HistGradientBoostingClassifier(**TREE_PARAMS)
    model.fit(matrix[:, columns].toarray(), labels, sample_weight=weights)
    return Trees(model, columns)
