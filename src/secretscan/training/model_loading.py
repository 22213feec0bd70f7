"""The base model and tokenizer, from a GGUF file, a local Hugging Face folder, a hub id, or built in code (tiny).

A GGUF base is dequantized once into a plain Hugging Face folder in the cache: transformers can read GGUF, but the
model it returns keeps a `quantization_config` that blocks `save_pretrained` and merging, and reading the GGUF takes
about 30 s on two cores (the tokenizer alone about 15 s) against 0.2 s for the folder. Training and the export step
both load through `load_base_model`, so the adapter is always merged into the weights it was trained on.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secretscan.errors import ModelError
from secretscan.inference.models import check_gguf, embedded_base_model, file_sha256
from secretscan.paths import cache_dir
from secretscan.training.config import ModelSettings, QuantizationSettings, TinyModel

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

# Bumped when the layout of the cached folders changes, so stale ones are rebuilt.
_CACHE_LAYOUT = "v1"


@dataclass(frozen=True)
class ResolvedSource:
    """Where a base model really comes from, as recorded in run.json for the export step."""

    kind: str
    # The GGUF file / HF folder as an absolute path, or the hub id; None for tiny.
    location: str | None
    revision: str | None
    # sha256 of the GGUF file (None for other kinds): the export step checks it merges into the same weights.
    sha256: str | None
    tiny: TinyModel | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "location": self.location,
            "revision": self.revision,
            "sha256": self.sha256,
            "tiny": None if self.tiny is None else asdict(self.tiny),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResolvedSource:
        tiny = data.get("tiny")
        return cls(
            kind=data["kind"],
            location=data.get("location"),
            revision=data.get("revision"),
            sha256=data.get("sha256"),
            tiny=TinyModel(**tiny) if tiny else None,
        )


def resolve_source(settings: ModelSettings) -> ResolvedSource:
    """Check that the configured base exists and pin it down (absolute path, GGUF hash)."""
    if settings.kind == "tiny":
        # The tiny model borrows the embedded model's tokenizer; its weights are a function of its seed.
        return ResolvedSource("tiny", None, None, None, settings.tiny)
    if settings.kind == "hub":
        return ResolvedSource("hub", settings.path, settings.revision, None, None)
    if settings.kind == "gguf":
        path = Path(settings.path).expanduser() if settings.path else embedded_base_model()
        check_gguf(path, "GGUF base model")
        return ResolvedSource("gguf", str(path.resolve()), None, file_sha256(path), None)
    folder = Path(settings.path or "").expanduser()
    if not (folder / "config.json").is_file():
        raise ModelError(f"not a Hugging Face model folder (no config.json): {folder}")
    return ResolvedSource("hf", str(folder.resolve()), None, None, None)


def _publish(build: Path, target: Path) -> None:
    """Move a fully written folder into place; a concurrent builder that got there first wins."""
    try:
        os.replace(build, target)
    except OSError:
        if not target.is_dir():
            raise
        shutil.rmtree(build, ignore_errors=True)


def _build_dir(target: Path) -> Path:
    build = target.with_name(f"{target.name}.building-{os.getpid()}")
    shutil.rmtree(build, ignore_errors=True)
    build.mkdir(parents=True)
    return build


def gguf_tokenizer_dir(gguf: Path, sha256: str) -> Path:
    """The GGUF's tokenizer saved as a Hugging Face tokenizer folder in the cache (built on first use)."""
    target = cache_dir() / "training" / _CACHE_LAYOUT / f"{gguf.stem}-{sha256[:16]}" / "tokenizer"
    if target.is_dir():
        return target
    from transformers import AutoTokenizer

    build = _build_dir(target)
    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    except Exception as exc:  # transformers raises many types for a corrupt GGUF
        shutil.rmtree(build, ignore_errors=True)
        raise ModelError(f"cannot read the tokenizer of {gguf}: {exc}") from None
    tokenizer.save_pretrained(build)
    _publish(build, target)
    return target


def gguf_model_dir(gguf: Path, sha256: str) -> Path:
    """The GGUF dequantized to a float32 Hugging Face folder (weights + tokenizer) in the cache."""
    target = cache_dir() / "training" / _CACHE_LAYOUT / f"{gguf.stem}-{sha256[:16]}" / "model"
    if target.is_dir():
        return target
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf_tokenizer_dir(gguf, sha256))
    build = _build_dir(target)
    try:
        loaded = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    except Exception as exc:
        shutil.rmtree(build, ignore_errors=True)
        raise ModelError(f"cannot read the weights of {gguf}: {exc}") from None
    # The loaded model carries the GGUF quantization_config, which makes it unsaveable and unmergeable; a model
    # rebuilt from the same config without it, holding the dequantized weights, is an ordinary float32 model.
    config = loaded.config
    del config.quantization_config
    plain = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    plain.load_state_dict(loaded.state_dict())
    plain.save_pretrained(build)
    tokenizer.save_pretrained(build)
    _publish(build, target)
    return target


def build_tiny_model(
    tiny: TinyModel, tokenizer: PreTrainedTokenizerBase, attention: str | None = None
) -> PreTrainedModel:
    """A random Llama whose weights depend only on `tiny` (the seed included), not on the global RNG."""
    import torch
    from transformers import AutoModelForCausalLM, LlamaConfig

    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=tiny.hidden,
        intermediate_size=tiny.intermediate,
        num_hidden_layers=tiny.layers,
        num_attention_heads=tiny.heads,
        num_key_value_heads=tiny.kv_heads,
        max_position_embeddings=2048,
        initializer_range=tiny.init_std,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(tiny.seed)
        model = AutoModelForCausalLM.from_config(config, attn_implementation=attention)
    return model


def _bnb_config(quantization: QuantizationSettings) -> Any:
    import torch
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type=quantization.quant_type,
        bnb_4bit_use_double_quant=quantization.double_quant,
        bnb_4bit_compute_dtype=getattr(torch, quantization.compute_dtype),
    )


def load_base_model(
    source: ModelSettings | ResolvedSource,
    *,
    dtype: str = "float32",
    attention: str | None = None,
    quantization: QuantizationSettings | None = None,
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """The base model (on the CPU, or on the current GPU when 4-bit) and its tokenizer, ready for LoRA or for merging.

    `source` is the config's `model` section or the `base_model` recorded in a run's run.json
    (`ResolvedSource.from_dict`). `dtype` names a torch dtype; `attention` is a transformers attn_implementation.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    resolved = source if isinstance(source, ResolvedSource) else resolve_source(source)
    if resolved.kind == "tiny":
        assert resolved.tiny is not None
        embedded = embedded_base_model()
        tokenizer = AutoTokenizer.from_pretrained(gguf_tokenizer_dir(embedded, file_sha256(embedded)))
        return build_tiny_model(resolved.tiny, tokenizer, attention), tokenizer

    assert resolved.location is not None
    if resolved.kind == "gguf":
        gguf = Path(resolved.location)
        check_gguf(gguf, "GGUF base model")
        sha = file_sha256(gguf)
        if resolved.sha256 and sha != resolved.sha256:
            raise ModelError(f"{gguf} changed since the adapter was trained on it (sha256 {sha[:12]}…, expected "
                             f"{resolved.sha256[:12]}…)")
        location: str = str(gguf_model_dir(gguf, sha))
    else:
        location = resolved.location
    kwargs: dict[str, Any] = {"dtype": getattr(torch, dtype)}
    if resolved.revision:
        kwargs["revision"] = resolved.revision
    if attention:
        kwargs["attn_implementation"] = attention
    if quantization is not None and quantization.load_in_4bit:
        kwargs["quantization_config"] = _bnb_config(quantization)
        # This process's GPU: GPU 0 alone, or the one accelerate gave this rank of a multi-process run.
        kwargs["device_map"] = {"": torch.cuda.current_device()}
    try:
        tokenizer = AutoTokenizer.from_pretrained(location, revision=resolved.revision)
        model = AutoModelForCausalLM.from_pretrained(location, **kwargs)
    except OSError as exc:
        # transformers raises OSError both for a missing folder and for an unreachable or unknown hub repo.
        where = "the hub (is it reachable? gated models need HF_TOKEN)" if resolved.kind == "hub" else location
        reason = str(exc).splitlines()[0]
        raise ModelError(f"cannot load base model {resolved.location} from {where}: {reason}") from None
    if tokenizer.pad_token is None:
        # Llama-3 ships without a pad token; padding is masked out of attention and loss, so any token will do.
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer
