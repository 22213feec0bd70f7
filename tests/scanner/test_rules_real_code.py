"""Detectors for what real repositories hold outside `name = value`: parameters in URLs and bodies, SQL and
comment settings, credential constructors, UUIDs and cloud principal IDs. Each case has near misses that must
stay quiet (or, for the low-prior rules, stay below the rules-only threshold)."""

from __future__ import annotations

import random
import string

import pytest

from secretscan.config import Config
from secretscan.engine import scan_units
from secretscan.scanner.candidates import find_candidates
from secretscan.scanner.filters import WEAK_PRIOR, harmless_reason, weak_sign
from secretscan.scanner.types import ScanUnit

A36 = string.ascii_lowercase + string.digits


def rand(charset: str, n: int, seed: str) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(charset) for _ in range(n))


def kept(path: str, text: str) -> list[tuple[str, str]]:
    """(rule, value) of every candidate the certain filters keep."""
    return [(c.rule, c.secret) for c in find_candidates(ScanUnit(path, text)) if harmless_reason(c) is None]


TOKEN = rand(A36, 24, "param")
UUID = "3f2c9a1e-8b7d-4c6e-9f1a-2b3c4d5e6f70"


@pytest.mark.parametrize(
    ("path", "text", "value"),
    [
        ("src/client.js", f'fetch("https://api.acme.test/v1/items?access_token={TOKEN}&scope=repo")', TOKEN),
        ("spec/auth_spec.rb", f"body = 'oauth_token={TOKEN}&oauth_token_secret=x{TOKEN}'", TOKEN),
        ("tests/otp_test.py", f'uri = "otpauth://totp/me?secret={TOKEN.upper()}&issuer=Acme"', TOKEN.upper()),
        ("fixtures/cassette.yml", f"      Cookie: connect.sid=s%3A{TOKEN}", f"s%3A{TOKEN}"),
    ],
)
def test_secret_named_parameters_in_urls_and_bodies(path: str, text: str, value: str) -> None:
    assert ("secret-parameter", value) in kept(path, text)


@pytest.mark.parametrize(
    "text",
    [
        f'fetch("https://api.acme.test/v1/items?client_id={TOKEN}&token_type=bearer")',
        f'link = "/search?page_token_count=3&q={TOKEN}"',
    ],
)
def test_parameters_named_for_something_else_stay_quiet(text: str) -> None:
    assert not [rule for rule, _ in kept("src/app.js", text) if rule == "secret-parameter"]


@pytest.mark.parametrize(
    ("path", "text", "value"),
    [
        ("docs/setup.md", "SQL> ALTER USER reporting IDENTIFIED BY Lantern42;", "Lantern42"),
        ("TROUBLESHOOTING.md", "CREATE ROLE metrics_reader LOGIN PASSWORD quill_88;", "quill_88"),
        ("middleware/auth.go", "//   password: heron_pass42", "heron_pass42"),
        ("Tests/StoreTests.cs", 'var stored = new StoredCredential("ops-bot", "Wombat-7");', "Wombat-7"),
        ("tests/test_sign.py", "nonce = 'k2v8q1z7m3'", "k2v8q1z7m3"),
    ],
)
def test_passwords_outside_assignments(path: str, text: str, value: str) -> None:
    assert value in [v for _, v in kept(path, text)]


def test_code_is_still_code_outside_comments() -> None:
    assert kept("middleware/auth.go", "password := lookupPassword(user)") == []


def test_uuids_and_aws_principal_ids_reach_the_judge_at_a_low_prior() -> None:
    role_id = "AROA" + rand(string.ascii_uppercase + "234567", 17, "role")
    text = f'register(tokenStore, "{UUID}");\n"RoleId": "{role_id}",\n'
    candidates = find_candidates(ScanUnit("src/ids.ts", text))
    assert {(c.rule, c.secret) for c in candidates} == {("uuid", UUID), ("aws-unique-id", role_id)}
    assert all(c.prior < Config().threshold for c in candidates)
    # Rules only, neither is reported: they need the judge's word.
    assert scan_units([ScanUnit("src/ids.ts", text)], Config(backend="none"), None).findings == ()


def test_a_uuid_on_a_line_that_names_no_credential_is_an_identifier() -> None:
    for line in (f'static readonly Guid DocumentsFolder = new Guid("{UUID}");', f'"requestId": "{UUID}",'):
        assert not [c for c in find_candidates(ScanUnit("src/Ids.cs", line)) if c.rule == "uuid"], line


def test_a_uuid_inside_a_longer_token_is_not_a_bare_uuid() -> None:
    assert not [c for c in find_candidates(ScanUnit("a.txt", f"token: x-{UUID}-y")) if c.rule == "uuid"]


@pytest.mark.parametrize(
    ("line", "sign"),
    [
        ("DB_PASSWORD=changeit", "weak_default"),
        ('password: "password"', "key_repeated"),
        ("POSTGRES_PASSWORD=123456", "sequential"),
        ('password: "rsync_password"', "names_a_secret"),
    ],
)
def test_judgement_calls_reach_the_judge_below_the_rules_threshold(line: str, sign: str) -> None:
    candidates = [c for c in find_candidates(ScanUnit("docker-compose.env", line)) if harmless_reason(c) is None]
    assert [weak_sign(c) for c in candidates] == [sign]
    assert scan_units([ScanUnit("docker-compose.env", line)], Config(backend="none"), None).findings == ()
    assert WEAK_PRIOR < Config().threshold


def test_slots_for_a_value_are_still_dropped() -> None:
    for line in ("API_KEY=your-api-key-here", "TOKEN=<token>", "SECRET=xxxxxxxxxxxx", "PASSWORD=REDACTED"):
        candidates = find_candidates(ScanUnit(".env", line))
        assert candidates and all(harmless_reason(c) == "placeholder" for c in candidates), line


def test_a_key_passed_through_a_decoder_to_its_setter() -> None:
    line = 'vault.setEncryptionKey(Base64.decode("Zm9vYmFyYmF6cXV4MTIz"));'
    assert ("generic-secret", "Zm9vYmFyYmF6cXV4MTIz") in kept("src/main/java/VaultConfig.java", line)


B32 = string.ascii_uppercase + "234567"
HEX = "0123456789abcdef"


@pytest.mark.parametrize(
    ("path", "text", "rule", "value"),
    [
        ("nats/user.creds", f"SU{rand(B32, 56, 'nkey')}\n", "nats-nkey-seed", f"SU{rand(B32, 56, 'nkey')}"),
        (".env", f"TWILIO_AUTH_TOKEN={rand(HEX, 32, 'tw')}\n", "twilio-auth-token", rand(HEX, 32, "tw")),
        ("Settings.scala", 'val dbPassword: Option[String] = Some("Pelican-4471")', "generic-password", "Pelican-4471"),
        (
            "keys/signing.jwk.json",
            f'{{"kty": "RSA", "n": "{rand(A36, 40, "n")}", "e": "AQAB", "d": "{rand(A36, 40, "d")}"}}',
            "jwk-private-member",
            rand(A36, 40, "d"),
        ),
    ],
)
def test_formats_that_real_repositories_leak(path: str, text: str, rule: str, value: str) -> None:
    assert (rule, value) in kept(path, text)


def test_a_public_jwk_has_nothing_to_report() -> None:
    text = f'{{"kty": "RSA", "n": "{rand(A36, 40, "n")}", "e": "AQAB", "kid": "{rand(A36, 20, "kid")}"}}'
    assert not [rule for rule, _ in kept("jwks.json", text) if rule == "jwk-private-member"]
