"""Generated files -> the candidates the judge would see -> labelled JSONL rows.

Each file goes through the real candidate stage (`find_candidates` on a `ScanUnit`). Like the engine, we keep
what the judge is asked about: candidates that are not CERTAIN (valid checksum, real private key) and that
`harmless_reason` does not drop. Each is labelled from the generator's ground truth and rendered with the
scanner's own `build_prompt` + `to_messages`.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from secretscan.scanner.candidates import find_candidates
from secretscan.scanner.filters import harmless_reason
from secretscan.scanner.prompt import LABEL_SAFE, LABEL_SECRET, build_prompt, to_messages
from secretscan.scanner.types import Candidate, Certainty, ScanUnit
from secretscan.training.data.generate import GeneratedFile
from secretscan.training.data.kinds import Planted
from secretscan.training.data.values import HARD_NEGATIVE_CATEGORIES

# A candidate that captures only a sliver of a planted secret (a user name in a URL) is not that secret.
MIN_PARTIAL_CHARS = 8


@dataclass(frozen=True)
class Example:
    candidate: Candidate
    label: bool
    category: str
    kind: str
    source: str
    # The file is half of a near-miss pair (the same context with a secret and with a look-alike).
    near_miss: bool
    group: int
    # The harmless_reason filter that drops this candidate before the judge (None: the judge sees it).
    filtered: str | None = None

    @property
    def hard_negative(self) -> bool:
        return not self.label and self.category in HARD_NEGATIVE_CATEGORIES

    def row(self, context_lines: int) -> dict[str, Any]:
        """The JSONL record (common.md contract); the raw secret appears only inside the prompt."""
        prompt = build_prompt(self.candidate, context_lines)
        return {
            "messages": to_messages(prompt, LABEL_SECRET if self.label else LABEL_SAFE),
            "label": self.label,
            "meta": {
                "rule": self.candidate.rule,
                "category": self.category,
                "rule_category": self.candidate.category,
                "kind": self.kind,
                "hard_negative": self.hard_negative,
                "near_miss": self.near_miss,
                "judge_visible": self.filtered is None,
                "filter": self.filtered,
                "source": self.source,
                "secret_hash": self.candidate.secret_hash,
                # Rows of one group (a real repository, a pair of generated files) stay in one fold of
                # `scorer fit`: the prompt shows too little of the path to tell.
                "group": self.group,
            },
        }


def dump_row(row: dict[str, Any]) -> str:
    """One JSONL line. Fixed key order and no ASCII escaping: the same rows give the same bytes."""
    return json.dumps(row, ensure_ascii=False) + "\n"


def _captures(candidate: Candidate, planted: Planted) -> bool:
    """Does the candidate's value capture the planted secret (or a real part of it)?"""
    core = planted.value.secret_core if planted.value.secret_core in planted.text else planted.text
    secret = candidate.secret
    return core in secret or (secret in core and len(secret) >= min(MIN_PARTIAL_CHARS, len(core)))


def label_file(file: GeneratedFile, excluded: Counter[str], keep_filtered: bool = False) -> list[Example]:
    """The judge-visible candidates of one file, labelled. What is left out is counted in `excluded`.

    With `keep_filtered`, negatives that `harmless_reason` drops are returned too, marked with the filter's name
    (a secret the filters drop is never kept: the judge can't rescue it).
    """
    rendered = file.rendered
    truth = {p.line: p for p in rendered.planted}
    examples = []
    for candidate in find_candidates(ScanUnit(rendered.path, rendered.text)):
        if candidate.certainty is Certainty.CERTAIN:
            excluded[f"certain:{candidate.rule}"] += 1
            continue
        planted = truth.get(candidate.line)
        reason = harmless_reason(candidate)
        if reason is not None and (not keep_filtered or (planted is not None and planted.value.label)):
            excluded[f"filtered:{reason}"] += 1
            continue
        if planted is None:
            # Unplanted lines hold no secret by construction (filler, imports, hosts).
            label, category = False, "incidental"
        elif planted.value.label and not _captures(candidate, planted):
            # A secret's line, but the candidate is some other part of it: no clean label, so no example.
            excluded["ambiguous"] += 1
            continue
        else:
            label, category = planted.value.label, planted.value.category
        examples.append(Example(candidate, label, category, file.kind, "synthetic", file.paired, file.group, reason))
    return examples
