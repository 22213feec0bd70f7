"""False-positive filters: each one drops its own kind of harmless value and nothing that could be a secret.

Precision is the point: every filter is run against the same list of real-looking secrets, weak passwords
included (the labelling policy: a weak hard-coded password is still a hard-coded password).
"""

from __future__ import annotations

import base64
import random
import string
from collections.abc import Callable

import pytest

from secretscan.scanner import filters
from secretscan.scanner.types import Candidate


def rand(charset: str, n: int, seed: str = "") -> str:
    rng = random.Random(f"{seed}{n}")
    return "".join(rng.choice(charset) for _ in range(n))


A62 = string.ascii_letters + string.digits
# Values a filter must never call harmless.
REAL = [
    "hunter2",
    "testpassword",
    "SomePassword",
    "client",
    "devpass",
    "rootpass",
    "secret",
    "qa2-password",
    "Walnut!Quartz!82",
    "correct horse battery staple",
    "jest-jwt-secret",
    "$ecr3t",
    "p@ssw0rd",
    "Lantern-Harbor-57",
    "K3-:F!eNMyzU_E1+",
    "Token ae03874f446fb2216683c6842a8e7202cf8224ab",
    "lm#%pHp%s.#DhL5+",
    "+Zx9!q-Lp2",
    "z?ts=96omLOFSzr=rGAg6+",
    rand(A62, 32, "a"),
    rand(A62 + "+/", 40, "b"),
    rand("0123456789abcdef", 32, "c"),
    rand(A62, 20, "d") + "==",
    "sk" + "_live_" + rand(A62, 24, "e"),
    "iucSURoiu8Dri+6N8bR2ofRw6bh+A2mzpau0uX8a8b8=",
    "/" + rand(A62 + "+/", 42, "slash") + "=",
    "+" + rand(A62 + "+/", 42, "plus") + "=",
    "Tr0ub4.*dor&3",
    base64.b64encode(b"svc-reporting:Harbor-Quartz").decode(),
]

VALUE_FILTERS: dict[str, tuple[Callable[[str], bool], list[str]]] = {
    "too_short": (filters.is_too_short, ["", "abc", "  x "]),
    "non_value": (
        filters.is_non_value,
        ["true", "None", "null", "undefined", "string", "#f8f8f2", "Bearer", "Negotiate"],
    ),
    "placeholder": (
        filters.is_placeholder,
        [
            "your-api-key-here",
            "your_api_key",
            "<your token>",
            "<password>",
            "xxxxxxxx",
            "sk_live_xxxxxxxxxxxxxxxx",
            "********",
            "REDACTED",
            "[REDACTED]",
            "replace_me",
            "generate-with-openssl-rand-hex-32",
            "TODO",
            "...",
            "stored-in-keychain",
            "configured_in_ci",
            "PROVIDED_BY_VAULT",
            "injected_at_deploy_time",
            "ask_platform_ops",
            "from-the-team-vault",
            "per_environment",
            "do-not-commit",
            "NOT_SET_YET",
            "TO_BE_PROVIDED",
            "rotate-and-fill",
            "AK" + "IA0000000000000000",
        ],
    ),
    "template": (
        filters.is_template,
        [
            "${DB_PASSWORD}",
            "${{ secrets.TOKEN }}",
            "$DB_PASSWORD",
            "$(cat /run/secrets/pw)",
            "{{ .Values.password }}",
            "{{ vault_db_password }}",
            "%(password)s",
            "%s",
            "%DB_PASS%",
            "@DB_PASS@",
            "__PASSWORD__",
            "#{password}",
            "<%= ENV['X'] %>",
            "{password}",
            "{0}",
            "prefix-{token}-suffix",
            "(%s)|(%s)",
        ],
    ),
    "env_lookup": (
        filters.is_env_lookup,
        [
            'os.environ["DB_PASSWORD"]',
            "os.getenv('TOKEN')",
            "process.env.API_KEY",
            "ENV['SECRET']",
            'System.getenv("PW")',
            "import.meta.env.VITE_KEY",
            "env('APP_KEY')",
        ],
    ),
    "secret_reference": (
        filters.is_secret_reference,
        [
            "vault:secret/data/db#password",
            "!vault",
            "$ANSIBLE_VAULT;1.1;AES256",
            "ENC[AES256_GCM,data:abc=,iv:x]",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
            "{{resolve:secretsmanager:db:SecretString}}",
            "op://vault/item/password",
            "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/x)",
            "projects/acme/secrets/db-password/versions/latest",
            "secret:app_key",
            "env:DD_API_KEY",
            "$env:NODE_AUTH_TOKEN",
            "infisical:USER_PASSWORD",
            "$secrets.registry_password",
            "((secrets.mail_password))",
            "<<secrets.mysql_root_password>>",
            "$[secrets.passwordSalt]",
            "!secret rabbitmq_default_pass",
        ],
    ),
    "names_a_secret": (
        filters.names_a_secret,
        [
            "DB_PASSWORD",
            "access_token",
            "settings.API_KEY",
            "myApiKey",
            "hf_oauth__refresh_token",
            "Neues Passwort",
            "Forgot password?",
            "Contraseña",
            "Enter your password:",
            "Password:",
            "app_secret: ",
        ],
    ),
    "code_expression": (
        filters.is_code_expression,
        ["get_token()", 'vault.read("db/password")', "pw()", " + access_key + ", " . $pw . "],
    ),
    "sequential": (
        filters.is_sequential,
        [
            "abcdef",
            "123456",
            "0123456789abcdefABCDEF",
            "qwerty",
            "aaaaaa",
            "abcabcabc",
            "987654",
            "ABCDEFGHIJKLMNOP",
            "123456789012345678901234567890e5",
        ],
    ),
    "regex": (
        filters.is_regex,
        [
            r"[^\W\d]\w*",
            r"(?=\s|#|[)\]]|$)",
            r"\d{4,}",
            r"^sk_live_.*$",
            r"([0-9a-f]{64})",
            r"[a-z0-9]+",
            r"(a)|(b)",
            ".*password.*",
            r"^.*token$",
        ],
    ),
    "prose": (
        filters.is_prose,
        ["Use a User Access Token instead.", "the password for the admin user", "will be replaced"],
    ),
    "uuid": (filters.is_uuid, ["123e4567-e89b-12d3-a456-426614174000", "E36F954E-3844-4170-ADB5-446A35000000"]),
    "encoded_file": (filters.is_encoded_file, ["iVBORw0KGgoAAAANSUhEUgAA", "/9j/4AAQSkZJRgABAQ", "R0lGODlhAQABAIAAAP"]),
    "path": (
        filters.is_path,
        [
            "/etc/ssl/private/server.key",
            "./secrets/token.txt",
            "~/.ssh/id_rsa",
            "C:\\keys\\app.pfx",
            "config/keys/prod_key.pem",
            "path/to/some/module",
            "/var/lib/docker/overlay2/" + rand("0123456789abcdef", 64, "layer"),
        ],
    ),
    "weak_default": (
        filters.is_weak_default,
        [
            "changeme",
            "change-me",
            "dummy-token",
            "example_secret",
            "sample-key",
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "sk_test_mock",
            "fake-token",
            "not-a-real-key",
            "notreal",
            "my-secret",
            "my_api_key",
        ],
    ),
    "basic_placeholder": (
        filters.is_placeholder_basic_credential,
        [
            base64.b64encode(credential.encode()).decode()
            for credential in ("user:password", "admin:changeme", "username:<password>", "api:${API_PASSWORD}")
        ],
    ),
    "url": (filters.is_url_without_credentials, ["https://api.example.com/v1/token", "http://localhost:8080/auth"]),
}


@pytest.mark.parametrize("name", VALUE_FILTERS)
def test_value_filter_flags_its_cases(name: str) -> None:
    predicate, harmless = VALUE_FILTERS[name]
    missed = [value for value in harmless if not predicate(value)]
    assert missed == []


@pytest.mark.parametrize("name", VALUE_FILTERS)
def test_value_filter_keeps_real_secrets(name: str) -> None:
    predicate, _ = VALUE_FILTERS[name]
    wrongly_dropped = [value for value in REAL if predicate(value)]
    assert wrongly_dropped == []


def test_url_with_credentials_or_secret_query_is_not_harmless() -> None:
    assert not filters.is_url_without_credentials("https://user:pw@host/x")
    assert not filters.is_url_without_credentials("https://api.example.com/v1?api_key=abc123")


def test_digest_needs_a_prefix_or_a_hash_shaped_value_on_a_hash_line() -> None:
    sha = rand("0123456789abcdef", 64, "sha")
    assert filters.is_digest("sha512-" + rand(A62 + "+/", 86, "i") + "==", '"integrity": "sha512-…"')
    assert filters.is_digest("sha256:" + sha, "image: app@sha256:…")
    assert filters.is_digest("h1:" + rand(A62, 43, "g") + "=", "golang.org/x/text v0.3.0 h1:…")
    assert filters.is_digest("$2b$12$" + rand(A62 + "./", 53, "b"), 'password_hash = "…"')
    assert filters.is_digest(sha, 'checksum = "…"')
    assert not filters.is_digest(sha, 'api_key = "…"')
    assert not filters.is_digest(rand("0123456789abcdef", 30, "x"), 'checksum = "…"')


def test_git_sha_needs_forty_hex_and_a_revision_context() -> None:
    sha = rand("0123456789abcdef", 40, "git")
    assert filters.is_git_sha(sha, f'commit = "{sha}"')
    assert filters.is_git_sha(sha, f"https://github.com/o/r/tree/{sha}")
    assert not filters.is_git_sha(sha, f'api_key = "{sha}"')
    assert not filters.is_git_sha(sha[:32], f'commit = "{sha[:32]}"')


def test_key_repeated() -> None:
    assert filters.is_key_repeated("password", 'password = "password"', 13)
    assert filters.is_key_repeated("PASSWORD", 'DB_PASSWORD = "PASSWORD"', 16)
    assert filters.is_key_repeated("api-key", "api_key: api-key", 10)
    assert filters.is_key_repeated("password", "postgres://user:password@db/app", 17, implicit_key="password")
    assert not filters.is_key_repeated("hunter2", 'password = "hunter2"', 13)
    # user == password in a URL is a (weak) credential, not a placeholder
    assert not filters.is_key_repeated("test", "postgres://test:test@db/app", 17, implicit_key="password")


def test_identifier_and_public_names() -> None:
    value = rand("0123456789abcdef", 40, "blob")
    assert filters.is_identifier_assignment(f'blob_id="{value}"', 10)
    assert filters.is_identifier_assignment(f'  revision: "{value}"', 14)
    assert not filters.is_identifier_assignment(f'signing_key = "{value}"', 16)
    assert filters.is_public_name('export const PUBLIC_VAPID_KEY = "BEy…"', 34)
    assert not filters.is_public_name('PRIVATE_KEY = "…"', 16)


def test_public_key_material() -> None:
    assert filters.is_public_key("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + rand(A62, 40, "s") + " me@host", [])
    assert filters.is_public_key("AAAAB3NzaC1yc2EAAAADAQABAAABAQ" + rand(A62, 40, "r"), [])
    body = "MIIB" + rand(A62, 40, "p")
    assert filters.is_public_key(body, ["-----BEGIN PUBLIC KEY-----", body])
    assert filters.is_public_key("pk" + "_live_" + rand(A62, 24, "pk"), [])
    assert not filters.is_public_key("sk" + "_live_" + rand(A62, 24, "sk"), [])
    # A secret right after a public key block has ended is not part of it.
    after = ["-----BEGIN PUBLIC KEY-----", body, "-----END PUBLIC KEY-----", 'password = "hunter2x"']
    assert not filters.is_public_key("hunter2x", after)


def test_public_der_and_age_recipients() -> None:
    assert filters.is_public_key("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAuU3" + rand(A62, 40, "der"), [])
    assert filters.is_public_key("MCowBQYDK2VwAyEA" + rand(A62, 28, "ed"), [])
    assert filters.is_public_key("age1" + rand("qpzry9x8gf2tvdw0s3jn54khce6mua7l", 58, "age"), [])
    assert not filters.is_public_key("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" + rand(A62, 40, "priv"), [])


def test_pem_markers_left_over_from_a_block_that_was_not_a_key() -> None:
    assert filters.is_pem_marker("-----BEGIN")
    assert not filters.is_pem_marker("BEGIN-----x")


def test_xml_key_names_count_as_the_name() -> None:
    line = '<add key="TWILIO_ACCOUNT_SID" value="AC8276f2a3617d7ec66442704c7d88575f" />'
    assert filters.is_identifier_assignment(line, line.index("AC82") + 1)


def test_kubernetes_references() -> None:
    assert filters.is_kubernetes_reference("- secretKey: password\n  remoteRef:\n    key: prod/db")
    assert filters.is_kubernetes_reference("valueFrom:\n  secretKeyRef:\n    name: db")
    assert not filters.is_kubernetes_reference("kind: Secret\nstringData:\n  password: x")


def test_lock_files_and_minified_assets() -> None:
    for path in ("package-lock.json", "web/yarn.lock", "poetry.lock", "Cargo.lock", "go.sum", "pnpm-lock.yaml"):
        assert filters.is_lock_file(path)
    assert not filters.is_lock_file("locker.py")
    assert filters.is_minified("dist/vendor.min.js")
    assert filters.is_minified("static/app.js.map")
    assert not filters.is_minified("src/admin.js")


def test_documentation_example_lines() -> None:
    assert filters.is_documentation_example('Example: `"66670e5163145ca562cb1988"`')
    assert filters.is_documentation_example('(e.g. "abc")')
    assert filters.is_documentation_example('    >>> client = Client(token="abc")')
    assert not filters.is_documentation_example('curl -H "X-Api-Key: k" https://staging.acme.example/v2')
    assert not filters.is_documentation_example('create_user("ops", "ops@acme.example", "pw")')


def _candidate(secret: str, line: str, rule: str = "generic-password", path: str = "app/settings.py") -> Candidate:
    column = line.rindex(secret) + 1  # the value, not a key of the same spelling
    return Candidate(path=path, line=1, column=column, secret=secret, rule=rule, category="password", line_text=line)


@pytest.mark.parametrize(
    ("secret", "line", "rule", "path", "reason"),
    [
        ("${DB_PASSWORD}", "password: ${DB_PASSWORD}", "generic-password", "app.yaml", "template"),
        (
            rand(A62, 40, "z"),
            f'"resolved": "{rand(A62, 40, "z")}"',
            "high-entropy-string",
            "package-lock.json",
            "lock_file",
        ),
        (
            "123e4567-e89b-12d3-a456-426614174000",
            'x = "123e4567-e89b-12d3-a456-426614174000"',
            "high-entropy-string",
            "ids.py",
            "uuid",
        ),
    ],
)
def test_harmless_reason_names_the_first_matching_filter(
    secret: str, line: str, rule: str, path: str, reason: str
) -> None:
    assert filters.harmless_reason(_candidate(secret, line, rule, path)) == reason


@pytest.mark.parametrize(
    ("secret", "line", "path", "sign"),
    [
        ("password", 'password = "password"', "app.py", "key_repeated"),
        ("changeme", "DB_PASSWORD=changeme", ".env", "weak_default"),
        ("abcdefgh", 'token = "abcdefgh"', "app.py", "sequential"),
    ],
)
def test_judgement_calls_are_weak_signs_not_filters(secret: str, line: str, path: str, sign: str) -> None:
    candidate = _candidate(secret, line, "generic-password", path)
    assert filters.harmless_reason(candidate) is None
    assert filters.weak_sign(candidate) == sign


def test_harmless_reason_keeps_real_candidates() -> None:
    for secret in REAL:
        line = f'DB_PASSWORD = "{secret}"'
        assert filters.harmless_reason(_candidate(secret, line)) is None, secret


def test_shape_filters_spare_vendor_formats() -> None:
    # A UUID is harmless as a bare high-entropy string, but a Heroku API key *is* a UUID.
    uuid = "123e4567-e89b-12d3-a456-426614174000"
    line = f'HEROKU_API_KEY = "{uuid}"'
    assert filters.harmless_reason(_candidate(uuid, line, rule="heroku-api-key")) is None
    assert filters.harmless_reason(_candidate(uuid, f'x = "{uuid}"', rule="high-entropy-string")) == "uuid"
