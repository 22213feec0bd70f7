"""The scanning path never imports the training stack, and `secretscan --help` loads no model backend.

Each check runs in a fresh interpreter: in this process other tests may already have imported anything.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


def test_a_judged_scan_that_the_scorer_settles_imports_neither_numpy_nor_llama_cpp(tmp_path: Path) -> None:
    # The pre-commit hook's usual case: the cheap scorer settles every candidate, so no model is loaded, and the
    # scorer reads its weights without numpy (its import alone is 0.1-0.15 s of a 0.3 s hook).
    source = tmp_path / "settings.py"
    source.write_text('DB_PASSWORD = "Zq8-rT4v-wX2m-Lp9s"\nsecret_key = "changeme"\n', encoding="utf-8")
    loaded = imported_after(
        "from pathlib import Path\n"
        "from secretscan import api\n"
        "from secretscan.config import Config\n"
        "from secretscan.inference.factory import make_judge\n"
        "config = Config()\n"
        f"result = api.scan_paths([Path({str(source)!r})], config, make_judge(config, print))\n"
        "assert (result.stats.settled, result.stats.judged) == (2, 0), result.stats\n"
    )
    assert "secretscan" in loaded and loaded.isdisjoint({*TRAINING_STACK, "numpy", "llama_cpp", "gguf"})
