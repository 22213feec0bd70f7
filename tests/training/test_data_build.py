"""`data build` end to end on configs/data/ci.yaml: real generators, the real candidate stage, real files."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from secretscan.scanner.candidates import find_candidates
from secretscan.scanner.filters import harmless_reason
from secretscan.scanner.prompt import LABEL_SAFE, LABEL_SECRET, build_prompt, to_messages
from secretscan.scanner.types import Candidate, Certainty, ScanUnit
from secretscan.training.data.build import _Kept, assign_splits
from secretscan.training.data.cli import data_group
from secretscan.training.data.config import DataConfig, load_data_config
from secretscan.training.data.examples import Example
from secretscan.training.data.generate import generate_group
from secretscan.training.data.values import HARD_NEGATIVE_CATEGORIES

REPO = Path(__file__).resolve().parents[2]
CI_CONFIG = REPO / "configs" / "data" / "ci.yaml"
OUTPUTS = ("train.jsonl", "val.jsonl", "test.jsonl", "build.json")


def _rows(folder: Path) -> Iterator[tuple[str, dict]]:
    for split in ("train", "val", "test"):
        for line in (folder / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            yield split, json.loads(line)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("data")
    result = CliRunner().invoke(data_group, ["build", "--config", str(CI_CONFIG), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_build_writes_splits_and_a_manifest(built: Path) -> None:
    for name in OUTPUTS:
        assert (built / name).is_file()
    manifest = json.loads((built / "build.json").read_text(encoding="utf-8"))
    for name in ("train.jsonl", "val.jsonl", "test.jsonl"):
        assert manifest["sha256"][name] == hashlib.sha256((built / name).read_bytes()).hexdigest()
    counts = manifest["counts"]["all"]
    config = load_data_config(CI_CONFIG)
    # The leakage guard may drop a few val/test secrets; nothing else is lost.
    assert config.examples - 10 <= counts["examples"] <= config.examples
    assert 0.45 <= counts["positives"] / counts["examples"] <= 0.55
    assert counts["hard_negative_share"] >= 0.4
    assert len(counts["kinds"]) >= 12
    assert manifest["excluded_candidates"], "certain and filtered candidates are counted, not silently lost"
    assert any(key.startswith("certain:") for key in manifest["excluded_candidates"])
    assert any(key.startswith("filtered:") for key in manifest["excluded_candidates"])


def test_rows_follow_the_contract(built: Path) -> None:
    splits = Counter()
    for split, row in _rows(built):
        splits[split] += 1
        assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]
        assert row["messages"][2]["content"] == (LABEL_SECRET if row["label"] else LABEL_SAFE)
        meta = row["meta"]
        assert meta["source"] == "synthetic"
        assert set(meta) >= {"rule", "category", "kind", "hard_negative", "source", "secret_hash"}
        assert meta["hard_negative"] == (not row["label"] and meta["category"] in HARD_NEGATIVE_CATEGORIES)
        # The row keeps the value only inside the prompt; meta holds its hash.
        value = row["messages"][1]["content"].rsplit("\nvalue: ", 1)[1]
        if not value.endswith("…"):
            assert meta["secret_hash"] == hashlib.sha256(value.encode()).hexdigest()
            # (A four-letter sample like `fake` may well occur in a category name such as `fake-fixture`.)
            if len(value) >= 8:
                assert all(value not in str(v) for k, v in meta.items() if k != "secret_hash")
    assert splits["train"] > splits["val"] > 0 and splits["test"] > 0


def _scanner_candidates(seed: int, files: int) -> dict[str, list[tuple[Candidate, bool, str | None]]]:
    """Independently of the builder: regenerate the files and run the real candidate stage and filters over them.

    Maps each non-certain candidate's prompt to every (candidate, ground-truth label, harmless_reason) that has it:
    the same line in two files can differ in its context lines, which some filters read."""
    config = load_data_config(CI_CONFIG)
    seen: dict[str, list[tuple[Candidate, bool, str | None]]] = {}
    generated = 0
    group = 0
    while generated < files:
        for file in generate_group(seed, group, config.generator):
            generated += 1
            truth = {p.line: p.value.label for p in file.rendered.planted}
            for candidate in find_candidates(ScanUnit(file.rendered.path, file.rendered.text)):
                if candidate.certainty is Certainty.CERTAIN:
                    continue
                entry = (candidate, truth.get(candidate.line, False), harmless_reason(candidate))
                seen.setdefault(build_prompt(candidate).user, []).append(entry)
        group += 1
    return seen


def test_every_prompt_is_build_prompt_of_a_real_candidate_with_its_true_label(built: Path) -> None:
    manifest = json.loads((built / "build.json").read_text(encoding="utf-8"))
    config = load_data_config(CI_CONFIG)
    scanned = _scanner_candidates(config.seed, manifest["files_generated"])
    filtered = 0
    for _, row in _rows(built):
        user = row["messages"][1]["content"]
        assert user in scanned, "a prompt that the scanner would not build"
        answer = LABEL_SECRET if row["label"] else LABEL_SAFE
        meta = row["meta"]
        # Judge-visible rows are exactly what the engine would send to the judge; the others are negatives the
        # filters drop, marked as such and capped by filtered_negative_share.
        matches = [
            candidate
            for candidate, truth, reason in scanned[user]
            if truth == row["label"] and reason == meta["filter"] and meta["judge_visible"] == (reason is None)
        ]
        assert matches, f"no scanned candidate has this row's label and filter: {meta}"
        assert row["messages"] == to_messages(build_prompt(matches[0]), answer)
        assert meta["rule"] == matches[0].rule
        if meta["filter"] is not None:
            filtered += 1
            assert row["label"] is False
    negatives = manifest["counts"]["all"]["negatives"]
    assert 0 < filtered <= config.filtered_negative_share * negatives + 1


def test_same_seed_gives_identical_bytes_in_another_process(built: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    code = (
        "import sys; from secretscan.training.data.cli import data_group; "
        "data_group.main(args=sys.argv[1:], standalone_mode=True)"
    )
    subprocess.run(
        [sys.executable, "-c", code, "build", "--config", str(CI_CONFIG), "--out", str(tmp_path), "--no-progress"],
        check=True,
        env=env,
        capture_output=True,
        cwd=REPO,
    )
    for name in OUTPUTS:
        assert (tmp_path / name).read_bytes() == (built / name).read_bytes(), name


def test_built_data_passes_validate(built: Path) -> None:
    files = [str(built / f"{s}.jsonl") for s in ("train", "val", "test")]
    result = CliRunner().invoke(data_group, ["validate", *files])
    assert result.exit_code == 0, result.output
    assert "OK:" in result.output
    assert " 0 errors" in result.output


def test_stats_prints_tables_and_json(built: Path) -> None:
    result = CliRunner().invoke(data_group, ["stats", str(built)])
    assert result.exit_code == 0
    assert "split" in result.output and "hard-neg" in result.output and "category" in result.output
    as_json = CliRunner().invoke(data_group, ["stats", "--json", str(built)])
    counts = json.loads(as_json.output)
    assert counts["all"]["examples"] == sum(counts[s]["examples"] for s in ("train", "val", "test"))


def test_stats_without_data_is_a_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(data_group, ["stats", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.startswith("secretscan-train: error: no .jsonl files")


def test_leakage_guard_drops_val_and_test_secrets_seen_in_train() -> None:
    config = DataConfig(examples=10)
    candidate = Candidate("a.py", 1, 1, "s3cr3t-Value-9", "generic-password", "password", 'pw = "s3cr3t-Value-9"')
    kept = []
    for group in range(200):
        example = Example(candidate, True, "password", "python", "synthetic", False, group)
        kept.append(_Kept(example, example.row(0)))
    dropped: Counter[str] = Counter()
    splits = assign_splits(kept, config, dropped)
    # One secret value: only the first split that holds it keeps it.
    assert len(splits["train"]) > 0
    assert splits["val"] == [] and splits["test"] == []
    assert dropped["leak_val"] + dropped["leak_test"] == 200 - len(splits["train"])


def test_a_build_that_cannot_meet_the_hard_negative_share_fails(tmp_path: Path) -> None:
    config = tmp_path / "strict.yaml"
    config.write_text("seed: 3\nexamples: 60\nmin_hard_negative_share: 1.0\n", encoding="utf-8")
    result = CliRunner().invoke(
        data_group, ["build", "--config", str(config), "--out", str(tmp_path / "out"), "--no-progress"]
    )
    assert result.exit_code == 2
    assert "of the negatives are hard" in result.output
    assert not (tmp_path / "out" / "train.jsonl").exists()


def test_harvested_weak_negatives_go_to_their_own_file(tmp_path: Path) -> None:
    tree = tmp_path / "site-packages" / "somelib"
    tree.mkdir(parents=True)
    (tree / "client.py").write_text(
        'SESSION_COOKIE = "a8Fj29dKq0Lz7Xc1Vb3Nm5Qw"\nHEADER = {"X-Trace": "9f8e7d6c5b4a39281706f5e4d3c2b1a0ffee"}\n',
        encoding="utf-8",
    )
    (tree / "tests").mkdir()
    (tree / "tests" / "test_client.py").write_text('password = "fixture-password-1"\n', encoding="utf-8")
    config = tmp_path / "small.yaml"
    config.write_text("seed: 4\nexamples: 60\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        data_group, ["build", "--config", str(config), "--out", str(out), "--harvest", str(tmp_path / "site-packages")]
    )
    assert result.exit_code == 0, result.output
    harvested = [json.loads(line) for line in (out / "harvested.jsonl").read_text(encoding="utf-8").splitlines()]
    assert harvested
    assert all(r["meta"]["source"] == "harvested" and r["label"] is False for r in harvested)
    assert all(r["meta"]["category"] == "harvested" for r in harvested)
    # Test folders hold fixtures the policy counts as secrets: they are not harvested as negatives.
    assert not any("fixture-password-1" in r["messages"][1]["content"] for r in harvested)
    manifest = json.loads((out / "build.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["harvested"]["examples"] == len(harvested)
    assert manifest["counts"]["all"]["examples"] == sum(
        manifest["counts"][s]["examples"] for s in ("train", "val", "test")
    )
    validate = CliRunner().invoke(
        data_group, ["validate", *(str(out / f"{s}.jsonl") for s in ("train", "val", "test", "harvested"))]
    )
    assert validate.exit_code == 0, validate.output
