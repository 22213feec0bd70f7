"""How far a scan has got: the files read, then the candidates the LLM judged.

The engine reports to a `Progress`. Library callers pass nothing and get `NO_PROGRESS`; the CLI passes a
`TerminalProgress` only when a person watches stderr (a hook, a pipe, a log or a JSON/SARIF report stay quiet).
The bar itself is click's: files have no total (sources stream them, so there is a count and a rate but no ETA),
LLM calls have one, so that bar shows an ETA.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Protocol, TextIO

from secretscan.scanner.types import ScanUnit

Advance = Callable[[int], None]


class Progress(Protocol):
    def files(self, units: Iterable[ScanUnit]) -> AbstractContextManager[Iterable[ScanUnit]]:
        """`units`, counted as the engine takes each one."""
        ...

    def judging(self, total: int) -> AbstractContextManager[Advance]:
        """A stage of `total` LLM calls; the engine calls the function it yields with each batch's size."""
        ...


def _ignore(count: int) -> None:
    """Advance nothing: progress nobody watches."""


class NoProgress:
    def files(self, units: Iterable[ScanUnit]) -> AbstractContextManager[Iterable[ScanUnit]]:
        return nullcontext(units)

    def judging(self, total: int) -> AbstractContextManager[Advance]:
        return nullcontext(_ignore)


NO_PROGRESS = NoProgress()


@dataclass(frozen=True)
class TerminalProgress:
    """click progress bars on `stream`, which must be a terminal: click prints the bare label on anything else."""

    stream: TextIO

    @contextmanager
    def files(self, units: Iterable[ScanUnit]) -> Iterator[Iterable[ScanUnit]]:
        import click

        with click.progressbar(units, label="scanning files", show_pos=True, file=self.stream) as bar:
            yield bar

    @contextmanager
    def judging(self, total: int) -> Iterator[Advance]:
        import click

        with click.progressbar(length=total, label="judging candidates", show_pos=True, file=self.stream) as bar:
            yield bar.update
