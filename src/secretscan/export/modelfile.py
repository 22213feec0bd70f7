"""Ollama Modelfiles for the exported judge: FROM the merged GGUF, or FROM the base GGUF plus ADAPTER (the LoRA).

The TEMPLATE is our ChatML prompt (`render_chat`) with Ollama's `{{ .System }}` and `{{ .Prompt }}` in place of
the system and user text, so `ollama run` sends the model exactly what a scan sends. (The secretscan Ollama
judge itself posts the fully rendered prompt with `raw`, which bypasses the template.) Greedy decoding of one
token: the answer is `yes` or `no`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from secretscan.errors import ModelError
from secretscan.scanner.prompt import SYSTEM_PROMPT, Prompt, render_chat

STOP_TOKENS = ("<|im_end|>", "<|im_start|>")
PARAMETERS: tuple[tuple[str, str], ...] = (
    ("temperature", "0"),
    ("num_predict", "1"),
    *(("stop", f'"{token}"') for token in STOP_TOKENS),
)
_QUOTES = '"""'
MODELFILE_COMMANDS = ("FROM", "ADAPTER", "TEMPLATE", "SYSTEM", "PARAMETER", "LICENSE", "MESSAGE", "REQUIRES")


def ollama_template() -> str:
    """Our chat format as an Ollama Go template."""
    return render_chat(Prompt(system="{{ .System }}", user="{{ .Prompt }}"))


def _block(text: str) -> str:
    if _QUOTES in text:
        raise ModelError('a Modelfile value cannot contain """')
    return f"{_QUOTES}{text}{_QUOTES}"


def _reference(path: Path, folder: Path) -> str:
    """`path` as the Modelfile should name it: relative to the Modelfile when it sits inside its folder."""
    try:
        relative = os.path.relpath(path.resolve(), folder.resolve())
    except ValueError:  # another drive on Windows
        return str(path.resolve())
    return f"./{Path(relative).as_posix()}" if not relative.startswith("..") else str(path.resolve())


def render_modelfile(model: Path, folder: Path, adapter: Path | None = None, license_text: str | None = None) -> str:
    """A Modelfile (to be written in `folder`) that runs `model`, with `adapter` applied when given."""
    lines = [
        "# secretscan judge: answers yes (a real hard-coded secret) or no. See README.md in this folder.",
        f"FROM {_reference(model, folder)}",
    ]
    if adapter is not None:
        lines.append(f"ADAPTER {_reference(adapter, folder)}")
    lines.append(f"TEMPLATE {_block(ollama_template())}")
    lines.append(f"SYSTEM {_block(SYSTEM_PROMPT)}")
    lines.extend(f"PARAMETER {name} {value}" for name, value in PARAMETERS)
    if license_text:
        lines.append(f"LICENSE {_block(license_text)}")
    return "\n".join(lines) + "\n"


def write_modelfile(out_file: Path, model: Path, adapter: Path | None = None, license_text: str | None = None) -> Path:
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(render_modelfile(model, out_file.parent, adapter, license_text), encoding="utf-8")
    return out_file


@dataclass(frozen=True)
class Directive:
    command: str
    argument: str


def parse_modelfile(text: str) -> list[Directive]:
    """Parse a Modelfile by Ollama's rules: `COMMAND argument` lines, commands case-insensitive, `#` comments,
    and an argument in triple quotes may span lines. Raises ValueError on anything Ollama would reject."""
    directives: list[Directive] = []
    lines = text.splitlines(keepends=True)
    index = 0
    while index < len(lines):
        match = re.match(r"\s*(\S+)[ \t]*(.*)", lines[index], re.DOTALL)
        index += 1
        if match is None or match[1].startswith("#"):
            continue
        command, rest = match[1].upper(), match[2]
        if command not in MODELFILE_COMMANDS:
            raise ValueError(f"line {index}: unknown Modelfile command {match[1]!r}")
        if not rest.startswith(_QUOTES):
            directives.append(Directive(command, rest.strip()))
            continue
        body = rest[len(_QUOTES) :]
        while _QUOTES not in body:
            if index >= len(lines):
                raise ValueError(f"unterminated {_QUOTES} block for {command}")
            body += lines[index]
            index += 1
        value, _, after = body.partition(_QUOTES)
        if after.strip():
            raise ValueError(f"text after the closing {_QUOTES} of {command}")
        directives.append(Directive(command, value))
    return directives
