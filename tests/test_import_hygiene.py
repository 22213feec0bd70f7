"""The scanning path never imports the training stack, and `secretscan --help` loads no model backend.

Each check runs in a fresh interpreter: in this process other tests may already have imported anything.
"""

from __future__ import annotations

import json
import subprocess
import sys

TRAINING_STACK = ("torch", "transformers", "peft", "trl")


def imported_after(code: str) -> set[str]:
    """Top-level module names in sys.modules after running `code` in a new interpreter."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{name.split('.')[0] for name in sys.modules}})))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_scanning_path_imports_no_training_stack() -> None:
    loaded = imported_after(
        "import secretscan.hooks, secretscan.hooks.pre_commit, secretscan.hooks.install, secretscan.cli, secretscan.api"
    )
    assert "secretscan" in loaded
    assert loaded.isdisjoint(TRAINING_STACK), loaded & set(TRAINING_STACK)


def test_help_loads_no_backend_and_no_lazy_command() -> None:
    loaded = imported_after(
        "import contextlib, io\n"
        "from secretscan.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['--help']) == 0\n"
        "    assert main(['scan', '--help']) == 0\n"
        "import sys\n"
        "assert 'secretscan.eval' not in sys.modules and 'secretscan.inference.factory' not in sys.modules\n"
    )
    assert loaded.isdisjoint({*TRAINING_STACK, "llama_cpp", "ollama", "numpy", "gguf"})
