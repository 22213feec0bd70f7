"""Why a finding was reported, in words: the evidence behind each reported candidate.

The evidence is what decided the finding: what the rule matched and the name the value is assigned to, why a
certain rule is sure, the strongest signals for and against from the cheap scorer's own weights (each feature of a
candidate adds its weight to the scorer's log-odds), whether the LLM was asked and what it said. The engine builds
it for reported findings only; `benchmarks/bench_reasons.py` measures what that costs.

The words never show more of a value than its mask. The value's own characters are never named: its character
n-grams are summed into one signal. A name or word taken from the line is shown only when it overlaps none of the
values found on that line (`protected`): `user = "hunter", "Xk9…"` must not print `hunter` as the name of the next.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from secretscan.inference.scorer import Scorer, feature_index
from secretscan.scanner.features import candidate_features
from secretscan.scanner.filters import name_before, weak_sign
from secretscan.scanner.rules import TOKEN_RULES
from secretscan.scanner.rules.credential_files import CERTAIN_WHY, FILE_RULE_KINDS, NAME_IS_NOT_THE_KEY
from secretscan.scanner.rules.entropy import shannon_entropy
from secretscan.scanner.types import Candidate, Evidence, Finding, Verdict

# Signals for and against in a finding's reason, each side at most this many, strongest first.
MAX_SIGNALS = 2
# A weight this small moves the scorer's log-odds too little to be called a reason (the shipped weights' median
# magnitude is 0.006, their 90th percentile 0.06); when no feature reaches it, the strongest one is still shown.
MIN_SIGNAL = 0.1
# A text that shares this many characters in a row with a value shows more of it than its 4-character mask.
_OVERLAP = 5
# Longer names are cut from the reason rather than shortened: a cut name could still be mistaken for another.
_MAX_NAME_CHARS = 64

_KINDS = {
    "generic-password": "a password",
    "generic-secret": "a secret",
    "http-auth-header": "an HTTP Authorization credential",
    "kubernetes-secret": "a Kubernetes Secret value",
    "high-entropy-string": "a high-entropy string",
    "url-credentials": "a password in a URL",
    "connection-string-password": "a connection-string password",
    "private-key": "a private key block",
    "gcp-service-account-key": "a GCP service-account private key",
    "secret-parameter": "a secret URL or form parameter",
    "jwk-private-member": "a private member of a JSON Web Key",
} | FILE_RULE_KINDS
# The name before these values is not what holds them: the URL's user, the auth scheme (`Basic`).
_NAME_IS_NOT_THE_KEY = frozenset({"url-credentials", "http-auth-header"}) | NAME_IS_NOT_THE_KEY
_CHECKSUM_RULES = frozenset(rule.id for rule in TOKEN_RULES if rule.checksum is not None)
_TOKEN_CERTAIN_WHY = {rule.id: rule.certain_why for rule in TOKEN_RULES if rule.certain_why}

_WEAK_SIGNS = {
    "None": "no sign of a sample or default",
    "weak_default": "a weak or default value",
    "key_repeated": "the value repeats its name",
    "names_a_secret": "the value names a secret rather than holding one",
    "sequential": "a sequential or repeated value",
    "basic_placeholder": "a Basic credential that decodes to a placeholder",
    "documentation_example": "an example in documentation",
}
# `words=k` of features.shape_features: how many word-like parts the value has, bucketed at 1, 2, 3 and 5.
_WORD_PARTS = ("no word-like part", "one word-like part", "two word-like parts", "3-4 word-like parts",
               "5 or more word-like parts")  # fmt: skip
# The value's character 3-grams and shape 4-grams: summed, never named, since each holds characters of the value.
_SUMMED = {"v3": "its character sequences", "s4": "its character shape"}
# The scorer's trees weigh features together (a short value in a test file), so they add one signal of their own.
TREES_WORDS = "its features taken together"


def overlaps(text: str, protected: Collection[str]) -> bool:
    """True if `text` could show part of a value: it lies inside one, holds one, or shares 5 characters in a row
    with one, whatever the case."""
    lowered = text.lower()
    for value in protected:
        value = value.lower()
        if lowered in value or value in lowered:
            return True
        if any(lowered[i : i + _OVERLAP] in value for i in range(len(lowered) - _OVERLAP + 1)):
            return True
    return False


def kind_words(rule: str) -> str:
    """`generic-password` -> "a password"; a vendor format by its rule id: "a github-pat token"."""
    return _KINDS.get(rule) or f"{'an' if rule[:1] in 'aeiou' else 'a'} {rule} token"


def match_evidence(candidate: Candidate, protected: Collection[str]) -> Evidence:
    """What matched: the kind, and the name it is assigned to when showing that name is safe."""
    kind = kind_words(candidate.rule)
    if candidate.rule in _NAME_IS_NOT_THE_KEY:
        return Evidence("match", kind)
    name = name_before(candidate.line_text, candidate.column)
    if name is None or len(name) > _MAX_NAME_CHARS or not name.isprintable() or overlaps(name, protected):
        return Evidence("match", kind)
    return Evidence("match", f"{kind} assigned to `{name}`")


def certain_evidence(candidate: Candidate, own_rules: Collection[str]) -> Evidence:
    """Why a certain rule needs no model: what the candidate stage checked (rules/base.py, rules/private_keys.py,
    rules/credential_files.py)."""
    if candidate.rule in own_rules:
        why = f"your rule `{candidate.rule}` is set to certain"
    elif candidate.rule in _CHECKSUM_RULES:
        why = "its checksum is valid (made-up tokens of this format rarely pass)"
    elif candidate.rule in CERTAIN_WHY:
        why = CERTAIN_WHY[candidate.rule]
    elif candidate.rule in _TOKEN_CERTAIN_WHY:
        why = _TOKEN_CERTAIN_WHY[candidate.rule]
    else:
        why = "the block's body decodes to a real key"
    return Evidence("certain", f"{why}: reported without the model")


# -- the cheap scorer's signals ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contribution:
    """What one feature, or a summed family of them, adds to the cheap scorer's log-odds."""

    feature: str  # as the scorer saw it; `family=…` where naming it could show part of a value
    weight: float
    words: str | None  # None: not shown in a reason (it could show part of a value, or is a family we don't know)


def _entropy_words(candidate: Candidate) -> str:
    bits = shannon_entropy(candidate.secret)
    if bits >= 4.0:
        return f"random-looking ({bits:.1f} bits per character)"
    if bits < 3.0:
        return f"low entropy ({bits:.1f} bits per character)"
    return f"{bits:.1f} bits of entropy per character"


def _word_parts(value: str) -> str:
    index = int(value) if value.isdigit() else -1
    return _WORD_PARTS[index] if 0 <= index < len(_WORD_PARTS) else f"{value} word-like parts"


def _classes(value: str) -> str:
    """`ulds` -> "mixed-case letters with digits and symbols": no commas, since signals are listed with them."""
    letters = {"ul": "mixed-case letters", "u": "upper-case letters", "l": "lower-case letters"}.get(
        "".join(letter for letter in "ul" if letter in value)
    )
    others = [name for letter, name in (("d", "digits"), ("s", "symbols")) if letter in value]
    if letters and others:
        return f"{letters} with {' and '.join(others)}"
    return f"{letters or ' and '.join(others) or 'no characters'} only"


# Feature family -> its words, given the candidate and the feature's value (features.py names the families).
_FAMILY_WORDS: dict[str, Callable[[Candidate, str], str]] = {
    "rule": lambda c, value: f"the {value} rule",
    "category": lambda c, value: f"the {value} category",
    "weak": lambda c, value: _WEAK_SIGNS.get(value, f"a sign of {value}"),
    "ext": lambda c, value: f"a {value} file" if value else "a file with no extension",
    "path": lambda c, value: f"`{value}` in the path",
    "name": lambda c, value: "no name before it" if value == "none" else f"`{value}` in its name",
    "line": lambda c, value: "on a comment line" if value == "comment" else "not in a comment",
    "word": lambda c, value: f"`{value}` on the line",
    "length": lambda c, value: f"{len(c.secret)} characters long",
    "entropy": lambda c, value: _entropy_words(c),
    "classes": lambda c, value: _classes(value),
    "words": lambda c, value: _word_parts(value),
}
# Families whose value is text of the line: shown only when it overlaps no value there.
_LINE_TEXT_FAMILIES = frozenset({"name", "word"})


def _contribution(candidate: Candidate, feature: str, weight: float, protected: Collection[str]) -> Contribution:
    family, _, value = feature.partition("=")
    describe = _FAMILY_WORDS.get(family)
    if describe is None or (family in _LINE_TEXT_FAMILIES and value != "none" and overlaps(value, protected)):
        return Contribution(f"{family}=…", weight, None)
    return Contribution(feature, weight, describe(candidate, value))


def contributions(candidate: Candidate, scorer: Scorer, protected: Collection[str]) -> list[Contribution]:
    """Every feature's weight, and the trees' log-odds as one more, strongest first. Each weight slot counts once,
    as `Scorer.score` sums them, so the bias plus these is the scorer's log-odds."""
    weights, buckets = scorer.weights, scorer.buckets
    seen: set[int] = set()
    single: list[Contribution] = []
    summed: dict[str, float] = {}
    for feature in candidate_features(candidate):
        slot = feature_index(feature, buckets)
        if slot in seen:
            continue
        seen.add(slot)
        family = feature.partition("=")[0]
        if family in _SUMMED:
            summed[family] = summed.get(family, 0.0) + weights[slot]
        else:
            single.append(_contribution(candidate, feature, weights[slot], protected))
    single += [Contribution(f"{family}=…", total, _SUMMED[family]) for family, total in summed.items()]
    if scorer.forest is not None:
        single.append(Contribution("trees", scorer.forest.log_odds(seen), TREES_WORDS))
    return sorted(single, key=lambda c: -abs(c.weight))


def scorer_signals(ranked: list[Contribution]) -> list[Evidence]:
    """The strongest shown signals for and against, `MAX_SIGNALS` a side; at least one when any can be shown."""
    shown = [c for c in ranked if c.words is not None and c.weight != 0]
    strong = [c for c in shown if abs(c.weight) >= MIN_SIGNAL] or shown[:1]
    pros = [c for c in strong if c.weight > 0][:MAX_SIGNALS]
    cons = [c for c in strong if c.weight < 0][:MAX_SIGNALS]
    return [Evidence("for" if c.weight > 0 else "against", c.words or "", round(c.weight, 3)) for c in pros + cons]


def prior_signal(candidate: Candidate) -> Evidence:
    """Without a scorer the rule's prior is the signal, with what lowered it."""
    sign = weak_sign(candidate)
    text = f"the rule's prior {candidate.prior:.2f}"
    if sign is not None:
        text += f" (lowered: {_WEAK_SIGNS.get(sign, sign)})"
    elif candidate.rule in _CHECKSUM_RULES:
        text += " (its checksum fails)"  # a certain candidate never gets here
    return Evidence("for" if candidate.prior >= 0.5 else "against", text, candidate.prior)


def decision_evidence(verdict: Verdict, scorer: Scorer | None) -> list[Evidence]:
    """The numbers that made the confidence: the scorer's P(secret) and its band, the LLM's answer, and how they
    became the confidence reported."""
    if verdict.stage == "certain":
        return []
    if verdict.scorer is None and verdict.llm is None:
        return [Evidence("rules", "rules only: no judge ran", verdict.confidence)]
    evidence = []
    if verdict.scorer is not None and scorer is not None:
        low, high = scorer.band
        where = f"its band {low:.2f}-{high:.2f}"
        if scorer.settles(verdict.scorer):
            text = f"scorer P(secret) {verdict.scorer:.2f}, outside {where}: the LLM was not asked"
        elif verdict.llm is None:
            text = f"scorer P(secret) {verdict.scorer:.2f}, inside {where}; the LLM did not answer"
        else:
            text = f"scorer P(secret) {verdict.scorer:.2f}, inside {where}"
        evidence.append(Evidence("scorer", text, round(verdict.scorer, 4)))
    if verdict.llm is not None:
        backend = verdict.stage.removeprefix("judge:")
        text = f"LLM ({backend}) P(secret) {verdict.llm:.2f}"
        if verdict.scorer is None:
            text += f", combined with the rule's prior {verdict.candidate.prior:.2f}"
        evidence.append(Evidence("llm", text, round(verdict.llm, 4)))
    if verdict.scorer is not None and scorer is not None:
        evidence.append(confidence_evidence(verdict, scorer))
    return evidence


def confidence_evidence(verdict: Verdict, scorer: Scorer) -> Evidence:
    """How the numbers above became the confidence reported, which is not the scorer's P(secret) itself: the
    LLM's answer folded in, and the calibration that makes a confidence of 0.8 mean about 8 secrets in 10."""
    steps = []
    if verdict.llm is not None:
        steps.append(f"folded with the LLM's at weight {scorer.llm_weight:.2f}")
    if scorer.calibration:
        steps.append("calibrated on real code")
    how = f" ({' and '.join(steps)})" if steps else ""
    return Evidence("confidence", f"confidence {verdict.confidence:.2f}{how}", round(verdict.confidence, 4))


def explain(verdict: Verdict, scorer: Scorer | None, protected: Collection[str], own_rules: Collection[str]) -> Finding:
    """The finding of a reported verdict, with its evidence. `scorer` is the one that scored it (None without);
    `protected` the values found on its line; `own_rules` the ids of the config's rules."""
    candidate = verdict.candidate
    evidence = [match_evidence(candidate, protected)]
    if verdict.stage == "certain":
        evidence.append(certain_evidence(candidate, own_rules))
    elif verdict.scorer is not None and scorer is not None:
        evidence += scorer_signals(contributions(candidate, scorer, protected))
    else:
        evidence.append(prior_signal(candidate))
    evidence += decision_evidence(verdict, scorer)
    return Finding(candidate, verdict.confidence, verdict.stage, tuple(evidence))
