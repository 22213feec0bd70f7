"""`data import-audit`: the verdicts of `secretscan audit` -> labelled judge examples, like any other corpus.

The baseline keeps only fingerprints, so each marked entry is found again in the repository's current text: its
file goes through the real candidate stage, and the candidate whose fingerprint matches becomes an example with
the same `Example.row` (hence `build_prompt`) as every other row, labelled from the mark (real: yes, false
positive: no). Entries whose secret left the file, or whose file is gone, are counted and skipped. Certain
candidates (valid checksums, private keys) never reach the judge, so they teach it nothing and are skipped too.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secretscan.errors import ConfigError
from secretscan.eval.corpus import file_kind, read_text
from secretscan.scanner.baseline import AUDITED, REAL, AcceptedFinding, load_baseline
from secretscan.scanner.candidates import find_candidates
from secretscan.scanner.filters import harmless_reason
from secretscan.scanner.types import Certainty, ScanUnit
from secretscan.training.data.examples import Example
from secretscan.training.data.validate import row_problems

SOURCE_AUDIT = "audit"


@dataclass(frozen=True)
class AuditImport:
    rows: tuple[dict[str, Any], ...]
    # Marked entries that gave no example, by reason: file_missing, outside_repo, not_found, certain.
    skipped: Counter[str]


def import_audit(baseline_path: Path, repo: Path, context_lines: int) -> AuditImport:
    """One example per audited entry still found in `repo`, in (path, line) order."""
    if not baseline_path.is_file():
        raise ConfigError(f"baseline {baseline_path} not found")
    if not repo.is_dir():
        raise ConfigError(f"repository {repo} is not a directory")
    marked = {a.fingerprint: a for a in load_baseline(baseline_path).accepted if a.verdict in AUDITED}
    if not marked:
        raise ConfigError(f"{baseline_path} has no audited entries (mark findings with `secretscan audit` first)")
    root = repo.resolve()
    skipped: Counter[str] = Counter()
    rows = []
    found: set[str] = set()
    by_path: dict[str, list[AcceptedFinding]] = {}
    for entry in marked.values():
        by_path.setdefault(entry.path, []).append(entry)
    for path in sorted(by_path):
        file = (root / path).resolve()
        if not file.is_relative_to(root):
            # A baseline is a file from a repository like any other: it must not make us read outside it.
            skipped["outside_repo"] += len(by_path[path])
            continue
        if not file.is_file():
            skipped["file_missing"] += len(by_path[path])
            continue
        for candidate in find_candidates(ScanUnit(path, read_text(file))):
            audited = marked.get(candidate.fingerprint)
            if audited is None or candidate.fingerprint in found:
                continue
            found.add(candidate.fingerprint)
            if candidate.certainty is Certainty.CERTAIN:
                skipped["certain"] += 1
                continue
            label = audited.verdict == REAL
            example = Example(candidate, label, f"audit-{audited.verdict}", file_kind(path), SOURCE_AUDIT,
                              near_miss=False, group=0, filtered=harmless_reason(candidate))
            rows.append(example.row(context_lines))
    skipped["not_found"] += len(marked) - len(found) - skipped["outside_repo"] - skipped["file_missing"]
    return AuditImport(tuple(rows), +skipped)


def read_audit_rows(files: Iterable[str]) -> list[dict[str, Any]]:
    """The rows of `import-audit` JSONL files, each checked like `data validate` checks a row."""
    rows = []
    for name in files:
        path = Path(name)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"cannot read audit examples {path}: {exc.strerror}") from None
        for number, line in enumerate(lines, 1):
            where = f"{path}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                raise ConfigError(f"{where}: not JSON") from None
            problems = row_problems(row, where)
            if problems:
                raise ConfigError(problems[0])
            if row["meta"]["source"] != SOURCE_AUDIT:
                raise ConfigError(f"{where}: not an audit example (source {row['meta']['source']!r})")
            rows.append(row)
    return rows
