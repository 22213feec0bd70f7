"""`secretscan-train scorer fit`: real rows in, a weight file out that the scan path loads and agrees with.

The rows are `build_prompt` examples of two made-up populations that differ the way real ones do: random keys
in config files against lookup-ish words in test files.
"""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import numpy as np
import pytest

from secretscan.errors import ModelError
from secretscan.inference.scorer import FEATURE_SET, Scorer, load_scorer, save_scorer
from secretscan.scanner.candidates import find_candidates
from secretscan.scanner.prompt import LABEL_SAFE, LABEL_SECRET, build_prompt, to_messages
from secretscan.scanner.types import Candidate, ScanUnit
from secretscan.training.cli import main
from secretscan.training.scorer import (
    LLM_WEIGHTS,
    BandPolicy,
    candidate_from_prompt,
    cascade_f1,
    choose_band,
    fit_scorer,
    read_rows,
)
from secretscan.training.forest import TREE_PARAMS

WORDS = "alpha bravo delta echo golf hotel india kilo lima mike oscar papa romeo sierra tango victor".split()


def population(seed: int, n: int) -> list[tuple[Candidate, bool]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        if i % 2:
            value = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(28))
            text, path = f"API_SECRET={value}\n", f"deploy/prod-{i}.env"
        else:
            value = "_".join(rng.sample(WORDS, 3))
            text, path = f'api_secret = "{value}"\n', f"tests/unit/test_case_{i}.py"
        (candidate,) = find_candidates(ScanUnit(path, text))
        out.append((candidate, bool(i % 2)))
    return out


def write_rows(path: Path, examples: list[tuple[Candidate, bool]]) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for candidate, label in examples:
            messages = to_messages(build_prompt(candidate), LABEL_SECRET if label else LABEL_SAFE)
            meta = {"rule_category": candidate.category, "source": "synthetic"}
            handle.write(json.dumps({"messages": messages, "label": label, "meta": meta}) + "\n")
    return path


def test_a_prompt_reads_back_into_its_candidate() -> None:
    (candidate,) = find_candidates(ScanUnit("cfg/app.yaml", "  db_password: 'Zq8-harbor-71'\n"))
    back = candidate_from_prompt(build_prompt(candidate).user, candidate.category)
    assert (back.path, back.rule, back.secret) == (candidate.path, candidate.rule, candidate.secret)
    assert back.line_text == candidate.line_text.strip()
    assert back.line_text[back.column - 1 :].startswith(candidate.secret)


def test_rows_of_one_built_group_share_a_fold_group_though_the_prompt_shows_only_the_path_end(tmp_path: Path) -> None:
    rows_file = tmp_path / "train.jsonl"
    with rows_file.open("w", encoding="utf-8") as handle:
        for repository, path in (("alpha", "alpha/web/config/prod/db.env"), ("alpha", "alpha/cli/config/prod/db.env"),
                                 ("beta", "beta/web/config/prod/db.env")):
            (candidate,) = find_candidates(ScanUnit(path, "DB_PASSWORD=Qx7-harbor-lamp-91\n"))
            meta = {"rule_category": candidate.category, "source": "real", "group": repository}
            messages = to_messages(build_prompt(candidate), LABEL_SECRET)
            handle.write(json.dumps({"messages": messages, "label": True, "meta": meta}) + "\n")
    alpha_web, alpha_cli, beta = read_rows([rows_file], unlabelled_weight=0.5)
    assert alpha_web.candidate.path == beta.candidate.path == "config/prod/db.env"
    assert alpha_web.group == alpha_cli.group != beta.group


def test_fit_learns_the_difference_and_the_band_settles_only_the_sure(tmp_path: Path) -> None:
    rows = read_rows([write_rows(tmp_path / "train.jsonl", population(1, 120))], unlabelled_weight=0.5)
    report = fit_scorer(rows, buckets=2**12, folds=3)
    assert report.auc is not None and report.auc > 0.95
    fresh = population(2, 40)
    scores = report.scorer.score([c for c, _ in fresh])
    assert all((p > 0.5) == label for p, (_, label) in zip(scores, fresh))
    low, high = report.scorer.band
    assert 0.0 <= low <= high <= 1.0


def test_choose_band_keeps_the_mixed_middle_for_the_llm() -> None:
    probabilities = np.array([0.01, 0.02, 0.03, 0.4, 0.5, 0.6, 0.97, 0.98, 0.99])
    labels = np.array([False, False, False, True, False, True, True, True, True])
    # Below 0.4 all are safe, above 0.5 all are secrets: 0.4 and 0.5, the mixed pair, go to the LLM.
    assert choose_band(probabilities, labels, BandPolicy(precision=0.97, miss_rate=0.02)) == (0.4, 0.5)


def test_weights_round_trip_and_foreign_files_are_refused(tmp_path: Path) -> None:
    rows = read_rows([write_rows(tmp_path / "train.jsonl", population(3, 60))], unlabelled_weight=0.5)
    scorer = fit_scorer(rows, buckets=2**10, folds=2, trees=True).scorer
    path = tmp_path / "scorer.npz"
    save_scorer(scorer, path)
    loaded = load_scorer(path)
    candidates = [c for c, _ in population(4, 10)]
    assert loaded.score(candidates) == pytest.approx(scorer.score(candidates))
    assert loaded.bias == pytest.approx(scorer.bias) and loaded.band == pytest.approx(scorer.band)
    assert loaded.llm_weight == scorer.llm_weight
    assert scorer.forest is not None and loaded.forest is not None
    for field in ("roots", "buckets", "left", "right", "values"):
        assert list(getattr(loaded.forest, field)) == pytest.approx(list(getattr(scorer.forest, field)))

    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, weights=np.zeros(8, np.float32), bias=0.0, band=np.array([0.1, 0.9]), llm_weight=0.5,
             feature_set=np.array("rule,other"))  # fmt: skip
    with pytest.raises(ModelError, match="trained on features"):
        load_scorer(foreign)


# One tree of three nodes: a question on bucket 3, then two leaves.
TREE: dict[str, object] = {
    "forest_roots": np.array([0], np.int32),
    "forest_buckets": np.array([3, -1, -1], np.int32),
    "forest_left": np.array([1, -1, -1], np.int32),
    "forest_right": np.array([2, -1, -1], np.int32),
    "forest_values": np.array([0.0, -0.5, 0.5]),
}


@pytest.mark.parametrize(
    ("arrays", "complaint"),
    [
        ({"weights": np.zeros((4, 2), np.float32)}, "cannot read it .*shape"),
        ({"weights": np.zeros(8, np.int64)}, "cannot read it .*dtype"),
        ({"weights": np.zeros(8, np.float32), "band": np.array([0.9, 0.1])}, "malformed"),
        ({"band": None}, "cannot read it .*band"),
        ({"weights": np.zeros(0, np.float32)}, "malformed"),
        ({"bias": np.array("text")}, "cannot read it .*bias is text"),
        (TREE | {"forest_left": np.array([0, -1, -1], np.int32)}, "malformed trees .*node 0 points"),
        (TREE | {"forest_values": np.zeros(2)}, "malformed trees .*different lengths"),
    ],
    ids=["two-dimensional", "integer", "band-reversed", "band-missing", "no-weights", "text-bias", "tree-outside",
         "tree-cut"],
)
def test_a_malformed_weight_file_is_a_model_error(tmp_path: Path, arrays: dict[str, object], complaint: str) -> None:
    # The scan path reads the .npz without numpy: every shape or type it can't take is refused, never misread.
    fields: dict[str, object] = {"weights": np.zeros(8, np.float32), "bias": 0.0, "band": np.array([0.1, 0.9]),
                                 "llm_weight": 0.5, "feature_set": np.array(FEATURE_SET), **arrays}  # fmt: skip
    path = tmp_path / "scorer.npz"
    np.savez_compressed(path, **{name: value for name, value in fields.items() if value is not None})
    with pytest.raises(ModelError, match=complaint):
        load_scorer(path)


def test_a_cut_or_flipped_byte_anywhere_is_a_model_error_or_a_load(tmp_path: Path) -> None:
    # Uncompressed, so a flipped byte lands in a member's .npy header or data, not only in the deflate stream.
    good = tmp_path / "good.npz"
    np.savez(good, weights=np.zeros(4, np.float32), bias=0.0, band=np.array([0.1, 0.9]), llm_weight=0.5,
             feature_set=np.array(FEATURE_SET))  # fmt: skip
    blob = good.read_bytes()
    broken = tmp_path / "broken.npz"
    for cut in range(0, len(blob), 7):
        broken.write_bytes(blob[:cut])
        with pytest.raises(ModelError):
            load_scorer(broken)
    for at in range(len(blob)):
        broken.write_bytes(blob[:at] + bytes([blob[at] ^ 0x5A]) + blob[at + 1 :])
        try:
            load_scorer(broken)
        except ModelError:
            pass


def test_the_cli_fits_and_writes_a_loadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = write_rows(tmp_path / "train.jsonl", population(5, 80))
    out = tmp_path / "scorer.npz"
    assert main(["scorer", "fit", str(rows), "--out", str(out), "--folds", "2"]) == 0
    printed = capsys.readouterr().out
    assert "out-of-fold AUC" in printed and "settle band" in printed
    assert load_scorer(out).buckets == 2**18


def test_the_cli_refuses_rows_that_are_not_training_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"hello": 1}\n', encoding="utf-8")
    assert main(["scorer", "fit", str(bad), "--out", str(tmp_path / "s.npz")]) == 2
    assert "bad.jsonl:1: not a training row" in capsys.readouterr().err


def test_scan_time_scores_are_the_fitted_model_on_the_training_matrix(tmp_path: Path) -> None:
    from secretscan.training.scorer import feature_matrix

    rows = read_rows([write_rows(tmp_path / "train.jsonl", population(6, 40))], unlabelled_weight=0.5)
    # Few buckets, so features collide: a collision must count once at scan time too, as in the matrix.
    scorer = fit_scorer(rows, buckets=64, folds=2).scorer
    candidates = [r.candidate for r in rows]
    logits = feature_matrix(candidates, 64) @ np.asarray(scorer.weights) + scorer.bias
    assert scorer.score(candidates) == pytest.approx(list(1 / (1 + np.exp(-logits))), rel=1e-5)


def test_forest_matches_scikit_learn(tmp_path: Path) -> None:
    """The shipped trees, walked in plain Python at scan time, give the log-odds scikit-learn's model gives."""
    from secretscan.training.scorer import _fit, feature_matrix

    rows = read_rows([write_rows(tmp_path / "train.jsonl", population(7, 200))], unlabelled_weight=0.5)
    matrix = feature_matrix([r.candidate for r in rows], 2**12)
    labels = np.array([r.label for r in rows])
    fitted = _fit(matrix, labels, np.ones(len(rows)), 1.0, trees=True)
    assert fitted.trees is not None
    weights, bias, forest = fitted.shipped()
    assert forest is not None and len(forest.roots) == TREE_PARAMS["max_iter"]
    scorer = Scorer(weights.tolist(), bias, (0.2, 0.8), 0.3, forest=forest)
    fresh = [c for c, _ in population(8, 60)]
    expected = fitted.log_odds(feature_matrix(fresh, 2**12))
    assert [scorer.log_odds(c) for c in fresh] == pytest.approx(expected.tolist(), abs=1e-5)
    # The trees learned something of their own: without them the log-odds differ.
    assert not np.allclose(fitted.linear_log_odds(feature_matrix(fresh, 2**12)), expected)


def test_cascade_f1_is_the_f1_of_the_verdicts_the_scan_gives() -> None:
    from secretscan.inference.scorer import Scorer

    rng = np.random.default_rng(7)
    scorer_side, llm_side = rng.uniform(0.01, 0.99, 300), rng.uniform(0.01, 0.99, 300)
    labels = rng.uniform(size=300) < scorer_side
    for band in ((0.3, 0.7), (0.52, 0.77), (0.1, 0.45)):
        for weight in (0.0, 0.3, 1.0):
            scorer = Scorer([0.0], 0.0, band, weight)
            verdicts = np.array([
                (p if scorer.settles(p) else scorer.fold(p, q)) >= 0.5 for p, q in zip(scorer_side, llm_side)
            ])
            f1 = 2 * (verdicts & labels).sum() / (verdicts.sum() + labels.sum())
            assert cascade_f1(scorer_side, llm_side, labels, band, weight) == pytest.approx(f1)


def test_the_llm_weight_is_measured_on_the_judged_rows(tmp_path: Path) -> None:
    rows = read_rows([write_rows(tmp_path / "train.jsonl", population(8, 120))], unlabelled_weight=0.5)
    held = range(60, 120)
    # A band as wide as can be, so that the LLM decides every row it scores.
    policy = BandPolicy(precision=1.0, miss_rate=0.0)
    right = {i: 0.99 if rows[i].label else 0.01 for i in held}
    wrong = {i: 0.01 if rows[i].label else 0.99 for i in held}

    trusted = fit_scorer(rows, buckets=2**12, folds=3, policy=policy, llm_probabilities=right)
    f1 = dict(trusted.fold_f1)
    assert [weight for weight, _ in trusted.fold_f1] == list(LLM_WEIGHTS) and trusted.judged_rows == 60
    assert f1[1.0] == 1.0 and f1[trusted.scorer.llm_weight] == max(f1.values())
    assert fit_scorer(rows, buckets=2**12, folds=3, policy=policy, llm_probabilities=wrong).scorer.llm_weight == 0.0
    assert fit_scorer(rows, buckets=2**12, folds=3, policy=policy).scorer.llm_weight == policy.llm_weight


def test_the_cli_measures_the_llm_weight_with_the_real_judge(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train = write_rows(tmp_path / "train.jsonl", population(9, 60))
    held = write_rows(tmp_path / "val.jsonl", population(10, 8))
    out = tmp_path / "scorer.npz"
    assert main(["scorer", "fit", str(train), "--judge-on", str(held), "--out", str(out), "--folds", "2"]) == 0
    printed = capsys.readouterr().out
    assert "the cascade's F1 on 8 held-out rows peaks there (0.0: " in printed
    assert load_scorer(out).llm_weight in LLM_WEIGHTS


@pytest.mark.parametrize(
    ("extra", "complaint"),
    [
        (["--judge-on", "{held}", "--llm-weight", "0.5"], "give --llm-weight or --judge-on, not both"),
        (["--lora", "adapter.gguf"], "--model and --lora choose the judge of --judge-on"),
        (["--head-out", "h.json"], "--head-out weighs the head on the --judge-on rows: name them"),
        (["--head-out", "h.json", "--judge-on", "{held}", "--lora", "a.gguf"], "leave out --model and --lora"),
    ],
)
def test_the_cli_refuses_a_weight_it_was_also_asked_to_measure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], complaint: str
) -> None:
    train = write_rows(tmp_path / "train.jsonl", population(11, 20))
    args = [a.format(held=train) for a in extra]
    assert main(["scorer", "fit", str(train), "--out", str(tmp_path / "s.npz"), *args]) == 2
    assert complaint in capsys.readouterr().err


def test_a_calibration_map_joins_its_points_by_lines_and_is_flat_beyond_them() -> None:
    from secretscan.inference.scorer import calibrated

    points = ((0.2, 0.1), (0.6, 0.5), (0.9, 0.95))
    assert calibrated(0.4, points) == pytest.approx(0.3)
    assert calibrated(0.75, points) == pytest.approx(0.725)
    assert calibrated(0.6, points) == pytest.approx(0.5)
    assert calibrated(0.05, points) == 0.1 and calibrated(0.99, points) == 0.95
    assert calibrated(0.37, ()) == 0.37
    sweep = [calibrated(p, points) for p in np.linspace(0, 1, 101)]
    assert sweep == sorted(sweep)


def test_two_slopes_as_points_keep_one_half_and_stretch_each_side() -> None:
    from secretscan.inference.scorer import calibrated, slope_points

    points = slope_points(3.0, 0.5)
    assert calibrated(0.5, points) == pytest.approx(0.5)
    assert calibrated(0.8, points) == pytest.approx(1 / (1 + np.exp(-0.5 * np.log(4))), abs=3e-4)
    assert calibrated(0.2, points) == pytest.approx(1 / (1 + np.exp(3.0 * np.log(4))), abs=3e-4)


@pytest.mark.parametrize("method", ["two slopes", "centred isotonic"])
def test_each_calibration_recovers_overconfidence_and_lowers_the_ece_out_of_fold(method: str) -> None:
    """Scores whose log-odds are three times too sure on the right of 0.5 and right on the left."""
    from secretscan.inference.scorer import calibrated
    from secretscan.training.scorer import calibration_cv, fit_calibration, fit_slopes

    rng = np.random.default_rng(5)
    truth = rng.normal(0, 1.5, 6000)
    labels = rng.random(6000) < 1 / (1 + np.exp(-truth))
    said = 1 / (1 + np.exp(-np.where(truth > 0, 3 * truth, truth)))
    below, above = fit_slopes(said, labels)
    assert below == pytest.approx(1.0, abs=0.15) and above == pytest.approx(1 / 3, abs=0.07)
    eces = calibration_cv(said, labels, np.arange(6000) % 5)
    assert eces["none"] is not None and eces[method] is not None and eces[method] < eces["none"] / 2
    points = fit_calibration(method, said, labels)
    # Said 0.9 is log-odds 2.2 three times too sure: about 0.67 of such rows are secrets.
    assert calibrated(0.9, points) == pytest.approx(1 / (1 + np.exp(-np.log(9) / 3)), abs=0.05)


def test_a_scorer_file_keeps_its_calibration_and_a_bad_one_is_refused(tmp_path: Path) -> None:
    from secretscan.inference.scorer import Scorer, slope_points

    mapped = Scorer([0.5, -0.25], 0.1, (0.2, 0.8), 0.3, ((0.1, 0.05), (0.5, 0.4), (0.9, 0.97)))
    save_scorer(mapped, tmp_path / "mapped.npz")
    assert load_scorer(tmp_path / "mapped.npz").calibration == mapped.calibration
    plain = Scorer([0.5, -0.25], 0.1, (0.2, 0.8), 0.3)
    save_scorer(plain, tmp_path / "plain.npz")
    assert load_scorer(tmp_path / "plain.npz").calibrate(0.7) == pytest.approx(0.7)
    arrays = dict(np.load(tmp_path / "plain.npz"))
    del arrays["calibration_points"]
    # Written before calibration was fitted: as it is; by the release with two slopes: those, as points.
    np.savez(tmp_path / "older.npz", **arrays)
    assert load_scorer(tmp_path / "older.npz").calibration == ()
    np.savez(tmp_path / "slopes.npz", **{**arrays, "calibration": np.array([1.3, 0.6])})
    assert load_scorer(tmp_path / "slopes.npz").calibration == slope_points(1.3, 0.6)
    for slopes in ([0.0, 1.0], [1.0, float("nan")], [1.0]):
        np.savez(tmp_path / "bad.npz", **{**arrays, "calibration": np.array(slopes)})
        with pytest.raises(ModelError, match="malformed calibration"):
            load_scorer(tmp_path / "bad.npz")
    # Out of order, decreasing, an odd count, outside [0, 1].
    for points in ([0.5, 0.4, 0.2, 0.6], [0.2, 0.6, 0.5, 0.4], [0.2, 0.3, 0.5], [0.2, 1.5]):
        np.savez(tmp_path / "bad.npz", **{**arrays, "calibration_points": np.array(points)})
        with pytest.raises(ModelError, match="malformed calibration"):
            load_scorer(tmp_path / "bad.npz")


def test_the_centred_isotonic_map_rises_through_its_blocks_centres() -> None:
    from secretscan.training.scorer import fit_calibration

    said = np.array([0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9])
    labels = np.array([0, 1, 0, 0, 1, 0, 1, 1], dtype=bool)
    # Isotonic blocks of one share: {0.1} 0, {0.2, 0.3, 0.4} 1/3, {0.6, 0.7} 1/2, {0.8, 0.9} 1.
    points = fit_calibration("centred isotonic", said, labels)
    assert [x for point in points for x in point] == pytest.approx([0.1, 0.0, 0.3, 1 / 3, 0.65, 0.5, 0.85, 1.0])
