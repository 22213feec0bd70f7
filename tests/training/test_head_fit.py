"""Fitting the judge's head: grouped CV on hidden states, folded weights the scan reads, and the state cache.

The states are the real shipped model's (`scorer fit --head-out`, the hidden-state cache) or, for the maths alone,
made-up vectors whose label lives in a few dimensions.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from test_scorer_fit import population, write_rows

from secretscan.errors import ConfigError
from secretscan.inference.head import Head, load_head
from secretscan.inference.models import adapter_hashes, embedded_base_model, shipped_adapter
from secretscan.scanner.prompt import LABEL_SECRET, build_prompt, to_messages
from secretscan.training.cli import main
from secretscan.training.head import compare_views, fit_head, shipped_model_judge
from secretscan.training.hidden import embed_prompts


def made_up_states(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(states, the LLM's P(secret), labels): the label shows in dimensions 0-2 of the state; the LLM is a coin."""
    rng = np.random.default_rng(seed)
    labels = rng.random(n) < 0.4
    states = rng.normal(0, 1, (n, 32)).astype(np.float32) * 3 + 5
    states[:, :3] += np.where(labels, 3.0, -3.0)[:, None]
    return states, rng.uniform(0.05, 0.95, n), labels


def test_the_head_learns_from_the_state_and_its_folded_weights_score_as_the_scan_does() -> None:
    states, llm, labels = made_up_states(400, seed=1)
    fold = np.arange(400) % 4
    fit = fit_head(states, llm, labels, np.ones(400), fold, measured=np.ones(400, dtype=bool))
    aucs = dict(fit.cv_auc)
    assert aucs[fit.c] == max(a for a in aucs.values() if a is not None) and aucs[fit.c] > 0.95
    assert fit.out_of_fold.shape == (400,) and ((fit.out_of_fold >= 0.5) == labels).mean() > 0.9
    # The scan's Head, in pure Python on the raw state, gives the fitted model's probabilities.
    head = Head(fit.weights.tolist(), fit.llm_coef, fit.bias, "a" * 64, "id")
    logits = np.log(llm / (1 - llm))
    expected = 1 / (1 + np.exp(-(states @ fit.weights + fit.llm_coef * logits + fit.bias)))
    scanned = [head.probability(float(p), [float(v) for v in s]) for p, s in zip(llm[:20], states[:20])]
    assert scanned == pytest.approx(expected[:20], abs=1e-6)
    # The label is in three dimensions: they carry the weight, and the coin-flip LLM almost none.
    assert np.abs(fit.weights[:3]).min() > 5 * np.abs(fit.weights[3:]).max()


def test_the_cv_table_puts_the_views_side_by_side() -> None:
    labels = np.array([True, True, False, False, True, False])
    scorer = np.array([0.9, 0.6, 0.55, 0.1, 0.4, 0.45])
    right = np.where(labels, 0.95, 0.05)
    coin = np.full(6, 0.5)
    views = {v.view: v for v in compare_views(labels, scorer, coin, right, band=(0.3, 0.8))}
    assert views["head alone"].auc == 1.0 and views["head alone"].f1 == 1.0
    # The scorer alone gets two rows in the band wrong; a light weight on the head already puts them right.
    assert views["scorer + head (the stack)"].f1 == 1.0 and (views["scorer + head (the stack)"].llm_weight or 0) > 0
    assert views["scorer + LLM yes/no (today's fold)"].f1 < 1.0


def test_states_are_cached_by_model_and_prompt(tmp_path: Path) -> None:
    judge, _ = shipped_model_judge()
    prompts = [build_prompt(candidate) for candidate, _ in population(3, 6)]
    cache = tmp_path / "states.sqlite3"
    advanced: list[int] = []
    first_p, first_states = embed_prompts(prompts, judge, cache, advanced.append)
    assert first_states.shape == (6, 576) and len(advanced) == 6
    with sqlite3.connect(cache) as db:
        assert db.execute("SELECT count(*) FROM states").fetchone() == (6,)
    # A second run, in another order and with one prompt twice, reads them back and embeds nothing.
    again_p, again_states = embed_prompts([prompts[2], prompts[0], prompts[2]], judge, cache, lambda n: None)
    with sqlite3.connect(cache) as db:
        assert db.execute("SELECT count(*) FROM states").fetchone() == (6,)
    assert list(again_p) == [first_p[2], first_p[0], first_p[2]]
    assert (again_states == first_states[[2, 0, 2]]).all()


def write_real_rows(path: Path, seed: int, n: int, repositories: int) -> Path:
    """Rows shaped like `data build`'s real ones: each in a repository group, labelled."""
    with path.open("w", encoding="utf-8") as handle:
        for i, (candidate, label) in enumerate(population(seed, n)):
            meta = {"rule_category": candidate.category, "source": "real", "group": f"repo-{i % repositories}"}
            messages = to_messages(build_prompt(candidate), LABEL_SECRET if label else "no")
            handle.write(json.dumps({"messages": messages, "label": label, "meta": meta}) + "\n")
    return path


def test_the_cli_fits_the_head_on_the_shipped_models_states_and_prints_the_cv_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train = write_real_rows(tmp_path / "train.jsonl", seed=4, n=40, repositories=8)
    held = write_real_rows(tmp_path / "val.jsonl", seed=5, n=12, repositories=3)
    head_file, states = tmp_path / "head.json", tmp_path / "states.sqlite3"
    args = ["scorer", "fit", str(train), "--judge-on", str(held), "--out", str(tmp_path / "s.npz"), "--folds", "3",
            "--head-out", str(head_file), "--states", str(states)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    for view in ("scorer alone", "LLM yes/no alone", "head alone", "scorer + head (the stack)"):
        assert f"  {view}: " in printed
    assert "on the 12 held-out real rows, out of fold:" in printed
    head = load_head(head_file)
    adapter = shipped_adapter()
    assert adapter is not None and head.adapter_sha256 == adapter_hashes(embedded_base_model(), adapter)[1]
    # The refit reads every state from the cache.
    modified = states.stat().st_mtime_ns
    assert main(args) == 0 and states.stat().st_mtime_ns == modified


def test_a_head_needs_real_rows(tmp_path: Path) -> None:
    from secretscan.training.head import fit_head_on_rows
    from secretscan.training.scorer import read_rows

    rows = read_rows([write_rows(tmp_path / "train.jsonl", population(7, 10))], unlabelled_weight=0.5)
    with pytest.raises(ConfigError, match="no real rows"):
        fit_head_on_rows(rows, 3, tmp_path / "states.sqlite3", lambda n: None)
