"""Real code as training data: a labelled corpus through the real candidate stage, mixed into `data build`.

The corpus is written here, in `secretscan eval`'s format (files/<repo>/<path> + labels.jsonl); its values are
made up for the test.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from secretscan.eval.corpus import load_corpus
from secretscan.training.data.cli import data_group
from secretscan.training.data.real import (
    SOURCE_LABELLED,
    SOURCE_UNLABELLED,
    import_corpus,
    labelled_line_keys,
    line_key,
)

SECRET_LINE = 'db_password = "Quartz-Heron-5521"'
FIXTURE_LINE = 'api_token = "kestrel-9931-fixture"'
UNLABELLED_LINE = 'session_secret = "Marble-2210-otter"'
EVAL_LINE = 'smtp_password = "Lichen-7781-fox"'


def write_corpus(root: Path, files: dict[str, list[str]], labels: list[tuple[str, int, bool, str]]) -> Path:
    for path, lines in files.items():
        target = root / "files" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = [{"path": p, "line": n, "label": label, "category": c} for p, n, label, c in labels]
    (root / "labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return root


def training_corpus(root: Path) -> Path:
    return write_corpus(
        root,
        {
            "repo-a/app/settings.py": [SECRET_LINE, 'api_key = "your-api-key-here"', EVAL_LINE],
            "repo-b/tests/test_client.py": [FIXTURE_LINE, UNLABELLED_LINE],
        },
        [
            ("repo-a/app/settings.py", 1, True, "Password"),
            ("repo-a/app/settings.py", 2, False, "Placeholder"),
            ("repo-a/app/settings.py", 3, True, "Password"),
            ("repo-b/tests/test_client.py", 1, False, "Token"),
        ],
    )


def test_candidates_take_their_line_label_and_unlabelled_ones_are_sampled(tmp_path: Path) -> None:
    corpus = load_corpus(training_corpus(tmp_path / "train"))
    imported = import_corpus(corpus, seed=1, unlabelled_keep=1.0, exclude_lines=set())
    by_line = {e.candidate.line_text: e for e in imported.examples}
    assert by_line[SECRET_LINE].label is True and by_line[SECRET_LINE].source == SOURCE_LABELLED
    assert by_line[FIXTURE_LINE].label is False and by_line[FIXTURE_LINE].category == "Token"
    assert by_line[UNLABELLED_LINE].label is False and by_line[UNLABELLED_LINE].source == SOURCE_UNLABELLED
    # The placeholder is dropped by the filters, as it would be before the judge.
    assert imported.excluded["filtered:placeholder"] == 1
    # A repository's examples share a group, so they share a split.
    assert by_line[SECRET_LINE].group == by_line[EVAL_LINE].group != by_line[FIXTURE_LINE].group

    none_kept = import_corpus(corpus, seed=1, unlabelled_keep=0.0, exclude_lines=set())
    assert UNLABELLED_LINE not in {e.candidate.line_text for e in none_kept.examples}
    assert none_kept.excluded["unlabelled_not_sampled"] == 1


def test_lines_of_a_corpus_we_report_on_are_never_trained_on(tmp_path: Path) -> None:
    training_corpus(tmp_path / "train")
    write_corpus(tmp_path / "dev", {"repo-z/mail.py": ["    " + EVAL_LINE]}, [("repo-z/mail.py", 1, True, "Password")])
    exclude = labelled_line_keys([str(tmp_path / "dev")])
    assert exclude == {line_key(EVAL_LINE)}
    imported = import_corpus(load_corpus(tmp_path / "train"), 1, 1.0, exclude)
    assert EVAL_LINE not in {e.candidate.line_text for e in imported.examples}
    assert imported.excluded["eval_line"] == 1


def test_data_build_mixes_real_candidates_with_the_generator(tmp_path: Path) -> None:
    training_corpus(tmp_path / "train")
    write_corpus(tmp_path / "dev", {"repo-z/mail.py": [EVAL_LINE]}, [("repo-z/mail.py", 1, True, "Password")])
    config = tmp_path / "mix.yaml"
    config.write_text(
        "seed: 5\nexamples: 80\nreal:\n"
        f"  corpora: [{tmp_path / 'train'}]\n  share: 0.5\n  unlabelled_keep: 1.0\n"
        f"  dedupe_against: [{tmp_path / 'dev'}]\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(data_group, ["build", "--config", str(config), "--out", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    rows = [
        json.loads(line)
        for split in ("train", "val", "test")
        for line in (out / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    real = [r for r in rows if r["meta"]["source"] in (SOURCE_LABELLED, SOURCE_UNLABELLED)]
    prompts = "\n".join(r["messages"][1]["content"] for r in real)
    assert len(real) == 3  # the secret, the fixture and the unlabelled line; not the eval line
    assert "Quartz-Heron-5521" in prompts and "Lichen-7781-fox" not in prompts
    assert len(rows) - len(real) >= 70  # the generator fills the rest
    manifest = json.loads((out / "build.json").read_text(encoding="utf-8"))
    assert manifest["excluded_candidates"]["real:eval_line"] == 1
    splits = [str(out / f"{s}.jsonl") for s in ("train", "val", "test")]
    validate = CliRunner().invoke(data_group, ["validate", *splits])
    assert validate.exit_code == 0, validate.output


def test_a_missing_real_corpus_is_a_one_line_error(tmp_path: Path) -> None:
    config = tmp_path / "mix.yaml"
    config.write_text(f"seed: 5\nexamples: 40\nreal:\n  corpora: [{tmp_path / 'nowhere'}]\n", encoding="utf-8")
    result = CliRunner().invoke(
        data_group, ["build", "--config", str(config), "--out", str(tmp_path / "out"), "--no-progress"]
    )
    assert result.exit_code == 2
    assert "real corpus" in result.output and "not a directory" in result.output
