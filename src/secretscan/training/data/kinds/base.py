"""What every file-kind renderer shares: slots in, lines + ground truth out."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from secretscan.training.data.rand import pick
from secretscan.training.data.values import Value

# What a slot holds; renderers pick syntax by role.
SECRET_ROLES = ("password", "token", "key", "conn", "header", "pem")
OTHER_ROLES = ("id", "public", "blob", "i18n", "minified", "benign")
ROLES = SECRET_ROLES + OTHER_ROLES


@dataclass(frozen=True)
class Slot:
    """One planted value with the key name it is assigned to (UPPER_SNAKE; renderers restyle it)."""

    role: str
    name: str
    value: Value

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}")


@dataclass(frozen=True)
class Planted:
    """Ground truth for one line: the value as written in the file, and what it is."""

    line: int  # 1-based
    text: str
    value: Value


@dataclass(frozen=True)
class Rendered:
    path: str
    text: str
    planted: tuple[Planted, ...]


class Out:
    """The lines of a file being written, with the ground truth of the lines that carry a planted value."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.planted: list[Planted] = []

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def plant(self, line: str, value: Value, text: str) -> None:
        """Add `line`, which carries `text` (the value as written: a literal, or a lookup expression)."""
        if text and text not in line:
            raise AssertionError(f"planted text not on its line: {line!r}")
        self.lines.append(line)
        self.planted.append(Planted(len(self.lines), text, value))

    def rendered(self, path: str) -> Rendered:
        return Rendered(path, "\n".join(self.lines) + "\n", tuple(self.planted))


Render = Callable[[random.Random, Sequence[Slot]], Rendered]


@dataclass(frozen=True)
class Kind:
    name: str
    render: Render
    # Roles this kind can host besides the secret roles (an i18n string in a Go file would be odd).
    extra_roles: tuple[str, ...] = ("id", "public", "benign")
    # The secret roles its format has a place for (a .netrc holds no PEM block).
    secret_roles: tuple[str, ...] = SECRET_ROLES
    # Its default weight among the kinds (`generator.kinds`).
    weight: float = 1.0


_PROJECTS = (
    "",
    "",
    "services/payments/",
    "services/auth/",
    "api/",
    "backend/",
    "web/",
    "tools/etl/",
    "apps/admin/",
    "platform/",
    "internal/billing/",
    "pkg/notifier/",
    "data-pipeline/",
    "mobile-backend/",
    "legacy/crm/",
)


def project(rng: random.Random) -> str:
    return pick(rng, _PROJECTS)


def path_for(rng: random.Random, dirs: Sequence[str], stems: Sequence[str], ext: str) -> str:
    folder = pick(rng, dirs)
    return f"{project(rng)}{folder}{pick(rng, stems)}{ext}"


def json_string(text: str) -> str:
    """`text` as a JSON string literal. A PEM block is already written with `\\n` escapes; keep them single."""
    return f'"{text}"' if "\\n" in text else json.dumps(text, ensure_ascii=False)


def xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
