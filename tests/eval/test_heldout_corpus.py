"""The held-out benchmark: in the eval format, big enough, reproducible, and fully labelled."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
from benchmark_scripts import load_benchmark_script

from secretscan.eval.corpus import load_corpus
from secretscan.training.data.values import CATEGORIES, SECRET_CATEGORIES

HELDOUT = Path(__file__).resolve().parents[2] / "benchmarks" / "heldout"


@pytest.fixture(scope="module")
def make_heldout() -> ModuleType:
    return load_benchmark_script("heldout/make_heldout.py")


def test_it_loads_with_the_eval_loader_and_meets_the_size_minimums() -> None:
    corpus = load_corpus(HELDOUT)
    assert corpus.root == HELDOUT / "files"
    assert 45 <= len(corpus.files) <= 70
    assert len(corpus.labels) >= 220
    assert corpus.positives >= 80
    assert len(corpus.labels) - corpus.positives >= 120
    # Every label points at an existing line of an existing file.
    for label in corpus.labels:
        assert 1 <= label.line <= len(corpus.read_lines(label.path)), label


def test_categories_follow_the_shared_taxonomy() -> None:
    rows = [json.loads(line) for line in (HELDOUT / "labels.jsonl").read_text(encoding="utf-8").splitlines()]
    for row in rows:
        assert row["category"] in CATEGORIES
        assert row["label"] == (row["category"] in SECRET_CATEGORIES)
    secrets = Counter(r["category"] for r in rows if r["label"])
    assert set(secrets) == set(SECRET_CATEGORIES)


def test_the_committed_copy_is_what_the_script_writes(make_heldout: ModuleType) -> None:
    assert make_heldout.main(["--check"]) == 0


def test_every_line_a_detector_fires_on_is_labelled(make_heldout: ModuleType) -> None:
    """Ours (every candidate, even the filtered ones) and detect-secrets: the strict score needs no unlabelled hit."""
    pytest.importorskip("detect_secrets")
    assert make_heldout.unlabelled_firings(HELDOUT, make_heldout.build()) == []
