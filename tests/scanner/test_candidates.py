"""find_candidates: positions, context, judged lines, overlaps, odd text, user rules."""

from __future__ import annotations

import random
import string

from secretscan.config import ExtraRule
from secretscan.scanner.candidates import drop_overlaps, find_candidates, position_preserving_lower
from secretscan.scanner.rules import Hit, Specificity
from secretscan.scanner.rules.checksums import make_github_token
from secretscan.scanner.types import Certainty, ScanUnit

A62 = string.ascii_letters + string.digits


def rand(n: int, seed: str = "") -> str:
    rng = random.Random(f"{seed}{n}")
    return "".join(rng.choice(A62) for _ in range(n))


GH = make_github_token("ghp", rand(30, "gh"))
AWS_ID = "AK" + "IA" + "".join(random.Random("aws").choice(string.ascii_uppercase + "234567") for _ in range(16))


def found(text: str, path: str = "app.py", **unit: object) -> list[tuple[int, int, str, str]]:
    return [(c.line, c.column, c.rule, c.secret) for c in find_candidates(ScanUnit(path, text, **unit))]  # type: ignore[arg-type]


def test_positions_are_one_based_lines_and_columns_of_the_value() -> None:
    text = f'import os\n\nDB_PASSWORD = "hunter2x"\nclient = Client(token="{GH}")\n'
    assert found(text) == [(3, 16, "generic-password", "hunter2x"), (4, 24, "github-pat", GH)]


def test_snippets_in_many_languages() -> None:
    snippets = {
        "settings.py": f'AWS_ACCESS_KEY_ID = "{AWS_ID}"\n',
        "server.js": "const db = 'postgres://app:Pg-pass-42@db.internal/app';\n",
        "main.go": 'cfg := Config{Password: "Go-pass-42"}\n',
        "values.yaml": "auth:\n  password: Yaml-pass-42\n",
        "config.json": '{\n  "api_key": "Json-key-42"\n}\n',
        ".env": "SECRET_KEY=Env-secret-42\n",
        "app.ini": "[db]\npassword = Ini-pass-42\n",
        "web.config": '<connectionStrings><add connectionString="Server=db;Database=app;User Id=sa;'
        'Password=Ado-pass-42;" /></connectionStrings>\n',
        "Dockerfile": "FROM python:3.12\nENV API_TOKEN=Docker-tok-42\n",
        "deploy.sh": "#!/bin/sh\nmysql -u root -pShell-pass-42 app < dump.sql\n",
        "main.tf": 'resource "aws_db_instance" "db" {\n  password = "Tf-pass-42"\n}\n',
    }
    expected = {
        "settings.py": ("aws-access-key-id", AWS_ID),
        "server.js": ("url-credentials", "Pg-pass-42"),
        "main.go": ("generic-password", "Go-pass-42"),
        "values.yaml": ("generic-password", "Yaml-pass-42"),
        "config.json": ("generic-secret", "Json-key-42"),
        ".env": ("generic-secret", "Env-secret-42"),
        "app.ini": ("generic-password", "Ini-pass-42"),
        "web.config": ("connection-string-password", "Ado-pass-42"),
        "Dockerfile": ("generic-secret", "Docker-tok-42"),
        "deploy.sh": ("generic-password", "Shell-pass-42"),
        "main.tf": ("generic-password", "Tf-pass-42"),
    }
    for path, text in snippets.items():
        assert [(c.rule, c.secret) for c in find_candidates(ScanUnit(path, text))] == [expected[path]], path


def test_context_lines_and_line_text() -> None:
    lines = [f"line {i}" for i in range(1, 11)]
    lines[4] = 'password = "hunter2x"'
    (candidate,) = find_candidates(ScanUnit("app.py", "\n".join(lines)))
    assert candidate.line == 5
    assert candidate.line_text == 'password = "hunter2x"'
    assert candidate.context_before == ("line 2", "line 3", "line 4")
    assert candidate.context_after == ("line 6", "line 7", "line 8")

    (first,) = find_candidates(ScanUnit("app.py", 'password = "hunter2x"\nnext\n'))
    assert first.context_before == () and first.context_after == ("next", "")


def test_crlf_line_endings() -> None:
    (candidate,) = find_candidates(ScanUnit("app.ini", "[db]\r\npassword = Crlf-pass-42\r\nhost = db\r\n"))
    assert (candidate.line, candidate.column, candidate.secret) == (2, 12, "Crlf-pass-42")
    assert candidate.line_text == "password = Crlf-pass-42"
    assert candidate.context_after == ("host = db", "")


def test_judged_lines_limit_what_is_reported() -> None:
    text = 'password = "old-pass-1"\npassword = "new-pass-2"\n'
    assert [c.secret for c in find_candidates(ScanUnit("a.py", text, judged_lines=frozenset({2})))] == ["new-pass-2"]
    assert find_candidates(ScanUnit("a.py", text, judged_lines=frozenset())) == []


def test_hunks_map_to_real_line_numbers_and_carry_the_commit() -> None:
    # Two hunks of one file in one commit: lines 10-11 and 40-41.
    text = 'x = 1\npassword = "hunk-pass-1"\ny = 2\ntoken = "hunk-tok-2"\n'
    unit = ScanUnit("a.py", text, line_numbers=(10, 11, 40, 41), judged_lines=frozenset({11, 41}), commit="abc123")
    candidates = find_candidates(unit)
    assert [(c.line, c.secret, c.commit) for c in candidates] == [
        (11, "hunk-pass-1", "abc123"),
        (41, "hunk-tok-2", "abc123"),
    ]


def test_a_multi_line_key_counts_if_any_of_its_lines_is_judged() -> None:
    from base64 import b64encode

    body = b64encode(b"\x30\x82\x01\x00" + random.Random("k").randbytes(300)).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    text = "\n".join(["-----BEGIN PRIVATE KEY-----", *lines, "-----END PRIVATE KEY-----", ""])
    (candidate,) = find_candidates(ScanUnit("k.pem", text, judged_lines=frozenset({3})))
    assert candidate.line == 1 and candidate.certainty is Certainty.CERTAIN
    assert find_candidates(ScanUnit("k.pem", text, judged_lines=frozenset({len(lines) + 3}))) == []


def test_most_specific_rule_wins_an_overlap() -> None:
    # The keyword rule and the entropy rule also match this value; the token format wins.
    (candidate,) = find_candidates(ScanUnit("a.py", f'GITHUB_TOKEN = "{GH}"\n'))
    assert candidate.rule == "github-pat"
    # A URL password inside a keyword assignment: the connection rule wins.
    (candidate,) = find_candidates(ScanUnit(".env", "DATABASE_PASSWORD=postgres://app:Url-pass-42@db/app\n"))
    assert (candidate.rule, candidate.secret) == ("url-credentials", "Url-pass-42")


def test_drop_overlaps_keeps_specific_then_first_and_disjoint_hits() -> None:
    def hit(start: int, end: int, rule: str, specificity: Specificity) -> Hit:
        return Hit(start, end, rule, "c", 0.5, specificity)

    hits = [
        hit(0, 10, "entropy", Specificity.ENTROPY),
        hit(2, 8, "token", Specificity.TOKEN),
        hit(5, 12, "keyword", Specificity.KEYWORD),
        hit(20, 30, "first", Specificity.KEYWORD),
        hit(25, 35, "second", Specificity.KEYWORD),
        hit(40, 45, "alone", Specificity.ENTROPY),
    ]
    assert [h.rule for h in drop_overlaps(hits)] == ["token", "first", "alone"]


def test_non_ascii_text_keeps_columns_right() -> None:
    # "İ" lowercases to two characters; offsets must not shift.
    text = f'# İstanbul 東京 🚀\nnote = "İİİ"; token = "{GH}"\n'
    (candidate,) = find_candidates(ScanUnit("a.py", text))
    assert (candidate.line, candidate.column, candidate.secret) == (2, 24, GH)
    assert position_preserving_lower("İA") == "İa"


def test_very_long_lines_are_skipped_by_line_detectors() -> None:
    filler = ",".join(f"v{i}=w{i}" for i in range(1000))
    long_line = f'{filler};password = "long-pass-42"'
    assert len(long_line) > 4000
    assert find_candidates(ScanUnit("bundle.js", long_line + "\n")) == []
    assert found(f'{long_line}\npassword = "short-pass-42"\n', "bundle.js") == [
        (2, 13, "generic-password", "short-pass-42")
    ]


def test_empty_and_whitespace_units() -> None:
    assert find_candidates(ScanUnit("a.py", "")) == []
    assert find_candidates(ScanUnit("a.py", "\n\n   \n")) == []


def test_line_numbers_shorter_than_the_text_do_not_crash() -> None:
    unit = ScanUnit("a.py", 'password = "hunk-pass-1"\n', line_numbers=(7,))
    assert [(c.line, c.secret) for c in find_candidates(unit)] == [(7, "hunk-pass-1")]


def test_extra_rules() -> None:
    token = "ACME-" + rand(24, "acme")
    text = f'ACME_TOKEN = "{token}"\nother = "acme_{rand(16, "b")}"\n'
    certain = ExtraRule(id="acme-token", regex=r"ACME-[A-Za-z0-9]{24}", category="internal")
    (candidate,) = find_candidates(ScanUnit("a.py", text), rules=[certain])
    assert (candidate.rule, candidate.category, candidate.secret) == ("acme-token", "internal", token)
    assert candidate.certainty is Certainty.CERTAIN and candidate.prior == 1.0

    grouped = ExtraRule(id="acme-grouped", regex=r"other = \"(acme_\w+)\"", certain=False)
    candidates = find_candidates(ScanUnit("a.py", text), rules=[certain, grouped])
    assert [(c.rule, c.secret.startswith("acme_"), c.certainty, c.prior) for c in candidates] == [
        ("acme-token", False, Certainty.CERTAIN, 1.0),
        ("acme-grouped", True, Certainty.POSSIBLE, 0.8),
    ]

    named = ExtraRule(id="acme-named", regex=r"(ACME)-(?P<secret>[A-Za-z0-9]{24})")
    (candidate,) = find_candidates(ScanUnit("a.py", text), rules=[named])
    assert candidate.secret == token.removeprefix("ACME-")


def test_user_rule_outranks_a_builtin_on_the_same_span() -> None:
    rule = ExtraRule(id="our-github", regex=r"ghp_[A-Za-z0-9]{36}", category="vcs")
    (candidate,) = find_candidates(ScanUnit("a.py", f'x = "{GH}"\n'), rules=[rule])
    assert candidate.rule == "our-github"
