"""The default judge: the embedded base with the shipped adapter, run as one merged GGUF built on first use.

The merged model (`inference/merge.py`) scores a candidate in about half the time of the Q4_1 base with the
adapter applied at every forward pass, and gives the same verdicts. It is built the first time a candidate needs
the model, not when the judge is made: a scan with nothing to judge pays neither the build nor the model load.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from secretscan.errors import ModelError
from secretscan.inference.llama_cpp import LlamaCppJudge, model_identity
from secretscan.inference.models import check_gguf, find_merged_model
from secretscan.scanner.prompt import Prompt

Warn = Callable[[str], None]


class DefaultJudge:
    """The `llama-cpp` backend on (embedded base, shipped adapter), whichever way it runs.

    Its model_id names that pair, merged or not, so verdicts cached before the first build stay valid after it.
    """

    name = "llama-cpp"

    def __init__(self, base: Path, adapter: Path, warn: Warn) -> None:
        check_gguf(base, "model")
        check_gguf(adapter, "LoRA adapter")
        self.base = base
        self.adapter = adapter
        self._warn = warn
        self._model_id: str | None = None
        self._inner: LlamaCppJudge | None = None

    @property
    def model_id(self) -> str:
        if self._model_id is None:
            self._model_id = model_identity(self.base, self.adapter)
        return self._model_id

    def score(self, prompts: Sequence[Prompt]) -> list[float]:
        return self.backend().score(prompts)

    def close(self) -> None:
        if self._inner is not None:
            self._inner.close()

    def backend(self) -> LlamaCppJudge:
        """The llama.cpp judge that does the work: on the merged model (built now if missing), else base + adapter."""
        if self._inner is None:
            merged = find_merged_model(self.base, self.adapter) or self._build_merged_model()
            self._inner = LlamaCppJudge(merged) if merged is not None else LlamaCppJudge(self.base, self.adapter)
        return self._inner

    def _build_merged_model(self) -> Path | None:
        from secretscan.inference.merge import build_merged_model

        self._warn("building the merged judge model once (about 10 s); later runs load it from the cache")
        try:
            return build_merged_model(self.base, self.adapter)
        except (ModelError, OSError) as exc:
            self._warn(f"could not build the merged judge model ({exc}); applying the adapter at load time instead")
            return None
