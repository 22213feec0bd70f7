"""A broken model or LoRA file, given by flag or config, through the real CLI: one `secretscan: error: …` line
naming the file, exit 2, never a traceback or a scan that quietly runs without its judge. `secretscan model build`
on the same files leaves no temp file behind.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from secretscan.inference.models import shipped_adapter

SECRETSCAN = str(Path(sys.executable).with_name("secretscan"))
# Past the header and the tensor index: the end of the tensor data is missing.
TAIL_CUT = 5000


def truncated(length: int | None = None) -> Callable[[Path, Path], bytes]:
    """The file cut to `length` bytes (None: all but its last TAIL_CUT)."""
    return lambda real, _: real.read_bytes()[: length if length is not None else -TAIL_CUT]


def adapter_for_another_base(path: Path) -> None:
    """A LoRA adapter whose matrices fit a model with 64-wide layers, not SmolLM2-135M's 576."""
    from gguf import GGUFWriter

    rng = np.random.default_rng(0)
    writer = GGUFWriter(path, "llama")
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", 16.0)
    writer.add_tensor("blk.0.attn_q.weight.lora_a", rng.normal(0, 1, (8, 64)).astype(np.float32))
    writer.add_tensor("blk.0.attn_q.weight.lora_b", rng.normal(0, 1, (64, 8)).astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


# (how the bad file is made from the real base model and the shipped adapter)
BAD_MODELS: dict[str, Callable[[Path, Path], bytes]] = {
    "empty": lambda base, lora: b"",
    "random bytes": lambda base, lora: np.random.default_rng(1).bytes(4096),
    "cut in its header": truncated(100),
    "cut in its tensor data": truncated(),
    "a LoRA adapter, not a model": lambda base, lora: lora.read_bytes(),
}
BAD_ADAPTERS: dict[str, Callable[[Path, Path], bytes]] = {
    "empty": lambda base, lora: b"",
    "random bytes": lambda base, lora: np.random.default_rng(1).bytes(4096),
    "cut in its header": lambda base, lora: lora.read_bytes()[:100],
    "cut in its tensor data": lambda base, lora: lora.read_bytes()[:-TAIL_CUT],
}


@pytest.fixture
def real_files(smollm2_gguf: Path) -> tuple[Path, Path]:
    adapter = shipped_adapter()
    assert adapter is not None
    return smollm2_gguf, adapter


def run(*args: str, cwd: Path) -> tuple[int, str]:
    done = subprocess.run([SECRETSCAN, *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    return done.returncode, done.stderr


def one_line_error(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("secretscan: error: "), stderr
    return lines[0]


def project(tmp_path: Path, config: str = "") -> Path:
    """A folder with a password for the judge to look at; the config makes the LLM judge every candidate."""
    (tmp_path / "settings.py").write_text('DB_PASSWORD = "Wint3r-Harb0ur-42x"\n', encoding="utf-8")
    (tmp_path / ".secretscan.toml").write_text(f'scorer = "none"\n{config}', encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("how", ["flag", "config"])
@pytest.mark.parametrize("kind", list(BAD_MODELS))
def test_a_bad_model_file_is_a_one_line_error(real_files: tuple[Path, Path], tmp_path: Path, kind: str, how: str) -> None:
    bad = tmp_path / "model.gguf"
    bad.write_bytes(BAD_MODELS[kind](*real_files))
    folder = project(tmp_path, 'model = "model.gguf"\n' if how == "config" else "")
    code, stderr = run("scan", "settings.py", *(["--model", str(bad)] if how == "flag" else []), cwd=folder)
    assert code == 2
    assert "model.gguf" in one_line_error(stderr)


@pytest.mark.parametrize("how", ["flag", "config"])
@pytest.mark.parametrize("kind", [*BAD_ADAPTERS, "for another base", "a model, not a LoRA adapter"])
def test_a_bad_lora_file_is_a_one_line_error(real_files: tuple[Path, Path], tmp_path: Path, kind: str, how: str) -> None:
    base, adapter = real_files
    bad = tmp_path / "adapter.gguf"
    if kind == "for another base":
        adapter_for_another_base(bad)
    elif kind == "a model, not a LoRA adapter":
        bad.write_bytes(base.read_bytes())
    else:
        bad.write_bytes(BAD_ADAPTERS[kind](base, adapter))
    folder = project(tmp_path, 'lora = "adapter.gguf"\n' if how == "config" else "")
    code, stderr = run("scan", "settings.py", *(["--lora", str(bad)] if how == "flag" else []), cwd=folder)
    assert code == 2
    assert "adapter.gguf" in one_line_error(stderr)


@pytest.mark.parametrize(
    ("flag", "kind"),
    [("--base", kind) for kind in BAD_MODELS] + [("--lora", kind) for kind in BAD_ADAPTERS],
)
def test_building_from_a_bad_file_is_a_one_line_error_and_leaves_no_temp_file(
    real_files: tuple[Path, Path], tmp_path: Path, flag: str, kind: str
) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes((BAD_MODELS if flag == "--base" else BAD_ADAPTERS)[kind](*real_files))
    out = tmp_path / "models"
    code, stderr = run("model", "build", flag, str(bad), "--out-dir", str(out), cwd=tmp_path)
    assert code == 2
    assert "bad.gguf" in one_line_error(stderr)
    assert not out.exists() or list(out.iterdir()) == []
