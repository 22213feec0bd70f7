"""Fold a run's LoRA adapter into its base weights and save a plain Hugging Face folder (for the GGUF converter).

The base is loaded the way training loaded it (`secretscan.training.model_loading.load_base_model`): a GGUF base
is dequantized to float32 and rebuilt without its `quantization_config`, which would otherwise block both
`merge_and_unload` and `save_pretrained`. A GGUF base must still be the file the run was trained on (same
sha256): merging into other weights would ship a model nobody evaluated.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from secretscan.errors import ModelError
from secretscan.export.run import TrainingRun
from secretscan.inference.models import file_sha256

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase


def load_base(run: TrainingRun) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """The run's base model in float32 on the CPU, and the run's tokenizer."""
    from transformers import AutoTokenizer

    from secretscan.training.model_loading import ResolvedSource, load_base_model

    source = ResolvedSource.from_dict(run.base_model)
    if source.kind == "gguf" and source.location and source.sha256:
        gguf = Path(source.location)
        if not gguf.is_file():
            raise ModelError(f"the run's base model is gone: {gguf}")
        if file_sha256(gguf) != source.sha256:
            raise ModelError(f"{gguf} changed since the run trained on it (sha256 differs); export from the same file")
    model, tokenizer = load_base_model(source, dtype="float32")
    if run.tokenizer_dir is not None:
        tokenizer = AutoTokenizer.from_pretrained(run.tokenizer_dir)
    return model, tokenizer


def load_merged(run: TrainingRun) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Base + adapter, merged into plain weights (no peft wrappers left)."""
    from peft import PeftModel

    base, tokenizer = load_base(run)
    try:
        adapted = PeftModel.from_pretrained(base, run.adapter_dir)
    except (ValueError, RuntimeError, KeyError) as exc:
        raise ModelError(f"the adapter in {run.adapter_dir} does not fit its base model: {exc}") from None
    merged = adapted.merge_and_unload()
    merged.eval()
    return merged, tokenizer


def save_model(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir, safe_serialization=True)
    tokenizer.save_pretrained(out_dir)
    return out_dir


def merge_adapter(run: TrainingRun, out_dir: Path) -> Path:
    """Write the merged model (safetensors, float32) and the tokenizer to `out_dir`."""
    model, tokenizer = load_merged(run)
    return save_model(model, tokenizer, out_dir)


def save_base(run: TrainingRun, out_dir: Path) -> Path:
    """Write the unmerged base model and tokenizer to `out_dir`.

    llama.cpp's LoRA converter reads the base's config from it, and for a base that is not a GGUF already
    (tiny, hf, hub) it is converted to the GGUF that the GGUF LoRA is applied to.
    """
    model, tokenizer = load_base(run)
    return save_model(model, tokenizer, out_dir)
