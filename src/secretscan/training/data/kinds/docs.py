"""Documentation kinds: Markdown (prose + code blocks) and Jupyter notebooks."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence

from secretscan.training.data.kinds.base import Kind, Out, Rendered, Slot, json_string, path_for
from secretscan.training.data.rand import pick, snake_to_camel
from secretscan.training.data.values import Value

_TITLES = (
    "Getting started",
    "Configuration",
    "Deploying to production",
    "Local development",
    "API usage",
    "Troubleshooting",
)
_PROSE = (
    "Set the following variables before you start the service.",
    "The client reads its credentials from the environment.",
    "You can test the endpoint with curl:",
    "Copy the snippet below into your config file.",
    "Ask the platform team for access if you don't have it yet.",
    "These settings are only used by the nightly job.",
)


def render_markdown(rng: random.Random, slots: Sequence[Slot]) -> Rendered:
    out = Out()
    path = path_for(
        rng,
        ("", "docs/", "docs/guides/", "wiki/", "examples/"),
        ("README", "SETUP", "CONTRIBUTING", "deployment", "configuration", "api", "runbook"),
        ".md",
    )
    out.add(f"# {pick(rng, _TITLES)}", "", pick(rng, _PROSE), "")
    for slot in slots:
        value = slot.value
        if slot.role == "blob":
            out.plant(f"![{pick(rng, ('logo', 'diagram', 'badge'))}]({value.text})", value, value.text)
            out.add("")
            continue
        fence = pick(rng, ("bash", "sh", "yaml", "python", "env", "json", "inline"))
        if value.reference:
            text = pick(rng, ("${N}", "${{{N}}}", "<{n}>")).format(N=value.reference, n=value.reference.lower())
            if text.startswith("<"):
                # `<db_password>` in docs is a placeholder the reader fills in, written as a template.
                text = "$" + value.reference
        else:
            text = value.text
        if fence == "inline":
            out.plant(f"Set `{slot.name}={text}` in your shell profile.", value, text)
        elif slot.role == "header" and fence in ("bash", "sh"):
            out.add(f"```{fence}")
            out.plant(f'curl -H "Authorization: {text}" https://api.example-corp.net/v1/me', value, text)
            out.add("```")
        elif fence in ("bash", "sh", "env"):
            out.add(f"```{fence}")
            out.plant(f"{'export ' if fence != 'env' else ''}{slot.name}={text}", value, text)
            out.add("```")
        elif fence == "yaml":
            out.add("```yaml")
            out.plant(f"{slot.name.lower()}: {text}", value, text)
            out.add("```")
        elif fence == "json":
            out.add("```json")
            out.plant(f'{{ "{snake_to_camel(slot.name)}": {json_string(text)} }}', value, text)
            out.add("```")
        else:
            out.add("```python")
            out.plant(
                f'client = Client({slot.name.lower()}="{text}")'
                if not value.reference
                else f'{slot.name.lower()} = os.environ["{value.reference}"]',
                value,
                text if not value.reference else value.reference,
            )
            out.add("```")
        out.add("", pick(rng, _PROSE), "")
    return out.rendered(path)


_NB_REFS = ('os.environ["{N}"]', 'userdata.get("{N}")', 'getpass.getpass("{n}: ")', 'dotenv_values(".env")["{N}"]')


def render_notebook(rng: random.Random, slots: Sequence[Slot]) -> Rendered:
    """An .ipynb file, written line by line so each source line of a cell is one line of the file."""
    out = Out()
    path = path_for(
        rng,
        ("", "notebooks/", "analysis/", "research/"),
        ("exploration", "eval", "train", "demo", "scratch", "pipeline-debug"),
        ".ipynb",
    )
    blobs = [s for s in slots if s.role == "blob"]
    sources: list[tuple[str, Slot | None, str]] = [("import os", None, ""), ("import pandas as pd", None, "")]
    for slot in slots:
        value = slot.value
        if slot.role == "blob":
            continue
        if value.reference:
            expr = pick(rng, _NB_REFS).format(N=value.reference, n=value.reference.lower())
            # Inside the JSON file the quotes are escaped; the planted text is the escaped form.
            sources.append((f"{slot.name.lower()} = {expr}", slot, json.dumps(expr)[1:-1]))
        else:
            sources.append((f'{slot.name.lower()} = "{value.text}"', slot, json.dumps(value.text)[1:-1]))
    out.add(
        "{",
        ' "cells": [',
        "  {",
        '   "cell_type": "code",',
        '   "execution_count": 1,',
        '   "metadata": {},',
        '   "outputs": [],',
        '   "source": [',
    )
    for i, (code, owner, text) in enumerate(sources):
        last = i == len(sources) - 1
        line = f"    {json.dumps(code if last else code + chr(10))}{'' if last else ','}"
        if owner is None:
            out.add(line)
        else:
            out.plant(line, owner.value, text)
    out.add("   ]", "  }" + ("," if blobs else ""))
    if blobs:
        # A plot in the outputs: notebooks store the image as bare base64, without the data: URL prefix.
        blob = blobs[0].value
        body = blob.text.split(",", 1)[1]
        out.add(
            "  {",
            '   "cell_type": "code",',
            '   "execution_count": 2,',
            '   "metadata": {},',
            '   "outputs": [',
            "    {",
            '     "output_type": "display_data",',
            '     "metadata": {},',
            '     "data": {',
        )
        out.plant(f'      "image/png": "{body}"', Value(body, False, blob.category, blob.detail), body)
        out.add("     }", "    }", "   ],", '   "source": ["df.plot()"]', "  }")
    out.add(
        " ],",
        ' "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},',
        ' "nbformat": 4,',
        ' "nbformat_minor": 5',
        "}",
    )
    return out.rendered(path)


KINDS = (
    Kind("markdown", render_markdown, ("id", "public", "blob", "benign")),
    Kind("notebook", render_notebook, ("id", "blob", "benign")),
)
