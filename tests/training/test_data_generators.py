"""Generators: realistic, parseable files whose ground truth matches what is on each line, and that the real
candidate stage actually fires on."""

from __future__ import annotations

import ast
import json
import random
import xml.etree.ElementTree as ET
from collections import Counter

import pytest
import yaml

from secretscan.scanner.candidates import find_candidates
from secretscan.scanner.rules.checksums import github_checksum_valid
from secretscan.scanner.types import Certainty, ScanUnit
from secretscan.training.data import values as v
from secretscan.training.data.config import GeneratorConfig
from secretscan.training.data.generate import GeneratedFile, generate_group
from secretscan.training.data.kinds import KINDS
from secretscan.training.data.kinds.base import SECRET_ROLES
from secretscan.training.data.providers import HELDOUT_PROVIDERS, TRAINING_PROVIDERS, provider

REQUIRED_KINDS = {
    "python",
    "javascript",
    "typescript",
    "go",
    "java",
    "yaml-k8s",
    "yaml-ci",
    "yaml-compose",
    "json",
    "env",
    "ini",
    "properties",
    "xml",
    "dockerfile",
    "shell",
    "terraform",
    "markdown",
    "notebook",
}


def _files(kind: str, count: int, seed: int = 3) -> list[GeneratedFile]:
    config = GeneratorConfig(kinds={kind: 1.0})
    return [f for i in range(count) for f in generate_group(seed, i, config)]


def _parse(kind: str, text: str) -> None:
    if kind == "python":
        ast.parse(text)
    elif kind in ("json", "notebook"):
        json.loads(text)
    elif kind.startswith("yaml"):
        yaml.safe_load(text)
    elif kind == "xml":
        ET.fromstring(text.split("?>", 1)[1] if text.startswith("<?xml") else text)


def test_at_least_twelve_kinds_cover_the_issue_list() -> None:
    assert REQUIRED_KINDS <= set(KINDS)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_files_parse_and_ground_truth_is_on_its_line(kind: str) -> None:
    files = _files(kind, 40)
    assert all(f.kind == kind for f in files)
    for file in files:
        text = file.rendered.text
        _parse(kind, text)
        lines = text.split("\n")
        assert file.rendered.planted, "every file plants at least one value"
        for planted in file.rendered.planted:
            assert planted.text in lines[planted.line - 1]
            assert planted.value.label == (planted.value.category in v.SECRET_CATEGORIES)


def test_notebooks_are_valid_ipynb() -> None:
    for file in _files("notebook", 20):
        notebook = json.loads(file.rendered.text)
        assert notebook["nbformat"] == 4
        assert all(cell["cell_type"] == "code" for cell in notebook["cells"])


def test_github_style_tokens_carry_valid_checksums_and_are_certain() -> None:
    rng = random.Random(1)
    for name in ("github", "github-oauth", "github-app", "npm"):
        token = provider(name).make(rng)
        assert github_checksum_valid(token)
        [candidate] = find_candidates(ScanUnit("app/.env", f"TOKEN={token}\n"))
        assert candidate.certainty is Certainty.CERTAIN


def test_private_keys_are_real_key_structures() -> None:
    rng = random.Random(2)
    for _ in range(10):
        value = v.private_key(rng, newline="\n")
        [candidate] = find_candidates(ScanUnit("key.pem", value.text + "\n"))
        assert candidate.certainty is Certainty.CERTAIN


def test_value_rejects_a_label_that_contradicts_its_category() -> None:
    with pytest.raises(ValueError, match="contradicts"):
        v.Value("changeme", True, "placeholder")
    with pytest.raises(ValueError, match="unknown category"):
        v.Value("x", False, "nonsense")


def test_same_seed_same_files_other_seed_other_files() -> None:
    config = GeneratorConfig()
    first = [f.rendered for i in range(30) for f in generate_group(5, i, config)]
    again = [f.rendered for i in range(30) for f in generate_group(5, i, config)]
    other = [f.rendered for i in range(30) for f in generate_group(6, i, config)]
    assert first == again
    assert first != other


def test_near_miss_twins_keep_the_context_and_flip_the_secrets() -> None:
    config = GeneratorConfig(near_miss_rate=1.0)
    pairs = 0
    for i in range(60):
        group = generate_group(9, i, config)
        if len(group) != 2:
            continue
        original, twin = group
        assert original.paired and twin.paired and twin.twin and not original.twin
        assert original.rendered.path == twin.rendered.path
        assert original.group == twin.group
        labels = [p.value.label for p in original.rendered.planted]
        twin_labels = [p.value.label for p in twin.rendered.planted]
        if len(labels) == len(twin_labels):
            pairs += 1
            # Every secret crossed the boundary: the twin holds a look-alike where the original held a secret.
            assert labels != twin_labels
            assert not any(a and b for a, b in zip(labels, twin_labels, strict=True))
    assert pairs >= 30


def test_training_never_uses_held_out_providers() -> None:
    held_out = {p.name for p in HELDOUT_PROVIDERS}
    assert held_out and not held_out & {p.name for p in TRAINING_PROVIDERS}
    details = Counter(
        p.value.detail for i in range(600) for f in generate_group(11, i, GeneratorConfig()) for p in f.rendered.planted
    )
    assert not held_out & set(details)


def test_the_candidate_stage_fires_on_most_planted_secrets() -> None:
    """The generators only help if the real detectors see their values; gaps are reported, not hidden."""
    found = Counter()
    total = Counter()
    for i in range(400):
        for file in generate_group(13, i, GeneratorConfig()):
            lines = {c.line for c in find_candidates(ScanUnit(file.rendered.path, file.rendered.text))}
            for planted in file.rendered.planted:
                if planted.value.label:
                    total[planted.value.category] += 1
                    found[planted.value.category] += planted.line in lines
    assert sum(found.values()) / sum(total.values()) >= 0.8
    for category in ("api-token", "password", "connection-string", "jwt"):
        assert found[category] / total[category] >= 0.75, category


def test_secret_roles_are_planned_with_both_labels() -> None:
    labels = Counter()
    for i in range(300):
        for file in generate_group(17, i, GeneratorConfig(near_miss_rate=0.0)):
            for planted in file.rendered.planted:
                labels[planted.value.label] += 1
    assert labels[True] > 50 and labels[False] > 50
    assert set(SECRET_ROLES) >= {"password", "token", "key", "conn", "header", "pem"}


# The file rule that each credential-file kind is there to teach the judge (docs/detectors.md).
CREDENTIAL_FILE_RULES = {
    "netrc": "netrc-password",
    "pgpass": "pgpass-password",
    "mail-rc": "mail-client-password",
    "shell-rc": "shell-rc-secret",
}


@pytest.mark.parametrize("kind", sorted(CREDENTIAL_FILE_RULES))
def test_credential_files_put_their_values_before_the_judge_through_their_file_rule(kind: str) -> None:
    """Every planted secret of a credential file is a candidate, most of them of the kind's own rule (a token
    format may win its line), and so are many look-alikes (the shell rule leaves `$(…)` to the assignment rules):
    the judge sees that format's line on both sides of the label."""
    rule_for = CREDENTIAL_FILE_RULES[kind]
    rules: Counter[tuple[bool, str | None]] = Counter()
    for file in _files(kind, 60):
        found = {(c.line, c.secret): c.rule for c in find_candidates(ScanUnit(file.rendered.path, file.rendered.text))}
        for planted in file.rendered.planted:
            rules[planted.value.label, found.get((planted.line, planted.text))] += 1
    assert rules[True, None] == 0
    for label, share in ((True, 0.5), (False, 0.3)):
        total = sum(count for (said, _), count in rules.items() if said == label)
        assert rules[label, rule_for] >= share * total, (label, rules)
