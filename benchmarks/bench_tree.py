"""Whole-tree scans, wall clock, in one run: secretscan rules only, secretscan with its default judge, and
detect-secrets, on the same files.

    python benchmarks/bench_tree.py [--tree DIR ...] [--repeat N]

Default: ../shared/realcode/train/files and ../shared/realcode/dev/files, real code from 250 public repositories,
scanned together by every tool. Each figure is the median of --repeat full process runs (interpreter start
included), after every file was read once so that each tool starts with a warm page cache. Every secretscan run
gets a fresh verdict cache; all share the user's merged judge model, built before the timing if it is missing (as
after a user's first run). The counts come from `secretscan scan --format json`:

- candidates: what the detectors found; settled: uncertain candidates the cheap scorer decided without the LLM;
  LLM calls: the distinct prompts the judge scored.
- tokens/call: the mean prompt length in the judge model's tokens, counted here on the same candidates (which
  candidates reach the LLM is decided before any verdict, so a stand-in judge is shown the same prompts); in
  brackets, the tokens llama.cpp evaluates per call once its KV cache reuses the previous prompt's prefix.
  Below the table, the mean tokens of each field of the user turn (path, rule, line, value): what a shorter
  prompt could save.
- ms/call: (default wall time - rules-only wall time) / LLM calls: the judge's whole cost, model load included.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_hook_and_scan import StandInJudge, clean_env, shared_models, timed, tool

from secretscan.scanner.prompt import Prompt

REPO = Path(__file__).resolve().parents[1]
DEFAULT_TREES = (REPO.parent / "shared" / "realcode" / "train" / "files", REPO.parent / "shared" / "realcode" / "dev" / "files")
RULES_ONLY = "secretscan scan --backend none"
DEFAULT = "secretscan scan (default judge)"
DETECT_SECRETS = "detect-secrets scan --all-files"


@dataclass(frozen=True)
class Run:
    name: str
    seconds: float  # median wall time
    stats: dict[str, Any] | None  # secretscan's JSON stats; None for detect-secrets
    findings: int


@dataclass(frozen=True)
class Tokens:
    prompt: float  # mean tokens per prompt
    evaluated: float  # mean tokens evaluated per call after the KV prefix reuse
    fields: dict[str, float]  # mean tokens of each `name: text` line of the user turn


def warm_page_cache(trees: Sequence[Path]) -> int:
    """Read every file once; returns how many there are."""
    count = 0
    for tree in trees:
        for path in tree.rglob("*"):
            if path.is_file() and not path.is_symlink():
                path.read_bytes()
                count += 1
    return count


def fresh_cache(work: Path, models: Path) -> Path:
    """An empty verdict cache that finds the merged model where the user's cache has it."""
    cache = Path(tempfile.mkdtemp(prefix="cache-", dir=work))
    (cache / "models").symlink_to(models, target_is_directory=True)
    return cache


def run_ours(name: str, argv: list[str], cwd: Path, work: Path, models: Path, repeat: int) -> Run:
    times: list[float] = []
    stats: dict[str, Any] | None = None
    findings = 0
    for _ in range(repeat):
        seconds, done = timed(argv, cwd, clean_env(SECRETSCAN_CACHE_DIR=str(fresh_cache(work, models))))
        if done.returncode not in (0, 1):
            sys.exit(f"bench: {name} failed ({done.returncode}):\n{done.stderr[-2000:]}")
        times.append(seconds)
        report = json.loads(done.stdout)
        stats, findings = report["stats"], len(report["findings"])
    return Run(name, statistics.median(times), stats, findings)


def run_detect_secrets(targets: list[str], cwd: Path, repeat: int) -> Run:
    times: list[float] = []
    findings = 0
    for _ in range(repeat):
        seconds, done = timed([tool("detect-secrets"), "scan", "--all-files", *targets], cwd, clean_env())
        if done.returncode != 0:
            sys.exit(f"bench: detect-secrets failed ({done.returncode}):\n{done.stderr[-2000:]}")
        times.append(seconds)
        findings = sum(len(found) for found in json.loads(done.stdout)["results"].values())
    return Run(DETECT_SECRETS, statistics.median(times), None, findings)


def llm_prompts(targets: list[str], cwd: Path) -> list[Prompt]:
    """The prompts `secretscan scan TARGETS`, run in `cwd`, sends to the LLM, in the order it sends them."""
    from secretscan.api import scan_paths
    from secretscan.config import load_config
    from secretscan.scanner.parallel import usable_cpus

    judge = StandInJudge()
    with contextlib.chdir(cwd):  # the prompts carry the paths as the CLI shows them
        config = load_config()
        if config.backend != "none":
            scan_paths(targets, config, judge, workers=usable_cpus())
    return judge.prompts


def count_tokens(prompts: list[Prompt]) -> Tokens | None:
    """Tokens per prompt with the judge model's tokenizer (the embedded base's: merging keeps the vocabulary)."""
    if not prompts:
        return None
    from secretscan.inference.llama_cpp import LlamaCppJudge
    from secretscan.inference.models import embedded_base_model

    judge = LlamaCppJudge(embedded_base_model())
    previous: list[int] = []
    lengths, evaluated = [], []
    fields: dict[str, int] = {}
    for prompt in prompts:
        tokens = judge.prompt_tokens(prompt)
        for line in prompt.user.split("\n"):
            name = line.split(":", 1)[0]
            fields[name] = fields.get(name, 0) + len(judge.runner.tokenize(line + "\n", special=False))
        # As LlamaRunner.next_token_logits: the common prefix is reused, the last token is always evaluated.
        reuse = 0
        while reuse < min(len(previous), len(tokens) - 1) and previous[reuse] == tokens[reuse]:
            reuse += 1
        lengths.append(len(tokens))
        evaluated.append(len(tokens) - reuse)
        previous = tokens
    judge.close()
    return Tokens(statistics.mean(lengths), statistics.mean(evaluated),
                  {name: total / len(prompts) for name, total in fields.items()})


def print_table(runs: list[Run], tokens: Tokens | None) -> None:
    by_name = {run.name: run for run in runs}
    reference, rules = by_name[DETECT_SECRETS].seconds, by_name[RULES_ONLY].seconds
    header = ("run", "wall s", "vs detect-secrets", "candidates", "settled", "LLM calls", "tokens/call", "ms/call", "findings")
    rows = [header]
    for run in runs:
        stats = run.stats or {}
        calls = stats.get("judged", 0)
        judged = run.name == DEFAULT and calls > 0
        rows.append(
            (
                run.name,
                f"{run.seconds:.2f}",
                f"{reference / run.seconds:.2f}x",
                str(stats["candidates"]) if run.stats else "-",
                str(stats["settled"]) if run.name == DEFAULT else "-",
                str(calls) if run.name == DEFAULT else "-",
                f"{tokens.prompt:.0f} ({tokens.evaluated:.0f})" if judged and tokens else "-",
                f"{(run.seconds - rules) * 1000 / calls:.0f}" if judged else "-",
                str(run.findings),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  " + "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))))
    print("  vs detect-secrets: its wall time / this one (above 1: faster); tokens/call: prompt (evaluated)")
    if tokens:
        shares = ", ".join(f"{name} {mean:.1f}" for name, mean in tokens.fields.items())
        print(f"  tokens per field of the user turn: {shares}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, action="append", help="a tree to scan (repeatable; default: realcode train and dev)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per tool (the median is reported)")
    args = parser.parse_args(argv)
    trees = [tree.resolve() for tree in (args.tree or DEFAULT_TREES)]
    for tree in trees:
        if not tree.is_dir():
            sys.exit(f"bench: {tree} is not a folder")
    # Every tool runs from a common parent on relative paths: detect-secrets silently scans nothing when it is
    # given an absolute path outside its working directory.
    cwd = Path(os.path.commonpath([tree.parent for tree in trees]))
    targets = [str(tree.relative_to(cwd)) for tree in trees]
    files = warm_page_cache(trees)
    models = shared_models()
    with tempfile.TemporaryDirectory(prefix="secretscan-bench-") as tmp:
        work = Path(tmp)
        scan = [tool("secretscan"), "scan", *targets, "--format", "json"]
        runs = [
            run_ours(RULES_ONLY, [*scan, "--backend", "none"], cwd, work, models, args.repeat),
            run_ours(DEFAULT, scan, cwd, work, models, args.repeat),
            run_detect_secrets(targets, cwd, args.repeat),
        ]
    tokens = count_tokens(llm_prompts(targets, cwd))
    print(f"trees: {', '.join(targets)} in {cwd} ({files} files), median of {args.repeat} run(s) each")
    print_table(runs, tokens)


if __name__ == "__main__":
    main()
