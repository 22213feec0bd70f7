"""`secretscan audit` driven through a real pseudo-terminal (pexpect): every key, the baseline round trip, colours.

The repository is real git in a tmp dir with 20 findings (GitHub tokens with valid checksums, certain without a
model), so the scan runs with `--backend none`: the audit itself needs no judge.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from repo_helpers import git, no_inherited_git_env, write_files  # noqa: F401  (autouse fixture)
from secret_samples import github_token

pexpect = pytest.importorskip("pexpect")

PROMPT = "[q] quit > "
SGR = re.compile(r"\x1b\[[0-9;]*m")
FILES, PER_FILE = 4, 5


def _tokens() -> dict[tuple[str, int], str]:
    """(path, line) -> token: 5 per file on lines 3..7, adjacent, so each card's context holds other secrets."""
    return {(f"svc{i}.py", 3 + j): github_token(f"audit-{i}-{j}") for i in range(FILES) for j in range(PER_FILE)}


@pytest.fixture
def repo(git_repo: Path) -> Iterator[Path]:
    files = {}
    for i in range(FILES):
        lines = ["import os", ""] + [f'TOKEN_{j} = "{_tokens()[(f"svc{i}.py", 3 + j)]}"' for j in range(PER_FILE)]
        files[f"svc{i}.py"] = "\n".join(lines) + "\n"
    write_files(git_repo, files)
    git("add", ".", cwd=git_repo)
    git("commit", "-qm", "tokens", cwd=git_repo)
    yield git_repo


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "VISUAL", "EDITOR")}
    env.update(TERM="xterm", COLUMNS="120", **extra)
    return env


def _audit(repo: Path, *args: str, **env: str) -> pexpect.spawn:
    return pexpect.spawn(sys.executable, ["-m", "secretscan", "audit", "--backend", "none", *args], cwd=str(repo),
                         env=_env(**env), encoding="utf-8", timeout=60, dimensions=(40, 120))


def _finish(child: pexpect.spawn) -> tuple[str, int]:
    child.expect(pexpect.EOF)
    child.close()
    return child.before, child.exitstatus if child.exitstatus is not None else 128 + (child.signalstatus or 0)


def _scan(repo: Path) -> tuple[int, list[dict[str, object]]]:
    done = subprocess.run([sys.executable, "-m", "secretscan", "scan", "--backend", "none", "--format", "json", "."],
                          cwd=repo, env=_env(), capture_output=True, text=True, timeout=60)
    return done.returncode, json.loads(done.stdout)["findings"]


def _card_location(text: str) -> tuple[str, int]:
    match = re.search(r"^(svc\d\.py):(\d+):\d+ ", text, re.MULTILINE)
    assert match, text
    return match.group(1), int(match.group(2))


def test_every_key_in_a_real_pty_and_the_baseline_round_trip(repo: Path, tmp_path: Path) -> None:
    editor_log = tmp_path / "editor.log"
    editor = tmp_path / "fake-editor"
    editor.write_text(f'#!/bin/sh\necho "$@" >> {editor_log}\n')
    editor.chmod(0o755)
    tokens = _tokens()
    child = _audit(repo, NO_COLOR="1", EDITOR=str(editor))
    transcript = []
    marks: dict[tuple[str, int], str] = {}
    edited: list[tuple[str, int]] = []
    for card in range(1, 21):
        child.expect_exact(PROMPT)
        transcript.append(child.before)
        assert f"---- {card}/20 " in child.before
        where = _card_location(child.before)
        if card == 20:
            child.send("q")
            break
        kind = card % 4
        if kind == 3:
            # An unknown key only repeats the choices; `e` opens $EDITOR at the line, then the same card asks again.
            child.send("x")
            child.expect_exact("press r (real), f (false positive), s (skip), e (open in $EDITOR) or q (quit)")
            child.expect_exact(PROMPT)
            child.send("e")
            child.expect_exact(f"e -> back from the editor ({where[0]}:{where[1]})")
            child.expect_exact(PROMPT)
            edited.append(where)
            child.send("F")  # keys are case-insensitive
            marks[where] = "false-positive"
        else:
            key = "rfs"[kind]
            child.send(key)
            marks[where] = {"r": "real", "f": "false-positive", "s": "skip"}[key]
        child.expect_exact("-> ")
    output, status = _finish(child)
    transcript.append(output)
    text = "".join(transcript)

    assert status == 0
    assert "secretscan: audit: 4 real, 10 false positive, 5 skipped, 1 left for later" in output
    assert [line.split() for line in editor_log.read_text().splitlines()] == [[f"+{n}", p] for p, n in edited]
    # Masked everywhere: the card's own value and its neighbours in the context lines. NO_COLOR: no SGR codes.
    assert not any(token in text for token in tokens.values())
    assert text.count(" | TOKEN_") >= 19 * 4 and "gh…" in text
    # Each card says why: the token's kind and name, and why a valid checksum needs no model.
    assert text.count("why: a github-pat token assigned to `TOKEN_") == 20
    assert text.count("its checksum is valid") == 20
    assert not SGR.search(text)

    baseline_text = (repo / ".secretscan-baseline.json").read_text()
    assert not any(token in baseline_text for token in tokens.values())
    document = json.loads(baseline_text)
    assert document["version"] == 2
    stored = {(e["path"], e["verdict"]) for e in document["fingerprints"]}
    assert {verdict for _, verdict in stored} == {"real", "false-positive"}
    assert len(document["fingerprints"]) == sum(1 for m in marks.values() if m != "skip")

    # A later scan: false positives suppressed, real ones still fail it, skipped and unreached ones still reported.
    code, findings = _scan(repo)
    assert code == 1
    reported = {(f["path"], f["line"]) for f in findings}
    assert reported == {where for where in tokens if marks.get(where) != "false-positive"}

    # The next audit asks only about what is still unmarked: the 5 skipped and the 1 never reached.
    child = _audit(repo, NO_COLOR="1")
    for card in range(1, 7):
        child.expect_exact(PROMPT)
        assert f"---- {card}/6 " in child.before
        assert marks.get(_card_location(child.before), "skip") == "skip"
        child.send("f")
    output, status = _finish(child)
    assert status == 0 and "0 real, 6 false positive, 0 skipped" in output
    code, findings = _scan(repo)
    assert code == 1
    assert {(f["path"], f["line"]) for f in findings} == {w for w, m in marks.items() if m == "real"}

    # --scope baseline walks the marked entries; turning the real ones into false positives makes the scan clean.
    child = _audit(repo, "--scope", "baseline", NO_COLOR="1")
    for card in range(1, 21):
        child.expect_exact(PROMPT)
        assert f"---- {card}/20 " in child.before
        child.send("f")
    _, status = _finish(child)
    assert status == 0
    assert _scan(repo) == (0, [])


def test_colours_on_a_terminal_and_none_with_no_color_flag(repo: Path) -> None:
    child = _audit(repo)
    child.expect_exact(PROMPT)
    assert SGR.search(child.before)
    child.send("q")
    _finish(child)
    child = _audit(repo, "--no-color")
    child.expect_exact(PROMPT)
    assert not SGR.search(child.before)
    child.send("q")
    _, status = _finish(child)
    assert status == 0


def test_ctrl_c_keeps_the_answers_given_and_ctrl_d_quits(repo: Path) -> None:
    child = _audit(repo)
    child.expect_exact(PROMPT)
    child.send("f")
    child.expect_exact(PROMPT)
    child.sendcontrol("c")
    output, status = _finish(child)
    assert status == 130
    assert "secretscan: interrupted" in output and "Traceback" not in output
    verdicts = [e["verdict"] for e in json.loads((repo / ".secretscan-baseline.json").read_text())["fingerprints"]]
    assert verdicts == ["false-positive"]

    child = _audit(repo)
    child.expect_exact(PROMPT)
    assert "---- 1/19 " in child.before
    child.sendcontrol("d")
    output, status = _finish(child)
    assert status == 0 and "0 real, 0 false positive, 0 skipped, 19 left for later" in output


def test_edit_without_an_editor_says_how_to_set_one(repo: Path) -> None:
    child = _audit(repo)
    child.expect_exact(PROMPT)
    child.send("e")
    child.expect_exact("e -> set $EDITOR (or $VISUAL) to open files")
    child.expect_exact(PROMPT)
    child.send("q")
    _, status = _finish(child)
    assert status == 0


def test_a_version_1_baseline_is_audited_and_written_back_as_version_2(repo: Path) -> None:
    code, findings = _scan(repo)
    assert code == 1
    first = findings[0]
    entry = {"path": first["path"], "rule": first["rule"], "fingerprint": first["fingerprint"]}
    (repo / ".secretscan-baseline.json").write_text(json.dumps({"version": 1, "fingerprints": [entry]}))
    child = _audit(repo, "--scope", "baseline")
    child.expect_exact(PROMPT)
    assert "---- 1/1 " in child.before and "baseline: accepted" in child.before
    child.send("r")
    _, status = _finish(child)
    assert status == 0
    document = json.loads((repo / ".secretscan-baseline.json").read_text())
    assert document["version"] == 2
    assert document["fingerprints"] == [{**entry, "verdict": "real"}]


def test_audit_without_a_terminal_is_a_one_line_error(repo: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "secretscan", "audit", "--backend", "none"], cwd=repo, env=_env(),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr == "secretscan: error: audit reads its keys from a terminal, and stdin is not one\n"


def test_nothing_to_audit_in_a_clean_tree(git_repo: Path) -> None:
    write_files(git_repo, {"app.py": "import os\nTOKEN = os.environ['TOKEN']\n"})
    child = _audit(git_repo)
    output, status = _finish(child)
    assert status == 0
    assert "secretscan: nothing to audit (0 finding(s), scope unaudited)" in output
