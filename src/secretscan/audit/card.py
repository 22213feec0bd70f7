"""One finding as a card of plain text: where, the rule, the confidence, why it was reported, a few lines around it.

Every secret the scan found is masked wherever it shows up in those lines, not only the one asked about: the
context of one finding is often the line of the next. Control characters are escaped, so a file can't move the
cursor; the frame is ASCII, so a terminal over SSH with any locale draws it.
"""

from __future__ import annotations

from collections.abc import Iterable

import click

from secretscan.audit.session import AuditItem
from secretscan.report import printable
from secretscan.scanner.types import mask_secret

# A minified file's line is cut here; the masked secret is always on the card's own `secret:` line.
MAX_LINE_CHARS = 160
# Parts of a multi-line secret (a private key's body) shorter than this are not worth hiding on their own.
_MIN_PART_CHARS = 8
_SHORT_COMMIT = 7


def secrets_to_hide(secrets: Iterable[str]) -> tuple[str, ...]:
    """Every value to mask on a card: each secret, and each line of a multi-line one; longest first, so a secret
    that contains another is masked whole."""
    hidden = set()
    for secret in secrets:
        hidden.add(secret)
        hidden.update(part.strip() for part in secret.splitlines() if len(part.strip()) >= _MIN_PART_CHARS)
    hidden.discard("")
    return tuple(sorted(hidden, key=lambda s: (-len(s), s)))


def masked_line(text: str, hide: tuple[str, ...]) -> str:
    for secret in hide:
        if secret in text:
            text = text.replace(secret, mask_secret(secret))
    text = printable(text.rstrip("\r\n"))
    return text if len(text) <= MAX_LINE_CHARS else text[: MAX_LINE_CHARS - 1] + "…"


def render_card(item: AuditItem, position: int, total: int, hide: tuple[str, ...], color: bool) -> str:
    """The card for `item`, the `position`-th (1-based) of `total`."""

    def style(text: str, fg: str | None = None, bold: bool | None = None, dim: bool | None = None) -> str:
        return click.style(text, fg=fg, bold=bold, dim=dim) if color else text

    finding = item.finding
    c = finding.candidate
    where = f"{printable(c.path)}:{c.line}:{c.column}"
    head = [style(where, bold=True), style(c.rule, fg="red" if finding.confidence >= 0.8 else "yellow"),
            f"({c.category})"]
    if c.commit:
        head.append(f"[commit {c.commit[:_SHORT_COMMIT]}]")
    status = f"confidence {finding.confidence:.2f}"
    if item.verdict is not None:
        status += f"  baseline: {item.verdict}"
    first = c.line - len(c.context_before)
    rows = [*c.context_before, c.line_text, *c.context_after]
    width = len(str(first + len(rows)))
    # The reason is built to show no more of any value on its line than the mask (secretscan.explain).
    why = style(f"why: {printable(finding.reason)}", dim=True)
    lines = [style(f"---- {position}/{total} " + "-" * 40, dim=True), "  ".join(head), status, why]
    for offset, text in enumerate(rows):
        number = first + offset
        current = number == c.line
        # A commit's context comes from diff hunks, whose lines need not be consecutive: number only the finding.
        label = str(number) if current or not c.commit else ""
        row = f" {'>' if current else ' '} {label:>{width}} | {masked_line(text, hide)}"
        lines.append(style(row, bold=True) if current else row)
    lines.append("secret: " + style(printable(c.masked), fg="magenta"))
    return "\n".join(lines)


PROMPT = "[r] real  [f] false positive  [s] skip  [e] open in $EDITOR  [q] quit > "
