"""`library()` imports llama-cpp-python's ctypes bindings alone, and the package stays whole for anyone else.

Each check runs in a fresh interpreter: in this process the judge tests have imported the library already.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "secretscan"
# What the package's `__init__` pulls in through `llama.py`, and the bindings don't need.
HIGH_LEVEL = ("llama_cpp.llama", "llama_cpp.llama_chat_format", "numpy", "jinja2")


def run_python(code: str, path: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if path is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(path), *filter(None, [env.get("PYTHONPATH")])])
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)


def last_json(done: subprocess.CompletedProcess[str]) -> dict[str, object]:
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def used_names() -> set[str]:
    """Every `llama.<name>` that secretscan's inference code calls on the module `library()` returns."""
    names = set()
    for source in (SRC / "inference").glob("*.py"):
        names.update(re.findall(r"\bllama\.([A-Za-z_]\w*)\(?", source.read_text(encoding="utf-8")))
    return {name for name in names if name.startswith(("llama_", "LLAMA_"))}


def test_the_judge_imports_the_bindings_without_the_high_level_api() -> None:
    done = run_python(
        "import json, sys\n"
        "from secretscan.inference.llama_cpp import library\n"
        "llama = library()\n"
        f"names = {sorted(used_names())!r}\n"
        "print(json.dumps({'module': llama.__name__, 'loaded': [m for m in %r if m in sys.modules],\n"
        "                  'missing': [n for n in names if not hasattr(llama, n)], 'count': len(names)}))\n"
        % (HIGH_LEVEL,)
    )
    result = last_json(done)
    assert result["module"] == "llama_cpp.llama_cpp"
    assert result["loaded"] == []
    assert result["missing"] == [] and isinstance(result["count"], int) and result["count"] > 20


def test_a_later_import_of_the_package_gets_all_of_it() -> None:
    # A training tool in the same process wants `llama_cpp.Llama`: the bare package runs its `__init__` then,
    # reusing the bindings already loaded.
    done = run_python(
        "import json, sys\n"
        "from secretscan.inference.llama_cpp import library\n"
        "llama = library()\n"
        "import llama_cpp\n"
        "from llama_cpp import Llama\n"
        "try:\n"
        "    llama_cpp.no_such_name\n"
        "    missing = 'found'\n"
        "except AttributeError as error:\n"
        "    missing = str(error)\n"
        "print(json.dumps({'same': llama_cpp.llama_cpp is llama, 'llama': Llama is llama_cpp.llama.Llama,\n"
        "                  'version': llama_cpp.__version__, 'quantize': hasattr(llama_cpp, 'llama_model_quantize'),\n"
        "                  'missing': missing}))\n"
    )
    result = last_json(done)
    assert result["same"] and result["llama"] and result["quantize"]
    assert isinstance(result["version"], str) and result["version"]
    assert result["missing"] == "module 'llama_cpp' has no attribute 'no_such_name'"


def test_a_package_imported_before_is_used_as_it_is() -> None:
    done = run_python(
        "import json, llama_cpp\n"
        "from secretscan.inference.llama_cpp import library\n"
        "print(json.dumps({'same': library() is llama_cpp.llama_cpp}))\n"
    )
    assert last_json(done) == {"same": True}


# A package laid out the other way: its bindings need what its `__init__` set up. The stand-in bindings declare
# the three calls `library()` makes.
FAKE_INIT = "import os\nos.environ['FAKE_LLAMA_READY'] = '1'\nfrom .llama_cpp import *\n"
FAKE_BINDINGS = (
    "import ctypes, os\n"
    "READY = os.environ['FAKE_LLAMA_READY']\n"
    "llama_log_callback = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)\n"
    "def llama_log_set(callback, user_data): pass\n"
    "def llama_backend_init(): pass\n"
)


def test_a_package_whose_bindings_need_its_init_is_imported_the_plain_way(tmp_path: Path) -> None:
    package = tmp_path / "llama_cpp"
    package.mkdir()
    (package / "__init__.py").write_text(FAKE_INIT, encoding="utf-8")
    (package / "llama_cpp.py").write_text(FAKE_BINDINGS, encoding="utf-8")
    done = run_python(
        "import json, sys\n"
        "from secretscan.inference.llama_cpp import library\n"
        "llama = library()\n"
        "print(json.dumps({'file': llama.__file__, 'ready': llama.READY,\n"
        "                  'whole': sys.modules['llama_cpp'].llama_cpp is llama}))\n",
        path=tmp_path,
    )
    assert last_json(done) == {"file": str(package / "llama_cpp.py"), "ready": "1", "whole": True}


def test_a_module_in_place_of_the_package_is_an_import_error(tmp_path: Path) -> None:
    (tmp_path / "llama_cpp.py").write_text("", encoding="utf-8")
    done = run_python("from secretscan.inference.llama_cpp import library\nlibrary()\n", path=tmp_path)
    assert done.returncode == 1
    assert "ModuleNotFoundError: No module named 'llama_cpp.llama_cpp'; 'llama_cpp' is not a package" in done.stderr
