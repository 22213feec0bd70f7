"""An interrupted scan, run again: does it start where it stopped?

    python benchmarks/bench_resume.py [--tree DIR] [--llm-everything]

In one run, on the same tree, with the default judge and a fresh verdict cache each time:

1. full: one uninterrupted scan;
2. interrupted: the same scan on a new cache, stopped with SIGINT (Ctrl-C) once the cache holds half of the full
   scan's verdicts (the judge writes them 16 at a time);
3. resumed: the same command again on that cache, to the end.

Printed: the wall time of each, the rules-only time of the same tree (what no cache can save), and the judged part
of the resumed scan against the full one (resumed - rules) / (full - rules), which should be about one half.
Default tree: ../shared/realcode/dev/files. `--llm-everything` sends every candidate to the LLM (no cheap scorer),
so that the judge's share of the time is large.
"""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

from bench_hook_and_scan import clean_env, timed, tool
from bench_tree import fresh_cache, shared_models, warm_page_cache

from secretscan.inference.cache import CACHE_FILE

REPO = Path(__file__).resolve().parents[1]
DEFAULT_TREE = REPO.parent / "shared" / "realcode" / "dev" / "files"
POLL_S = 0.2


def cached_verdicts(cache: Path) -> int:
    """Rows in the verdict cache, 0 while the scan has not created it yet."""
    path = cache / CACHE_FILE
    if not path.exists():
        return 0
    try:
        # Closed at once: a reader left open between polls could hold a snapshot or a lock the scan waits on.
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)) as db:
            return int(db.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0])
    except sqlite3.OperationalError:  # the table is not there yet, or the writer holds a lock for a moment
        return 0


def run_to_end(argv: list[str], cwd: Path, cache: Path) -> tuple[float, dict[str, int]]:
    seconds, done = timed(argv, cwd, clean_env(SECRETSCAN_CACHE_DIR=str(cache)))
    if done.returncode not in (0, 1):
        sys.exit(f"bench: scan failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds, json.loads(done.stdout)["stats"]


@contextmanager
def ctrl_c_not_ignored() -> Iterator[None]:
    """Start children that take Ctrl-C as from a terminal. A run started in the background (`cmd &` in a script)
    inherits SIGINT ignored, and exec keeps an ignored signal ignored, so the scan would install no
    KeyboardInterrupt and run to its end; a handler of ours is reset to the default on exec instead."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run_interrupted(argv: list[str], cwd: Path, cache: Path, stop_at: int) -> tuple[float, int]:
    """Start the scan, send SIGINT once the cache holds `stop_at` verdicts; its wall time and the verdicts kept."""
    env = clean_env(SECRETSCAN_CACHE_DIR=str(cache))
    started = time.perf_counter()
    with ctrl_c_not_ignored():
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    while process.poll() is None and cached_verdicts(cache) < stop_at:
        time.sleep(POLL_S)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate()
    seconds = time.perf_counter() - started
    if process.returncode != 130:
        sys.exit(f"bench: the interrupted scan exited {process.returncode}, not 130:\n{stderr[-2000:]}")
    return seconds, cached_verdicts(cache)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, default=DEFAULT_TREE, help="the tree to scan (default: realcode dev)")
    parser.add_argument("--llm-everything", action="store_true", help="no cheap scorer: the LLM judges every candidate")
    args = parser.parse_args(argv)
    tree = args.tree.resolve()
    if not tree.is_dir():
        sys.exit(f"bench: {tree} is not a folder")
    files = warm_page_cache([tree])
    models = shared_models()
    with tempfile.TemporaryDirectory(prefix="secretscan-bench-") as tmp:
        work = Path(tmp)
        config = work / "secretscan.toml"
        config.write_text('scorer = "none"\n' if args.llm_everything else "")
        scan = [tool("secretscan"), "scan", tree.name, "--format", "json", "--config", str(config)]
        rules, _ = run_to_end([*scan, "--backend", "none"], tree.parent, fresh_cache(work, models))
        full, stats = run_to_end(scan, tree.parent, fresh_cache(work, models))
        judged = stats["judged"]
        if judged < 32:
            sys.exit(f"bench: only {judged} LLM calls on this tree; try --llm-everything or a bigger tree")
        cache = fresh_cache(work, models)
        interrupted, kept = run_interrupted(scan, tree.parent, cache, judged // 2)
        resumed, _ = run_to_end(scan, tree.parent, cache)
    print(f"tree: {tree} ({files} files), {judged} LLM calls, scorer {'off' if args.llm_everything else 'on'}")
    print(f"  rules only      {rules:7.2f} s")
    print(f"  full            {full:7.2f} s")
    print(f"  interrupted     {interrupted:7.2f} s   ({kept} of {judged} verdicts kept)")
    print(f"  resumed         {resumed:7.2f} s   ({resumed / full:.2f} of full)")
    print(f"  judged part of the resumed scan: {(resumed - rules) / (full - rules):.2f} of the full scan's")


if __name__ == "__main__":
    main()
