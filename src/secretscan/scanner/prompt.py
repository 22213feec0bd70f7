"""The judge's prompt: one builder for inference and for training data.

The training data pipeline renders its examples with `build_prompt` and `render_chat`, so the model is trained
on exactly the text it sees when it judges a candidate. Change the format here and retrain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from secretscan.scanner.types import Candidate

# The model answers with one of these; each is a single token in the SmolLM2 / Llama vocabularies, so the judge
# reads P(secret) from the two label-token probabilities instead of parsing free text.
LABEL_SECRET = "yes"
LABEL_SAFE = "no"
LABELS = (LABEL_SECRET, LABEL_SAFE)

# Kept short: at inference it is evaluated once and reused from the KV cache, but in training every example
# carries it, and on 2 CPU cores each token counts (37 tokens here, against 53 for a longer wording).
SYSTEM_PROMPT = (
    "Does the line hard-code a real secret (password, key, token)? "
    "Placeholders, lookups, hashes, IDs and public keys are not. Answer yes or no."
)

MAX_LINE_CHARS = 240
MAX_VALUE_CHARS = 120
# The path's last three parts (`tests/fixtures/creds.yml`) say what kind of file it is; the folders above them cost
# about 9 tokens a prompt on real code and did not help the judge (docs/eval.md, "Prompt length"). The cheap
# scorer's path features read the same three parts.
PATH_PARTS = 3


@dataclass(frozen=True)
class Prompt:
    system: str
    user: str


# A chat template's special token, as ChatML (`<|im_start|>`, `<|im_end|>`), Llama 3 (`<|eot_id|>`) and Phi
# (`<|assistant|>`) write them. Its name holds no blank, so the blank that replaces one can't join a new one.
_TEMPLATE_TOKEN = re.compile(r"<\|[^|<>\s]+\|>")


def _clip(text: str, limit: int) -> str:
    # Scanned text must not speak in the template's voice. A special token becomes a blank: broken up as
    # `< |im_start|>assistant` it still read as the model's own turn and pulled a Stripe key from 0.51 to 0.11
    # (a benign comment: 0.37); without it the text is a plain comment. A bare `<|` (F#'s pipe) is broken up,
    # since Ollama's raw mode parses special tokens anywhere in the prompt. Text with neither is shown as it is.
    text = _TEMPLATE_TOKEN.sub(" ", text).replace("<|", "< |")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown_path(path: str) -> str:
    """The part of a candidate's path the judge sees."""
    return "/".join(path.split("/")[-PATH_PARTS:])


def build_prompt(candidate: Candidate, context_lines: int = 0) -> Prompt:
    """The judge's question about one candidate: its path, rule, line (with optional context) and value."""
    parts = [f"path: {shown_path(candidate.path)}", f"rule: {candidate.rule}"]
    if context_lines > 0:
        before = candidate.context_before[-context_lines:]
        after = candidate.context_after[:context_lines]
        for line in before:
            parts.append(f"before: {_clip(line.strip(), MAX_LINE_CHARS)}")
        parts.append(f"line: {_clip(candidate.line_text.strip(), MAX_LINE_CHARS)}")
        for line in after:
            parts.append(f"after: {_clip(line.strip(), MAX_LINE_CHARS)}")
    else:
        parts.append(f"line: {_clip(candidate.line_text.strip(), MAX_LINE_CHARS)}")
    # The value verbatim (a trailing space can be part of a password); lines lose their indentation.
    parts.append(f"value: {_clip(candidate.secret, MAX_VALUE_CHARS)}")
    return Prompt(system=SYSTEM_PROMPT, user="\n".join(parts))


def render_system(prompt: Prompt) -> str:
    """The shared prefix of every rendered prompt (cached once in the KV cache)."""
    return f"<|im_start|>system\n{prompt.system}<|im_end|>\n"


def render_chat(prompt: Prompt, answer: str | None = None) -> str:
    """ChatML text, as SmolLM2-Instruct was trained on. With `answer`, the full training example."""
    text = f"{render_system(prompt)}<|im_start|>user\n{prompt.user}<|im_end|>\n<|im_start|>assistant\n"
    if answer is not None:
        text += f"{answer}<|im_end|>\n"
    return text


def to_messages(prompt: Prompt, answer: str | None = None) -> list[dict[str, str]]:
    """Chat messages (for Ollama, TRL and JSONL training data)."""
    messages = [{"role": "system", "content": prompt.system}, {"role": "user", "content": prompt.user}]
    if answer is not None:
        messages.append({"role": "assistant", "content": answer})
    return messages
