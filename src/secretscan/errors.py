"""Errors that end a command with a clear one-line message and a defined exit code."""

from __future__ import annotations

# Exit codes, as documented in README.md:
EXIT_CLEAN = 0  # nothing found
EXIT_FINDINGS = 1  # secrets found (or, for `eval --min-f1`, the gate failed)
EXIT_USAGE = 2  # usage, configuration, model or input error


class SecretscanError(Exception):
    """A failure the user can act on. The CLI prints `secretscan: error: <message>` and exits with `exit_code`."""

    exit_code = EXIT_USAGE


class ConfigError(SecretscanError):
    """Invalid `[tool.secretscan]` / `.secretscan.toml` or command-line option."""


class ModelError(SecretscanError):
    """The GGUF model or LoRA adapter is missing or unreadable."""


class BackendUnavailable(SecretscanError):
    """The judge backend can't be reached (Ollama down, …). The scan may fall back to rules only."""


class GitError(SecretscanError):
    """A git command failed or we are not inside a work tree."""
