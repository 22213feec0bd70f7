"""Error analysis: every false positive and false negative, masked, with its context and an error kind.

Nothing here prints a secret: values are masked with `mask_secret`, lines and context with `mask_text`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from secretscan.config import ExtraRule
from secretscan.eval.corpus import Corpus, read_text
from secretscan.eval.masking import mask_text
from secretscan.scanner.candidates import find_candidates
from secretscan.scanner.filters import harmless_reason
from secretscan.scanner.suppress import is_allowed_inline
from secretscan.scanner.types import Candidate, ScanUnit

UNLABELLED = "(unlabelled)"
CONTEXT_LINES = 2


def _words(category: str) -> set[str]:
    return set(re.split(r"[^a-z0-9]+", category.lower())) - {""}


# Label-category words naming what a negative really is (the vocabulary of docs/data.md, and common synonyms);
# the corpus author's word beats our guess from the value. First match wins.
_NEGATIVE_KINDS = (
    ({"placeholder", "template", "mask", "masked", "example", "dummy", "redacted", "empty", "docs", "doc"},
     "placeholder missed"),
    ({"lookup", "env", "reference", "ref", "variable", "var", "interpolation", "secretmanager", "vault"},
     "lookup flagged"),
    ({"hash", "checksum", "uuid", "id", "sha", "digest", "integrity", "git", "commit", "nonce"}, "hash or ID flagged"),
    ({"public", "cert", "certificate", "pubkey"}, "public material flagged"),
    ({"fixture", "test", "fake", "mock"}, "test fixture flagged"),
    ({"base64", "image", "minified", "encoded", "binary", "blob"}, "encoded data flagged"),
    ({"i18n", "l10n", "translation", "prose", "text", "message"}, "prose flagged"),
)  # fmt: skip
_VALUE_CLASS_KINDS = {
    "placeholder": "placeholder missed",
    "lookup": "lookup flagged",
    "hash-or-id": "hash or ID flagged",
    "public": "public material flagged",
}
_POSITIVE_KINDS = (
    ({"password", "passwd", "pwd", "pass", "generic", "passphrase"}, "generic password missed"),
    ({"url", "uri", "dsn", "connection", "database", "db"}, "connection string missed"),
    ({"private", "rsa", "pem", "ssh"}, "private key missed"),
    ({"signing", "hmac", "salt", "seed", "otp", "totp", "encryption"}, "signing key missed"),
)


def false_positive_kind(category: str, value_kind: str | None) -> str:
    if category == UNLABELLED:
        return "unlabelled line flagged"
    words = _words(category)
    if {"key", "as", "value"} <= words:  # `PASSWORD = "PASSWORD"`: the key name repeated as its value
        return "key name as value flagged"
    for names, kind in _NEGATIVE_KINDS:
        if words & names:
            return kind
    return _VALUE_CLASS_KINDS.get(value_kind or "", "other negative flagged")


def false_negative_kind(category: str, filtered_as: str | None) -> str:
    """Filtered by a harmless-value filter: a real secret taken for a placeholder, hash or ID ("wrong value
    class"). Otherwise: what kind of secret was missed, from its label category."""
    if filtered_as is not None:
        return "wrong value class"
    words = _words(category)
    for names, kind in _POSITIVE_KINDS:
        if words & names:
            return kind
    return "token missed"


@dataclass(frozen=True)
class ErrorRecord:
    mode: str
    outcome: str  # "fp" or "fn"
    kind: str
    path: str
    line: int
    category: str  # the label's category, or UNLABELLED
    rule: str | None
    score: float | None
    value_masked: str
    value_class: str | None
    # How our scanner handled the line: "no candidate", "filtered: <reason>", "suppressed inline",
    # "scored 0.31 < 0.50"; None for other tools.
    stage: str | None
    line_masked: str
    context_before: tuple[str, ...]
    context_after: tuple[str, ...]


def masked_context(lines: list[str], line: int) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """(the masked line, masked lines before, masked lines after) for a 1-based line number."""
    index = line - 1
    text = lines[index] if 0 <= index < len(lines) else ""
    before = tuple(mask_text(t) for t in lines[max(0, index - CONTEXT_LINES) : max(0, index)])
    after = tuple(mask_text(t) for t in lines[index + 1 : index + 1 + CONTEXT_LINES])
    return mask_text(text), before, after


# The stages a trace reports; errors.jsonl and docs/eval.md use these words.
NO_CANDIDATE = "no candidate"
SUPPRESSED_INLINE = "suppressed inline"
NOT_REPORTED = "candidate not reported"


@dataclass(frozen=True)
class Trace:
    """Why our scanner reported nothing on a line."""

    stage: str
    filtered_as: str | None
    value_masked: str | None


_NO_CANDIDATE = Trace(NO_CANDIDATE, None, None)


def _trace(candidates: Sequence[Candidate]) -> Trace:
    """Follow one line's candidates through the engine's first steps, in the engine's order."""
    first = candidates[0]
    if any(is_allowed_inline(c.line_text) for c in candidates):
        return Trace(SUPPRESSED_INLINE, None, first.masked)
    reasons = [harmless_reason(c) for c in candidates]
    if all(reason is not None for reason in reasons):
        return Trace(f"filtered: {reasons[0]}", reasons[0], first.masked)
    return Trace(NOT_REPORTED, None, first.masked)


def trace_file(path: str, text: str, rules: Sequence[ExtraRule] = ()) -> dict[int, Trace]:
    """Re-run the candidate stage on one file once and trace every line that has a candidate; a line missing from
    the result had none."""
    by_line: dict[int, list[Candidate]] = {}
    for candidate in find_candidates(ScanUnit(path=path, text=text), rules=rules):
        by_line.setdefault(candidate.line, []).append(candidate)
    return {line: _trace(candidates) for line, candidates in by_line.items()}


class CorpusTracer:
    """Reads and traces each corpus file at most once: the funnel and the error records ask about many lines of
    the same files, and the candidate stage is the slow part."""

    def __init__(self, corpus: Corpus, rules: Sequence[ExtraRule] = ()) -> None:
        self._corpus = corpus
        self._rules = rules
        self._texts: dict[str, str] = {}
        self._traces: dict[str, dict[int, Trace]] = {}

    def text(self, path: str) -> str:
        """The file's text; empty when it is gone."""
        if path not in self._texts:
            file = self._corpus.path_of(path)
            self._texts[path] = read_text(file) if file.is_file() else ""
        return self._texts[path]

    def trace(self, path: str, line: int) -> Trace:
        if path not in self._traces:
            self._traces[path] = trace_file(path, self.text(path), self._rules)
        return self._traces[path].get(line, _NO_CANDIDATE)
