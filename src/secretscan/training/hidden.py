"""The judge's hidden states of training rows, computed once and cached on disk.

A head refit (`secretscan-train scorer fit --head-out`) must not pay the forward passes again: every row's state
and the LLM's own P(secret) are kept in one SQLite file, keyed like the verdict cache by sha256(model_id, rendered
prompt), so a row is embedded once per model whatever file or order it comes in. Rows are committed in small
batches, so a run that is stopped keeps what it embedded and the next run goes on from there.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path

import numpy as np

from secretscan.errors import ConfigError
from secretscan.inference.cache import verdict_key
from secretscan.inference.llama_cpp import LlamaCppJudge
from secretscan.scanner.prompt import Prompt

# Rows embedded between two commits: what a stopped run can lose.
COMMIT_EVERY = 32


def _open(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE IF NOT EXISTS states (key BLOB PRIMARY KEY, p_llm REAL NOT NULL, state BLOB NOT NULL)")
    except sqlite3.Error as exc:
        raise ConfigError(f"hidden-state cache {path}: {exc}") from None
    return db


def _lookup(db: sqlite3.Connection, key: bytes) -> tuple[float, array[float]] | None:
    found = db.execute("SELECT p_llm, state FROM states WHERE key = ?", (key,)).fetchone()
    if found is None:
        return None
    state: array[float] = array("f")
    state.frombytes(found[1])
    return float(found[0]), state


def embed_prompts(
    prompts: Sequence[Prompt], judge: LlamaCppJudge, cache: Path, advance: Callable[[int], None]
) -> tuple[np.ndarray, np.ndarray]:
    """(the LLM's P(secret) per prompt, their hidden states as rows of a float32 matrix), from the cache where it
    has them. `judge` must carry no head: the states are the model's own."""
    if judge.head is not None:
        raise ConfigError("embed with the judge's model alone, not through a head")
    model_id = judge.model_id
    probabilities = np.zeros(len(prompts))
    states: list[array[float]] = []
    with closing(_open(cache)) as db:
        pending = 0
        for i, prompt in enumerate(prompts):
            key = verdict_key(model_id, prompt)
            found = _lookup(db, key)
            if found is None:
                ((p_llm, state),) = judge.read([prompt], hidden_states=True)
                db.execute("INSERT INTO states VALUES (?, ?, ?)", (key, p_llm, state.tobytes()))
                pending += 1
                if pending == COMMIT_EVERY:
                    db.commit()
                    pending = 0
                found = (p_llm, state)
            probabilities[i] = found[0]
            states.append(found[1])
            advance(1)
        db.commit()
    sizes = {len(state) for state in states}
    if len(sizes) > 1:
        raise ConfigError(f"hidden-state cache {cache}: states of several sizes {sorted(sizes)}")
    return probabilities, np.array(states, dtype=np.float32).reshape(len(states), -1)
