"""Fuzzing with hypothesis: the unified-diff parser, the candidate stage, the baseline loader and the mask.

Properties: nothing raises but a module's own one-line error; every line reported is inside its file or unit;
every added line of a generated diff is seen exactly once, at its number; a mask never shows the secret.
CI runs 200 cases per property. `SECRETSCAN_FUZZ_LONG=1` runs 10,000 (docs/security.md has the command).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import secret_samples as samples
from hypothesis import given, settings
from hypothesis import strategies as st

from secretscan.errors import ConfigError
from secretscan.scanner.baseline import import_detect_secrets, load_baseline
from secretscan.scanner.candidates import find_candidates
from secretscan.scanner.gitdiff import DiffLine, parse_diff
from secretscan.scanner.types import ScanUnit, mask_secret

LONG = os.environ.get("SECRETSCAN_FUZZ_LONG") == "1"
# No deadline: a busy CI machine must not turn a slow case into a failure. No example database: nothing is left
# in the work tree; a failure prints the example that reproduces it.
FUZZ = settings(max_examples=10_000 if LONG else 200, deadline=None, database=None)
SHA = "0123456789abcdef" * 2 + "01234567"

# ---------------------------------------------------------------- unified diffs

# Content lines that look like diff headers must stay content.
HEADER_LOOKALIKES = [
    "--- a/x",
    "+++ b/fake",
    "diff --git a/x b/x",
    "@@ -1 +1 @@",
    f"commit {SHA}",
    "\\ No newline at end of file",
    "Binary files a/x and b/x differ",
    "rename from x",
    "",
]
LINE_TEXT = st.text(st.characters(blacklist_characters="\r\n"), max_size=40) | st.sampled_from(HEADER_LOOKALIKES)
# Spaces, quotes, backslashes, tabs and non-ASCII: everything git quotes or ends with a tab.
PATH_SEGMENT = st.text(st.sampled_from(list('aZ09 -_."\\\tüé日')), min_size=1, max_size=8)
_C_ESCAPES = {"\a": "a", "\b": "b", "\t": "t", "\n": "n", "\v": "v", "\f": "f", "\r": "r", '"': '"', "\\": "\\"}


def git_quote(path: str) -> str:
    """A path as git writes it with core.quotePath: C-quoted, bytes over 0x7f in octal, when it needs quoting."""
    if not any(c in _C_ESCAPES or ord(c) < 0x20 or ord(c) >= 0x7F for c in path):
        return path
    out = []
    for byte in path.encode():
        char = chr(byte)
        if char in _C_ESCAPES:
            out.append("\\" + _C_ESCAPES[char])
        elif byte < 0x20 or byte >= 0x7F:
            out.append(f"\\{byte:03o}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def marker(sign: str, path: str) -> str:
    """A `---`/`+++` line: git ends an unquoted name that holds a space with a tab."""
    quoted = git_quote(path)
    return f"{sign} {quoted}\t" if quoted == path and " " in path else f"{sign} {quoted}"


@dataclass(frozen=True)
class MadeFile:
    text: str
    path: str
    commit: str | None
    added: tuple[DiffLine, ...]


@st.composite
def changed_files(draw: st.DrawFn) -> MadeFile:
    """One file's section of `git diff` (or of `git log -p`, with a commit line), and the added lines it holds."""
    path = "/".join(draw(st.lists(PATH_SEGMENT, min_size=1, max_size=3)))
    commit = draw(st.none() | st.text("0123456789abcdef", min_size=40, max_size=40))
    out = [f"commit {commit}", ""] if commit else []
    out += [f"diff --git {git_quote('a/' + path)} {git_quote('b/' + path)}", "index 1111111..2222222 100644"]
    out += [marker("---", "a/" + path), marker("+++", "b/" + path)]
    added = []
    old = new = 1
    hunk_lines = st.lists(st.tuples(st.sampled_from(" +-"), LINE_TEXT), min_size=1, max_size=6)
    for hunk in draw(st.lists(hunk_lines, min_size=1, max_size=4)):
        gap = draw(st.integers(0, 3))
        old, new = old + gap, new + gap
        old_count, new_count = sum(t != "+" for t, _ in hunk), sum(t != "-" for t, _ in hunk)
        # An empty side names the line before it, as git does (`@@ -0,0 +1 @@`).
        out.append(f"@@ -{old if old_count else old - 1},{old_count} +{new if new_count else new - 1},{new_count} @@")
        for tag, text in hunk:
            out.append(tag + text)
            if tag == "+":
                added.append(DiffLine(new, text, True))
            new += tag != "-"
            old += tag != "+"
        if draw(st.booleans()):
            out.append("\\ No newline at end of file")
    return MadeFile("\n".join(out), path, commit, tuple(added))


@FUZZ
@given(st.lists(changed_files(), min_size=1, max_size=4), st.booleans())
def test_every_added_line_of_a_generated_diff_is_seen_once(files: list[MadeFile], crlf: bool) -> None:
    text = "\n".join(f.text for f in files) + "\n"
    parsed = parse_diff(text.replace("\n", "\r\n") if crlf else text)
    assert parsed.unparsed == 0
    assert [f.path for f in parsed.files] == [f.path for f in files]
    commit = None
    for made, got in zip(files, parsed.files):
        commit = made.commit or commit  # a commit line holds for the files after it
        assert got.added == made.added
        assert got.commit == commit


DIFF_LINES = st.sampled_from(
    [
        "diff --git a/x b/x",
        'diff --git "a/q\\tr" "b/q\\tr"',
        "diff --cc x",
        "--- a/x",
        "+++ b/x",
        "--- /dev/null",
        "+++ /dev/null",
        "@@ -1,2 +1,3 @@",
        "@@ -0,0 +1 @@",
        "@@ -3 +0,0 @@",
        "@@ -1,99999999999 +1,99999999999 @@",
        "+added",
        "-removed",
        " context",
        "",
        "\\ No newline at end of file",
        "Binary files a/x and b/x differ",
        "GIT binary patch",
        "rename from x",
        'rename to "y\\tz"',
        "new file mode 100644",
        "old mode 100644",
        f"commit {SHA}",
        "index 1..2",
    ]
)


@FUZZ
@given(st.lists(DIFF_LINES | st.text(max_size=20), max_size=40))
def test_any_text_parses_and_no_added_line_is_invented(lines: list[str]) -> None:
    parsed = parse_diff("\n".join(lines))
    # What the parser sees: "\n"-separated lines, each less one carriage return at its end.
    seen = [line.removesuffix("\r") for raw in lines for line in raw.split("\n")]
    plus_lines = Counter(line[1:] for line in seen if line.startswith("+"))
    added = Counter(line.text for file in parsed.files for line in file.added)
    assert not added - plus_lines
    assert all(line.number >= 0 for file in parsed.files for line in file.lines)


# ---------------------------------------------------------------- the candidate stage

# Pieces that the detectors bite on, so that arbitrary text holds candidates often.
FRAGMENTS = st.sampled_from(
    [
        'password = "',
        "api_key: ",
        "TOKEN=",
        "secret",
        '"',
        "'",
        "\n",
        "\r\n",
        " ",
        "=",
        ":",
        "://",
        "@",
        "?access_token=",
        "Authorization: Bearer ",
        "kind: Secret\ndata:\n  ",
        "-----BEGIN RSA PRIVATE KEY-----\n",
        "-----END RSA PRIVATE KEY-----",
        "İ",
        samples.github_token(),
        samples.aws_access_key_id(),
        samples.database_password(),
        samples.database_url(),
        samples.private_key_block(),
    ]
)
TEXT = st.lists(FRAGMENTS | st.text(max_size=12), max_size=30).map("".join)
PATHS = st.text(max_size=30) | st.sampled_from(["app/settings.py", ".env", "README.md", "k8s/secret.yaml", ".pgpass"])


@FUZZ
@given(TEXT, PATHS)
def test_every_candidate_lies_inside_its_text(text: str, path: str) -> None:
    lines = text.split("\n")
    for candidate in find_candidates(ScanUnit(path, text)):
        assert 1 <= candidate.line <= len(lines)
        line = lines[candidate.line - 1]
        assert candidate.line_text == line.rstrip("\r")
        assert candidate.column >= 1 and candidate.secret
        assert line[candidate.column - 1 :].startswith(candidate.secret.split("\n")[0])


@FUZZ
@given(TEXT, PATHS, st.data())
def test_a_hunks_candidates_lie_on_its_judged_lines(text: str, path: str, data: st.DataObject) -> None:
    count = text.count("\n") + 1
    numbers = sorted(data.draw(st.lists(st.integers(1, 10**6), min_size=count, max_size=count, unique=True)))
    judged = data.draw(st.frozensets(st.sampled_from(numbers)))
    for candidate in find_candidates(ScanUnit(path, text, tuple(numbers), judged)):
        # A private key block is reported at its first line when any of its lines is judged.
        first = numbers.index(candidate.line)
        assert judged & set(numbers[first : first + candidate.secret.count("\n") + 1])


# ---------------------------------------------------------------- the baseline loader

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
ENTRY = st.fixed_dictionaries(
    {},
    optional={
        "path": st.text() | JSON,
        "rule": st.text() | JSON,
        "type": st.text() | JSON,
        "fingerprint": st.sampled_from(["a" * 64, "A" * 64, "a" * 63]) | JSON,
        "hashed_secret": st.sampled_from(["b" * 40, "b" * 41]) | JSON,
        "is_secret": JSON,
    },
)
# Near the real format, so the loader gets past its first checks.
BASELINE = st.fixed_dictionaries(
    {},
    optional={
        "version": st.sampled_from([1, 0, 2, -1, True, "1", 1.0]) | JSON,
        "fingerprints": st.lists(ENTRY, max_size=4) | JSON,
        "detect_secrets": st.lists(ENTRY, max_size=4) | JSON,
        "results": st.dictionaries(st.text(max_size=8), st.lists(ENTRY, max_size=3) | JSON, max_size=3) | JSON,
    },
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("baselines")


def load_or_one_line_error(path: Path) -> None:
    try:
        load_baseline(path)
    except ConfigError as exc:
        assert "\n" not in str(exc)


@FUZZ
@given(BASELINE | JSON)
def test_any_json_baseline_loads_or_is_a_one_line_error(folder: Path, document: object) -> None:
    path = folder / ".secretscan-baseline.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    load_or_one_line_error(path)


@FUZZ
@given(st.binary(max_size=200) | (BASELINE | JSON).map(lambda d: json.dumps(d).encode("utf-16")))
def test_any_bytes_baseline_loads_or_is_a_one_line_error(folder: Path, data: bytes) -> None:
    path = folder / ".secretscan-baseline.json"
    path.write_bytes(data)
    load_or_one_line_error(path)


@FUZZ
@given(BASELINE | JSON)
def test_any_detect_secrets_baseline_imports_or_is_a_one_line_error(folder: Path, document: object) -> None:
    source, ours = folder / ".secrets.baseline", folder / "imported.json"
    source.write_text(json.dumps(document), encoding="utf-8")
    ours.unlink(missing_ok=True)
    try:
        import_detect_secrets(source, ours)
    except ConfigError as exc:
        assert "\n" not in str(exc)


def test_a_deeply_nested_baseline_is_a_one_line_error(folder: Path) -> None:
    path = folder / "deep.json"
    path.write_text("[" * 100_000, encoding="utf-8")
    load_or_one_line_error(path)


# ---------------------------------------------------------------- the mask


@FUZZ
@given(st.text(min_size=4))
def test_a_mask_never_shows_the_secret(secret: str) -> None:
    masked = mask_secret(secret)
    assert secret not in masked
    shown = len(masked) - 1  # all but the ellipsis
    assert shown <= 4 and shown * 4 <= len(secret)
    keep = shown // 2
    assert masked == secret[:keep] + "…" + secret[len(secret) - keep :]
