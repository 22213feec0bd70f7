"""No network: a scan with each backend opens no connection but the loopback one to the Ollama it was given.

Each scan runs `secretscan scan` in a fresh interpreter with an audit hook (`sys.addaudithook`) that logs every
socket connect, datagram send and name lookup, so nothing in secretscan, llama.cpp's Python binding, the ollama
client or httpx can open a connection unseen. The llama-cpp scan has `scorer = "none"`, so the default judge
really runs (and, the first time in a session, builds its merged model under the same hook).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import secret_samples as samples
from fake_ollama import FakeOllama

# Logs (event, address) as JSON lines to argv[1], then runs the CLI on the rest of argv.
AUDITED_SCAN = """
import json, sys
log = open(sys.argv[1], "a", encoding="utf-8")
WATCHED = {"socket.connect", "socket.sendto", "socket.sendmsg", "socket.getaddrinfo"}

def hook(event, args):
    if event in WATCHED:
        address = args[1] if event.startswith("socket.send") or event == "socket.connect" else args[:2]
        log.write(json.dumps([event, repr(address)]) + "\\n")
        log.flush()

sys.addaudithook(hook)
from secretscan.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """Three files: a token that is certain, a password and a database URL for the judge."""
    root = tmp_path / "tree"
    root.mkdir()
    (root / "release.sh").write_text(f"export GITHUB_TOKEN={samples.github_token('net')}\n")
    (root / "settings.py").write_text(f'DB_PASSWORD = "{samples.database_password("net")}"\n')
    (root / ".env").write_text(f"DATABASE_URL={samples.database_url('net')}\n")
    return root


def audited_scan(tree: Path, config: str) -> tuple[dict[str, object], list[tuple[str, str]]]:
    """Scan `tree` with `config` under the audit hook; (the JSON report's stats, every network event logged)."""
    (tree / ".secretscan.toml").write_text(config)
    log = tree.parent / "network.log"
    log.unlink(missing_ok=True)
    argv = [sys.executable, "-c", AUDITED_SCAN, str(log), "scan", ".", "--format", "json"]
    done = subprocess.run(argv, cwd=tree, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 1, done.stderr  # findings: the token at least
    events = [tuple(json.loads(line)) for line in log.read_text().splitlines()] if log.exists() else []
    return json.loads(done.stdout)["stats"], events


def test_rules_only_opens_no_connection(tree: Path) -> None:
    stats, events = audited_scan(tree, 'backend = "none"\n')
    assert stats["backend"] == "none"
    assert events == []


def test_the_default_llama_cpp_judge_opens_no_connection(tree: Path) -> None:
    stats, events = audited_scan(tree, 'scorer = "none"\n')
    assert stats["backend"] == "llama-cpp" and stats["judged"] == 2  # the model judged both
    assert events == []


def test_ollama_connects_only_to_its_loopback_host(tree: Path, fake_ollama: FakeOllama) -> None:
    asked = len(fake_ollama.requests)
    stats, events = audited_scan(tree, f'backend = "ollama"\nollama_host = "{fake_ollama.host}"\nscorer = "none"\n')
    assert stats["backend"] == "ollama" and stats["judged"] == 2
    assert len(fake_ollama.requests) - asked == 2  # the fake answered both
    host = urlsplit(fake_ollama.host)
    address = repr((host.hostname, host.port))
    allowed = {("socket.connect", address), ("socket.getaddrinfo", address)}
    connects = [event for event in events if event[0] == "socket.connect"]
    assert connects, "the hook saw no connection at all: it is not watching"
    assert set(events) <= allowed, sorted(set(events) - allowed)
