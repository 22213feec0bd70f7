"""`export all`: a training run -> a folder of checked, ready-to-ship judge models.

    merged/                  the adapter merged into its base (Hugging Face folder, float32): the reference
    judge-f16.gguf           merged, converted by llama.cpp's converter
    judge-<quant>.gguf       quantized from judge-f16.gguf (Q4_K_M and Q8_0 unless told otherwise)
    judge-lora.gguf          the adapter alone, applied to the base GGUF at load time (the default shipping form)
    judge-lora.json          sha256 of that base and of the adapter (read by secretscan.inference.models)
    base-f16.gguf            the base as GGUF, when the run did not start from one (tiny / hf / hub)
    Modelfile                Ollama: FROM the smallest merged GGUF that passed the round-trip check
    Modelfile.adapter        Ollama: FROM the base GGUF + ADAPTER judge-lora.gguf
    roundtrip.json           the round-trip check, per variant
    README.md                the model card
    artifacts.json           a sha256 for every file
    refused/                 variants that failed the round-trip check (not shipped)
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secretscan.errors import ModelError
from secretscan.export.card import ARTIFACTS_FILE, REFUSED_DIR, ROUNDTRIP_FILE, write_card
from secretscan.export.converter import converter_dir
from secretscan.export.gguf import convert_to_gguf
from secretscan.export.lora_gguf import convert_adapter
from secretscan.export.merge import merge_adapter, save_base
from secretscan.export.modelfile import write_modelfile
from secretscan.export.quantize import DEFAULT_QUANTS, quant_type, quantize_gguf
from secretscan.export.run import TrainingRun, load_run

MERGED_DIR = "merged"
F16_FILE = "judge-f16.gguf"
LORA_FILE = "judge-lora.gguf"
LORA_MANIFEST = "judge-lora.json"
BASE_FILE = "base-f16.gguf"
MODELFILE = "Modelfile"
ADAPTER_MODELFILE = "Modelfile.adapter"
LORA_VARIANT = "lora"
FIRST_USE_VARIANT = "first-use"

Echo = Callable[[str], None]


def quant_file(qtype: str) -> str:
    return f"judge-{qtype.lower()}.gguf"


@dataclass
class Timings:
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str, echo: Echo) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.seconds[name] = round(time.perf_counter() - started, 2)
        echo(f"{name}: {self.seconds[name]:.1f} s")


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    shipped: tuple[str, ...]
    refused: dict[str, str]
    checked: bool
    timings: dict[str, float]

    @property
    def ok(self) -> bool:
        """A merged GGUF ships, and neither the LoRA (the default shipping form) nor the model a user's
        `secretscan model build` makes from it was refused."""
        merged = [n for n in self.shipped if n.startswith("judge-") and n.endswith(".gguf") and n != LORA_FILE]
        return bool(merged) and not {LORA_VARIANT, FIRST_USE_VARIANT} & set(self.refused)


def write_lora_manifest(lora: Path, base: Path) -> Path:
    """judge-lora.json: which base the adapter applies to, and both hashes (spares a scan from hashing them)."""
    from secretscan.inference.models import MANIFEST_ADAPTER_SHA256, MANIFEST_BASE_SHA256, file_sha256

    manifest = lora.with_suffix(".json")
    document = {
        MANIFEST_BASE_SHA256: file_sha256(base),
        MANIFEST_ADAPTER_SHA256: file_sha256(lora),
        "base_file": base.name,
    }
    manifest.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return manifest


def base_gguf_for(run: TrainingRun, out_dir: Path, scratch: Path, echo: Echo) -> Path:
    """The GGUF the LoRA applies to: the run's own base GGUF, or its base converted into `out_dir`."""
    if run.base_gguf is not None:
        return run.base_gguf
    echo("converting the base model (the run did not start from a GGUF)")
    return convert_to_gguf(save_base(run, scratch / "base"), out_dir / BASE_FILE, "f16")


def _refuse(out_dir: Path, names: Sequence[str]) -> None:
    if not names:
        return
    refused = out_dir / REFUSED_DIR
    refused.mkdir(exist_ok=True)
    for name in names:
        source = out_dir / name
        if source.exists():
            shutil.move(str(source), str(refused / name))


def prepare_out_dir(out_dir: Path, echo: Echo) -> None:
    """An empty export folder. A previous export there is replaced whole, so no stale file (a quantization not
    asked for this time, an old refusal) gets hashed into the new artifacts.json; any other content is an error."""
    if out_dir.is_dir() and any(out_dir.iterdir()):
        if not (out_dir / ARTIFACTS_FILE).is_file():
            raise ModelError(f"{out_dir} is not empty and holds no previous export; choose a new --out folder")
        echo(f"replacing the previous export in {out_dir}")
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)


def export_all(
    run_dir: Path,
    out_dir: Path,
    heldout: Path | None,
    quants: Sequence[str] = DEFAULT_QUANTS,
    limit: int | None = 500,
    echo: Echo = print,
) -> ExportResult:
    """Merge, convert, quantize, convert the LoRA, check every variant against the HF model, write the
    Modelfiles and the card. Variants that fail the check move to `refused/` and are not shipped."""
    from secretscan.export import roundtrip as rt
    from secretscan.inference.merge import build_merged_model

    run = load_run(run_dir)
    qtypes = list(dict.fromkeys(quant_type(q) for q in quants))
    # Read the held-out examples first: a bad file should fail now, not after minutes of conversion.
    examples = rt.load_heldout(heldout, limit) if heldout is not None else None
    prepare_out_dir(out_dir, echo)
    timings = Timings()
    with tempfile.TemporaryDirectory(prefix="secretscan-export-") as scratch_name:
        scratch = Path(scratch_name)
        with timings.step("merge", echo):
            merged_dir = merge_adapter(run, out_dir / MERGED_DIR)
        # The three conversions are independent child processes that spend most of their time importing torch
        # and reading tensors; run side by side they take about as long as the slowest one. The converters are
        # fetched first, once, rather than by three threads at the same time.
        converter_dir()
        with timings.step("convert (merged, LoRA, base)", echo), ThreadPoolExecutor(max_workers=3) as pool:
            f16_job = pool.submit(convert_to_gguf, merged_dir, out_dir / F16_FILE, "f16")
            lora_job = pool.submit(convert_adapter, run.adapter_dir, merged_dir, out_dir / LORA_FILE)
            base_job = pool.submit(base_gguf_for, run, out_dir, scratch, echo)
            f16, lora, base = f16_job.result(), lora_job.result(), base_job.result()
        quantized: dict[str, Path] = {}
        for qtype in qtypes:
            with timings.step(f"quantize {qtype}", echo):
                quantized[qtype] = quantize_gguf(f16, out_dir / quant_file(qtype), qtype)
        write_lora_manifest(lora, base)

        variants = [rt.Variant("f16", f16), *(rt.Variant(q, path) for q, path in quantized.items())]
        variants.append(rt.Variant(LORA_VARIANT, base, lora))
        roundtrip: dict[str, Any] | None = None
        refused: dict[str, str] = {}
        if heldout is not None and examples is not None:
            with timings.step("first-use merge (numpy)", echo):
                first_use = build_merged_model(base, lora, scratch / "first-use")
            variants.append(rt.Variant(FIRST_USE_VARIANT, first_use))
            echo(f"round trip on {len(examples.labels)} held-out examples ({sum(examples.labels)} real secrets)")
            with timings.step("round trip", echo):
                reference, results = rt.check_variants(merged_dir, variants, examples, echo)
            roundtrip = rt.report(heldout, examples, reference, results)
            refused = {result.variant: result.refused for result in results if result.refused}
            files_of = {variant.name: variant for variant in variants}
            _refuse(out_dir, [
                files_of[name].model.name if name != LORA_VARIANT else LORA_FILE
                for name in refused if name != FIRST_USE_VARIANT
            ])
            if LORA_VARIANT in refused:
                _refuse(out_dir, [LORA_MANIFEST])
            (out_dir / ROUNDTRIP_FILE).write_text(json.dumps(roundtrip, indent=2) + "\n", encoding="utf-8")
        else:
            echo("no --heldout examples: the round-trip check did not run; do not ship this export unchecked")

    shipped_merged = sorted(
        (path for path in [f16, *quantized.values()] if path.is_file()), key=lambda path: path.stat().st_size
    )
    if shipped_merged:
        write_modelfile(out_dir / MODELFILE, shipped_merged[0])
    if (out_dir / LORA_FILE).is_file():
        write_modelfile(out_dir / ADAPTER_MODELFILE, base, out_dir / LORA_FILE)
    extra = {"timings_seconds": timings.seconds, "refused": refused, "checked": roundtrip is not None}
    write_card(run, out_dir, roundtrip, extra=extra)
    shipped = tuple(sorted(path.name for path in out_dir.iterdir() if path.name != REFUSED_DIR))
    return ExportResult(out_dir, shipped, refused, roundtrip is not None, timings.seconds)
