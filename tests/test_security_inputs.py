"""Hardening: no input makes a scan pass silently. Real files in tmp dirs, real git repositories, the real CLI.

Each test here is a row of docs/security.md: an input or a fault, and what secretscan does with it.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import secret_samples as samples
from repo_helpers import git
from repo_helpers import no_inherited_git_env, stage, write_files  # noqa: F401 (an autouse fixture)

from secretscan.cli import main
from secretscan.hooks.pre_commit import main as hook_main

RULES_ONLY = 'backend = "none"\n'
TOKEN = samples.github_token()
MASKED = TOKEN[:2] + "…" + TOKEN[-2:]


@pytest.fixture
def repo(git_repo: Path) -> Path:
    """A repository with one commit and a rules-only config: the judge plays no part in these tests."""
    (git_repo / ".secretscan.toml").write_text(RULES_ONLY)
    git("add", ".", cwd=git_repo)
    git("commit", "-qm", "init", cwd=git_repo)
    return git_repo


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert TOKEN not in out + err
    assert "Traceback" not in err
    return code, out, err


def findings(out: str) -> list[tuple[str, int]]:
    return [(f["path"], f["line"]) for f in json.loads(out)["findings"]]


# ---------------------------------------------------------------- size


def big_python_file(megabytes: float) -> str:
    """Harmless lines up to about `megabytes`, then a token on the last line."""
    lines = int(megabytes * 1_000_000 / 6)
    return "x = 1\n" * lines + f'TOKEN = "{TOKEN}"\n'


def test_a_token_at_the_end_of_a_staged_2_4_mb_file_blocks_the_commit(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    names = stage(repo, {"big.py": big_python_file(2.4)})
    assert hook_main(names) == 1
    out, err = capsys.readouterr()
    assert "big.py:400001:10  github-pat" in out and TOKEN not in out + err
    code, out, _ = run(capsys, "hook", "big.py")
    assert code == 1 and "big.py:400001:10" in out
    code, out, _ = run(capsys, "scan", "--staged", "--format", "json")
    assert code == 1 and findings(out) == [("big.py", 400001)]


def test_a_token_at_the_end_of_a_10_mb_file_is_found_at_its_line(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_files(repo, {"dump.sql": big_python_file(10.2)})
    code, out, err = run(capsys, "scan", "dump.sql", "--format", "json")
    assert code == 1, err
    assert findings(out) == [("dump.sql", 1700001)]
    assert json.loads(out)["stats"]["files_scanned"] == 1


# ---------------------------------------------------------------- encodings and binary-looking text


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "utf-32"])
def test_a_utf16_powershell_script_is_scanned_as_text(repo: Path, capsys: pytest.CaptureFixture[str], encoding: str) -> None:
    write_files(repo, {"deploy.ps1": f'Write-Host "deploy"\r\n$token = "{TOKEN}"\r\n'.encode(encoding)})
    code, out, err = run(capsys, "scan", "--format", "json")
    assert code == 1, err
    assert findings(out) == [("deploy.ps1", 2)]
    names = stage(repo, {"deploy.ps1": (repo / "deploy.ps1").read_bytes()})
    assert hook_main(names) == 1  # git calls it binary and shows no added lines: it is judged whole
    assert "deploy.ps1:2:11" in capsys.readouterr().out


def test_a_config_whose_first_line_holds_a_nul_byte_is_scanned_as_text(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_files(repo, {"service.conf": b"\x00\n" + f"GITHUB_TOKEN={TOKEN}\n".encode()})
    code, out, err = run(capsys, "scan", "--format", "json")
    assert code == 1, err
    assert findings(out) == [("service.conf", 2)]
    names = stage(repo, {"service.conf": (repo / "service.conf").read_bytes()})
    assert hook_main(names) == 1


def test_latin1_text_is_decoded_not_replaced(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_files(repo, {"legacy.ini": f"[caf\xe9]\ntoken = {TOKEN}\n".encode("latin-1")})
    code, out, _ = run(capsys, "scan", "--format", "json")
    assert code == 1 and findings(out) == [("legacy.ini", 2)]


def test_real_binaries_are_skipped_and_counted(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from binary_samples import png_bytes, zip_bytes

    write_files(
        repo,
        {
            "logo.png": png_bytes(),
            "bundle.zip": zip_bytes(text=f"GITHUB_TOKEN={TOKEN}\n" * 50),  # deflated: no text to read
            "tool": Path(sys.executable).resolve().read_bytes()[:65536],
        },
    )
    code, out, err = run(capsys, "scan", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["stats"]["files_skipped_binary"] == 3
    assert "3 binary" in err


# ---------------------------------------------------------------- long lines


def minified_json(value: str) -> str:
    document = {f"key{i}": f"value-{i:07d}" for i in range(48_000)}
    document["deploy"] = value
    return json.dumps(document, separators=(",", ":"))


def test_a_token_in_a_1_3_mb_minified_json_line_is_found(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_files(repo, {"bundle.json": minified_json(TOKEN)})
    assert 1_200_000 < (repo / "bundle.json").stat().st_size < 1_500_000
    code, out, _ = run(capsys, "scan", "bundle.json", "--format", "json")
    assert code == 1 and findings(out) == [("bundle.json", 1)]


def test_a_private_key_in_a_minified_json_line_is_found(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_files(repo, {"bundle.json": minified_json(samples.private_key_block())})
    code, out, _ = run(capsys, "scan", "bundle.json", "--format", "json")
    assert code == 1 and findings(out) == [("bundle.json", 1)]


# ---------------------------------------------------------------- formats that already worked, checked


def test_a_token_printed_in_a_notebook_output_is_found(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cell = {
        "cell_type": "code",
        "execution_count": 1,
        "metadata": {},
        "source": ["import os\n", "print(os.environ['GH_TOKEN'])\n"],
        "outputs": [{"name": "stdout", "output_type": "stream", "text": [TOKEN + "\n"]}],
    }
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    write_files(repo, {"analysis.ipynb": json.dumps(notebook, indent=1)})
    code, out, _ = run(capsys, "scan", "--format", "json")
    assert code == 1 and findings(out) == [("analysis.ipynb", 16)]


def test_kubernetes_secret_data_in_base64_is_reported(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    encoded = base64.b64encode(samples.database_password().encode()).decode()
    manifest = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  password: {encoded}\n"
    write_files(repo, {"k8s/secret.yaml": manifest})
    code, out, _ = run(capsys, "scan", "--format", "json")
    assert code == 1 and findings(out) == [("k8s/secret.yaml", 7)]
    assert encoded not in out


def test_dotenv_values_are_reported(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_files(repo, {".env": f"GITHUB_TOKEN={TOKEN}\nDB_PASSWORD={samples.database_password()}\nDEBUG=true\n"})
    code, out, _ = run(capsys, "scan", "--format", "json")
    assert code == 1 and findings(out) == [(".env", 1), (".env", 2)]
    assert samples.database_password() not in out


def test_docker_config_auths_are_reported(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    auth = base64.b64encode(b"deploy:" + samples.database_password().encode()).decode()
    config = {"auths": {"registry.example.com": {"auth": auth}}}
    write_files(repo, {".docker/config.json": json.dumps(config, indent=2)})
    code, out, _ = run(capsys, "scan", "--format", "json")
    assert code == 1 and findings(out) == [(".docker/config.json", 4)]
    assert auth not in out


# ---------------------------------------------------------------- odd files and faults


def test_an_empty_file_is_scanned_and_clean(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_files(repo, {"empty.py": ""})
    code, out, _ = run(capsys, "scan", "empty.py", "--format", "json")
    assert code == 0 and json.loads(out)["stats"]["files_scanned"] == 1


def test_a_symlink_loop_is_not_followed_in_a_folder_and_an_error_when_named(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "loop").symlink_to("loop")
    write_files(repo, {"ok.py": "x = 1\n"})
    code, _, err = run(capsys, "scan", ".")
    assert code == 0, err
    code, out, err = run(capsys, "scan", "loop")
    assert code == 2 and out == ""
    assert err == "secretscan: error: can't read loop: too many levels of symbolic links\n"


def test_a_fifo_is_never_opened_and_said_to_be_skipped(repo: Path) -> None:
    """Reading a FIFO with no writer would block forever: the scan must finish, and say what it left out."""
    os.mkfifo(repo / "pipe")
    write_files(repo, {"ok.py": "x = 1\n"})
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    done = subprocess.run(
        [sys.executable, "-m", "secretscan", "scan", ".", "pipe"], cwd=repo, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "warning: 1 unreadable file(s) skipped (permissions, special files)" in done.stdout


def test_a_path_with_a_newline_is_reported_on_one_escaped_line(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_files(repo, {"odd\nname.env": f"TOKEN={TOKEN}\n"})
    code, out, _ = run(capsys, "scan", "--no-color")
    assert code == 1
    assert "odd\\nname.env:1:7  github-pat" in out.splitlines()[0]
    code, out, _ = run(capsys, "scan", "--format", "json")
    assert findings(out) == [("odd\nname.env", 1)]


@pytest.fixture
def unprivileged_dir() -> Iterator[Path]:
    """A folder another user can enter (pytest's tmp folders are private to the user running the tests)."""
    folder = Path(tempfile.mkdtemp(prefix="secretscan-perm-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def scan_without_root(folder: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """`secretscan scan` in `folder`, as `nobody` when the tests run as root (root reads any file)."""
    command = [sys.executable, "-m", "secretscan", "scan", *argv]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: file permissions can't be enforced")
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "SECRETSCAN_CACHE_DIR": str(folder / ".cache")}
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=120)


def test_a_file_that_cant_be_read_is_an_error_not_a_silent_pass(unprivileged_dir: Path) -> None:
    write_files(unprivileged_dir, {".secretscan.toml": RULES_ONLY, "ok.py": "x = 1\n", "private.env": f"TOKEN={TOKEN}\n"})
    (unprivileged_dir / "private.env").chmod(0)
    done = scan_without_root(unprivileged_dir, ".")
    assert done.returncode == 2
    assert done.stderr == "secretscan: error: can't read private.env: permission denied\n"


# ---------------------------------------------------------------- exit codes


@pytest.mark.parametrize(
    ("argv", "toml", "code", "message"),
    [
        pytest.param(["scan", "ok.py"], RULES_ONLY, 0, "", id="clean"),
        pytest.param(["scan", "leak.env"], RULES_ONLY, 1, "", id="findings"),
        pytest.param(["scan", "--bogus"], RULES_ONLY, 2, "No such option", id="usage"),
        pytest.param(["scan", "ok.py"], "bogus = 1\n", 2, ".secretscan.toml: unknown key(s) bogus", id="config"),
        pytest.param(["scan", "leak.env", "--backend", "llama-cpp", "--model", "missing.gguf"], "", 2, "secretscan: error: model file not found: missing.gguf", id="model"),
        pytest.param(["scan", "nope.py"], RULES_ONLY, 2, "secretscan: error: nope.py: no such file or directory", id="input"),
    ],
)
def test_exit_codes(repo: Path, capsys: pytest.CaptureFixture[str], argv: list[str], toml: str, code: int, message: str) -> None:
    (repo / ".secretscan.toml").write_text(toml)
    write_files(repo, {"ok.py": "x = 1\n", "leak.env": f"TOKEN={TOKEN}\n"})
    got, out, err = run(capsys, *argv)
    assert got == code, out + err
    assert message in err
    errors = [line for line in err.splitlines() if line.startswith("secretscan: error:")]
    assert len(errors) == (1 if code == 2 and "option" not in message else 0)
