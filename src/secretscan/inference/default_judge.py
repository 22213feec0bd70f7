"""The default judge: the embedded base with the shipped adapter, run as one merged GGUF built on first use.

The merged model (`inference/merge.py`) scores a candidate in about half the time of the Q4_1 base with the
adapter applied at every forward pass, and gives the same verdicts. It is built the first time a candidate needs
the model, not when the judge is made: a scan with nothing to judge pays neither the build nor the model load.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from secretscan.errors import ModelError
from secretscan.inference.head import Head, load_head
from secretscan.inference.llama_cpp import LlamaCppJudge, model_identity, with_head
from secretscan.inference.models import adapter_hashes, check_gguf, find_merged_model, merged_models_dir
from secretscan.scanner.prompt import Prompt

Warn = Callable[[str], None]


class DefaultJudge:
    """The `llama-cpp` backend on (embedded base, shipped adapter), whichever way it runs, read through the head
    shipped for that adapter (`head_file`; None: the LLM's yes/no alone).

    Its model_id names that pair and the head, merged or not, so verdicts cached before the first build stay valid
    after it.
    """

    name = "llama-cpp"

    def __init__(self, base: Path, adapter: Path, warn: Warn, head_file: Path | None = None) -> None:
        check_gguf(base, "model")
        check_gguf(adapter, "LoRA adapter")
        self.base = base
        self.adapter = adapter
        self.head = _head_for(base, adapter, head_file) if head_file is not None else None
        self._warn = warn
        self._model_id: str | None = None
        self._inner: LlamaCppJudge | None = None

    @property
    def model_id(self) -> str:
        if self._model_id is None:
            self._model_id = with_head(model_identity(self.base, self.adapter), self.head)
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
            # The prompts' shared prefix is kept beside the merged models, between runs (LlamaRunner.prime).
            if merged is not None:
                self._inner = LlamaCppJudge(merged, head=self.head, prefix_dir=merged.parent)
            else:
                self._inner = LlamaCppJudge(self.base, self.adapter, head=self.head, prefix_dir=merged_models_dir())
        return self._inner

    def _build_merged_model(self) -> Path | None:
        from secretscan.inference.merge import build_merged_model

        self._warn("building the merged judge model once (about 10 s); later runs load it from the cache")
        try:
            return build_merged_model(self.base, self.adapter)
        except (ModelError, OSError) as exc:
            self._warn(f"could not build the merged judge model ({exc}); applying the adapter at load time instead")
            return None


def _head_for(base: Path, adapter: Path, head_file: Path) -> Head:
    """The head in `head_file`, refused unless it was fitted on this adapter's hidden states."""
    head = load_head(head_file)
    _, adapter_sha = adapter_hashes(base, adapter)
    if head.adapter_sha256 != adapter_sha:
        raise ModelError(f"judge head {head_file} was fitted for another adapter; refit it (secretscan-train scorer fit)")
    return head
