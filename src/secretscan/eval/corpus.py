"""A labelled corpus: a folder of files plus `labels.jsonl`, one row per labelled line.

Rows are `{"path", "line", "label": true|false, "category"}`; `path` is relative to `DIR/files/` when that folder
exists (the layout of `benchmarks/devset/`), else to DIR itself. Every problem is a one-line `CorpusError`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from secretscan.errors import SecretscanError

LABELS_FILE = "labels.jsonl"
FILES_DIR = "files"

# (path relative to the corpus root, 1-based line number): the unit on which findings meet labels.
LineKey = tuple[str, int]


class CorpusError(SecretscanError):
    """The corpus folder or its labels.jsonl is unusable."""


@dataclass(frozen=True)
class Label:
    path: str
    line: int
    label: bool
    category: str

    @property
    def key(self) -> LineKey:
        return (self.path, self.line)


@dataclass(frozen=True)
class Corpus:
    root: Path  # the folder the label paths are relative to
    labels_path: Path
    files: tuple[str, ...]  # every file under root, posix paths relative to root, sorted
    labels: tuple[Label, ...]

    def path_of(self, relative: str) -> Path:
        return self.root / relative

    def read_lines(self, relative: str) -> list[str]:
        """The file's lines, decoded leniently: corpora may hold odd encodings on purpose."""
        return read_text(self.path_of(relative)).splitlines()

    @property
    def positives(self) -> int:
        return sum(1 for label in self.labels if label.label)


def read_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def _list_files(root: Path, skip: Path) -> tuple[str, ...]:
    files = []
    for folder, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        for name in filenames:
            path = Path(folder) / name
            if path != skip and path.is_file() and not path.is_symlink():
                files.append(path.relative_to(root).as_posix())
    return tuple(sorted(files))


def _parse_row(raw: str, where: str) -> Label:
    try:
        row = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{where}: invalid JSON ({exc.msg})") from None
    if not isinstance(row, dict):
        raise CorpusError(f"{where}: expected an object with path, line, label, category")
    missing = [key for key in ("path", "line", "label", "category") if key not in row]
    if missing:
        raise CorpusError(f"{where}: missing {', '.join(missing)}")
    path, line, label, category = row["path"], row["line"], row["label"], row["category"]
    if not isinstance(path, str) or not path:
        raise CorpusError(f"{where}: path must be a non-empty string")
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or "\\" in path:
        raise CorpusError(f"{where}: path {path!r} must be relative, with / separators and no '..'")
    # bool is an int in Python: reject `"line": true`.
    if not isinstance(line, int) or isinstance(line, bool) or line < 1:
        raise CorpusError(f"{where}: line must be a positive integer")
    if not isinstance(label, bool):
        raise CorpusError(f"{where}: label must be true or false")
    if not isinstance(category, str) or not category.strip():
        raise CorpusError(f"{where}: category must be a non-empty string")
    return Label(pure.as_posix(), line, label, category.strip())


def load_corpus(folder: Path) -> Corpus:
    """Load and validate a corpus: every label must point at an existing line of an existing file, once."""
    if not folder.is_dir():
        raise CorpusError(f"corpus {folder}: not a directory")
    labels_path = folder / LABELS_FILE
    if not labels_path.is_file():
        raise CorpusError(f"corpus {folder}: no {LABELS_FILE}")
    root = folder / FILES_DIR if (folder / FILES_DIR).is_dir() else folder
    files = _list_files(root, skip=labels_path)
    known = set(files)
    line_counts: dict[str, int] = {}
    first_seen: dict[LineKey, int] = {}
    labels: list[Label] = []
    try:
        rows = labels_path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise CorpusError(f"{labels_path}: not UTF-8") from None
    for number, raw in enumerate(rows, start=1):
        if not raw.strip():
            continue
        where = f"{labels_path}:{number}"
        label = _parse_row(raw, where)
        if label.path not in known:
            raise CorpusError(f"{where}: no such file {label.path!r} under {root}")
        if label.path not in line_counts:
            line_counts[label.path] = len(read_text(root / label.path).splitlines())
        if label.line > line_counts[label.path]:
            raise CorpusError(f"{where}: {label.path} has only {line_counts[label.path]} lines, not {label.line}")
        if label.key in first_seen:
            raise CorpusError(
                f"{where}: duplicate label for {label.path}:{label.line} (first on line {first_seen[label.key]})"
            )
        first_seen[label.key] = number
        labels.append(label)
    if not labels:
        raise CorpusError(f"{labels_path}: no labels")
    return Corpus(root=root, labels_path=labels_path, files=files, labels=tuple(labels))


_KIND_BY_SUFFIX = {
    ".py": "python",
    ".js": "js/ts",
    ".jsx": "js/ts",
    ".mjs": "js/ts",
    ".cjs": "js/ts",
    ".ts": "js/ts",
    ".tsx": "js/ts",
    ".go": "go",
    ".java": "java",
    ".kt": "java",
    ".kts": "java",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
    ".env": "env",
    ".ini": "ini/properties",
    ".properties": "ini/properties",
    ".cfg": "ini/properties",
    ".conf": "ini/properties",
    ".toml": "ini/properties",
    ".xml": "xml",
    ".sh": "shell",
    ".bash": "shell",
    ".zsh": "shell",
    ".tf": "terraform",
    ".tfvars": "terraform",
    ".hcl": "terraform",
    ".md": "docs",
    ".rst": "docs",
    ".txt": "docs",
    ".ipynb": "notebook",
}


def file_kind(path: str) -> str:
    """The file kind a metric row is grouped by, from the file's name: `.env.prod` is env, `Dockerfile.dev` docker."""
    name = PurePosixPath(path).name.lower()
    if name.startswith("dockerfile") or name.endswith(".dockerfile"):
        return "dockerfile"
    if name == ".env" or name.startswith(".env.") or name.endswith(".env"):
        return "env"
    suffix = PurePosixPath(name).suffix
    return _KIND_BY_SUFFIX.get(suffix, suffix.lstrip(".") or "other")
