"""`.secretscan-baseline.json`: findings the team has reviewed and accepted, so they are not reported again.

The file stores identities, never secrets: a fingerprint = sha256(secret, rule, path) per accepted finding, with
the path and rule beside it for human review. No line numbers, no timestamps, no masked values, entries sorted:
moving code around or rescanning doesn't rewrite the file (the churn of detect-secrets issues #92 and #394).

Each entry carries a verdict: `accepted` (written by `secretscan baseline`: known, left alone), or what a person
said in `secretscan audit`: `false-positive` (suppressed like an accepted one) or `real` (never suppressed: a scan
keeps failing on it until the secret is gone). Version 1 files had no verdict; they load as `accepted`.

A detect-secrets `.secrets.baseline` can be imported: its entries become (path, sha1 of the secret) pairs,
which is all detect-secrets keeps, and a candidate matches one by hashing its own value the same way.

{
  "version": 2,
  "fingerprints": [
    {"path": "app/settings.py", "rule": "aws-access-key-id", "fingerprint": "<sha256 hex>", "verdict": "accepted"}
  ],
  "detect_secrets": [{"path": "app/settings.py", "type": "AWS Access Key", "hashed_secret": "<sha1 hex>"}]
}
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from secretscan.errors import ConfigError
from secretscan.scanner.types import Candidate, Finding

DEFAULT_BASELINE_NAME = ".secretscan-baseline.json"
BASELINE_VERSION = 2

Verdict = Literal["accepted", "false-positive", "real"]
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)
ACCEPTED: Verdict = "accepted"
FALSE_POSITIVE: Verdict = "false-positive"
REAL: Verdict = "real"
# The verdicts a person gave in `secretscan audit`: the ones `data import-audit` turns into training labels.
AUDITED: tuple[Verdict, ...] = (FALSE_POSITIVE, REAL)

Upgrade = Callable[[dict[str, Any]], dict[str, Any]]


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 had no verdicts: every entry was accepted by `secretscan baseline`."""
    entries = data.get("fingerprints", [])
    if isinstance(entries, list):
        data["fingerprints"] = [{**e, "verdict": ACCEPTED} if isinstance(e, dict) else e for e in entries]
    return data


# Version n -> n + 1, applied in order when an older file is loaded (like detect-secrets' core/upgrades).
# Add an entry here whenever the format changes, and bump BASELINE_VERSION.
_UPGRADES: dict[int, Upgrade] = {1: _v1_to_v2}

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_SHA1_HEX = re.compile(r"[0-9a-f]{40}")


class _MalformedEntry(Exception):
    """A baseline entry of the wrong shape; turned into a ConfigError that names the file."""


@dataclass(frozen=True, order=True)
class AcceptedFinding:
    """One of our findings, reviewed: accepted, or audited as a false positive or a real secret."""

    path: str
    rule: str
    fingerprint: str
    verdict: Verdict = ACCEPTED

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {self.verdict!r}")


@dataclass(frozen=True, order=True)
class ImportedSecret:
    """An entry imported from a detect-secrets baseline: the secret's sha1, as detect-secrets stores it."""

    path: str
    type: str
    hashed_secret: str


@dataclass(frozen=True)
class Baseline:
    """The accepted findings and detect-secrets imports, with set lookups built once for `suppresses`."""

    accepted: frozenset[AcceptedFinding] = frozenset()
    imported: frozenset[ImportedSecret] = frozenset()
    _fingerprints: frozenset[str] = field(init=False, repr=False, compare=False)
    _path_sha1: frozenset[tuple[str, str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # An entry marked real is kept in the file (the audit's answer) but never hides the finding.
        suppressing = frozenset(a.fingerprint for a in self.accepted if a.verdict != REAL)
        object.__setattr__(self, "_fingerprints", suppressing)
        object.__setattr__(self, "_path_sha1", frozenset((i.path, i.hashed_secret) for i in self.imported))

    def __len__(self) -> int:
        return len(self.accepted) + len(self.imported)

    def verdicts(self) -> dict[str, Verdict]:
        """Fingerprint -> verdict of every entry of ours."""
        return {a.fingerprint: a.verdict for a in self.accepted}

    def suppresses(self, candidate: Candidate) -> bool:
        """True when the candidate was accepted before: by our fingerprint, or by a detect-secrets import."""
        if self._fingerprints and candidate.fingerprint in self._fingerprints:
            return True
        if self._path_sha1:
            return (_normalize_path(candidate.path), _sha1_hex(candidate.secret)) in self._path_sha1
        return False


EMPTY_BASELINE = Baseline()


def load_baseline(path: Path) -> Baseline:
    """Read a baseline file. A missing file is an empty baseline; a corrupt or unknown one is a ConfigError."""
    if not path.exists():
        return EMPTY_BASELINE
    data = _read_json(path, "baseline")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: not a secretscan baseline (expected a JSON object)")
    data = _upgrade(data, path)
    try:
        accepted = frozenset(_accepted_from(raw) for raw in _list(data, "fingerprints"))
        imported = frozenset(_imported_from(raw) for raw in _list(data, "detect_secrets"))
    except _MalformedEntry as exc:
        raise ConfigError(f"{path}: corrupt baseline: {exc}") from None
    return Baseline(accepted, imported)


def write_baseline(path: Path, findings: Iterable[Finding]) -> int:
    """Write the findings as the accepted set. Returns the number of entries written.

    Our fingerprints are replaced by `findings` (a fresh scan is the source of truth for those), each keeping the
    verdict an audit gave it; entries imported from detect-secrets are kept, since a rescan can't recreate them.
    """
    existing = load_baseline(path)
    verdicts = existing.verdicts()
    accepted = frozenset(
        AcceptedFinding(
            _normalize_path(f.candidate.path), f.candidate.rule, f.fingerprint, verdicts.get(f.fingerprint, ACCEPTED)
        )
        for f in findings
    )
    baseline = Baseline(accepted, existing.imported)
    _write(path, baseline)
    return len(baseline)


def record_verdict(path: Path, finding: Finding, verdict: Verdict) -> Baseline:
    """Store a person's verdict on one finding (replacing any earlier one), and return the baseline written.

    Written at once and atomically, so an audit stopped at any key keeps every answer given before it.
    """
    existing = load_baseline(path)
    candidate = finding.candidate
    entry = AcceptedFinding(_normalize_path(candidate.path), candidate.rule, finding.fingerprint, verdict)
    others = frozenset(a for a in existing.accepted if a.fingerprint != entry.fingerprint)
    baseline = Baseline(others | {entry}, existing.imported)
    _write(path, baseline)
    return baseline


def import_detect_secrets(ds_path: Path, baseline_path: Path, warn: Callable[[str], None] | None = None) -> int:
    """Merge a detect-secrets `.secrets.baseline` into our baseline. Returns the number of entries imported.

    Entries audited as real (`is_secret: true`) are not imported: the user marked them as secrets to fix, so
    they must keep being reported. `warn` is told how many were skipped.
    """
    data = _read_json(ds_path, "detect-secrets baseline")
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, dict):
        raise ConfigError(f"{ds_path}: not a detect-secrets baseline (no 'results' object)")
    imported: set[ImportedSecret] = set()
    skipped = 0
    try:
        for filename, entries in results.items():
            if not isinstance(entries, list):
                raise _MalformedEntry(f"results[{filename!r}] is not a list")
            for entry in entries:
                if not isinstance(entry, dict):
                    raise _MalformedEntry(f"an entry of {filename!r} is not an object")
                if entry.get("is_secret") is True:
                    skipped += 1
                    continue
                imported.add(
                    _imported_from(
                        {"path": filename, "type": entry.get("type"), "hashed_secret": entry.get("hashed_secret")}
                    )
                )
    except _MalformedEntry as exc:
        raise ConfigError(f"{ds_path}: corrupt detect-secrets baseline: {exc}") from None
    existing = load_baseline(baseline_path)
    _write(baseline_path, Baseline(existing.accepted, existing.imported | imported))
    if skipped and warn is not None:
        warn(f"skipped {skipped} detect-secrets entr{'y' if skipped == 1 else 'ies'} audited as real secrets")
    return len(imported)


def _upgrade(data: dict[str, Any], path: Path) -> dict[str, Any]:
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ConfigError(f"{path}: not a secretscan baseline (no integer 'version')")
    if version > BASELINE_VERSION:
        raise ConfigError(
            f"{path}: baseline version {version} is newer than this secretscan supports "
            f"({BASELINE_VERSION}); upgrade secretscan"
        )
    while version < BASELINE_VERSION:
        upgrade = _UPGRADES.get(version)
        if upgrade is None:
            raise ConfigError(f"{path}: unknown baseline version {version}")
        data = upgrade(data)
        version += 1
        data["version"] = version
    return data


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: {what} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: {what} is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except RecursionError:
        raise ConfigError(f"{path}: {what} nests too deeply to be a baseline") from None


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise _MalformedEntry(f"'{key}' must be a list")
    return value


def _text(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value:
        raise _MalformedEntry(f"an entry has no '{key}'")
    return value


def _accepted_from(raw: Any) -> AcceptedFinding:
    if not isinstance(raw, dict):
        raise _MalformedEntry("a fingerprint entry is not an object")
    fingerprint = _text(raw, "fingerprint")
    if not _SHA256_HEX.fullmatch(fingerprint):
        raise _MalformedEntry(f"fingerprint {fingerprint[:16]!r} is not a sha256 hex digest")
    verdict = _text(raw, "verdict")
    if verdict not in VERDICTS:
        raise _MalformedEntry(f"verdict {verdict[:20]!r} is not one of {', '.join(VERDICTS)}")
    return AcceptedFinding(_normalize_path(_text(raw, "path")), _text(raw, "rule"), fingerprint, verdict)


def _imported_from(raw: Any) -> ImportedSecret:
    if not isinstance(raw, dict):
        raise _MalformedEntry("a detect_secrets entry is not an object")
    hashed = _text(raw, "hashed_secret")
    if not _SHA1_HEX.fullmatch(hashed):
        raise _MalformedEntry(f"hashed_secret {hashed[:16]!r} is not a sha1 hex digest")
    return ImportedSecret(_normalize_path(_text(raw, "path")), _text(raw, "type"), hashed)


def _to_json(baseline: Baseline) -> str:
    document = {
        "version": BASELINE_VERSION,
        "fingerprints": [
            {"path": a.path, "rule": a.rule, "fingerprint": a.fingerprint, "verdict": a.verdict}
            for a in sorted(baseline.accepted)
        ],
        "detect_secrets": [
            {"path": i.path, "type": i.type, "hashed_secret": i.hashed_secret} for i in sorted(baseline.imported)
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _write(path: Path, baseline: Baseline) -> None:
    """Write atomically, so an interrupted run never leaves a half-written baseline behind."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(_to_json(baseline), encoding="utf-8", newline="\n")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigError(f"cannot write baseline {path}: {exc.strerror}") from None


def _normalize_path(path: str) -> str:
    """Posix, relative to the scan root, without a leading `./`, as our candidates and detect-secrets name files."""
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def _sha1_hex(secret: str) -> str:
    # detect-secrets' hashed_secret: sha1 of the UTF-8 secret. Only used to match its imports, never to store ours.
    return hashlib.sha1(secret.encode("utf-8", "surrogatepass")).hexdigest()
