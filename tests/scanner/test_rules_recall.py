"""Candidate-stage recall on forms real repositories use (issue #10 item 4): each form is found, its near misses
stay quiet, and the new regexes stay linear on adversarial text. Every value is invented here, at run time."""

from __future__ import annotations

import base64
import random
import string

import pytest
from benchmark_scripts import load_benchmark_script
from secret_samples import private_key_block

from secretscan.scanner.candidates import find_candidates
from secretscan.scanner.filters import harmless_reason
from secretscan.scanner.rules.entropy import looks_random
from secretscan.scanner.rules.names import classify_name
from secretscan.scanner.types import Certainty, ScanUnit

A62 = string.ascii_letters + string.digits
B32 = string.ascii_uppercase + "234567"


def rand(charset: str, n: int, seed: str) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(charset) for _ in range(n))


def kept(path: str, text: str) -> list[tuple[str, str, float]]:
    """(rule, value, prior) of every candidate the certain filters keep."""
    return [(c.rule, c.secret, c.prior) for c in find_candidates(ScanUnit(path, text)) if harmless_reason(c) is None]


def values(path: str, text: str) -> list[str]:
    return [value for _, value, _ in kept(path, text)]


PASSWORD = rand(A62, 12, "pw") + "7"
OTP_SEED = rand(B32, 32, "otp")
DIGITS = "".join(str(i % 10) for i in range(3, 19))


@pytest.mark.parametrize(
    ("path", "text", "secret"),
    [
        # MySQL names the auth plugin before the password.
        ("db/init.sql", f"ALTER USER 'app'@'%' IDENTIFIED WITH caching_sha2_password BY '{PASSWORD}';", PASSWORD),
        # PowerShell parameters, keytool's single-dash options, SecureString literals.
        ("deploy.ps1", f"New-LocalUser -Name ops -Password {PASSWORD} -Verbose", PASSWORD),
        ("build.sh", f"keytool -genkeypair -alias app -keystore app.jks -storepass {PASSWORD}", PASSWORD),
        ("setup.ps1", f"$pw = ConvertTo-SecureString '{PASSWORD}' -AsPlainText -Force", PASSWORD),
        # An argument list in code: the flag, then its value.
        ("CliTest.java", f'String[] argv = {{"--db-password", "{PASSWORD}", "--port", "5432"}};', PASSWORD),
        ("test_cli.py", f'run(["tool", "-storepass", "{PASSWORD}"])', PASSWORD),
        # A flag's value in prose and in code comments may be an identifier, if it has a digit or an underscore.
        ("README.md", f"tool serve --password {PASSWORD}", PASSWORD),
        ("docs/setup.md", "tool serve --jwt-secret purple_walrus_tree \\", "purple_walrus_tree"),
        # Capybara form filling.
        ("spec/features/signup_spec.rb", f'fill_in :user_password, with: "{PASSWORD}"', PASSWORD),
        ("spec/features/login_spec.rb", f"fill_in 'Password', with: '{PASSWORD}'", PASSWORD),
        # One-time-password generators take their base32 seed.
        ("spec/seed_spec.rb", f"gen = ROTP::TOTP.new('{OTP_SEED}', issuer: 'Acme')", OTP_SEED),
        ("tests/test_otp.py", f'totp = pyotp.TOTP("{OTP_SEED}")', OTP_SEED),
        # JSON name/value pairs (Postman collections), on one line and pretty-printed.
        ("api.postman_collection.json", f'{{"key": "password", "value": "{PASSWORD}", "type": "text"}}', PASSWORD),
        ("api.postman_collection.json", f'{{\n  "key": "x-api-key",\n  "value": "{PASSWORD}"\n}}', PASSWORD),
        # VCR cassettes list each header's values under its name.
        ("spec/cassettes/repos.yml", f"    Authorization:\n    - token {PASSWORD}\n", PASSWORD),
        ("spec/cassettes/repos.yml", f"    X-Api-Key:\n    - {PASSWORD}\n", PASSWORD),
        # Glued salts and keys, authorization codes, a counter letter after the secret word.
        ("salts.yml", f"cookiesalt: {rand(A62, 40, 'salt')}", rand(A62, 40, "salt")),
        ("salts.yml", f"cache_nonce_key: {rand(A62, 40, 'nonce')}", rand(A62, 40, "nonce")),
        ("CodeFlowTests.cs", f'const string wantAuthCode = "{rand(A62, 20, "code")}";', rand(A62, 20, "code")),
        ("queue_test.go", f'refreshTokenC := "{rand(A62, 24, "tokc")}"', rand(A62, 24, "tokc")),
        # libpq keyword strings and option lists inside a string literal.
        ("db.py", f'dsn = "host=db port=5432 user=app password={PASSWORD} dbname=orders"', PASSWORD),
        ("db.go", f'dsn := "password={PASSWORD} host=db"', PASSWORD),
        ("mount.py", f'opts = "user=app,password={PASSWORD},vers=3.0"', PASSWORD),
        # A key named only by its vendor, too short for the entropy bar of a bare string.
        ("app.env", f"ACME_KEY={rand(A62, 22, 'acme')}", rand(A62, 22, "acme")),
    ],
)
def test_forms_found(path: str, text: str, secret: str) -> None:
    assert secret in values(path, text)


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("build.sh", "openssl enc -d -aes-256-cbc -in data.enc -pass file:/run/keys/data.pass"),
        ("docs/tls.md", "openssl x509 -req -in server.csr -signkey server.key -out server.crt"),
        ("build.test.ts", "args = ['--secret', 'id=npmrc,src=/tmp/npmrc']"),
        ("README.md", "Pass the -Password parameter to set it."),
        ("cli_test.py", 'argv = ["--password", "--user", "bob"]'),
        ("run.ps1", "Set-Thing -Password $SecurePassword"),
        ("README.md", "tool serve --password PASSWORD"),
        ("docker-compose.yml", "    secrets:\n      - db-password\n"),
        ("openapi.yml", "      petstore_auth:\n      - write:pets\n"),
        ("spec/seed_spec.rb", "gen = ROTP::TOTP.new(seed)"),
        ("sbox.c", "static const uint8_t sbox[16] = {" + ", ".join(f"0x{i:02x}" for i in range(16)) + "};"),
        ("geo.py", "basalt = 'igneous-rock-2'"),
        ("db.py", "conn = connect(host=h, user=u, password=pw_value)"),
        ("db.py", "conn = connect(host=h,user=u,password=pw_value)"),
        ("db.py", 'x = "see password= for details"'),
        ("http.go", 'code := "200"\nerrorCode := "E1234567"'),
    ],
)
def test_near_misses_stay_quiet(path: str, text: str) -> None:
    assert kept(path, text) == []


def test_docs_sample_settings_reach_the_judge_below_the_threshold() -> None:
    """A setting alone on a line of prose or of a comment, its value a plain word: a candidate at a low prior."""
    for path, text in (("README.md", "    password: 838383"), ("auth.go", "//    password: letmein")):
        [(rule, value, prior)] = kept(path, text)
        assert rule == "generic-password" and value == text.split(": ")[1] and prior < 0.5
    # The same words inside a sentence are prose.
    assert kept("README.md", "The password: letmein is what the demo uses") == []
    # A value that looks like one keeps its usual prior.
    [(_, _, prior)] = kept("README.md", f"password: {PASSWORD}")
    assert prior >= 0.5


def test_a_whole_string_parameter_reaches_the_judge_below_the_threshold() -> None:
    token = rand(A62, 20, "body")
    [(rule, value, prior)] = kept("BodyParseTest.java", f'String body = "access_token={token}";')
    assert (rule, value) == ("secret-parameter", token) and prior < 0.5
    # In a query string it is as sure as before.
    [(_, _, prior)] = kept("client.js", f'get("https://api.acme.test/v1?access_token={token}&x=1")')
    assert prior >= 0.5


def test_byte_array_keys() -> None:
    hex_key = ", ".join(f"0x{(i * 37 + 11) % 256:02x}" for i in range(16))
    assert values("aes.c", f"static const uint8_t key[16] = {{{hex_key}}};") == [hex_key]
    decimal = ", ".join(str((i * 53 + 7) % 256) for i in range(16))
    assert values("block_test.go", f"sessKey := wire.BlockKey{{{decimal}}}") == [decimal]
    # Fifteen bytes are not a key.
    short = ", ".join(f"0x{i:02x}" for i in range(15))
    assert values("aes.c", f"uint8_t key[15] = {{{short}}};") == []


def _der_b64(prefix: bytes, seed: str) -> str:
    rng = random.Random(seed)
    return base64.b64encode(prefix + bytes(rng.getrandbits(8) for _ in range(300))).decode()


PKCS1 = _der_b64(b"\x30\x82\x04\xa4\x02\x01\x00\x02\x82\x01\x01\x00", "pkcs1")
PKCS8 = _der_b64(b"\x30\x82\x04\xbd\x02\x01\x00\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01\x05\x00", "pkcs8")
CERTIFICATE = _der_b64(b"\x30\x82\x03\x10\x30\x82\x01\xf8\xa0\x03\x02\x01\x02\x02", "cert")


def test_base64_private_keys_without_armour() -> None:
    assert kept("push_test.go", f"const key = `{PKCS1}`") == [("base64-private-key", PKCS1, 0.8)]
    assert [r for r, _, _ in kept("KeyTest.java", f'String key = "{PKCS8}";')] == ["base64-private-key"]
    # A certificate's DER starts otherwise.
    assert "base64-private-key" not in [r for r, _, _ in kept("CertTest.java", f'String c = "{CERTIFICATE}";')]


def test_base64_of_a_pem_file() -> None:
    pem = private_key_block("b64")
    encoded = base64.b64encode(pem.encode()).decode()
    assert kept("keys_test.go", f"key := `{encoded}`") == [("base64-private-key-pem", encoded, 0.85)]
    public = pem.replace("PRIVATE", "PUBLIC")
    encoded_public = base64.b64encode(public.encode()).decode()
    assert "base64-private-key-pem" not in [r for r, _, _ in kept("keys_test.go", f"pub := `{encoded_public}`")]


def test_a_pem_block_still_wins_over_its_own_body() -> None:
    [candidate] = find_candidates(ScanUnit("keys/server.key", private_key_block("block")))
    assert (candidate.rule, candidate.certainty) == ("private-key", Certainty.CERTAIN)


def test_vendor_formats() -> None:
    mailgun = "key-" + rand(string.ascii_lowercase + string.digits, 32, "mg")
    assert mailgun in values("MailTest.php", f"$client = new Mailer('{mailgun}');")
    # AWS's own documented key IDs hold digits outside base32.
    key_id = "AKIA" + rand(string.ascii_uppercase, 6, "aws") + "8" + rand(string.ascii_uppercase, 9, "aws2")
    assert key_id in values("fixture.rb", f"user_id: '{key_id}'")
    rotating = "xoxe.xoxp-1-" + rand(A62, 60, "slack")
    refresh = "xoxe-1-" + rand(A62, 60, "slack-refresh")
    assert values("notes.txt", f"{rotating}\n{refresh}") == [rotating, refresh]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("cookiesalt", "secret"),
        ("nonce_key", "secret"),
        ("privkey", "secret"),
        ("auth_code", "secret"),
        ("storepass", "password"),
        ("tokenC", "secret"),
        ("basalt", None),
        ("error_code", None),
        ("code", None),
    ],
)
def test_names(name: str, kind: str | None) -> None:
    assert classify_name(name) == kind


def test_short_keys_must_look_random() -> None:
    assert looks_random(rand(A62, 20, "k"))
    assert not looks_random("user_profile_cache_v2")  # words
    assert not looks_random("1234567890123456")  # a number
    assert not looks_random(rand(A62, 12, "short"))


bench = load_benchmark_script("bench_redos.py")
SIZE = 100_000


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("a.c", "k={" + "1," * SIZE),
        ("a.c", "key[1]=" + "k={1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1 " * (SIZE // 40)),
        ("a.py", 'x = ["-aa", ' * (SIZE // 10)),
        ("a.py", 'x = ["--password", "' + "a" * SIZE),
        ("a.ps1", " -password" * (SIZE // 10)),
        ("a.ps1", "-password " + "a" * SIZE + "("),
        ("a.md", "-" * SIZE + "x password: hunter"),
        ("a.md", "// " * (SIZE // 3) + "x password: hunter"),
        ("a.yml", "Authorization:\n- " * (SIZE // 10)),
        ("a.yml", "Authorization:\n- " + "a:" * SIZE + " x"),
        ("a.json", '"key": "password", ' * (SIZE // 20)),
        ("a.json", '"key": "password", "value": "' + "\\a" * SIZE),
        ("a.rb", "TOTP.new('" * (SIZE // 10)),
        ("a.rb", "TOTP.new('" + "A" * SIZE),
        ("a.go", "MIIEpAIBAAK" * (SIZE // 11)),
        ("a.go", "LS0tLS1CRUdJTi" * (SIZE // 14)),
        ("a.go", "xoxe-1-" * (SIZE // 7)),
        ("a.java", '"access_token=' * (SIZE // 14)),
        ("a.rb", "fill_in :password, with: " * (SIZE // 25)),
        # Connection-string lines are read up to 4,000 characters: many lines just under that.
        ("a.py", ('"' + "a password=a" * 320 + "\n") * (SIZE // 3900)),
        ("a.py", ('"' + "a,a," * 970 + "password=x\n") * (SIZE // 3900)),
    ],
)
def test_new_forms_stay_linear(path: str, text: str) -> None:
    with bench.deadline(2.0):
        find_candidates(ScanUnit(path, text))
