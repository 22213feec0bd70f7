"""The modes one eval run compares: our scanner with and without a judge, rival scanners and naive baselines.

Every mode turns a corpus into `Prediction`s keyed by (path, line). The raw secret never leaves this module: a
prediction keeps the masked value and the value's class (placeholder, lookup, hash or ID...), for error analysis.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from secretscan.config import Config
from secretscan.errors import ConfigError
from secretscan.eval.baselines import entropy_hits, keyword_hits
from secretscan.eval.corpus import Corpus, read_text
from secretscan.eval.masking import value_class
from secretscan.inference.base import Judge
from secretscan.scanner.types import Certainty, mask_secret

Warn = Callable[[str], None]

FIXED_MODES = ("rules", "judge", "detect-secrets", "keyword", "entropy")
OLLAMA_PREFIX = "ollama:"


def parse_mode(text: str) -> str:
    """Validate one `--mode` value: a fixed mode name or `ollama:<model name>`."""
    if text in FIXED_MODES or (text.startswith(OLLAMA_PREFIX) and len(text) > len(OLLAMA_PREFIX)):
        return text
    raise ConfigError(f"unknown eval mode {text!r}; use {', '.join(FIXED_MODES)} or ollama:<name>")


@dataclass(frozen=True)
class Prediction:
    path: str  # relative to the corpus root
    line: int
    score: float
    rule: str
    value_masked: str
    value_class: str | None
    # Our scanner reported it without asking the judge (a valid checksum, a private key block).
    certain: bool = False


@dataclass(frozen=True)
class ModeRun:
    mode: str
    predictions: tuple[Prediction, ...]
    seconds: float
    # The scores are our scanner's confidences (the rule's prior, folded with the judge's P(secret) when there is
    # one): the shipped threshold applies to them, and a sweep means something. Other tools' scores are all 1.0.
    thresholded: bool
    # Our own scanner: a missed line can be traced through its candidate stage.
    ours: bool
    detail: str
    stats: dict[str, object] = field(default_factory=dict)
    skipped: str | None = None


def skipped_run(mode: str, why: str) -> ModeRun:
    return ModeRun(mode, (), 0.0, thresholded=False, ours=False, detail="", skipped=why)


def _corpus_relative(corpus: Corpus) -> Callable[[str], str]:
    """Candidate paths are relative to the current directory; labels are relative to the corpus root."""
    root = os.path.realpath(corpus.root)
    return lambda path: Path(os.path.relpath(os.path.realpath(path), root)).as_posix()


def is_judge_mode(mode: str) -> bool:
    return mode == "judge" or mode.startswith(OLLAMA_PREFIX)


def judge_config_for(mode: str, config: Config) -> Config:
    """The config a judge mode scans with: every judged candidate comes back (threshold 0) with its probability,
    so one scan serves the whole threshold sweep; no verdict cache (the eval measures the model, not the cache);
    and a down backend is an error rather than a silent fallback to rules only.

    `judge` uses the configured backend (llama-cpp when the config says none); `ollama:<name>` uses Ollama.
    """
    if mode.startswith(OLLAMA_PREFIX):
        config = replace(config, backend="ollama", model=mode[len(OLLAMA_PREFIX) :], lora=None)
    elif config.backend == "none":
        config = replace(config, backend="llama-cpp")
    return replace(config, threshold=0.0, cache=False, fallback="error")


def open_judge(mode: str, config: Config, warn: Warn) -> Judge:
    """The judge of a judge mode. Only checks the model files (a ModelError comes now); weights load on first use."""
    from secretscan.inference.factory import make_judge

    judge = make_judge(judge_config_for(mode, config), warn)
    if judge is None:  # judge_config_for never picks backend "none"
        raise ConfigError(f"mode {mode!r} needs a judge backend")
    return judge


def judge_detail(config: Config) -> str:
    if config.backend != "llama-cpp":
        return f"{config.backend}: {config.model or 'default model'}"
    from secretscan.inference.factory import llama_cpp_files

    model, lora = llama_cpp_files(config)
    return f"llama-cpp: {model.name}" + (f" + LoRA {lora.name}" if lora else "")


def _run_scanner(mode: str, corpus: Corpus, config: Config, judge: Judge | None, warn: Warn) -> ModeRun:
    from secretscan.api import scan_paths

    relative = _corpus_relative(corpus)
    started = time.perf_counter()
    result = scan_paths([corpus.path_of(f) for f in corpus.files], config, judge, warn=warn)
    seconds = time.perf_counter() - started
    predictions = tuple(
        Prediction(
            path=relative(f.candidate.path),
            line=f.candidate.line,
            score=f.confidence,
            rule=f.candidate.rule,
            value_masked=f.candidate.masked,
            value_class=value_class(f.candidate.secret),
            certain=f.candidate.certainty is Certainty.CERTAIN,
        )
        for f in result.findings
    )
    for message in result.warnings:
        warn(message)
    return ModeRun(
        mode,
        predictions,
        seconds,
        thresholded=True,
        ours=True,
        detail=judge_detail(config) if judge is not None else "rules only, no judge",
        stats=asdict(result.stats),
    )


def _detect_secrets_command() -> list[str] | None:
    beside_python = Path(sys.executable).parent / "detect-secrets"
    if beside_python.is_file():
        return [str(beside_python)]
    found = shutil.which("detect-secrets")
    return [found] if found else None


def _run_detect_secrets(corpus: Corpus, warn: Warn) -> ModeRun:
    command = _detect_secrets_command()
    if command is None:
        return skipped_run("detect-secrets", "detect-secrets is not installed")
    version = subprocess.run([*command, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    args = [*command, "scan", "--all-files"]
    if corpus.labels_path.parent == corpus.root:
        args += ["--exclude-files", r"^labels\.jsonl$"]
    started = time.perf_counter()
    done = subprocess.run([*args, "."], cwd=corpus.root, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        warn(f"detect-secrets failed (exit {done.returncode}): {last}")
        return skipped_run("detect-secrets", f"detect-secrets failed: {last}")
    results = json.loads(done.stdout)["results"]
    predictions = tuple(
        # detect-secrets reports only a hash of the secret, so there is no value to mask or classify.
        Prediction(Path(filename).as_posix(), item["line_number"], 1.0, item["type"], "…", None)
        for filename, items in results.items()
        for item in items
    )
    return ModeRun(
        "detect-secrets", predictions, seconds, thresholded=False, ours=False, detail=f"detect-secrets {version}"
    )


def _run_baseline(mode: str, corpus: Corpus, hits: Callable[[str], list[tuple[int, str]]], detail: str) -> ModeRun:
    started = time.perf_counter()
    predictions = []
    for path in corpus.files:
        text = read_text(corpus.path_of(path))
        if "\x00" in text:  # binary: neither baseline reads it
            continue
        for line, value in hits(text):
            predictions.append(Prediction(path, line, 1.0, mode, mask_secret(value), value_class(value)))
    return ModeRun(
        mode, tuple(predictions), time.perf_counter() - started, thresholded=False, ours=False, detail=detail
    )


def run_mode(mode: str, corpus: Corpus, config: Config, warn: Warn, judge: Judge | None = None) -> ModeRun:
    """Run one mode over the corpus. `config` is the user's config with the command-line overrides applied;
    `judge` is the judge mode's judge when the caller opened it already (see `open_judge`)."""
    # The corpus is what we measure: the user's exclude globs must not hide any of it.
    config = replace(config, exclude=())
    if mode == "rules":
        # Like a judge mode, scan at threshold 0 and apply the threshold afterwards, so rules only gets a sweep too.
        return _run_scanner(mode, corpus, replace(config, backend="none", threshold=0.0), None, warn)
    if is_judge_mode(mode):
        judge = judge or open_judge(mode, config, warn)
        return _run_scanner(mode, corpus, judge_config_for(mode, config), judge, warn)
    if mode == "detect-secrets":
        return _run_detect_secrets(corpus, warn)
    if mode == "keyword":
        return _run_baseline(mode, corpus, keyword_hits, "naive: a keyword assignment on the line")
    if mode == "entropy":
        return _run_baseline(mode, corpus, entropy_hits, "naive: a quoted string of high Shannon entropy")
    raise ConfigError(f"unknown eval mode {mode!r}")
