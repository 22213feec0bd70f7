"""User configuration: `[tool.secretscan]` in pyproject.toml, or `.secretscan.toml`, validated up front."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from secretscan.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

BACKENDS = ("llama-cpp", "ollama", "none")
FALLBACKS = ("rules", "error")


@dataclass(frozen=True)
class ExtraRule:
    """A user-defined token format: `[[tool.secretscan.rules]] id = "...", regex = "...", category = "..."`."""

    id: str
    regex: str
    category: str = "custom"
    # Extra rules are the user's own formats: report them without the judge unless they say otherwise.
    certain: bool = True

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", self.id):
            raise ConfigError(f"rule id {self.id!r} must be lowercase letters, digits and dashes")
        try:
            re.compile(self.regex)
        except re.error as exc:
            raise ConfigError(f"rule {self.id!r}: invalid regex: {exc}") from None


@dataclass(frozen=True)
class Config:
    backend: str = "llama-cpp"
    # A GGUF path for llama-cpp (None: the embedded default), or a model name for ollama.
    model: str | None = None
    # A GGUF LoRA adapter applied at load time (llama-cpp only). None: the shipped adapter, if any.
    lora: str | None = None
    threshold: float = 0.5
    exclude: tuple[str, ...] = ()
    rules: tuple[ExtraRule, ...] = ()
    ollama_host: str = "http://127.0.0.1:11434"
    # What to do when the judge backend is unavailable: "rules" warns and goes on rules-only, "error" exits 2.
    fallback: str = "rules"
    # Lines of context shown to the judge around the candidate line.
    context_lines: int = 0
    cache: bool = True
    # The cheap scorer in front of the LLM: a weight file from `secretscan-train scorer fit`, None for the shipped
    # one, or "none" to send every uncertain candidate to the LLM.
    scorer: str | None = None
    # Files larger than this are skipped (and counted) rather than read into memory.
    max_file_bytes: int = 2_000_000

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ConfigError(f"backend must be one of {', '.join(BACKENDS)}, not {self.backend!r}")
        if self.fallback not in FALLBACKS:
            raise ConfigError(f"fallback must be one of {', '.join(FALLBACKS)}, not {self.fallback!r}")
        if not 0.0 <= self.threshold <= 1.0:
            raise ConfigError(f"threshold must be between 0 and 1, not {self.threshold}")
        if not 0 <= self.context_lines <= 10:
            raise ConfigError(f"context_lines must be between 0 and 10, not {self.context_lines}")
        if self.max_file_bytes <= 0:
            raise ConfigError("max_file_bytes must be positive")

    def with_overrides(self, **overrides: Any) -> Config:
        """A copy with the command-line options that were given (None means 'not given')."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


_FIELD_TYPES: dict[str, type | tuple[type, ...]] = {
    "backend": str,
    "model": str,
    "lora": str,
    "threshold": (int, float),
    "exclude": list,
    "rules": list,
    "ollama_host": str,
    "fallback": str,
    "context_lines": int,
    "cache": bool,
    "scorer": str,
    "max_file_bytes": int,
}


def config_from_mapping(table: dict[str, Any], source: str) -> Config:
    """Build a Config from a TOML table, naming `source` in every error."""
    known = {f.name for f in fields(Config)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    values: dict[str, Any] = {}
    for key, value in table.items():
        expected = _FIELD_TYPES[key]
        # bool is an int in Python; don't accept `context_lines = true`.
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            raise ConfigError(f"{source}: {key} has the wrong type ({type(value).__name__})")
        values[key] = value
    if "exclude" in values:
        if not all(isinstance(g, str) for g in values["exclude"]):
            raise ConfigError(f"{source}: exclude must be a list of glob strings")
        values["exclude"] = tuple(values["exclude"])
    if "rules" in values:
        rules = []
        for i, raw in enumerate(values["rules"]):
            if not isinstance(raw, dict) or not {"id", "regex"} <= set(raw) or set(raw) - {"id", "regex", "category", "certain"}:
                raise ConfigError(f"{source}: rules[{i}] needs id and regex (optional: category, certain)")
            rules.append(ExtraRule(**raw))
        values["rules"] = tuple(rules)
    if "threshold" in values:
        values["threshold"] = float(values["threshold"])
    try:
        return Config(**values)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def find_config_file(start: Path) -> Path | None:
    """The nearest `.secretscan.toml`, or pyproject.toml with a [tool.secretscan] table, from `start` upwards."""
    for folder in (start, *start.parents):
        dedicated = folder / ".secretscan.toml"
        if dedicated.is_file():
            return dedicated
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and "[tool.secretscan" in pyproject.read_text(encoding="utf-8", errors="replace"):
            return pyproject
        if (folder / ".git").exists():
            break
    return None


def load_config(path: Path | None = None, start: Path | None = None) -> Config:
    """Load `path`, or discover the config from `start` (default: the current directory). No file: defaults."""
    path = path or find_config_file((start or Path.cwd()).resolve())
    if path is None:
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("secretscan", {})
    else:
        table = data.get("tool", {}).get("secretscan", data)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.secretscan] must be a table")
    return config_from_mapping(table, str(path))
