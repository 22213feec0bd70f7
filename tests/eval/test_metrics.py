"""Metrics pinned on hand-computed cases."""

from __future__ import annotations

import pytest

from secretscan.eval.metrics import (
    Counts,
    best_point,
    bootstrap_ece_interval,
    bootstrap_f1_interval,
    calibration_error,
    count,
    counts_at,
    expected_calibration_error,
    outcomes,
    reliability,
    sweep,
)

A1, A2, A3, B1, B2 = ("a.py", 1), ("a.py", 2), ("a.py", 3), ("b.env", 1), ("b.env", 2)


def test_empty_sets_are_undefined_not_zero_or_one() -> None:
    counts = count(outcomes({}, [], strict=True).values())
    assert counts == Counts()
    assert (counts.precision, counts.recall, counts.f1) == (None, None, None)
    assert bootstrap_f1_interval(counts) is None


def test_no_positives_and_no_findings() -> None:
    counts = count(outcomes({A1: False, A2: False}, [], strict=False).values())
    assert counts == Counts(tn=2)
    assert (counts.precision, counts.recall, counts.f1) == (None, None, None)


def test_no_positives_with_a_false_positive_has_f1_zero() -> None:
    counts = count(outcomes({A1: False, A2: False}, [A1], strict=False).values())
    assert counts == Counts(fp=1, tn=1)
    assert counts.precision == 0.0
    assert counts.recall is None
    assert counts.f1 == 0.0


def test_positives_but_no_findings() -> None:
    counts = count(outcomes({A1: True, A2: False}, [], strict=False).values())
    assert counts == Counts(fn=1, tn=1)
    assert counts.precision is None
    assert counts.recall == 0.0
    assert counts.f1 == 0.0


def test_all_wrong() -> None:
    labels = {A1: True, A2: False, B1: True, B2: False}
    counts = count(outcomes(labels, [A2, B2], strict=False).values())
    assert counts == Counts(fp=2, fn=2)
    assert (counts.precision, counts.recall, counts.f1) == (0.0, 0.0, 0.0)
    assert bootstrap_f1_interval(counts) == (0.0, 0.0)


def test_all_right_has_a_degenerate_interval_at_one() -> None:
    counts = count(outcomes({A1: True, A2: False}, [A1], strict=True).values())
    assert counts == Counts(tp=1, tn=1)
    assert (counts.precision, counts.recall, counts.f1) == (1.0, 1.0, 1.0)
    assert bootstrap_f1_interval(counts) == (1.0, 1.0)


def test_duplicate_findings_on_one_line_count_once() -> None:
    labels = {A1: True, A2: False, A3: True}
    counts = count(outcomes(labels, [A1, A1, A1, A2, A2], strict=False).values())
    # One TP (A1), one FP (A2), one FN (A3): not 3 TP and 2 FP.
    assert counts == Counts(tp=1, fp=1, fn=1)
    assert counts.precision == 0.5
    assert counts.recall == 0.5
    assert counts.f1 == 0.5


def test_strict_counts_unlabelled_findings_as_false_positives() -> None:
    labels = {A1: True, A2: False, A3: True}
    found = [A1, B1, B1, B2]  # B1 and B2 are unlabelled
    labelled_only = count(outcomes(labels, found, strict=False).values())
    strict = count(outcomes(labels, found, strict=True).values())
    assert labelled_only == Counts(tp=1, fn=1, tn=1)
    assert strict == Counts(tp=1, fp=2, fn=1, tn=1)
    # P = 1/3, R = 1/2, F1 = 2*1 / (2*1 + 2 + 1) = 0.4
    assert strict.precision == pytest.approx(1 / 3)
    assert strict.recall == 0.5
    assert strict.f1 == pytest.approx(0.4)
    assert labelled_only.f1 == pytest.approx(2 / 3)


def test_bootstrap_interval_is_reproducible_and_brackets_the_estimate() -> None:
    counts = Counts(tp=40, fp=10, fn=15, tn=35)
    interval = bootstrap_f1_interval(counts)
    assert interval == bootstrap_f1_interval(counts)
    assert interval is not None
    low, high = interval
    assert low < counts.f1 < high  # type: ignore[operator]
    # A wider interval for a tenth of the data.
    small_low, small_high = bootstrap_f1_interval(Counts(tp=4, fp=1, fn=2, tn=3))  # type: ignore[misc]
    assert small_high - small_low > high - low


def test_reliability_bins_by_hand() -> None:
    cells = reliability([0.05, 0.95, 0.95, 0.91, 1.0], [False, True, False, True, True])
    assert len(cells) == 10 and [c.count for c in cells] == [1, 0, 0, 0, 0, 0, 0, 0, 0, 4]
    first, last = cells[0], cells[-1]
    assert (first.low, first.high, first.mean_score, first.positive_rate) == (0.0, 0.1, 0.05, 0.0)
    assert last.mean_score == pytest.approx((0.95 + 0.95 + 0.91 + 1.0) / 4)  # 1.0 falls in the last bin
    assert last.positive_rate == 0.75
    assert cells[4].mean_score is None and cells[4].positive_rate is None  # empty: undefined, not 0
    assert calibration_error(cells) == pytest.approx((0.05 + 4 * abs(0.75 - last.mean_score)) / 5)
    assert calibration_error(reliability([], [])) is None


def test_expected_calibration_error_by_hand() -> None:
    # Bin [0.9, 1.0]: scores 0.9, 0.9 with one positive -> |0.5 - 0.9| * 2
    # Bin [0.1, 0.2): score 0.1, negative -> |0 - 0.1| * 1
    ece = expected_calibration_error([0.9, 0.9, 0.1], [True, False, False])
    assert ece == pytest.approx((0.4 * 2 + 0.1) / 3)
    assert expected_calibration_error([1.0, 0.0], [True, False]) == 0.0
    assert expected_calibration_error([], []) is None
    with pytest.raises(ValueError):
        expected_calibration_error([0.5], [])


def test_ece_interval_brackets_the_ece_and_narrows_with_more_lines() -> None:
    import random

    rng = random.Random(7)

    def sample(n: int) -> tuple[list[float], list[bool]]:
        # Calibrated by construction: a line with score p is a secret with probability p.
        scores = [rng.random() for _ in range(n)]
        return scores, [rng.random() < score for score in scores]

    small, large = sample(100), sample(5000)
    small_low, small_high = bootstrap_ece_interval(*small)  # type: ignore[misc]
    large_low, large_high = bootstrap_ece_interval(*large)  # type: ignore[misc]
    assert large_high - large_low < small_high - small_low
    assert large_low <= expected_calibration_error(*large) <= large_high  # type: ignore[operator]
    assert large_high < 0.05  # calibrated: a small ECE, surely
    # Every line in one bin with the same gap: each resample has the same ECE.
    assert bootstrap_ece_interval([0.95] * 10, [True] * 10) == pytest.approx((0.05, 0.05))
    assert bootstrap_ece_interval(*small) == bootstrap_ece_interval(*small)  # seeded
    assert bootstrap_ece_interval([], []) is None
    with pytest.raises(ValueError):
        bootstrap_ece_interval([0.5], [])


def test_sweep_counts_at_every_threshold_by_hand() -> None:
    # Scores with labels; None score = nothing found on that line; None label = unlabelled (strict only).
    lines = [(0.9, True), (0.8, False), (0.6, True), (0.6, False), (None, True), (0.3, None)]
    points = sweep(lines)
    assert [p.threshold for p in points] == [0.9, 0.8, 0.6, 0.3]
    assert [p.counts for p in points] == [
        Counts(tp=1, fp=0, fn=2, tn=2),
        Counts(tp=1, fp=1, fn=2, tn=1),
        Counts(tp=2, fp=2, fn=1, tn=0),
        Counts(tp=2, fp=3, fn=1, tn=0),
    ]
    for point in points:
        assert counts_at(lines, point.threshold) == point.counts
    # F1: 0.5, 0.4, 4/7, 0.5 -> best at 0.6
    best = best_point(points)
    assert best is not None and best.threshold == 0.6
    assert best.counts.f1 == pytest.approx(4 / 7)


def test_best_point_prefers_the_higher_threshold_on_ties_and_none_when_undefined() -> None:
    points = sweep([(0.9, True), (0.5, False), (0.4, True)])
    # F1 at 0.9: 2/3; at 0.5: 2/4; at 0.4: 4/5 -> 0.4
    assert best_point(points).threshold == 0.4  # type: ignore[union-attr]
    tie = sweep([(0.9, True), (0.7, False), (0.6, False), (0.5, True)])
    # F1 at 0.9: 2/3, at 0.7: 2/4, at 0.6: 2/5, at 0.5: 4/6 -> tie 2/3 at 0.9 and 0.5: the higher wins
    assert best_point(tie).threshold == 0.9  # type: ignore[union-attr]
    assert best_point(sweep([(None, False)])) is None
    assert sweep([]) == []
