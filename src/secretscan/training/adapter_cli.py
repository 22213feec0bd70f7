"""`secretscan-train adapter fold | stack`: fine-tune on top of a GGUF LoRA such as the shipped judge adapter.

    secretscan-train adapter fold --profile cpu-smollm2 --out runs/base-plus-shipped
    secretscan-train train --profile cpu-smollm2 --set model.kind=hf --set model.path=runs/base-plus-shipped ...
    secretscan-train adapter stack src/secretscan/data/judge-lora.gguf RUN_DIR --out judge-lora-tuned.gguf

Thin commands over `secretscan.training.adapters`; torch is imported only by `fold`, when it runs.
"""

from __future__ import annotations

from pathlib import Path

import click

from secretscan.errors import EXIT_CLEAN


@click.group("adapter")
def adapter_group() -> None:
    """Train on top of an existing GGUF LoRA (the shipped judge adapter by default)."""


@adapter_group.command("fold")
@click.argument("adapter", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Training config whose base model the adapter belongs to.")
@click.option("--profile", help="A shipped profile (default: cpu-smollm2, the shipped adapter's).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the base with the adapter folded in (a Hugging Face model).")
def fold_command(adapter: Path | None, config_path: Path | None, profile: str | None, out: Path) -> int:
    """Fold ADAPTER (default: the shipped one) into the config's base model, as a folder to train a new LoRA on."""
    from secretscan.errors import ModelError
    from secretscan.inference.models import shipped_adapter
    from secretscan.training.adapters import fold_adapter
    from secretscan.training.config import find_profile, load_config
    from secretscan.training.model_loading import resolve_source

    if config_path is not None and profile is not None:
        raise click.UsageError("give at most one of --config FILE or --profile NAME")
    adapter = adapter or shipped_adapter()
    if adapter is None:
        raise ModelError("no adapter is shipped with this install; pass ADAPTER.gguf")
    config = load_config(config_path or find_profile(profile or "cpu-smollm2"), ())
    folder = fold_adapter(resolve_source(config.model), adapter, out)
    click.echo(f"folded {adapter} into {folder}; train on it with --set model.kind=hf --set model.path={folder}")
    return EXIT_CLEAN


@adapter_group.command("stack")
@click.argument("first", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="GGUF LoRA to write.")
def stack_command(first: Path, run_dir: Path, out: Path) -> int:
    """One GGUF LoRA for the original base: FIRST (the adapter that was folded) plus RUN_DIR's adapter."""
    from secretscan.training.adapters import stack_run

    click.echo(f"wrote {stack_run(first, run_dir, out)} (use it as the judge's `lora`, or ship it)")
    return EXIT_CLEAN
