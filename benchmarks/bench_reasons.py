"""What a finding's reason costs: the evidence built for each reported finding, against the scan that found it.

    python benchmarks/bench_reasons.py [DIR ...] [--repeat N]
    python benchmarks/bench_reasons.py --hook SRC_A SRC_B [--repeat N]

1. In process (default DIR: ../shared/realcode/dev/files). The candidate stage and the shipped cheap scorer run as a
   scan runs them (`engine.triage`, `Scorer.score`; every candidate settled by the scorer, so no LLM time drowns
   the figure), then `explain.explain` builds the evidence of every candidate at or above the threshold. Prints
   the findings, microseconds per reason (best of --repeat) and the reasons' share of the scan stage's time.
2. `--hook`: `secretscan-hook` on bench_hook_and_scan.py's generated commit, with each SRC folder first on
   PYTHONPATH (say, worktrees of the commits before and after a change), interleaved, a fresh verdict cache each
   run; prints the median of --repeat runs of each.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bench_hook_and_scan import clean_env, fresh_cache, generated_commit, make_repo, timed, tool

from secretscan.config import Config
from secretscan.engine import line_key, triage
from secretscan.explain import explain
from secretscan.inference.scorer import load_scorer
from secretscan.scanner.baseline import EMPTY_BASELINE
from secretscan.scanner.candidates import find_candidates
from secretscan.scanner.sources import file_units
from secretscan.scanner.types import Verdict

DEFAULT_TREE = Path(__file__).resolve().parents[2] / "shared" / "realcode" / "dev" / "files"


def bench_in_process(roots: list[Path], repeat: int) -> None:
    config = Config()
    started = time.perf_counter()
    units = list(file_units(roots, max_file_bytes=config.max_file_bytes, skipped=Counter()))
    values: dict[tuple[str | None, str, int], set[str]] = {}
    uncertain = []
    for unit in units:
        for candidate in find_candidates(unit):
            values.setdefault(line_key(candidate), set()).add(candidate.secret)
            where, candidate = triage(candidate, EMPTY_BASELINE)
            if where == "uncertain":
                uncertain.append(candidate)
    scorer = load_scorer()
    scores = scorer.score(uncertain)
    scan_seconds = time.perf_counter() - started
    reported = [Verdict(c, p, "scorer", p) for c, p in zip(uncertain, scores) if p >= config.threshold]
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for verdict in reported:
            explain(verdict, scorer, values[line_key(verdict.candidate)], ())
        best = min(best, time.perf_counter() - started)
    each = best / len(reported) * 1e6 if reported else 0.0
    print(f"{len(units)} files, {len(uncertain)} scored candidates, {len(reported)} reported")
    print(f"scan stage (read, candidates, triage, scorer): {scan_seconds:.2f} s")
    print(f"reasons: {best * 1000:.1f} ms in all, {each:.0f} us per finding (best of {repeat}), "
          f"{best / scan_seconds:.1%} of the scan stage")  # fmt: skip


def bench_hook(sources: list[Path], repeat: int) -> None:
    with tempfile.TemporaryDirectory(prefix="secretscan-bench-") as tmp:
        work = Path(tmp)
        repo = work / "commit"
        repo.mkdir()
        files = make_repo(repo, generated_commit(random.Random(20240607)))
        argv = [tool("secretscan-hook"), *files]
        times: dict[Path, list[float]] = {source: [] for source in sources}
        for attempt in range(repeat + 1):
            for index, source in enumerate(sources):
                cache = fresh_cache(work, f"cache-{index}-{attempt}")
                env = clean_env(SECRETSCAN_CACHE_DIR=str(cache), PYTHONPATH=str(source.resolve()))
                seconds, done = timed(argv, repo, env)
                if done.returncode not in (0, 1):
                    sys.exit(f"bench: the hook with {source} failed ({done.returncode}):\n{done.stderr}")
                if attempt:  # the first round only builds the merged model and warms the page cache
                    times[source].append(seconds)
        print(f"hook on {len(files)} staged files, median of {repeat} interleaved runs:")
        for source, runs in times.items():
            print(f"  {os.fspath(source)}: {statistics.median(runs):.3f} s (min {min(runs):.3f})")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs="*", type=Path, help=f"folders to scan (default: {DEFAULT_TREE})")
    parser.add_argument("--hook", nargs="+", type=Path, metavar="SRC", help="time the hook with each SRC on PYTHONPATH")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    if args.hook:
        bench_hook(args.hook, args.repeat)
    else:
        bench_in_process(args.trees or [DEFAULT_TREE], args.repeat)


if __name__ == "__main__":
    main()
