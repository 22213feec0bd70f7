"""Labelled real code -> the candidates the judge would see -> labelled examples.

A corpus in `secretscan eval`'s format (files plus line labels) goes through the real candidate stage, as the
generator's files do. A candidate takes its label from its line: true or false where a person labelled the line;
on a line nobody labelled it is a probable negative ("weak"), and only `unlabelled_keep` of those are kept.
Examples whose line also occurs in a corpus we report on are dropped, so no eval line is ever trained on.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from secretscan.errors import ConfigError
from secretscan.eval.corpus import Corpus, file_kind, load_corpus, read_text
from secretscan.scanner.candidates import find_candidates
from secretscan.scanner.filters import harmless_reason
from secretscan.scanner.types import Certainty, ScanUnit
from secretscan.training.data.config import RealConfig
from secretscan.training.data.examples import Example

SOURCE_LABELLED = "real"
SOURCE_UNLABELLED = "real-unlabelled"
UNLABELLED_CATEGORY = "unlabelled"


@dataclass(frozen=True)
class RealImport:
    examples: tuple[Example, ...]
    excluded: Counter[str]


def line_key(line: str) -> str:
    """What two corpora's lines are compared by: the stripped text, hashed."""
    return hashlib.sha256(line.strip().encode("utf-8", "surrogatepass")).hexdigest()


def labelled_line_keys(folders: Iterable[str]) -> set[str]:
    """The line keys of every labelled line of these corpora."""
    keys: set[str] = set()
    for folder in folders:
        corpus = _load(folder)
        lines: dict[str, list[str]] = {}
        for label in corpus.labels:
            if label.path not in lines:
                lines[label.path] = corpus.read_lines(label.path)
            keys.add(line_key(lines[label.path][label.line - 1]))
    return keys


def _load(folder: str) -> Corpus:
    path = Path(folder)
    if not path.is_dir():
        raise ConfigError(f"real corpus {folder}: not a directory")
    return load_corpus(path)


def _keep_unlabelled(seed: int, path: str, line: int, share: float) -> bool:
    digest = hashlib.sha256(f"{seed}:unlabelled:{path}:{line}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def repository_group(path: str) -> int:
    """Examples of one repository share a split: its first path part names it (`<repo-id>/<path>`)."""
    repository = PurePosixPath(path).parts[0]
    return int.from_bytes(hashlib.sha256(repository.encode()).digest()[:6], "big")


def import_corpus(corpus: Corpus, seed: int, unlabelled_keep: float, exclude_lines: set[str]) -> RealImport:
    """The judge-visible candidates of a corpus, labelled from their lines."""
    labels = {label.key: label for label in corpus.labels}
    examples: list[Example] = []
    excluded: Counter[str] = Counter()
    for path in corpus.files:
        text = read_text(corpus.path_of(path))
        if "\x00" in text:
            excluded["binary_file"] += 1
            continue
        for candidate in find_candidates(ScanUnit(path, text)):
            if candidate.certainty is Certainty.CERTAIN:
                excluded[f"certain:{candidate.rule}"] += 1
                continue
            if (reason := harmless_reason(candidate)) is not None:
                excluded[f"filtered:{reason}"] += 1
                continue
            if line_key(candidate.line_text) in exclude_lines:
                excluded["eval_line"] += 1
                continue
            label = labels.get((path, candidate.line))
            if label is None and not _keep_unlabelled(seed, path, candidate.line, unlabelled_keep):
                excluded["unlabelled_not_sampled"] += 1
                continue
            examples.append(
                Example(
                    candidate=candidate,
                    label=label is not None and label.label,
                    category=UNLABELLED_CATEGORY if label is None else label.category,
                    kind=file_kind(path),
                    source=SOURCE_UNLABELLED if label is None else SOURCE_LABELLED,
                    near_miss=False,
                    group=repository_group(path),
                )
            )
    return RealImport(tuple(examples), excluded)


def import_real(config: RealConfig, seed: int) -> RealImport:
    """Every corpus of the config, deduplicated against the corpora we report on."""
    exclude = labelled_line_keys(config.dedupe_against)
    examples: list[Example] = []
    excluded: Counter[str] = Counter()
    for folder in config.corpora:
        imported = import_corpus(_load(folder), seed, config.unlabelled_keep, exclude)
        examples += imported.examples
        excluded.update(imported.excluded)
    return RealImport(tuple(examples), excluded)
