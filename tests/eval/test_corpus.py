"""Loading and validating a labelled corpus, and file kinds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secretscan.eval.corpus import CorpusError, file_kind, load_corpus


def write_corpus(folder: Path, files: dict[str, str], rows: list[object], *, nested: bool = False) -> Path:
    root = folder / "files" if nested else folder
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "labels.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def row(path: str, line: int, label: bool = True, category: str = "password") -> dict[str, object]:
    return {"path": path, "line": line, "label": label, "category": category}


def test_loads_a_flat_corpus_and_lists_its_files_without_labels_jsonl(tmp_path: Path) -> None:
    corpus = load_corpus(
        write_corpus(
            tmp_path, {"app.py": "a\nb\n", "conf/.env": "X=1\n"}, [row("app.py", 2), row("conf/.env", 1, False)]
        )
    )
    assert corpus.root == tmp_path
    assert corpus.files == ("app.py", "conf/.env")
    assert [(l.path, l.line, l.label) for l in corpus.labels] == [("app.py", 2, True), ("conf/.env", 1, False)]
    assert corpus.positives == 1


def test_label_paths_are_relative_to_files_when_that_folder_exists(tmp_path: Path) -> None:
    corpus = load_corpus(write_corpus(tmp_path, {"x/app.go": "k := 1\n"}, [row("x/app.go", 1)], nested=True))
    assert corpus.root == tmp_path / "files"
    assert corpus.files == ("x/app.go",)
    assert corpus.read_lines("x/app.go") == ["k := 1"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["{not json"], "labels.jsonl:1: invalid JSON"),
        ([[1, 2]], "labels.jsonl:1: expected an object"),
        ([{"path": "a.py", "line": 1}], "labels.jsonl:1: missing label, category"),
        ([row("a.py", 0)], "line must be a positive integer"),
        ([{**row("a.py", 1), "line": True}], "line must be a positive integer"),
        ([{**row("a.py", 1), "label": "yes"}], "label must be true or false"),
        ([row("a.py", 1, category=" ")], "category must be a non-empty string"),
        ([row("../a.py", 1)], "must be relative"),
        ([row("/etc/passwd", 1)], "must be relative"),
        ([row("missing.py", 1)], "no such file 'missing.py'"),
        ([row("a.py", 3)], "a.py has only 2 lines, not 3"),
        ([row("a.py", 1), "", row("a.py", 1, False)], "labels.jsonl:3: duplicate label for a.py:1 (first on line 1)"),
        ([""], "no labels"),
    ],
)
def test_bad_labels_give_one_line_errors(tmp_path: Path, rows: list[object], message: str) -> None:
    folder = write_corpus(tmp_path / "c", {"a.py": "x = 1\ny = 2\n"}, rows)
    with pytest.raises(CorpusError) as raised:
        load_corpus(folder)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)
    assert raised.value.exit_code == 2


def test_missing_folder_and_missing_labels(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not a directory"):
        load_corpus(tmp_path / "nope")
    with pytest.raises(CorpusError, match="no labels.jsonl"):
        load_corpus(tmp_path)


def test_non_utf8_corpus_files_are_read_leniently(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "latin1.properties").write_bytes(b"caf\xe9=1\npassword=s3cr3t\n")
    (folder / "labels.jsonl").write_text(json.dumps(row("latin1.properties", 2)) + "\n")
    corpus = load_corpus(folder)
    assert corpus.read_lines("latin1.properties")[1] == "password=s3cr3t"


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("src/app.py", "python"),
        ("web/index.tsx", "js/ts"),
        ("cmd/main.go", "go"),
        ("Main.java", "java"),
        ("k8s/deploy.yml", "yaml"),
        ("package.json", "json"),
        (".env", "env"),
        ("deploy/.env.production", "env"),
        ("prod.env", "env"),
        ("app.properties", "ini/properties"),
        ("setup.cfg", "ini/properties"),
        ("pom.xml", "xml"),
        ("Dockerfile", "dockerfile"),
        ("docker/Dockerfile.dev", "dockerfile"),
        ("run.sh", "shell"),
        ("main.tf", "terraform"),
        ("README.md", "docs"),
        ("analysis.ipynb", "notebook"),
        ("Makefile", "other"),
        ("data.csv", "csv"),
    ],
)
def test_file_kind(path: str, kind: str) -> None:
    assert file_kind(path) == kind
