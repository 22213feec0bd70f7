"""`secretscan-train data import-audit`: audit marks -> judge examples, and the data build's `audits` hook.

A real folder is scanned (rules only), its findings are marked the way `secretscan audit` stores them, and the
import reads the folder's current text back.
"""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest

from secretscan.api import scan_paths
from secretscan.config import Config
from secretscan.errors import ConfigError
from secretscan.scanner.baseline import record_verdict
from secretscan.scanner.prompt import LABEL_SAFE, LABEL_SECRET, build_prompt, to_messages
from secretscan.scanner.types import Finding
from secretscan.training.cli import main
from secretscan.training.data.build import build_dataset
from secretscan.training.data.config import load_data_config


def _value(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(20))


def _repo(root: Path) -> list[Finding]:
    """Six files, one password assignment each; the rules-only findings of a scan of them (paths relative)."""
    rng = random.Random(5)
    for index in range(6):
        body = f"import os\n\nclass Settings{index}:\n    db_password = \"{_value(rng)}\"\n    debug = False\n"
        (root / "app").mkdir(parents=True, exist_ok=True)
        (root / "app" / f"settings_{index}.py").write_text(body, encoding="utf-8")
    return list(scan_paths(["app"], Config(backend="none"), None).findings)


@pytest.fixture
def audited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, list[Finding]]:
    repo = tmp_path / "repo"
    repo.mkdir()
    monkeypatch.chdir(repo)
    findings = _repo(repo)
    assert len(findings) == 6
    baseline = repo / ".secretscan-baseline.json"
    for index, finding in enumerate(findings):
        record_verdict(baseline, finding, "real" if index < 2 else "false-positive")
    monkeypatch.chdir(tmp_path)
    return repo, baseline, findings


def _rows(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_marks_become_examples_with_the_judges_own_prompt(audited: tuple[Path, Path, list[Finding]], tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    repo, baseline, findings = audited
    out = tmp_path / "audit.jsonl"
    assert main(["data", "import-audit", str(baseline), "--repo", str(repo), "--out", str(out)]) == 0
    assert "wrote 6 examples" in capsys.readouterr().out
    rows = _rows(out)
    expected = [to_messages(build_prompt(f.candidate), LABEL_SECRET if i < 2 else LABEL_SAFE)
                for i, f in enumerate(findings)]
    assert [row["messages"] for row in rows] == expected
    assert [row["label"] for row in rows] == [True, True, False, False, False, False]
    assert {row["meta"]["source"] for row in rows} == {"audit"}  # type: ignore[index]
    # The rows pass `data validate` like any other training data.
    assert main(["data", "validate", str(out)]) in (0, 1)
    report = capsys.readouterr().out
    assert "schema" not in report and "meta" not in report and "prompt_format" not in report


def test_the_current_text_decides_and_what_is_gone_is_counted(audited: tuple[Path, Path, list[Finding]],
                                                              tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    repo, baseline, findings = audited
    (repo / ".secretscan.toml").write_text("context_lines = 2\n", encoding="utf-8")
    # One secret rotated out of its file, one file deleted, one entry pointing outside the repository.
    moved = repo / findings[2].candidate.path
    moved.write_text(moved.read_text().replace(findings[2].candidate.secret, "os.environ['DB']"))
    (repo / findings[3].candidate.path).unlink()
    document = json.loads(baseline.read_text())
    document["fingerprints"].append({"path": "../outside.py", "rule": "r", "fingerprint": "a" * 64,
                                     "verdict": "false-positive"})
    baseline.write_text(json.dumps(document))
    (tmp_path / "outside.py").write_text('db_password = "should-never-be-read-1234"\n')

    out = tmp_path / "audit.jsonl"
    assert main(["data", "import-audit", str(baseline), "--repo", str(repo), "--out", str(out)]) == 0
    assert "skipped 1 file missing, 1 not found, 1 outside repo" in capsys.readouterr().out
    rows = _rows(out)
    assert len(rows) == 4
    # The repository's config asks for two context lines, as the judge would see them.
    assert all("before: " in row["messages"][1]["content"] for row in rows)  # type: ignore[index]


@pytest.mark.parametrize("case", ["no-marks", "missing-baseline", "not-a-repo"])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str], case: str) -> None:
    monkeypatch.chdir(tmp_path)
    baseline = tmp_path / "baseline.json"
    if case == "no-marks":
        baseline.write_text(json.dumps({"version": 2, "fingerprints": [
            {"path": "a.py", "rule": "r", "fingerprint": "b" * 64, "verdict": "accepted"}]}))
    elif case == "not-a-repo":
        baseline.write_text(json.dumps({"version": 2, "fingerprints": []}))
    repo = tmp_path / ("missing" if case == "not-a-repo" else "")
    code = main(["data", "import-audit", str(baseline), "--repo", str(repo), "--out", str(tmp_path / "o.jsonl")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("secretscan-train: error: ")
    assert not (tmp_path / "o.jsonl").exists()


def test_the_data_build_adds_audit_rows_to_train(audited: tuple[Path, Path, list[Finding]], tmp_path: Path) -> None:
    repo, baseline, _ = audited
    audit_file = tmp_path / "audit.jsonl"
    assert main(["data", "import-audit", str(baseline), "--repo", str(repo), "--out", str(audit_file)]) == 0
    config_file = tmp_path / "data.yaml"
    config_file.write_text(f"seed: 11\nexamples: 60\naudits:\n  files: [{audit_file}]\n  repeat: 3\n")
    config = load_data_config(config_file)
    out = tmp_path / "built"
    build_dataset(config, out)
    audit_prompts = {row["messages"][1]["content"] for row in _rows(audit_file)}  # type: ignore[index]
    by_split = {name: [r for r in _rows(out / f"{name}.jsonl")
                       if r["meta"]["source"] == "audit"]  # type: ignore[index]
                for name in ("train", "val", "test")}
    assert len(by_split["train"]) == 6 * 3 and not by_split["val"] and not by_split["test"]
    assert {r["messages"][1]["content"] for r in by_split["train"]} == audit_prompts  # type: ignore[index]
    manifest = json.loads((out / "build.json").read_text())
    assert manifest["config"]["audits"] == {"files": [str(audit_file)], "repeat": 3}

    # A row that is not an audit example is refused with its file and line.
    audit_file.write_text(audit_file.read_text().replace('"source": "audit"', '"source": "synthetic"', 1))
    with pytest.raises(ConfigError, match=r"audit\.jsonl:1: unknown category 'audit-real'"):
        build_dataset(config, tmp_path / "again")
