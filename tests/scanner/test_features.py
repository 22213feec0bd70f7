"""The cheap scorer's features: deterministic, declared in one place, and never the whole value."""

from __future__ import annotations

from secretscan.inference.scorer import FEATURE_SET, feature_index
from secretscan.scanner.candidates import find_candidates
from secretscan.scanner.features import FEATURES, candidate_features
from secretscan.scanner.types import Candidate, ScanUnit

LINE = '    db_password = "Harbor-Quartz-5521"  # staging\n'


def candidate() -> Candidate:
    (found,) = find_candidates(ScanUnit("services/billing/tests/settings_test.py", LINE))
    return found


def test_every_family_speaks_and_the_same_candidate_gives_the_same_features() -> None:
    features = candidate_features(candidate())
    assert features == candidate_features(candidate())
    prefixes = {feature.split("=", 1)[0] for feature in features}
    assert {"rule", "weak", "ext", "path", "name", "line", "word", "length", "entropy", "v3", "s4"} <= prefixes
    assert "path=tests" in features and "name=password" in features and "word=staging" in features
    assert FEATURE_SET == ",".join(name for name, _ in FEATURES)


def test_no_feature_holds_the_value() -> None:
    secret = candidate().secret
    assert not [f for f in candidate_features(candidate()) if secret.lower() in f.lower()]
    assert not [f for f in candidate_features(candidate()) if "quartz" in f.lower()]


def test_hashing_is_stable_across_processes() -> None:
    # CRC-32, not Python's salted hash(): the shipped weights index by these slots.
    assert feature_index("rule=generic-password", 2**18) == 55294
