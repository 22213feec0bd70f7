"""Throughput of the candidate stage alone (detectors + filters, no judge, no process start-up).

    python benchmarks/bench_candidates.py [DIR ...] [--repeat N]

Default: a few large packages of this environment's site-packages. Files are read up front (binary and >2 MB
files skipped, like `scanner/sources.py` does), so the figure is detector time only. Prints files/s, MB/s,
candidates, what the filters dropped, the slowest files and the share of time per detector, then the time taken
on adversarial texts (a stage that goes quadratic on any of them would stall a scan).
End-to-end figures against detect-secrets are in bench_hook_and_scan.py.
"""

from __future__ import annotations

import argparse
import sys
import sysconfig
import time
from collections import Counter
from pathlib import Path

from secretscan.scanner import candidates as stage
from secretscan.scanner.filters import harmless_reason
from secretscan.scanner.rules.connection import find_connection_string_hits, find_url_credential_hits
from secretscan.scanner.rules.entropy import find_entropy_hits
from secretscan.scanner.rules.keywords import find_keyword_hits
from secretscan.scanner.rules.private_keys import find_private_key_hits
from secretscan.scanner.types import ScanUnit

DEFAULT_PACKAGES = ("openai", "transformers", "pygments", "jinja2", "requests", "urllib3", "pip")
MAX_BYTES = 2_000_000


def load(roots: list[Path]) -> list[ScanUnit]:
    units = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.is_symlink() or path.stat().st_size > MAX_BYTES:
                continue
            data = path.read_bytes()
            if b"\0" in data[:8192]:
                continue
            units.append(ScanUnit(path.relative_to(root.parent).as_posix(), data.decode("utf-8", "replace")))
    return units


def per_detector(units: list[ScanUnit]) -> dict[str, float]:
    detectors = {
        "tokens": lambda t, low, p: stage._TOKEN_RULES.find(t, low),
        "private keys": lambda t, low, p: find_private_key_hits(t, low),
        "urls": lambda t, low, p: find_url_credential_hits(t, low),
        "connection strings": lambda t, low, p: find_connection_string_hits(t, low),
        "keywords": lambda t, low, p: find_keyword_hits(t, low, p),
        "entropy": lambda t, low, p: find_entropy_hits(t),
    }
    lowered = [stage.position_preserving_lower(u.text) for u in units]
    seconds = {}
    for name, detect in detectors.items():
        started = time.perf_counter()
        for unit, low in zip(units, lowered, strict=True):
            detect(unit.text, low, unit.path)
        seconds[name] = time.perf_counter() - started
    return seconds


ADVERSARIAL = {
    "BEGIN lines, no END": "-----BEGIN RSA PRIVATE KEY-----\n" * 20_000,
    "BEGIN markers on one line": "-----BEGIN PRIVATE KEY-----" * 20_000,
    "password= on one line": "x;password=abc" * 100_000,
    "one letter, 2 MB": "a" * 2_000_000,
    "quotes only": '"' * 1_000_000,
    "unterminated quotes": ('"' + "a" * 999) * 1_000,
    "scheme separators": "://" * 300_000,
    "stems on every line": ("key " * 1_000 + "\n") * 200,
}


def adversarial() -> None:
    for name, text in ADVERSARIAL.items():
        started = time.process_time()
        stage.find_candidates(ScanUnit("adversarial.txt", text))
        print(f"  {name}: {len(text) / 1e6:.1f} MB in {time.process_time() - started:.2f} s CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    site = Path(sysconfig.get_paths()["purelib"])
    roots = args.dirs or [site / name for name in DEFAULT_PACKAGES if (site / name).is_dir()]
    units = load(roots)
    megabytes = sum(len(u.text) for u in units) / 1e6
    print(f"{len(units)} files, {megabytes:.1f} MB of text from {', '.join(r.name for r in roots)}")

    best = best_cpu = float("inf")
    for _ in range(args.repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        found = [c for unit in units for c in stage.find_candidates(unit)]
        reasons = Counter(harmless_reason(c) for c in found)
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - started_cpu)
    # CPU time as well as wall time: on a shared machine the wall clock mostly measures the neighbours.
    print(
        f"best of {args.repeat}: {best:.2f} s wall = {len(units) / best:.0f} files/s, {megabytes / best:.1f} MB/s; "
        f"{best_cpu:.2f} s CPU = {len(units) / best_cpu:.0f} files/s, {megabytes / best_cpu:.1f} MB/s"
    )
    kept = reasons.pop(None, 0)
    print(f"candidates: {len(found)}, kept after filters: {kept}; dropped: {dict(reasons.most_common())}")
    print("kept by rule:", dict(Counter(c.rule for c in found if harmless_reason(c) is None).most_common()))

    timings = []
    for unit in units:
        started = time.perf_counter()
        stage.find_candidates(unit)
        timings.append((time.perf_counter() - started, unit.path))
    print("slowest files:", ", ".join(f"{p} {s * 1000:.0f} ms" for s, p in sorted(timings)[-3:]))
    seconds = per_detector(units)
    total = sum(seconds.values())
    print("time per detector:", ", ".join(f"{n} {s / total:.0%}" for n, s in seconds.items()))
    print("adversarial texts:")
    adversarial()


if __name__ == "__main__":
    sys.exit(main())
