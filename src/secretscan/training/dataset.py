"""Training rows (JSONL from `secretscan-train data build`) -> token ids and completion masks for TRL.

The prompt text is `render_chat(Prompt(system, user))`, byte for byte what the judge is given; the completion is
the label and `<|im_end|>`. The tokens match the judge's too: like `inference/llama_cpp.py`, the template parts are
tokenized with ChatML special tokens parsed and the user part (scanned code) without, so a file that contains
`<|im_end|>` can't forge a turn, no BOS is added, and the answer starts on its own token. The rows are handed to
TRL's SFTTrainer in its prompt-completion form (`input_ids` + `completion_mask`), and with
`completion_only_loss=True` TRL sets the labels of every prompt token to -100: the loss is on the answer only.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from secretscan.errors import ConfigError
from secretscan.scanner.prompt import LABEL_SECRET, LABELS, Prompt, render_chat

END_OF_TURN = "<|im_end|>"
# Stands in for the user text when the template is split into its head and tail (never occurs in a template).
_USER_MARKER = "\x00"


@dataclass(frozen=True)
class Example:
    prompt: Prompt
    answer: str

    @property
    def label(self) -> bool:
        return self.answer == LABEL_SECRET

    @property
    def prompt_text(self) -> str:
        """What the judge is given: `render_chat(prompt)`."""
        return render_chat(self.prompt)

    @property
    def completion(self) -> str:
        return f"{self.answer}{END_OF_TURN}"


@dataclass(frozen=True)
class Encoded:
    prompt_ids: list[int]
    completion_ids: list[int]

    def __len__(self) -> int:
        return len(self.prompt_ids) + len(self.completion_ids)

    def record(self) -> dict[str, list[int]]:
        """The row in TRL's tokenized prompt-completion form."""
        return {
            "input_ids": self.prompt_ids + self.completion_ids,
            "completion_mask": [0] * len(self.prompt_ids) + [1] * len(self.completion_ids),
        }


def example_from_messages(messages: Sequence[Any]) -> Example:
    """One training example from system/user/assistant messages; ValueError says what is wrong."""
    roles = [m.get("role") if isinstance(m, dict) else None for m in messages]
    if roles != ["system", "user", "assistant"]:
        raise ValueError(f"messages must be system, user, assistant; got {roles}")
    system, user, answer = (m.get("content") for m in messages)
    if not isinstance(system, str) or not isinstance(user, str):
        raise ValueError("system and user content must be strings")
    if answer not in LABELS:
        raise ValueError(f"assistant answer must be one of {', '.join(LABELS)}; got {answer!r}")
    return Example(Prompt(system=system, user=user), answer)


def read_examples(path: Path) -> list[Example]:
    """Every row of a JSONL file; a bad row is a ConfigError naming the file and line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError(f"data file not found: {path} (build it with `secretscan-train data build`)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read data file {path}: {exc}") from None
    examples = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row: Any = json.loads(line)
            if not isinstance(row, dict) or not isinstance(row.get("messages"), list):
                raise ValueError("a row must be an object with a 'messages' list")
            examples.append(example_from_messages(row["messages"]))
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            raise ConfigError(f"{path}:{number}: {exc}") from None
    if not examples:
        raise ConfigError(f"data file {path} has no rows")
    return examples


def split_validation(examples: Sequence[Example], fraction: float, seed: int) -> tuple[list[Example], list[Example]]:
    """Hold out `fraction` of the rows (at least one), the same rows for the same seed."""
    if len(examples) < 2:
        raise ConfigError("need at least 2 rows to hold out a validation split")
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    held = set(order[: max(1, round(len(examples) * fraction))])
    return [e for i, e in enumerate(examples) if i not in held], [e for i, e in enumerate(examples) if i in held]


def _ids(tokenizer: Any, texts: list[str], *, special: bool) -> list[list[int]]:
    ids: list[list[int]] = tokenizer(texts, add_special_tokens=False, split_special_tokens=not special)["input_ids"]
    return ids


def encode(examples: Sequence[Example], tokenizer: Any) -> list[Encoded]:
    """Token ids of each prompt (as the judge tokenizes it) and of its completion."""
    heads, tails = [], []
    for example in examples:
        head, tail = render_chat(replace(example.prompt, user=_USER_MARKER)).split(_USER_MARKER)
        heads.append(head)
        tails.append(tail)
    head_ids = _ids(tokenizer, heads, special=True)
    user_ids = _ids(tokenizer, [e.prompt.user for e in examples], special=False)
    tail_ids = _ids(tokenizer, tails, special=True)
    completion_ids = _ids(tokenizer, [e.completion for e in examples], special=True)
    return [Encoded(h + u + t, c) for h, u, t, c in zip(head_ids, user_ids, tail_ids, completion_ids, strict=True)]


def drop_overlong(encoded: Sequence[Encoded], max_len: int) -> tuple[list[Encoded], int]:
    """The examples that fit in `max_len` tokens, and how many did not (dropped, not truncated: truncation would
    cut off the answer, or the candidate's value)."""
    kept = [e for e in encoded if len(e) <= max_len]
    return kept, len(encoded) - len(kept)
