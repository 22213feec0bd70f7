"""`data validate`: clean data passes; each planted defect is caught, named, and fails the command (exit 1)."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from secretscan.training.data.cli import data_group
from secretscan.training.data.config import GeneratorConfig
from secretscan.training.data.examples import label_file
from secretscan.training.data.generate import generate_group


@pytest.fixture(scope="module")
def rows() -> dict[str, list[dict[str, Any]]]:
    """Real rows (generated files through the real candidate stage), split by group like the builder does."""
    splits: dict[str, list[dict[str, Any]]] = {"train": [], "val": [], "test": []}
    seen: set[str] = set()
    secrets: dict[str, str] = {}
    excluded: Counter[str] = Counter()
    for group in range(60):
        split = ("train", "train", "val", "test")[group % 4]
        for file in generate_group(31, group, GeneratorConfig()):
            for example in label_file(file, excluded):
                row = example.row(0)
                user = row["messages"][1]["content"]
                secret_hash = row["meta"]["secret_hash"]
                if user in seen or (row["label"] and secrets.get(secret_hash, split) != split):
                    continue
                seen.add(user)
                if row["label"]:
                    secrets[secret_hash] = split
                splits[split].append(row)
    assert all(len(r) >= 5 for r in splits.values())
    return splits


def _write(folder: Path, splits: dict[str, list[dict[str, Any]]]) -> list[str]:
    paths = []
    for name, items in splits.items():
        path = folder / f"{name}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in items), encoding="utf-8")
        paths.append(str(path))
    return paths


def _validate(folder: Path, splits: dict[str, list[dict[str, Any]]]) -> tuple[int, str]:
    result = CliRunner().invoke(data_group, ["validate", *_write(folder, splits)])
    return result.exit_code, result.output


def test_clean_rows_pass(rows: dict[str, list[dict[str, Any]]], tmp_path: Path) -> None:
    code, output = _validate(tmp_path, rows)
    assert code == 0, output
    assert "OK:" in output and " 0 errors" in output
    # The quality report has the tables.
    assert "kind" in output and "category" in output


def _first(splits: dict[str, list[dict[str, Any]]], split: str, label: bool) -> dict[str, Any]:
    return next(r for r in splits[split] if r["label"] is label)


def test_a_duplicate_is_caught(rows: dict[str, list[dict[str, Any]]], tmp_path: Path) -> None:
    broken = copy.deepcopy(rows)
    broken["train"].append(copy.deepcopy(broken["train"][0]))
    code, output = _validate(tmp_path, broken)
    assert code == 1
    assert "error: duplicate: 1" in output
    assert "train.jsonl:1" in output


def test_the_same_prompt_with_both_labels_is_caught(rows: dict[str, list[dict[str, Any]]], tmp_path: Path) -> None:
    broken = copy.deepcopy(rows)
    flipped = copy.deepcopy(_first(broken, "train", False))
    flipped["label"] = True
    flipped["messages"][2]["content"] = "yes"
    flipped["meta"]["hard_negative"] = False
    broken["train"].append(flipped)
    code, output = _validate(tmp_path, broken)
    assert code == 1
    assert "error: contradictory_label: 1" in output


def test_secret_leakage_across_splits_is_caught(rows: dict[str, list[dict[str, Any]]], tmp_path: Path) -> None:
    """The same secret value in train and test, in an otherwise different prompt."""
    broken = copy.deepcopy(rows)
    secret = _first(broken, "train", True)
    moved = copy.deepcopy(_first(broken, "test", True))
    moved["meta"]["secret_hash"] = secret["meta"]["secret_hash"]
    broken["test"][broken["test"].index(_first(broken, "test", True))] = moved
    code, output = _validate(tmp_path, broken)
    assert code == 1
    assert "error: secret_leakage: 1" in output


def test_near_identical_context_across_splits_is_caught(rows: dict[str, list[dict[str, Any]]], tmp_path: Path) -> None:
    broken = copy.deepcopy(rows)
    near = copy.deepcopy(_first(broken, "train", False))
    # One character of the path changed: not an exact duplicate, but the same example.
    user = near["messages"][1]["content"]
    near["messages"][1]["content"] = user.replace("path: ", "path: x", 1)
    broken["val"].append(near)
    code, output = _validate(tmp_path, broken)
    assert code == 1
    assert "error: near_duplicate_leakage: 1" in output
    assert "val.jsonl" in output


def test_near_duplicates_inside_one_split_are_a_warning(rows: dict[str, list[dict[str, Any]]], tmp_path: Path) -> None:
    broken = copy.deepcopy(rows)
    near = copy.deepcopy(_first(broken, "train", False))
    near["messages"][1]["content"] = near["messages"][1]["content"].replace("path: ", "path: x", 1)
    broken["train"].append(near)
    code, output = _validate(tmp_path, broken)
    assert code == 0, output
    assert "warning: near_duplicate: 1" in output


@pytest.mark.parametrize("role", [0, 1, 2])
def test_an_empty_message_is_caught(rows: dict[str, list[dict[str, Any]]], tmp_path: Path, role: int) -> None:
    broken = copy.deepcopy(rows)
    broken["val"][0]["messages"][role]["content"] = "  "
    code, output = _validate(tmp_path, broken)
    assert code == 1
    assert "error: empty_message: 1" in output
    assert "val.jsonl:1" in output


def test_a_bad_label_is_caught(rows: dict[str, list[dict[str, Any]]], tmp_path: Path) -> None:
    broken = copy.deepcopy(rows)
    broken["train"][0]["messages"][2]["content"] = "maybe"
    broken["train"][1]["label"] = "yes"
    broken["train"][2]["label"] = not broken["train"][2]["label"]
    code, output = _validate(tmp_path, broken)
    assert code == 1
    assert "error: bad_label: 3" in output
    assert "is not one of ['yes', 'no']" in output
    assert "contradicts label" in output


@pytest.mark.parametrize(
    ("mutate", "kind"),
    [
        (lambda r: r["messages"].pop(), "schema"),
        (lambda r: r["messages"].reverse(), "roles"),
        (lambda r: r["messages"][0].update(content="You are a helpful assistant."), "stale_prompt"),
        (lambda r: r["messages"][1].update(content="is this a secret? hunter2 please answer"), "prompt_format"),
        (lambda r: r["messages"][1].update(content=r["messages"][1]["content"] + "x" * 3000), "length"),
        (lambda r: r["meta"].pop("secret_hash"), "meta"),
        (lambda r: r["meta"].update(category="vibes"), "meta"),
        (lambda r: r["meta"].update(secret_hash="hunter2"), "meta"),
    ],
)
def test_schema_defects_are_caught(
    rows: dict[str, list[dict[str, Any]]], tmp_path: Path, mutate: Any, kind: str
) -> None:
    broken = copy.deepcopy(rows)
    mutate(broken["test"][0])
    code, output = _validate(tmp_path, broken)
    assert code == 1
    assert f"error: {kind}: 1" in output


def test_a_line_that_is_not_json_is_caught(rows: dict[str, list[dict[str, Any]]], tmp_path: Path) -> None:
    paths = _write(tmp_path, rows)
    with open(paths[0], "a", encoding="utf-8") as handle:
        handle.write('{"messages": [\n')
    result = CliRunner().invoke(data_group, ["validate", *paths])
    assert result.exit_code == 1
    assert "not JSON" in result.output


def test_imbalance_is_reported_per_split_and_kind(rows: dict[str, list[dict[str, Any]]], tmp_path: Path) -> None:
    skewed = {"train": [r for r in rows["train"] if r["label"]] + [r for r in rows["train"] if not r["label"]][:2]}
    code, output = _validate(tmp_path, skewed)
    assert code == 0
    assert "warning: balance" in output
    assert "split train" in output


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(data_group, ["validate", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "does not exist" in result.output
