"""The candidate stage over worker processes, for big inputs.

The detectors are pure Python and CPU-bound, so threads would not help; a process per core does. A pool costs
each worker an interpreter start and the detectors' import, more than it saves on a hook or a few files, so it
starts only past `PARALLEL_MIN_UNITS` units. Results come back in the order of the units, as one process gives.

Workers are spawned, and a spawned process imports the caller's `__main__` module again (a script without an
`if __name__ == "__main__":` guard would scan again in every worker), so the library runs in one process unless
its caller asks for workers; the CLI, whose `__main__` is safe, asks for one per CPU.
"""

from __future__ import annotations

import os
import signal
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, islice
from typing import TYPE_CHECKING

from secretscan.config import ExtraRule
from secretscan.scanner.candidates import find_candidates
from secretscan.scanner.types import Candidate, ScanUnit

if TYPE_CHECKING:  # imported when a pool starts: a hook, in one process, does not pay for them (about 8 ms)
    from concurrent.futures import Future, ProcessPoolExecutor

PARALLEL_MIN_UNITS = 200
# Units per task: large enough that pickling and the round trip are small beside the detectors' work.
CHUNK = 32
# Tasks queued per worker: keeps every core busy while holding only a few chunks of a big tree in memory.
QUEUED_PER_WORKER = 3


def usable_cpus() -> int:
    """The CPUs this process may run on (a container's or taskset's share), else all of them."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def candidates_per_unit(
    units: Iterable[ScanUnit], rules: Sequence[ExtraRule] = (), workers: int = 1
) -> Iterator[list[Candidate]]:
    """`find_candidates` of each unit, in order: in `workers` processes past `PARALLEL_MIN_UNITS` units, else
    in this one."""
    stream = iter(units)
    head = list(islice(stream, PARALLEL_MIN_UNITS + 1))
    if len(head) <= PARALLEL_MIN_UNITS or workers < 2:
        return (find_candidates(unit, rules) for unit in chain(head, stream))
    return _in_workers(chain(head, stream), tuple(rules), workers)


def _find_in_chunk(units: list[ScanUnit], rules: tuple[ExtraRule, ...]) -> list[list[Candidate]]:
    return [find_candidates(unit, rules) for unit in units]


def _chunks(units: Iterator[ScanUnit]) -> Iterator[list[ScanUnit]]:
    while chunk := list(islice(units, CHUNK)):
        yield chunk


def _in_workers(units: Iterator[ScanUnit], rules: tuple[ExtraRule, ...], workers: int) -> Iterator[list[Candidate]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: the caller may already run threads (llama.cpp's, a library user's), which fork can deadlock.
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    chunks = _chunks(units)
    try:
        queued = deque(_start_workers(pool, chunks, rules, workers))
        for chunk in chunks:
            queued.append(pool.submit(_find_in_chunk, chunk, rules))
            if len(queued) >= workers * QUEUED_PER_WORKER:
                yield from queued.popleft().result()
        while queued:
            yield from queued.popleft().result()
    finally:
        # On Ctrl-C (or an error) the queued chunks are dropped; running ones end within a chunk.
        pool.shutdown(wait=True, cancel_futures=True)


def _start_workers(
    pool: ProcessPoolExecutor, chunks: Iterator[list[ScanUnit]], rules: tuple[ExtraRule, ...], workers: int
) -> list[Future[list[list[Candidate]]]]:
    """Submit the first chunk for each worker; each submit starts a worker process.

    Ctrl-C reaches every process of the terminal's process group. The workers must not act on it, or each would
    print a KeyboardInterrupt traceback while this process ends the scan with its one line. A new process keeps
    the signal mask it was started with, and Python never unblocks SIGINT, so it is blocked here while they start;
    a Ctrl-C meanwhile waits, and this process gets it once they have started. (Windows has no signal masks.)
    """
    if not hasattr(signal, "pthread_sigmask"):
        return [pool.submit(_find_in_chunk, chunk, rules) for chunk in islice(chunks, workers)]
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        return [pool.submit(_find_in_chunk, chunk, rules) for chunk in islice(chunks, workers)]
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
