"""Shared pieces of the training-pipeline tests: tiny JSONL data built with the scanner's own prompt builder,
config overrides for short cpu-tiny runs, and the run log's tagged lines."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

from secretscan.scanner.prompt import LABEL_SAFE, LABEL_SECRET, build_prompt, to_messages
from secretscan.scanner.types import Candidate
from secretscan.training.runlog import parse_tagged

REPO = Path(__file__).resolve().parents[2]
PROFILES = REPO / "configs" / "train"
TINY_PROFILE = PROFILES / "cpu-tiny.yaml"

_PLACEHOLDERS = ("REPLACE_ME", "${API_TOKEN}", "<your-token-here>", "xxxxxxxxxxxxxxxx", "os.environ['API_KEY']",
                 "example-key-123", "TODO", "process.env.SECRET")


def candidate(index: int, secret: bool, rng: random.Random) -> Candidate:
    """A hand-made candidate: a random token (assembled at run time, never a literal) or a placeholder."""
    if secret:
        value = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(28))
    else:
        value = _PLACEHOLDERS[index % len(_PLACEHOLDERS)]
    line = f'api_key = "{value}"'
    return Candidate(path=f"src/service_{index}.py", line=12, column=11, secret=value, rule="generic-api-key",
                     category="generic", line_text=line, context_before=("import os",), context_after=())


def write_rows(path: Path, count: int, seed: int) -> Path:
    """`count` JSONL rows in the `secretscan-train data build` format, alternating yes / no."""
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for index in range(count):
            secret = index % 2 == 0
            cand = candidate(index, secret, rng)
            answer = LABEL_SECRET if secret else LABEL_SAFE
            row = {"messages": to_messages(build_prompt(cand), answer), "label": secret,
                   "meta": {"rule": cand.rule, "category": "synthetic-test", "kind": "python", "hard_negative": False,
                            "source": "synthetic", "secret_hash": cand.secret_hash}}
            handle.write(json.dumps(row) + "\n")
    return path


def make_data(folder: Path, train_rows: int = 24, val_rows: int = 8) -> tuple[Path, Path]:
    return write_rows(folder / "train.jsonl", train_rows, seed=1), write_rows(folder / "val.jsonl", val_rows, seed=2)


def tiny_overrides(run_dir: Path, train: Path, val: Path, **extra: object) -> list[str]:
    """`--set` overrides that point cpu-tiny at test data and keep the run short."""
    values: dict[str, object] = {
        "output_dir": run_dir,
        "data.train": train,
        "data.validation": val,
        "training.max_steps": 8,
        "training.eval_steps": 2,
        "training.save_steps": 2,
        "training.logging_steps": 1,
        **extra,
    }
    return [f"{key}={value}" for key, value in values.items()]


def tagged_lines(log: Path, tag: str) -> list[dict[str, str]]:
    """The fields of every `[TAG] key=value ...` line of a run log with this tag."""
    found = []
    for line in log.read_text(encoding="utf-8").splitlines():
        parsed = parse_tagged(line)
        if parsed and parsed[0] == tag:
            found.append(parsed[1])
    return found
