"""The model card (README.md) and artifacts.json (a sha256 for every file) of an export folder."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from secretscan import __version__
from secretscan.export.roundtrip import percent
from secretscan.export.run import TrainingRun
from secretscan.inference.models import file_sha256

CARD_FILE = "README.md"
ARTIFACTS_FILE = "artifacts.json"
ROUNDTRIP_FILE = "roundtrip.json"
# What the round trip refused; kept for inspection, never listed as something the export ships.
REFUSED_DIR = "refused"
ARTIFACTS_FORMAT = 1


def gguf_license(path: Path) -> str | None:
    """`general.license` of a GGUF file, if it records one."""
    from gguf import GGUFReader

    try:
        field = GGUFReader(path).get_field("general.license")
    except (ValueError, OSError):
        return None
    value = field.contents() if field is not None else None
    return value if isinstance(value, str) else None


def base_license(run: TrainingRun) -> str:
    if run.base_gguf is not None and run.base_gguf.is_file():
        return gguf_license(run.base_gguf) or "unknown (see the base model)"
    if run.base_kind == "tiny":
        return "apache-2.0 (randomly initialised test model; tokenizer from SmolLM2, Apache-2.0)"
    return "unknown (see the base model)"


def describe_base(run: TrainingRun) -> str:
    base = run.base_model
    if run.base_kind == "tiny":
        tiny = base.get("tiny") or {}
        shape = ", ".join(f"{k} {v}" for k, v in tiny.items())
        return f"a tiny randomly initialised Llama built in code ({shape}) with SmolLM2's tokenizer"
    location = base.get("location") or "?"
    if run.base_kind == "gguf":
        return f"GGUF `{Path(location).name}` (sha256 `{base.get('sha256')}`), dequantized to float32 for training"
    if run.base_kind == "hub":
        revision = f" at revision `{base['revision']}`" if base.get("revision") else ""
        return f"Hugging Face hub model `{location}`{revision}"
    return f"local Hugging Face model folder `{location}`"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def _settings(section: dict[str, Any], names: Sequence[tuple[str, str]]) -> str:
    """`label value` for each setting the run recorded; the others are left out rather than shown as None."""
    parts = []
    for key, label in names:
        value = section.get(key)
        if value is None or value == []:
            continue
        parts.append(f"{label} {', '.join(map(str, value)) if isinstance(value, list) else _figure(value)}")
    return ", ".join(parts) or "not recorded"


def _figure(value: object) -> str:
    """Losses and timings to four significant digits: `0.009935`, not `0.009935331344604493`."""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _config_lines(run: TrainingRun) -> list[str]:
    config = run.record.get("config") or {}
    rows = [
        ("LoRA", _settings(config.get("lora") or {}, (
            ("r", "r"), ("alpha", "alpha"), ("dropout", "dropout"), ("target_modules", "targets")))),
        ("Optimisation", _settings(config.get("training") or {}, (
            ("lr", "lr"), ("scheduler", "schedule"), ("batch_size", "batch"), ("grad_accum", "accumulation"),
            ("epochs", "epochs"), ("max_steps", "max steps"), ("seed", "seed")))),
        ("Data", _settings(config.get("data") or {}, (("max_seq_len", "max sequence length"),))),
        ("Run", str(run.record.get("name") or run.name)),
    ]
    return _table(("Setting", "Value"), rows)


def _data_lines(run: TrainingRun, heldout: dict[str, Any] | None) -> list[str]:
    data = run.record.get("data") or {}
    lines = []
    for split, info in sorted(data.items()):
        if isinstance(info, dict):
            details = ", ".join(f"{k} {v}" for k, v in info.items())
            lines.append(f"- {split}: {details}")
        else:
            lines.append(f"- {split}: {info}")
    if heldout:
        lines.append(
            f"- held-out (round-trip check): {heldout['examples']} examples from `{heldout['path']}`, "
            f"{heldout['positives']} real secrets"
        )
    return lines or ["- not recorded in run.json"]


def _metric_lines(run: TrainingRun, roundtrip: dict[str, Any] | None) -> list[str]:
    metrics = run.metrics
    recorded = _settings(metrics, (("steps", "steps"), ("train_loss", "final train loss"),
                                   ("eval_loss", "validation loss"), ("wall_seconds", "seconds")))
    lines = [f"Training: {recorded}.", ""]
    if not roundtrip:
        lines.append("No round-trip check was run for this export.")
        return lines
    reference = roundtrip["reference"]
    lines.append(
        f"Held-out, threshold 0.5. HF model (float32): F1 {percent(reference['f1'])}, "
        f"AUC {percent(reference['auc'])}. Each exported GGUF below is run by secretscan's `llama-cpp` judge "
        "and compared with it:"
    )
    lines.append("")
    rows = [
        (
            r["variant"], r["file"], percent(r["agreement"]), percent(r["f1"]), percent(r["auc"]),
            f"{1000 * r['seconds_per_example']:.0f}", "refused: " + r["refused"] if r["refused"] else "shipped",
        )
        for r in roundtrip["variants"]
    ]
    lines.extend(_table(("Variant", "File", "Agreement %", "F1", "AUC", "ms/example", "Status"), rows))
    return lines


def _benchmark_lines(reports: Sequence[dict[str, Any]]) -> list[str]:
    """One table per `secretscan eval` report.json: each mode's labelled-only precision, recall and F1 on a corpus."""
    lines: list[str] = []
    for report in reports:
        corpus = report["corpus"]
        lines += [
            f"`secretscan eval` on `{corpus['path']}` ({corpus['files']} files, {corpus['labels']} labelled lines, "
            f"{corpus['positives']} secrets), threshold {report['threshold']}:",
            "",
        ]
        rows = []
        for mode in report["modes"]:
            if mode["status"] != "ok":
                continue
            metrics = mode["metrics"]["labelled-only"]
            rows.append((f"{mode['mode']} ({mode['detail']})", percent(metrics["precision"]),
                         percent(metrics["recall"]), percent(metrics["f1"]), f"{mode['seconds']:.1f}"))
        lines += [*_table(("Mode", "Precision", "Recall", "F1", "Seconds"), rows), ""]
    return lines


def render_card(
    run: TrainingRun,
    files: Sequence[str],
    roundtrip: dict[str, Any] | None = None,
    license_text: str | None = None,
    benchmarks: Sequence[dict[str, Any]] = (),
) -> str:
    license_text = license_text or base_license(run)
    front = [
        "---",
        f"license: {license_text.split()[0]}",
        "library_name: gguf",
        "tags: [secretscan, secret-detection, lora, gguf, llama.cpp]",
        "---",
    ]
    body = [
        f"# secretscan judge: {run.name}",
        "",
        "A small language model that decides whether a candidate found by secretscan's rules is a real hard-coded",
        "secret (`yes`) or not (`no`: placeholders, test fixtures, hashes, environment lookups, IDs, public keys).",
        f"Exported by secretscan {__version__} from the training run `{run.root.name}`.",
        "",
        "## Base model and licence",
        "",
        f"- Base: {describe_base(run)}.",
        f"- Licence: {license_text}. The adapter and merged weights are derived from the base and follow its licence.",
        "",
        "## Training data",
        "",
        *_data_lines(run, (roundtrip or {}).get("heldout")),
        "",
        "## Training configuration",
        "",
        *_config_lines(run),
        "",
        "## Evaluation",
        "",
        *_metric_lines(run, roundtrip),
        "",
        *_benchmark_lines(benchmarks),
        "## Files",
        "",
        *[f"- `{name}`" for name in files],
        "",
        "`artifacts.json` lists the sha256 of every file.",
        "",
        "## Use",
        "",
        "```sh",
        "secretscan scan --model judge-q8_0.gguf .                        # a merged GGUF",
        "secretscan scan --model BASE.gguf --lora judge-lora.gguf .       # base + LoRA applied at load time",
        "ollama create secretscan-judge -f Modelfile && secretscan scan --backend ollama --model secretscan-judge .",
        "```",
        "",
        "## Intended use and limitations",
        "",
        "- Intended for judging candidates produced by secretscan's own candidate stage, with its prompt",
        "  (`secretscan.scanner.prompt`): it has not seen free-form questions and should not be used as a chat model.",
        "- It reads one line (and optionally a few lines of context) at a time: secrets split across lines, or",
        "  recognisable only from other files, are out of its reach.",
        "- Training data is mostly synthetic; real repositories hold formats it has never seen. Treat its verdicts",
        "  as a filter that ranks candidates, not as proof that a value is safe, and keep certain rules (checksummed",
        "  tokens, private keys) independent of it, as secretscan does.",
        "- Quantized variants were checked against the HF model only on the held-out set described above.",
        "",
    ]
    return "\n".join(front + [""] + body)


def artifact_entries(folder: Path) -> dict[str, dict[str, Any]]:
    """sha256 and size of every file under `folder` (but artifacts.json), by posix path relative to it."""
    entries: dict[str, dict[str, Any]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        if relative == ARTIFACTS_FILE:
            continue
        entries[relative] = {"sha256": file_sha256(path), "bytes": path.stat().st_size}
    return entries


def write_card(
    run: TrainingRun,
    folder: Path,
    roundtrip: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    license_text: str | None = None,
    benchmarks: Sequence[dict[str, Any]] = (),
) -> tuple[Path, Path]:
    """Write README.md, then artifacts.json over everything in `folder` (the card included).

    `benchmarks` are `secretscan eval` reports of the exported judge, which can only run after the export: re-run
    `export card` with them.
    """
    folder.mkdir(parents=True, exist_ok=True)
    listed = sorted(p.name for p in folder.iterdir() if p.name not in (CARD_FILE, ARTIFACTS_FILE, REFUSED_DIR))
    card = folder / CARD_FILE
    card.write_text(render_card(run, listed, roundtrip, license_text, benchmarks), encoding="utf-8")
    artifacts = folder / ARTIFACTS_FILE
    document = {
        "format": ARTIFACTS_FORMAT,
        "secretscan": __version__,
        "run": {"name": run.name, "path": str(run.root.resolve()), "base_model": run.base_model},
        **(extra or {}),
        "files": artifact_entries(folder),
    }
    artifacts.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return card, artifacts
