"""Where the true lines were lost: one synthetic line per stage of our scanner, run through `secretscan eval`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from secret_samples import github_token

from secretscan.cli import main
from secretscan.config import ExtraRule
from secretscan.eval import error_analysis
from secretscan.eval.corpus import load_corpus
from secretscan.eval.error_analysis import CorpusTracer
from secretscan.eval.funnel import is_uuid_category
from secretscan.scanner.types import Candidate, ScanUnit

# Synthetic values, assembled here so that no scanner reads a whole one in this file.
STRIPE_LIVE = "sk_" + "live_" + "Qm4Xr9Tz2Lp7Wn5Kb8Vc3Hd6"
STRIPE_TEST = "sk_" + "test_" + "Qm4Xr9Tz2Lp7Wn5Kb8Vc3Hd6"
ALLOWED = "Vq3nR8" + "tLw2Kx"
DB_PASSWORD = "Hx7pQ2" + "wZk9Lm"
API_PASSWORD = "Zw4tY8" + "nB2qLs"
SESSION_ID = "3b241101-e2bb-4255-" + "8caf-4136c566a962"

# (line, label, category): each true line stops at a different stage. Rules only at threshold 0.7: a generic
# password's prior (0.6) and a UUID's (0.25) are judged below it, a Stripe key's (0.9) is reported.
SETTINGS = [
    ("import os", None),
    ('color = "bluebird"', (True, "Password")),  # never a candidate
    ('password = "<your-password-here>"', (True, "Password")),  # filtered: placeholder
    (f'password = "{ALLOWED}"  # pragma: allowlist secret', (True, "Password")),  # suppressed
    (f'token = "{github_token("funnel")}"', (True, "GitHub Token")),  # reported: certain (valid CRC32)
    (f'stripe = "{STRIPE_LIVE}"', (True, "Key:Token")),  # reported
    (f'db_password = "{DB_PASSWORD}"', (True, "Password")),  # judged below threshold
    (f'session_id = "{SESSION_ID}"', (True, "Token:UUID")),  # judged below threshold
    (f'STRIPE_TEST = "{STRIPE_TEST}"', (False, "Key:Token")),  # reached, reported: a false positive
    (f'api_password = "{API_PASSWORD}"', (False, "Password")),  # reached, below: a true negative
    ('API_TOKEN = os.environ["API_TOKEN"]', (False, "env-lookup")),  # never a candidate
]


@pytest.fixture
def funnel_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "funnel-corpus"
    (folder / "files").mkdir(parents=True)
    (folder / "files" / "settings.py").write_text("".join(line + "\n" for line, _ in SETTINGS), encoding="utf-8")
    rows = [
        {"path": "settings.py", "line": number, "label": label[0], "category": label[1]}
        for number, (_, label) in enumerate(SETTINGS, start=1)
        if label is not None
    ]
    (folder / "labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return folder


def run_eval(corpus: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, Any], str]:
    args = ["eval", "--corpus", str(corpus), "--mode", "rules", "--mode", "keyword", "--threshold", "0.7"]
    code = main([*args, "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return {m["mode"]: m for m in report["modes"]}, captured.out


def test_each_true_line_is_counted_at_the_stage_it_stopped(
    funnel_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    modes, _ = run_eval(funnel_corpus, tmp_path / "out", capsys)
    funnel = modes["rules"]["funnel"]
    assert funnel["true_lines"] == 7
    assert funnel["stages"] == {
        "reported: certain": 1,
        "reported": 1,
        "judged below threshold": 2,
        "filtered: placeholder": 1,
        "suppressed": 1,
        "never a candidate": 1,
    }
    assert list(funnel["stages"])[:3] == ["reported: certain", "reported", "judged below threshold"]  # in order
    assert funnel["by_category"] == {
        "GitHub Token": {"reported: certain": 1},
        "Key:Token": {"reported": 1},
        "Password": {"judged below threshold": 1, "filtered: placeholder": 1, "suppressed": 1, "never a candidate": 1},
        "Token:UUID": {"judged below threshold": 1},
    }
    # Reached: certain, reported and the two judged below; without the UUID line, 3 of 6.
    assert funnel["reach"] == {"all": round(4 / 7, 4), "without_uuids": 0.5}
    # The six labelled lines with a candidate that reached the judge: TP 2 (certain, Stripe), FN 2 (the two below),
    # FP 1 (the test key labelled false), TN 1.
    on_reached = funnel["on_reached"]
    assert {k: on_reached[k] for k in ("tp", "fp", "fn", "tn")} == {"tp": 2, "fp": 1, "fn": 2, "tn": 1}
    assert (on_reached["precision"], on_reached["recall"], on_reached["accuracy"]) == (0.6667, 0.5, 0.5)
    assert "funnel" not in modes["keyword"]  # a naive baseline has no stages to trace


def test_the_report_and_the_summary_say_where_the_lines_were_lost(
    funnel_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    _, stdout = run_eval(funnel_corpus, out, capsys)
    assert (
        "rules: 57.1% of true lines reach the judge or a certain rule (50.0% without UUIDs); "
        "never a candidate 14.3%, filtered 14.3%"
    ) in stdout
    assert "keyword:" not in stdout
    markdown = (out / "report.md").read_text(encoding="utf-8")
    section = markdown.split("## Where the true lines were lost", 1)[1].split("\n## ", 1)[0]
    assert "| stage | rules |" in section
    assert "| judged below threshold | 2 (28.6%) |" in section
    assert "| filtered: placeholder | 1 (14.3%) |" in section
    assert "| **reach without UUIDs** | 50.0% |" in section
    assert "| **on reached: accuracy** | 0.500 |" in section
    header = "| category | true lines | rules recall | rules never a candidate | rules filtered | rules judged below |"
    assert header in section
    assert "| Password | 4 | 0.000 | 1 | 1 | 1 |" in section
    assert "| GitHub Token | 1 | 1.000 | 0 | 0 | 0 |" in section
    for value in (STRIPE_LIVE, STRIPE_TEST, ALLOWED, DB_PASSWORD, API_PASSWORD):
        assert value not in markdown and value not in stdout


def test_the_tracer_runs_the_candidate_stage_once_per_file(
    funnel_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = error_analysis.find_candidates

    def counted(unit: ScanUnit, rules: Sequence[ExtraRule] = ()) -> list[Candidate]:
        calls.append(unit.path)
        return real(unit, rules=rules)

    monkeypatch.setattr(error_analysis, "find_candidates", counted)
    tracer = CorpusTracer(load_corpus(funnel_corpus))
    assert tracer.trace("settings.py", 2).stage == "no candidate"
    assert tracer.trace("settings.py", 3).filtered_as == "placeholder"
    assert tracer.trace("settings.py", 4).stage == "suppressed inline"
    assert calls == ["settings.py"]


@pytest.mark.parametrize(
    ("category", "is_uuid"),
    [("UUID", True), ("Token:UUID", True), ("api:uuid", True), ("Password", False), ("UUIDv4-ish", False)],
)
def test_a_uuid_line_is_one_whose_category_has_the_word(category: str, is_uuid: bool) -> None:
    assert is_uuid_category(category) is is_uuid
