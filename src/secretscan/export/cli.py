"""`secretscan-train export ...`: thin click commands over the export library.

    merge RUN --out DIR                 adapter folded into its base (Hugging Face folder)
    gguf MODEL_DIR --out FILE           llama.cpp's converter, f16 or q8_0
    quantize GGUF --type Q4_K_M ...     llama.cpp's quantizer, in process
    lora-gguf RUN --out FILE            the adapter alone as a GGUF LoRA
    modelfile --model GGUF --out FILE   an Ollama Modelfile (optionally with --adapter)
    card RUN DIR                        README.md model card + artifacts.json
    roundtrip HF_DIR --heldout JSONL --gguf FILE ...   exported GGUFs vs the HF model
    all RUN --out DIR --heldout JSONL   everything above, with the round-trip gate

Commands return their exit code (0 fine, 1 the round-trip check refused what matters, 2 usage/model errors);
`secretscan-train`'s `main` turns a SecretscanError into a one-line message. Nothing heavy is imported until a
command runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from secretscan.errors import EXIT_CLEAN, EXIT_FINDINGS

_existing_dir = click.Path(exists=True, file_okay=False, path_type=Path)
_existing_file = click.Path(exists=True, dir_okay=False, path_type=Path)
_out_file = click.Path(dir_okay=False, path_type=Path)
_out_dir = click.Path(file_okay=False, path_type=Path)


@click.group("export")
def export_group() -> None:
    """Turn a trained adapter into the models secretscan and Ollama run."""


@export_group.command("merge")
@click.argument("run_dir", type=_existing_dir)
@click.option("--out", "out_dir", type=_out_dir, required=True, help="Folder for the merged Hugging Face model.")
def merge_command(run_dir: Path, out_dir: Path) -> int:
    """Fold RUN_DIR's LoRA adapter into its base model (a GGUF base is dequantized first)."""
    from secretscan.export.merge import merge_adapter
    from secretscan.export.run import load_run

    click.echo(f"merged model: {merge_adapter(load_run(run_dir), out_dir)}")
    return EXIT_CLEAN


@export_group.command("gguf")
@click.argument("model_dir", type=_existing_dir)
@click.option("--out", "out_file", type=_out_file, required=True, help="GGUF file to write.")
@click.option("--outtype", type=click.Choice(["f16", "q8_0"]), default="f16", show_default=True)
def gguf_command(model_dir: Path, out_file: Path, outtype: str) -> int:
    """Convert a Hugging Face model folder to GGUF with llama.cpp's own converter."""
    from secretscan.export.gguf import convert_to_gguf

    click.echo(f"gguf: {convert_to_gguf(model_dir, out_file, outtype)}")
    return EXIT_CLEAN


@export_group.command("quantize")
@click.argument("source", type=_existing_file)
@click.option("--type", "qtypes", multiple=True, default=("Q4_K_M", "Q8_0"), show_default=True,
              help="Quantization type (repeatable): Q8_0, Q6_K, Q5_K_M, Q5_K_S, Q4_K_M, Q4_K_S, Q5_0, Q4_0.")
@click.option("--out-dir", type=_out_dir, help="Where to write (default: beside SOURCE).")
def quantize_command(source: Path, qtypes: tuple[str, ...], out_dir: Path | None) -> int:
    """Quantize an f16/f32 GGUF in process. Writes <name>-<type>.gguf (a trailing -f16 is dropped)."""
    import time

    from secretscan.export.quantize import quant_type, quantize_gguf

    stem = source.stem.removesuffix("-f16").removesuffix("-f32")
    for qtype in qtypes:
        name = quant_type(qtype)
        started = time.perf_counter()
        path = quantize_gguf(source, (out_dir or source.parent) / f"{stem}-{name.lower()}.gguf", name)
        click.echo(f"{name}: {path} ({path.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - started:.1f} s)")
    return EXIT_CLEAN


@export_group.command("lora-gguf")
@click.argument("run_dir", type=_existing_dir)
@click.option("--out", "out_file", type=_out_file, required=True, help="GGUF LoRA file to write.")
@click.option("--base-config", type=_existing_dir,
              help="A folder with the base model's config.json (default: written from the run's base model).")
@click.option("--outtype", type=click.Choice(["f16", "f32"]), default="f16", show_default=True)
def lora_gguf_command(run_dir: Path, out_file: Path, base_config: Path | None, outtype: str) -> int:
    """Convert RUN_DIR's adapter alone to a GGUF LoRA (llama.cpp --lora, Ollama ADAPTER)."""
    import tempfile

    from secretscan.export.lora_gguf import convert_adapter
    from secretscan.export.merge import load_base
    from secretscan.export.run import load_run

    run = load_run(run_dir)
    with tempfile.TemporaryDirectory(prefix="secretscan-base-config-") as scratch:
        if base_config is None:
            base_config = Path(scratch)
            model, _ = load_base(run)
            model.config.save_pretrained(base_config)
        click.echo(f"lora: {convert_adapter(run.adapter_dir, base_config, out_file, outtype)}")
    return EXIT_CLEAN


@export_group.command("modelfile")
@click.option("--model", "model", type=_existing_file, required=True, help="The GGUF to run (FROM).")
@click.option("--adapter", type=_existing_file, help="A GGUF LoRA for the model (ADAPTER).")
@click.option("--out", "out_file", type=_out_file, default=Path("Modelfile"), show_default=True)
@click.option("--license", "license_text", help="Text for the LICENSE directive.")
def modelfile_command(model: Path, adapter: Path | None, out_file: Path, license_text: str | None) -> int:
    """Write an Ollama Modelfile with our ChatML template and greedy one-token answers."""
    from secretscan.export.modelfile import write_modelfile

    path = write_modelfile(out_file, model, adapter, license_text)
    click.echo(f"modelfile: {path}\n  ollama create secretscan-judge -f {path}\n  ollama run secretscan-judge")
    return EXIT_CLEAN


@export_group.command("card")
@click.argument("run_dir", type=_existing_dir)
@click.argument("folder", type=_existing_dir)
@click.option("--roundtrip", "roundtrip_file", type=_existing_file, help="roundtrip.json from `export roundtrip`.")
@click.option("--license", "license_text", help="Licence of the base model (default: read from the base GGUF).")
@click.option("--eval", "eval_reports", multiple=True, type=_existing_file,
              help="report.json of `secretscan eval` on the exported judge, for the card's tables (repeatable).")
def card_command(run_dir: Path, folder: Path, roundtrip_file: Path | None, license_text: str | None,
                 eval_reports: tuple[Path, ...]) -> int:
    """Write FOLDER/README.md (the model card) and FOLDER/artifacts.json (sha256 of every file)."""
    from secretscan.export.card import write_card
    from secretscan.export.run import load_run

    roundtrip = _read_json(roundtrip_file) if roundtrip_file is not None else None
    benchmarks = [_read_eval_report(path) for path in eval_reports]
    card, artifacts = write_card(load_run(run_dir), folder, roundtrip, license_text=license_text,
                                 benchmarks=benchmarks)
    click.echo(f"card: {card}\nartifacts: {artifacts}")
    return EXIT_CLEAN


@export_group.command("roundtrip")
@click.argument("hf_model_dir", type=_existing_dir)
@click.option("--heldout", type=_existing_file, required=True, help="Held-out examples (training JSONL format).")
@click.option("--gguf", "ggufs", multiple=True, type=_existing_file, help="A merged GGUF to check (repeatable).")
@click.option("--base", type=_existing_file, help="Base GGUF for --lora.")
@click.option("--lora", type=_existing_file, help="A GGUF LoRA to check, applied to --base.")
@click.option("--limit", type=click.IntRange(min=1), default=500, show_default=True,
              help="Use at most this many examples.")
@click.option("--json", "json_out", type=_out_file, help="Also write the results here (for `export card --roundtrip`).")
def roundtrip_command(hf_model_dir: Path, heldout: Path, ggufs: tuple[Path, ...], base: Path | None,
                      lora: Path | None, limit: int, json_out: Path | None) -> int:
    """Check exported GGUFs against the HF model they came from; exit 1 if any would be refused."""
    from secretscan.export import roundtrip as rt

    if (base is None) != (lora is None):
        raise click.UsageError("--lora and --base go together")
    variants = [rt.Variant(path.stem, path) for path in ggufs]
    if base is not None and lora is not None:
        variants.append(rt.Variant("lora", base, lora))
    if not variants:
        raise click.UsageError("give at least one --gguf, or --base with --lora")
    examples = rt.load_heldout(heldout, limit)
    reference, results = rt.check_variants(hf_model_dir, variants, examples, click.echo)
    if json_out is not None:
        document = rt.report(heldout, examples, reference, results)
        json_out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return EXIT_FINDINGS if any(r.refused for r in results) else EXIT_CLEAN


@export_group.command("all")
@click.argument("run_dir", type=_existing_dir)
@click.option("--out", "out_dir", type=_out_dir, required=True, help="Export folder.")
@click.option("--heldout", type=_existing_file,
              help="Held-out examples for the round-trip check (e.g. data/test.jsonl).")
@click.option("--quant", "quants", multiple=True, default=("Q4_K_M", "Q8_0"), show_default=True,
              help="Quantization to produce and check (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), default=500, show_default=True,
              help="Round-trip check on at most this many held-out examples.")
def all_command(run_dir: Path, out_dir: Path, heldout: Path | None, quants: tuple[str, ...], limit: int) -> int:
    """Merge, GGUF, quantize, LoRA GGUF, round-trip check, Modelfiles and card, in one go.

    Exits 1 when the check refuses the LoRA adapter or the model built from it, or every merged GGUF.
    """
    from secretscan.export.pipeline import export_all

    result = export_all(run_dir, out_dir, heldout, quants, limit, echo=click.echo)
    for variant, reason in result.refused.items():
        click.echo(f"refused {variant}: {reason}", err=True)
    click.echo(f"export: {result.folder} ({', '.join(result.shipped)})")
    if result.checked:
        click.echo(f"  ollama create secretscan-judge -f {result.folder / 'Modelfile'}")
    return EXIT_CLEAN if result.ok else EXIT_FINDINGS


def _read_json(path: Path) -> Any:
    from secretscan.errors import ModelError

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ModelError(f"{path} is not JSON: {exc}") from None


def _read_eval_report(path: Path) -> dict[str, Any]:
    from secretscan.errors import ModelError

    report = _read_json(path)
    if not isinstance(report, dict) or not {"corpus", "threshold", "modes"} <= report.keys():
        raise ModelError(f"{path} is not a report.json written by `secretscan eval`")
    return report
