"""The public dev benchmark: big enough, in the eval format, reproducible, fully labelled, held out from training."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
from benchmark_scripts import load_benchmark_script

from secretscan.eval.corpus import load_corpus
from secretscan.training.data.config import GeneratorConfig
from secretscan.training.data.generate import generate_group
from secretscan.training.data.providers import HELDOUT_PROVIDERS
from secretscan.training.data.values import CATEGORIES, SECRET_CATEGORIES

DEVSET = Path(__file__).resolve().parents[2] / "benchmarks" / "devset"


@pytest.fixture(scope="module")
def make_devset() -> ModuleType:
    return load_benchmark_script("devset/make_devset.py")


def test_it_is_big_enough_and_loads_with_the_eval_loader() -> None:
    corpus = load_corpus(DEVSET)
    assert len(corpus.labels) >= 400
    assert corpus.positives >= 120
    assert corpus.root == DEVSET / "files"


def test_categories_follow_the_shared_taxonomy() -> None:
    rows = [json.loads(line) for line in (DEVSET / "labels.jsonl").read_text(encoding="utf-8").splitlines()]
    for row in rows:
        assert row["category"] in CATEGORIES
        assert row["label"] == (row["category"] in SECRET_CATEGORIES)
    traps = Counter(r["category"] for r in rows if not r["label"])
    # Realistic false-positive traps of every family the policy names.
    for family in (
        "placeholder",
        "reference",
        "example-key",
        "fake-fixture",
        "hash",
        "uuid",
        "public-key",
        "random-id",
        "base64-image",
        "minified",
        "i18n",
        "key-as-value",
    ):
        assert traps[family] >= 1, family


def test_the_committed_copy_is_what_the_script_writes(make_devset: ModuleType, tmp_path: Path) -> None:
    docs = make_devset.build()
    make_devset.write(docs, tmp_path)
    assert make_devset._same_tree(tmp_path, DEVSET)


def test_every_line_a_detector_fires_on_is_labelled(make_devset: ModuleType) -> None:
    """Ours (every candidate, even the filtered ones) and detect-secrets: the strict score needs no unlabelled hit."""
    pytest.importorskip("detect_secrets")
    assert make_devset.unlabelled_firings(DEVSET, make_devset.build()) == []


def test_it_is_held_out_from_training() -> None:
    """No labelled devset line comes out of the training generator, and its held-out providers are in it."""
    corpus = load_corpus(DEVSET)
    devset_lines = {corpus.read_lines(label.path)[label.line - 1].strip() for label in corpus.labels}
    training_lines = set()
    for group in range(400):
        for file in generate_group(20251122, group, GeneratorConfig()):
            training_lines.update(line.strip() for line in file.rendered.text.splitlines())
    assert not devset_lines & training_lines
    text = "\n".join("\n".join(corpus.read_lines(path)) for path in corpus.files)
    used = [p.name for p in HELDOUT_PROVIDERS if p.prefix and p.prefix in text]
    assert len(used) >= 8, used
