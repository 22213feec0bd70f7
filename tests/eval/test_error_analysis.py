"""Error kinds, and tracing a missed line through the real candidate stage."""

from __future__ import annotations

import pytest

from secretscan.eval.error_analysis import (
    UNLABELLED,
    false_negative_kind,
    false_positive_kind,
    masked_context,
    trace_file,
)
from secretscan.scanner.types import mask_secret


@pytest.mark.parametrize(
    ("category", "value_class", "kind"),
    [
        ("placeholder", None, "placeholder missed"),
        ("doc-example-key", None, "placeholder missed"),
        ("env-lookup", None, "lookup flagged"),
        ("git-sha", None, "hash or ID flagged"),
        ("uuid", "placeholder", "hash or ID flagged"),  # the corpus author's category beats our guess
        ("public-key", None, "public material flagged"),
        ("test-fixture", None, "test fixture flagged"),
        ("key-as-value", None, "key name as value flagged"),
        ("base64-image", None, "encoded data flagged"),
        ("i18n", None, "prose flagged"),
        ("benign", "hash-or-id", "hash or ID flagged"),  # an uninformative category: the value's class decides
        ("benign", None, "other negative flagged"),
        (UNLABELLED, "placeholder", "unlabelled line flagged"),
    ],
)
def test_false_positive_kind(category: str, value_class: str | None, kind: str) -> None:
    assert false_positive_kind(category, value_class) == kind


@pytest.mark.parametrize(
    ("category", "filtered_as", "kind"),
    [
        ("generic-password", None, "generic password missed"),
        ("password", None, "generic password missed"),
        ("connection-string", None, "connection string missed"),
        ("db-url", None, "connection string missed"),
        ("private-key", None, "private key missed"),
        ("github-token", None, "token missed"),
        ("api-token", None, "token missed"),
        ("signing-key", None, "signing key missed"),
        ("generic-password", "placeholder", "wrong value class"),
    ],
)
def test_false_negative_kind(category: str, filtered_as: str | None, kind: str) -> None:
    assert false_negative_kind(category, filtered_as) == kind


def test_trace_file_follows_each_missed_line_through_the_candidate_stage() -> None:
    text = "\n".join(
        [
            "import os",  # 1: no candidate
            'token = os.environ["API_TOKEN"]',  # 2: no candidate: a lookup is not a literal
            "commit = '3f786850e387550fdab836ed7e6dc881de23001b'",  # 3: a candidate the hash filter drops
            'password = "Tr0ub4dor&3xyz"  # pragma: allowlist secret',  # 4: suppressed inline
            'password = "Tr0ub4dor&3xyz"',  # 5: a candidate that goes on to the judge
        ]
    )
    traces = trace_file("app.py", text)
    assert traces.keys() == {3, 4, 5}  # lines 1 and 2: no candidate
    filtered = traces[3]
    assert filtered.stage.startswith("filtered: ") and filtered.filtered_as is not None
    assert filtered.value_masked == mask_secret("3f786850e387550fdab836ed7e6dc881de23001b")
    assert traces[4].stage == "suppressed inline"
    reported = traces[5]
    assert reported.stage == "candidate not reported" and reported.value_masked == mask_secret("Tr0ub4dor&3xyz")


def test_masked_context_clips_at_the_file_edges() -> None:
    lines = ['a = "s3cr3tvalue1"', "b = 2", 'c = "s3cr3tvalue3"']
    line, before, after = masked_context(lines, 1)
    assert (line, before, after) == ('a = "s…1"', (), ("b = …", 'c = "s…3"'))
    line, before, after = masked_context(lines, 3)
    assert before == ('a = "s…1"', "b = …") and after == ()
