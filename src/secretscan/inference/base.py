"""The judge protocol every backend implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from secretscan.scanner.prompt import Prompt


class Judge(Protocol):
    """Scores prompts built by `secretscan.scanner.prompt.build_prompt`."""

    @property
    def name(self) -> str:
        """Short backend name shown in reasons and stats, e.g. `llama-cpp`."""
        ...

    @property
    def model_id(self) -> str:
        """Identifies the exact model (file hashes, or Ollama name + digest); keys the verdict cache."""
        ...

    def score(self, prompts: Sequence[Prompt]) -> list[float]:
        """P(secret) in [0, 1] for each prompt. Raises BackendUnavailable or ModelError."""
        ...
