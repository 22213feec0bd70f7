"""`secretscan` end to end: real files, real git repositories in tmp dirs, rules-only unless a test says so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import secret_samples as samples
from binary_samples import png_bytes
from repo_helpers import git
from repo_helpers import no_inherited_git_env, write_files  # noqa: F401 (an autouse fixture)

from secretscan.cli import main

RULES_ONLY = 'backend = "none"\n'


@pytest.fixture(autouse=True)
def no_color_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_no_secret_leaks(text: str) -> None:
    for secret in (samples.aws_access_key_id(), samples.github_token(), samples.database_password(), samples.aws_secret_access_key()):
        assert secret not in text


@pytest.fixture
def rules_only_repo(git_repo: Path) -> Path:
    (git_repo / ".secretscan.toml").write_text(RULES_ONLY)
    return git_repo


def test_scan_finds_each_kind_of_secret_and_masks_them(rules_only_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_files(rules_only_repo, samples.leaky_files())
    code, out, err = run(capsys, "scan", "--format", "json")
    assert code == 1, err
    report = json.loads(out)
    found = {(f["path"], f["line"]) for f in report["findings"]}
    assert {("deploy/aws.py", 3), ("scripts/release.sh", 2), ("app/settings.py", 2), ("certs/server.key", 1)} <= found
    assert all("commit" not in f or f["commit"] is None for f in report["findings"])
    assert_no_secret_leaks(out + err)
    assert "finding" in err  # the one-line summary goes to stderr when stdout carries JSON


def test_scan_text_report_and_exit_codes(rules_only_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_files(rules_only_repo, samples.harmless_files())
    code, out, err = run(capsys, "scan", ".")
    assert code == 0, out + err
    assert "0 findings" in out and "\x1b[" not in out
    write_files(rules_only_repo, {"app/settings.py": samples.leaky_files()["app/settings.py"]})
    code, out, _ = run(capsys, "scan", "app")
    assert code == 1
    assert "app/settings.py:2:" in out
    assert_no_secret_leaks(out)


def test_sarif_report_to_a_file(rules_only_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_files(rules_only_repo, samples.leaky_files())
    code, out, err = run(capsys, "scan", "--format", "sarif", "--output", "report.sarif")
    assert code == 1 and out == ""
    sarif = json.loads((rules_only_repo / "report.sarif").read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    assert "finding" in err
    assert_no_secret_leaks((rules_only_repo / "report.sarif").read_text())


def test_binary_huge_and_non_utf8_files(rules_only_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (rules_only_repo / ".secretscan.toml").write_text(RULES_ONLY + "max_file_bytes = 100000\n")
    settings = samples.leaky_files()["app/settings.py"]
    write_files(
        rules_only_repo,
        {
            "blob.bin": png_bytes() + settings.encode(),  # a secret after binary content is not text we judge
            "huge.log": "x" * 200_000 + "\n" + settings,  # over max_file_bytes: read in windows, never skipped
            "legacy.ini": ("[db]\nname = caf\xe9\n" + settings).encode("latin-1"),
        },
    )
    code, out, err = run(capsys, "scan", "--format", "json")
    assert code == 1, err
    report = json.loads(out)
    assert [(f["path"], f["line"]) for f in report["findings"]] == [("huge.log", 3), ("legacy.ini", 4)]
    assert report["stats"]["files_skipped_binary"] == 1
    assert "1 binary" in err


def test_exclude_option_adds_to_the_config(rules_only_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_files(rules_only_repo, samples.leaky_files())
    code, out, _ = run(capsys, "scan", "--exclude", "deploy", "--exclude", "*.sh", "--exclude", "certs/**", "--exclude", "app")
    assert code == 0, out


def test_staged_scan_judges_only_added_lines(rules_only_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_files(rules_only_repo, {"app/settings.py": samples.leaky_files()["app/settings.py"]})
    git("add", ".", cwd=rules_only_repo)
    git("commit", "-qm", "an old secret, already committed", cwd=rules_only_repo)
    with (rules_only_repo / "app" / "settings.py").open("a") as handle:
        handle.write("TIMEOUT = 30\n")
    git("add", ".", cwd=rules_only_repo)
    assert run(capsys, "scan", "--staged")[0] == 0
    write_files(rules_only_repo, {"scripts/release.sh": samples.leaky_files()["scripts/release.sh"]})
    git("add", ".", cwd=rules_only_repo)
    code, out, _ = run(capsys, "scan", "--staged", "--format", "json")
    assert code == 1
    assert [f["path"] for f in json.loads(out)["findings"]] == ["scripts/release.sh"]


def test_history_finds_a_secret_removed_since_and_names_its_commit(rules_only_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_files(rules_only_repo, {"README.md": "# app\n"})
    git("add", ".", cwd=rules_only_repo)
    git("commit", "-qm", "init", cwd=rules_only_repo)
    write_files(rules_only_repo, {"scripts/release.sh": samples.leaky_files()["scripts/release.sh"]})
    git("add", ".", cwd=rules_only_repo)
    git("commit", "-qm", "release script", cwd=rules_only_repo)
    leaked_in = git("rev-parse", "HEAD", cwd=rules_only_repo).strip()
    write_files(rules_only_repo, {"scripts/release.sh": "#!/bin/sh\ngh release create \"$1\"\n"})
    git("commit", "-qam", "remove the token", cwd=rules_only_repo)

    assert run(capsys, "scan")[0] == 0  # the working tree is clean now
    code, out, _ = run(capsys, "scan", "--history", "--format", "json")
    assert code == 1
    findings = json.loads(out)["findings"]
    assert [(f["path"], f["line"], f["commit"]) for f in findings] == [("scripts/release.sh", 2, leaked_in)]
    assert run(capsys, "scan", "--history", f"{leaked_in}..HEAD")[0] == 0
    code, out, _ = run(capsys, "scan", "--history", f"{leaked_in}~1..{leaked_in}")
    assert code == 1 and f"commit {leaked_in[:7]}" in out


def test_baseline_round_trip(rules_only_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_files(rules_only_repo, samples.leaky_files())
    code, _, err = run(capsys, "baseline")
    assert code == 0, err
    stored = (rules_only_repo / ".secretscan-baseline.json").read_text()
    assert_no_secret_leaks(stored)
    assert run(capsys, "scan")[0] == 0  # the default baseline is picked up
    assert run(capsys, "scan", "--baseline", "missing.json")[0] == 2
    write_files(rules_only_repo, {"more/new.py": f'TOKEN = "{samples.github_token("other")}"\n'})
    code, out, _ = run(capsys, "scan", "--format", "json")
    assert code == 1 and [f["path"] for f in json.loads(out)["findings"]] == ["more/new.py"]


@pytest.mark.parametrize(
    ("argv", "toml", "message"),
    [
        (["scan", "--staged"], None, "secretscan: error: not a git repository"),
        (["scan"], 'backend = "gpt-5"\n', "secretscan: error: "),
        (["scan"], "backend = \n", "invalid TOML"),
        (["scan"], "unknown_key = 1\n", "unknown key(s) unknown_key"),
        (["scan", "does-not-exist"], None, "secretscan: error: does-not-exist: no such file or directory"),
        (["scan", "--staged", "--history"], None, "can't be combined"),
        (["scan", "--format", "xml"], None, "Invalid value for '--format'"),
        (["scan", "--threshold", "3"], None, "Invalid value for '--threshold'"),
        (["scan", "--config", "nope.toml"], None, "secretscan: error: cannot read nope.toml"),
        (["frobnicate"], None, "No such command"),
    ],
)
def test_usage_config_and_git_errors_exit_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], toml: str | None, message: str
) -> None:
    outside = tmp_path / "not-a-repo"
    outside.mkdir()
    monkeypatch.chdir(outside)
    if toml is not None:
        (outside / ".secretscan.toml").write_text(toml)
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert len([line for line in err.splitlines() if line.startswith("secretscan: error:")]) <= 1


def test_console_script_exit_codes_and_no_traceback(tmp_path: Path) -> None:
    """The installed entry point, as a user's shell runs it."""
    (tmp_path / ".secretscan.toml").write_text(RULES_ONLY)
    write_files(tmp_path, {"ok.txt": "hello\n"})
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    clean = subprocess.run([sys.executable, "-m", "secretscan", "scan"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert clean.returncode == 0, clean.stderr
    broken = subprocess.run([sys.executable, "-m", "secretscan", "scan", "--staged"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert broken.returncode == 2
    assert broken.stderr.strip() == "secretscan: error: not a git repository (run inside a git work tree)"


def test_help_and_lazy_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for command in ("scan", "explain", "hook", "install", "baseline", "eval", "audit", "model"):
        assert f"  {command} " in out
    assert run(capsys, "model", "build", "--help")[0] == 0
    assert run(capsys, "--version")[1].strip() == "secretscan, version 0.1.0"


def test_lazy_eval_command_loads_on_use(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "eval", "--help")
    assert code == 0 and "Usage: secretscan eval" in out


def test_ctrl_c_exits_130_without_a_traceback(rules_only_repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("secretscan.api.scan_paths", interrupted)
    code, _, err = run(capsys, "scan")
    assert code == 130
    assert err.strip() == "secretscan: interrupted"


def test_backend_down_falls_back_to_rules_with_a_warning(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Ollama configured but not running (nothing listens on the port): the certain findings still block. With no
    cheap scorer every uncertain candidate needs the LLM, so the scan finds out that it is down."""
    (git_repo / ".secretscan.toml").write_text(
        'backend = "ollama"\nollama_host = "http://127.0.0.1:9"\nmodel = "secretscan-judge"\nscorer = "none"\n'
    )
    write_files(git_repo, samples.leaky_files())
    code, out, err = run(capsys, "scan", "--format", "json")
    assert code == 1, err
    assert "secretscan: warning:" in err and "rules only" in err
    assert {f["path"] for f in json.loads(out)["findings"]} >= {"scripts/release.sh", "certs/server.key"}


def test_what_was_left_unscanned_is_said_on_stderr(rules_only_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.mkfifo(rules_only_repo / "named-pipe")
    write_files(rules_only_repo, {"ok.py": "x = 1\n"})
    code, out, err = run(capsys, "scan", ".", "named-pipe", "--format", "json")
    assert code == 0 and json.loads(out)["findings"] == []
    assert "secretscan: warning: 1 unreadable file(s) skipped" in err
    code, out, _ = run(capsys, "scan", ".", "named-pipe")
    assert "1 unreadable file(s) skipped" in out  # the text report carries its warnings
