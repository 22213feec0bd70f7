"""Private key blocks, from keys that real tools generate in a temporary directory."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from secretscan.scanner.candidates import find_candidates
from secretscan.scanner.rules.private_keys import body_is_real_key
from secretscan.scanner.types import Candidate, Certainty, ScanUnit

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")


def _run(*args: str, cwd: Path) -> str:
    return subprocess.run(args, cwd=cwd, check=True, capture_output=True, text=True).stdout


def _openssl_key(tmp_path: Path, *args: str) -> str:
    """A key from `openssl <command> [options]` (options after -out: genrsa takes the size last)."""
    command, *options = args
    _run("openssl", command, "-out", "key.pem", *options, cwd=tmp_path)
    return (tmp_path / "key.pem").read_text()


def _only(text: str, path: str = "key.pem") -> Candidate:
    (candidate,) = find_candidates(ScanUnit(path, text))
    return candidate


@needs_openssl
@pytest.mark.parametrize(
    ("args", "header"),
    [
        (("genpkey", "-algorithm", "ed25519"), "PRIVATE KEY"),
        (("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"), "PRIVATE KEY"),
        (("genrsa", "-traditional", "1024"), "RSA PRIVATE KEY"),
        (("ecparam", "-genkey", "-name", "prime256v1", "-noout"), "EC PRIVATE KEY"),
        (("genpkey", "-algorithm", "ed25519", "-aes256", "-pass", "pass:correct-horse"), "ENCRYPTED PRIVATE KEY"),
    ],
    ids=["pkcs8-ed25519", "pkcs8-rsa", "pkcs1-rsa", "sec1-ec", "encrypted-pkcs8"],
)
def test_openssl_keys_are_certain(tmp_path: Path, args: tuple[str, ...], header: str) -> None:
    pem = _openssl_key(tmp_path, *args)
    assert f"-----BEGIN {header}-----" in pem
    candidate = _only(pem)
    assert candidate.rule == "private-key"
    assert candidate.certainty is Certainty.CERTAIN
    assert (candidate.line, candidate.column) == (1, 1)
    assert candidate.secret == pem.strip()


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")
def test_openssh_key_is_certain(tmp_path: Path) -> None:
    _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", "id_test", cwd=tmp_path)
    candidate = _only((tmp_path / "id_test").read_text(), "id_test")
    assert candidate.certainty is Certainty.CERTAIN
    # The public half is public: nothing to report.
    assert find_candidates(ScanUnit("id_test.pub", (tmp_path / "id_test.pub").read_text())) == []


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed")
def test_an_openssh_key_under_another_header_is_certain_and_filler_is_not(tmp_path: Path) -> None:
    """A key pasted under `BEGIN RSA PRIVATE KEY` (a hand-edited header) is still a whole private key."""
    _run("ssh-keygen", "-q", "-t", "rsa", "-b", "1024", "-N", "", "-C", "test", "-f", "id_test", cwd=tmp_path)
    relabelled = (tmp_path / "id_test").read_text().replace("OPENSSH PRIVATE KEY", "RSA PRIVATE KEY")
    assert "-----BEGIN RSA PRIVATE KEY-----" in relabelled
    assert _only(relabelled, "deploy/key.pem").certainty is Certainty.CERTAIN
    filler = "\n".join(["b3BlbnNzaC1rZXktdjEAAAAA" + "A" * 46] * 4)
    assert not body_is_real_key("RSA", filler)


@pytest.mark.skipif(shutil.which("gpg") is None, reason="gpg is not installed")
def test_pgp_private_key_block_is_certain(tmp_path: Path) -> None:
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    gpg = ("gpg", "--homedir", str(home), "--batch", "--pinentry-mode", "loopback", "--passphrase", "")
    _run(*gpg, "--quick-gen-key", "Test <test@example.invalid>", "ed25519", "sign", "never", cwd=tmp_path)
    armored = _run(*gpg, "--armor", "--export-secret-keys", cwd=tmp_path)
    candidate = _only(armored, "secret.asc")
    assert candidate.secret.startswith("-----BEGIN PGP PRIVATE KEY BLOCK-----")
    assert candidate.certainty is Certainty.CERTAIN


@needs_openssl
def test_key_inside_a_json_string_is_a_gcp_service_account_key(tmp_path: Path) -> None:
    pem = _openssl_key(tmp_path, "genpkey", "-algorithm", "ed25519")
    account = {"type": "service_account", "project_id": "acme", "private_key": pem, "client_email": "x@acme.iam"}
    text = json.dumps(account, indent=2)
    candidate = _only(text, "sa.json")
    assert candidate.rule == "gcp-service-account-key"
    assert candidate.category == "cloud"
    assert candidate.certainty is Certainty.CERTAIN
    assert candidate.line == 4


@needs_openssl
def test_key_in_a_minified_line_is_still_found(tmp_path: Path) -> None:
    pem = _openssl_key(tmp_path, "genpkey", "-algorithm", "ed25519").replace("\n", "\\n")
    line = "var a=" + ",".join(f"b{i}=c{i}" for i in range(2000)) + f';var k="{pem}";'
    assert len(line) > 10_000
    candidate = _only(line, "dist/app.js")
    assert candidate.certainty is Certainty.CERTAIN


@needs_openssl
def test_truncated_or_damaged_bodies_are_only_possible(tmp_path: Path) -> None:
    pem = _openssl_key(tmp_path, "genrsa", "-traditional", "1024")
    lines = pem.strip().splitlines()
    truncated = "\n".join([lines[0], lines[1], lines[2], "...", lines[-1]])
    assert _only(truncated).certainty is Certainty.POSSIBLE
    no_end = "\n".join(lines[:-1])
    assert _only(no_end).certainty is Certainty.POSSIBLE


def test_headers_and_placeholders_are_not_keys() -> None:
    parser = 'if line.startswith("-----BEGIN RSA PRIVATE KEY-----"):\n    return parse(line)\n'
    assert find_candidates(ScanUnit("pem.py", parser)) == []
    doc = "-----BEGIN PRIVATE KEY-----\n<paste your key here>\n-----END PRIVATE KEY-----\n"
    assert find_candidates(ScanUnit("README.md", doc)) == []


def test_filler_that_decodes_is_not_a_real_key() -> None:
    filler = "MII" + "A" * 61
    assert not body_is_real_key("RSA", "\n".join([filler] * 10))
    block = "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join([filler] * 10) + "\n-----END RSA PRIVATE KEY-----"
    assert _only(block).certainty is Certainty.POSSIBLE


def test_a_public_key_block_is_not_a_private_key() -> None:
    body = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE" + "q" * 52
    assert find_candidates(ScanUnit("pub.pem", f"-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n")) == []
