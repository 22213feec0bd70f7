"""What the cheap scorer sees of a candidate: named string features, each a small pure function.

In the shape of CredSweeper's `ml_model/features/`: every feature family is one function from a candidate to
strings, declared once in `FEATURES`, so training and scanning extract exactly the same thing. The scorer hashes
the strings into a fixed weight vector (`inference/scorer.py`); nothing here knows about weights.

The value's own characters never leave as a whole: the value contributes its shape and short n-grams only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePosixPath

from secretscan.scanner.filters import name_before, weak_sign
from secretscan.scanner.rules.entropy import shannon_entropy
from secretscan.scanner.rules.names import name_words
from secretscan.scanner.types import Candidate

MAX_VALUE_CHARS = 64
MAX_LINE_WORDS = 24
_WORD = re.compile(r"[A-Za-z][a-z]+|[A-Z]+(?![a-z])|[a-z]+")
_SHAPE = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "A" * 26 + "a" * 26 + "9" * 10,
)


def _bucket(value: float, edges: tuple[float, ...]) -> int:
    return sum(value >= edge for edge in edges)


def rule_features(candidate: Candidate) -> list[str]:
    return [f"rule={candidate.rule}", f"category={candidate.category}"]


def weak_sign_features(candidate: Candidate) -> list[str]:
    return [f"weak={weak_sign(candidate)}"]


def path_features(candidate: Candidate) -> list[str]:
    """The file's kind and the words of its last three path parts (`tests/fixtures/cassettes/x.yml`)."""
    path = PurePosixPath(candidate.path)
    parts = path.parts[-3:]
    words = {word.lower() for part in parts for word in _WORD.findall(part)}
    return [f"ext={path.suffix.lower()}", *(f"path={word}" for word in sorted(words))]


def name_features(candidate: Candidate) -> list[str]:
    """The words of the name the value is assigned to, if the line has one."""
    name = name_before(candidate.line_text, candidate.column)
    if name is None:
        return ["name=none"]
    return [f"name={word}" for word in name_words(name)] or ["name=none"]


def line_features(candidate: Candidate) -> list[str]:
    """The words of the line around the value: `expect(`, `example`, `docker run`, `assert`…"""
    line = candidate.line_text
    start = max(0, candidate.column - 1)
    rest = line[:start] + " " + line[start + len(candidate.secret) :]
    words = [word.lower() for word in _WORD.findall(rest)][:MAX_LINE_WORDS]
    indent = "comment" if rest.lstrip().startswith(("#", "//", "*", "/*", "--", "<!--")) else "code"
    return [f"line={indent}", *(f"word={word}" for word in dict.fromkeys(words))]


def shape_features(candidate: Candidate) -> list[str]:
    """Length, entropy and character classes of the value, bucketed."""
    value = candidate.secret
    classes = (
        ("upper", any(c.isupper() for c in value)),
        ("lower", any(c.islower() for c in value)),
        ("digit", any(c.isdigit() for c in value)),
        ("symbol", any(not c.isalnum() for c in value)),
    )
    kinds = "".join(name[0] for name, present in classes if present)
    return [
        f"length={_bucket(len(value), (6, 8, 12, 16, 20, 24, 32, 40, 48, 64, 100))}",
        f"entropy={_bucket(shannon_entropy(value), (2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0))}",
        f"classes={kinds}",
        f"words={_bucket(len(_WORD.findall(value)), (1, 2, 3, 5))}",
    ]


def ngram_features(candidate: Candidate) -> list[str]:
    """Character 3-grams of the lowercased value and 4-grams of its shape (`Aaaa9`): `pas`, `xam`, `99-9`."""
    value = candidate.secret[:MAX_VALUE_CHARS]
    lower = value.lower()
    shape = value.translate(_SHAPE)
    grams = {f"v3={lower[i : i + 3]}" for i in range(len(lower) - 2)}
    grams |= {f"s4={shape[i : i + 4]}" for i in range(len(shape) - 3)}
    return sorted(grams)


FEATURES: tuple[tuple[str, Callable[[Candidate], list[str]]], ...] = (
    ("rule", rule_features),
    ("weak_sign", weak_sign_features),
    ("path", path_features),
    ("name", name_features),
    ("line", line_features),
    ("shape", shape_features),
    ("ngram", ngram_features),
)


def candidate_features(candidate: Candidate) -> list[str]:
    """Every feature string of one candidate, family by family."""
    return [feature for _, extract in FEATURES for feature in extract(candidate)]
