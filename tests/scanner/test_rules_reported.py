"""What the candidate stage reports end to end: `find_candidates`, then `harmless_reason`, on real lines.

Each case pairs lines that must reach the judge with near misses that must stay quiet, so a rule that is widened
to catch the first can't start catching the second.
"""

from __future__ import annotations

import base64
import random
import string

import pytest

from secretscan.scanner.candidates import find_candidates
from secretscan.scanner.filters import harmless_reason, weak_sign
from secretscan.scanner.types import ScanUnit

A62 = string.ascii_letters + string.digits
HEX = "0123456789abcdef"


def rand(charset: str, n: int, seed: str) -> str:
    rng = random.Random(f"{seed}{n}")
    return "".join(rng.choice(charset) for _ in range(n))


def reported(path: str, text: str) -> list[tuple[str, str]]:
    """(rule, value) of every candidate the filters keep with no weak sign (those reach the judge at a prior
    below the threshold, so rules only they stay quiet)."""
    kept = [c for c in find_candidates(ScanUnit(path, text)) if harmless_reason(c) is None and weak_sign(c) is None]
    return [(c.rule, c.secret) for c in kept]


def basic(credential: str) -> str:
    return base64.b64encode(credential.encode()).decode()


TOKEN = rand(A62, 32, "token")
DRF_TOKEN = rand(HEX, 40, "drf")
B64_KEY = "/" + rand(A62 + "+/", 42, "slash") + "="
PUBLIC_BODY = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + rand(A62, 20, "der")

# (path, text, the candidates that must be reported)
REPORTED = [
    # 1. A public key on a line before a secret does not make the secret public.
    (
        ".env",
        f"PUBLIC_KEY=-----BEGIN PUBLIC KEY-----{PUBLIC_BODY}\nPRIVATE_TOKEN={TOKEN}\n",
        [("generic-secret", TOKEN)],
    ),
    (
        "config/jwt.yaml",
        f'public_key: "-----BEGIN PUBLIC KEY-----\n  {PUBLIC_BODY}\n"\nsigning_secret: {TOKEN}\n',
        [("generic-secret", TOKEN)],
    ),
    # 2. `Token <key>` (Django REST framework, GitHub's old style) is an auth header, its key the secret.
    (
        "deploy.sh",
        f'curl -H "Authorization: Token {DRF_TOKEN}" https://api.internal/v1/',
        [("http-auth-header", DRF_TOKEN)],
    ),
    ("client.rb", f"req['Authorization'] = 'Token token=\"{DRF_TOKEN}\"'", [("http-auth-header", DRF_TOKEN)]),
    ("sync.py", f'GITHUB_HEADER = "token {DRF_TOKEN}"', [("http-auth-header", DRF_TOKEN)]),
    # 3. A base64 key may start with "/" or "+": it is not a path, and nothing of it is cut.
    ("settings.py", f'SECRET_KEY = "{B64_KEY}"', [("generic-secret", B64_KEY)]),
    (".env", f"ENCRYPTION_KEY=+{B64_KEY[1:]}", [("generic-secret", "+" + B64_KEY[1:])]),
    ("crypto.py", f'KEYS = ["{B64_KEY}"]', [("high-entropy-string", B64_KEY)]),
    # 4. Regex punctuation inside a password is part of the password.
    ("settings.py", 'DB_PASSWORD = "Tr0ub4.*dor&3"', [("generic-password", "Tr0ub4.*dor&3")]),
    ("config.yaml", "password: 'q7.*Lp2!vX'", [("generic-password", "q7.*Lp2!vX")]),
    # 5. Basic auth: the base64 credential itself.
    (
        "requests.http",
        f"Authorization: Basic {basic('svc-reporting:Harbor-Quartz')}",
        [("http-auth-header", basic("svc-reporting:Harbor-Quartz"))],
    ),
    (
        "client.py",
        f'headers = {{"Authorization": "Basic {basic("deploy:kQzvRtLmWpXn")}"}}',
        [("http-auth-header", basic("deploy:kQzvRtLmWpXn"))],
    ),
    # ... also when its base64 happens to have no digit
    (
        "client.py",
        f'auth = "Basic {basic("lantern:basalt-BASALT")}"',
        [("http-auth-header", basic("lantern:basalt-BASALT"))],
    ),
    # 6. JSON-escaped source in a notebook cell.
    (
        "explore.ipynb",
        '    "    \\"password\\": \\"s3cr3t-Harbor-91\\",\\n",',
        [("generic-password", "s3cr3t-Harbor-91")],
    ),
    ("fixtures/login.json", '{"body": "{\\"api_key\\": \\"' + TOKEN + '\\"}"}', [("generic-secret", TOKEN)]),
    # 7. Java/Kotlin setters and builders, also when the literal is converted on the way in.
    ("Db.java", 'ds.setPassword("Tr0ub4dor-Harbor".toCharArray());', [("generic-password", "Tr0ub4dor-Harbor")]),
    ("Db.java", '    .dbPassword("Tr0ub4dor-Harbor")', [("generic-password", "Tr0ub4dor-Harbor")]),
    ("Client.kt", f'val client = Client.builder().apiKey("{TOKEN}").build()', [("generic-secret", TOKEN)]),
    ("Keys.kt", 'store.setKeyPassword("Lantern-Harbor-57".toByteArray())', [("generic-password", "Lantern-Harbor-57")]),
    # 8. Secret names: encryption keys and their variants, seeds, salts, signing secrets.
    ("settings.py", f'FIELD_ENCRYPTION_KEY = "{TOKEN}"', [("generic-secret", TOKEN)]),
    (".env", f"FERNET_KEYS={TOKEN}", [("generic-secret", TOKEN)]),
    (".env", f"ENCRYPTION_KEY_B64={TOKEN}", [("generic-secret", TOKEN)]),
    (".env", f"TOTP_SECRET_SEED={TOKEN}", [("generic-secret", TOKEN)]),
    (".env", f"TWO_FACTOR_SEED={TOKEN}", [("generic-secret", TOKEN)]),
    (
        "wallet.env",
        'SEED_PHRASE="harbor quartz lantern yarrow basalt"',
        [("generic-secret", "harbor quartz lantern yarrow basalt")],
    ),
    ("app.ts", f'const hashSalt = "{TOKEN}";', [("generic-secret", TOKEN)]),
    (
        ".env",
        f"CSRF_SECRET={TOKEN}\nPASSWORD_SALT={TOKEN}x\n",
        [("generic-secret", TOKEN), ("generic-secret", TOKEN + "x")],
    ),
    # Rust: a typed constant.
    ("src/auth.rs", f'const FALLBACK_JWT_SECRET: &str = "{TOKEN}";', [("generic-secret", TOKEN)]),
    ("src/auth.rs", f'static API_KEY: &\'static str = "{TOKEN}";', [("generic-secret", TOKEN)]),
]

# (path, text): nothing is reported
QUIET = [
    # 1. Lines of a public key block are still public.
    (
        "keys.js",
        f'const PUBLIC_KEY = "-----BEGIN PUBLIC KEY-----\\n" +\n  "{rand(A62 + "+/", 64, "pem")}\\n" +\n'
        '  "-----END PUBLIC KEY-----";\n',
    ),
    # 2. Header strings without a literal key.
    ("client.py", 'headers = {"Authorization": f"Token {token}"}'),
    ("client.py", 'headers = {"Authorization": "Token %s" % key}'),
    ("client.py", 'req.headers["Authorization"] = "Token " + token'),
    ("README.md", "Authorization: Token <your-api-token>"),
    ("sync.py", 'log.info("token refreshed for user 42")'),
    # 3. Paths are still paths.
    ("settings.py", 'SECRET_KEY_FILE = "/run/secrets/django_key"'),
    ("settings.py", 'SECRET_KEY = "/etc/app/secret.key"'),
    ("docker.py", f'layer = "/var/lib/docker/overlay2/{rand(HEX, 64, "layer")}/diff"'),
    # 4. Regexes are still regexes.
    ("settings.py", 'pattern = ".*password.*"'),
    ("redact.py", 'SENSITIVE = {"password": ".*pass.*", "token": "^.*token$"}'),
    ("forms.py", 'rules = {"password": "^(?=.*\\\\d)(?=.*[A-Z]).{8,}$"}'),
    # 5. Basic auth placeholders and code.
    ("docs.http", f"Authorization: Basic {basic('user:password')}"),
    ("docs.http", f"Authorization: Basic {basic('username:<password>')}"),
    ("client.py", 'headers = {"Authorization": f"Basic {credentials}"}'),
    ("client.py", 'headers = {"Authorization": "Basic " + b64encode(f"{user}:{pw}".encode()).decode()}'),
    # 6. Notebook cells that read the secret at run time.
    ("explore.ipynb", '    "    \\"password\\": os.environ[\\"DB_PASSWORD\\"],\\n",'),
    ("explore.ipynb", '    "    \\"password\\": \\"\\",\\n",'),
    ("explore.ipynb", '    "    \\"password\\": \\"password\\",\\n",'),
    # 7. Setters fed by lookups.
    ("Db.java", 'ds.setPassword(System.getenv("DB_PASS"));'),
    ("Db.java", 'ds.setPassword(props.getProperty("db.password"));'),
    ("Client.kt", "val client = Client.builder().apiKey(config.apiKey()).build()"),
    # Rust: a constant that is not a secret, a borrowed expression.
    ("src/auth.rs", 'const TOKEN_HEADER: &str = "x-auth-token";'),
    ("src/auth.rs", "let secret: &str = &config.jwt_secret;"),
    # 8. Names that only sound like secrets.
    (".env", f"RANDOM_SEED={TOKEN}"),
    (".env", "SALT_ROUNDS=12"),
    (".env", f"ENCRYPTION_KEY_ID={TOKEN}"),
    ("models.py", 'password_field = "password_confirmation"'),
    ("models.py", 'SORT_KEYS = "created_at,updated_at"'),
]


@pytest.mark.parametrize(("path", "text", "expected"), REPORTED, ids=[f"{r[0]}:{r[1][:30]}" for r in REPORTED])
def test_reported(path: str, text: str, expected: list[tuple[str, str]]) -> None:
    assert reported(path, text + "\n") == expected


@pytest.mark.parametrize(("path", "text"), QUIET, ids=[f"{q[0]}:{q[1][:30]}" for q in QUIET])
def test_near_misses_stay_quiet(path: str, text: str) -> None:
    assert reported(path, text + "\n") == []
