"""Keyword assignments in every syntax we claim, and the name classifier behind them."""

from __future__ import annotations

import pytest

from secretscan.scanner.candidates import find_candidates
from secretscan.scanner.rules.keywords import FileKind, file_syntax
from secretscan.scanner.rules.names import classify_name, name_words
from secretscan.scanner.types import ScanUnit


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("password", "password"),
        ("DB_PASSWORD", "password"),
        ("dbPass", "password"),
        ("ROOT_PW", "password"),
        ("spring.datasource.password", "password"),
        ("passwd", "password"),
        ("adminpassword", "password"),
        ("db_password_prod", "password"),
        ("password2", "password"),
        ("requirepass", "password"),
        ("api_key", "secret"),
        ("apiKey", "secret"),
        ("APIKEY", "secret"),
        ("x-api-key", "secret"),
        ("client_secret", "secret"),
        ("SECRET_KEY_BASE", "secret"),
        ("authToken", "secret"),
        ("access_token", "secret"),
        ("GITHUB_TOKEN", "secret"),
        ("credentials", "secret"),
        ("private_key", "secret"),
        ("basic_auth", "secret"),
        ("Authorization", "secret"),
        ("REQUEST_SIGNING_SECRET", "secret"),
        ("process.env.JWT_SECRET", "secret"),
        ("_authToken", "secret"),
        ("PresharedKey", "secret"),
        ("IMGPROXY_SALT", "secret"),
        ("CSRF_SECRET", "secret"),
        ("TOTP_SEED", "secret"),
        ("TWO_FACTOR_SEED", "secret"),
        ("totpSecretSeed", "secret"),
        ("SEED_PHRASE", "secret"),
        ("HASH_SALT", "secret"),
        ("PASSWORD_SALT", "secret"),
        ("FERNET_KEY", "secret"),
        ("FERNET_KEYS", "secret"),
        ("FIELD_ENCRYPTION_KEY", "secret"),
        ("ENCRYPTION_KEY_B64", "secret"),
        ("SIGNING_SECRET", "secret"),
    ],
)
def test_secret_names(name: str, kind: str) -> None:
    assert classify_name(name) == kind


@pytest.mark.parametrize(
    "name",
    [
        "password_field",
        "PASSWORD_MIN_LENGTH",
        "token_type",
        "token_url",
        "tokenizer",
        "pad_token",
        "eos_token",
        "next_token",
        "cache_key",
        "sort_key",
        "primary_key",
        "key",
        "secretary",
        "bypass",
        "compass",
        "show_password",
        "password_policy",
        "aws_access_key_id",
        "secret_name",
        "public_key",
        "csrf_token",
        "token_scores",
        "auth_origin",
        "AUTH_USER_MODEL",
        "existingSecret",
        "image_token",
        "user",
        "passport",
        "max_tokens",
        "tokens",
        "PasswordHasher",
        "RANDOM_SEED",
        "seed",
        "SALT_ROUNDS",
        "ENCRYPTION_KEY_ID",
        "sort_keys",
        "phrase",
        "password_fields",
    ],
)
def test_names_that_are_not_secrets(name: str) -> None:
    assert classify_name(name) is None


def test_name_words_split_separators_and_camel_case() -> None:
    assert name_words("DB_PASSWORD2") == ["db", "password"]
    assert name_words("apiKey") == ["api", "key"]
    assert name_words("HTTPAuthToken") == ["http", "auth", "token"]
    assert name_words("x-api-key") == ["x", "api", "key"]
    assert name_words("KEY_B64") == ["key", "b64"]  # an encoding, not a counter


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("app.py", FileKind.CODE),
        ("main.tf", FileKind.CODE),
        ("README", FileKind.DOCS),
        ("README.md", FileKind.DOCS),
        (".env", FileKind.CONFIG),
        ("Dockerfile", FileKind.CONFIG),
        ("config/app.yaml", FileKind.CONFIG),
        ("deploy.sh", FileKind.CONFIG),
    ],
)
def test_file_kinds(path: str, kind: FileKind) -> None:
    assert file_syntax(path).kind is kind


# (path, text, the value that must be the secret, rule)
POSITIVES = [
    ("app.py", 'password = "hunter2x"', "hunter2x", "generic-password"),
    ("app.py", 'client = Client(api_key="k3y-abc-123")', "k3y-abc-123", "generic-secret"),
    ("app.py", 'config = {"secret": "s3cr3t-v4lue", "debug": True}', "s3cr3t-v4lue", "generic-secret"),
    ("app.py", 'if password == "letmein99":', "letmein99", "generic-password"),
    ("app.py", 'os.environ["API_TOKEN"] = "tok-98765"', "tok-98765", "generic-secret"),
    ("app.py", 'def connect(password: str = "default-pw1"):', "default-pw1", "generic-password"),
    ("app.py", "SECRET_KEY = b'bytes-s3cret'", "bytes-s3cret", "generic-secret"),
    ("app.py", 'os.environ.setdefault("DB_PASSWORD", "py-pw-7")', "py-pw-7", "generic-password"),
    ("app.js", 'const apiKey = "abc123def456";', "abc123def456", "generic-secret"),
    ("app.ts", "const cfg = { password: 'ts-pw-1' };", "ts-pw-1", "generic-password"),
    ("app.ts", "const token = `ts-tok-2`;", "ts-tok-2", "generic-secret"),
    ("login.spec.ts", "await page.fill('#password', 'viewer-pass-2024');", "viewer-pass-2024", "generic-password"),
    ("main.go", 'password := "gopher-pw-1"', "gopher-pw-1", "generic-password"),
    ("main.go", 'cfg := Config{Password: "gopher-pw-2"}', "gopher-pw-2", "generic-password"),
    ("App.java", 'dataSource.setPassword("java-pw-1");', "java-pw-1", "generic-password"),
    ("App.java", 'String password = "java-pw-2";', "java-pw-2", "generic-password"),
    ("App.kt", 'val password: String = "kotlin-pw-1"', "kotlin-pw-1", "generic-password"),
    ("app.rb", "@password = 'ruby-pw-1'", "ruby-pw-1", "generic-password"),
    ("app.rb", 'redis = Redis.new(password: "ruby-pw-2")', "ruby-pw-2", "generic-password"),
    ("index.php", "define('DB_PASSWORD', 'php-pw-1');", "php-pw-1", "generic-password"),
    ("index.php", "$password = 'php-pw-2';", "php-pw-2", "generic-password"),
    ("index.php", "    'password' => 'php-pw-3',", "php-pw-3", "generic-password"),
    ("Program.cs", 'var password = @"cs-pw-1";', "cs-pw-1", "generic-password"),
    ("config.yaml", "password: yaml-pw-1", "yaml-pw-1", "generic-password"),
    ("config.yaml", '  api_key: "yaml-key-2"', "yaml-key-2", "generic-secret"),
    ("deploy.yaml", "env:\n  - name: DB_PASSWORD\n    value: k8s-pw-1\n", "k8s-pw-1", "generic-password"),
    ("config.json", '{"password": "json-pw-1"}', "json-pw-1", "generic-password"),
    (".env", "DB_PASSWORD=env-pw-1", "env-pw-1", "generic-password"),
    (".env", "export GITHUB_TOKEN=env-tok-2", "env-tok-2", "generic-secret"),
    ("settings.ini", "password = ini-pw-1", "ini-pw-1", "generic-password"),
    ("app.properties", "spring.datasource.password=prop-pw-1", "prop-pw-1", "generic-password"),
    ("settings.xml", "<server><password>xml-pw-1</password></server>", "xml-pw-1", "generic-password"),
    ("web.config", '<add key="ApiKey" value="xml-key-2" />', "xml-key-2", "generic-secret"),
    ("Dockerfile", "ENV API_TOKEN=docker-tok-1", "docker-tok-1", "generic-secret"),
    ("Dockerfile", "ENV DB_PASSWORD docker-pw-2", "docker-pw-2", "generic-password"),
    ("Dockerfile", "ARG NPM_TOKEN=docker-tok-3", "docker-tok-3", "generic-secret"),
    ("deploy.sh", "mysql -uroot -pShell-pw-1 app", "Shell-pw-1", "generic-password"),
    ("deploy.sh", "app-cli login --password shell-pw-2", "shell-pw-2", "generic-password"),
    ("deploy.sh", "curl -u admin:curl-pw-3 https://api.internal/v1", "curl-pw-3", "generic-password"),
    ("deploy.sh", 'sshpass -p "ssh-pw-4" ssh deploy@host', "ssh-pw-4", "generic-password"),
    ("deploy.sh", 'curl -H "X-Api-Key: hdr-key-5a" https://api', "hdr-key-5a", "generic-secret"),
    ("deploy.sh", 'curl -H "Authorization: Bearer tok123abc456def" https://api', "tok123abc456def", "http-auth-header"),
    ("requests.http", "Authorization: Basic dXNlcjpwYXNzd29yZDEy", "dXNlcjpwYXNzd29yZDEy", "http-auth-header"),
    ("main.tf", 'password = "tf-pw-1"', "tf-pw-1", "generic-password"),
    ("main.tf", '  administrator_login_password = "tf-pw-2"', "tf-pw-2", "generic-password"),
    ("README.md", "export API_TOKEN=md-tok-1", "md-tok-1", "generic-secret"),
    ("README.md", "- Wi-Fi password: `Violet-Guest-2025`", "Violet-Guest-2025", "generic-password"),
    ("seed.sql", "CREATE USER app WITH PASSWORD 'sql-pw-1';", "sql-pw-1", "generic-password"),
    ("seed.sql", "ALTER USER app IDENTIFIED BY 'sql-pw-2';", "sql-pw-2", "generic-password"),
    # The credential-file layer (rules/credential_files.py) names these by their file's format.
    (".pgpass", "db.internal:5432:app:app:pg-pw-1", "pg-pw-1", "pgpass-password"),
    ("netrc", "machine ci.internal login ci password netrc-pw-1", "netrc-pw-1", "netrc-password"),
    ("redis.conf", "requirepass redis-pw-1", "redis-pw-1", "generic-password"),
    (".npmrc", "//registry.npmjs.org/:_authToken=npmrc-tok-1", "npmrc-tok-1", "generic-secret"),
    ("nb.ipynb", '    "ftp_password = \\"P@ssword1\\"\\n",', "P@ssword1", "generic-password"),
    ("Client.java", '        .appSecret("75oszuay-jtmylbuctgb2igwy")', "75oszuay-jtmylbuctgb2igwy", "generic-secret"),
    (
        "main.tf",
        '  auth_header = "Token fd75d9e917b5740bbc2e2aa0b01b8694892ba3c3"',
        "fd75d9e917b5740bbc2e2aa0b01b8694892ba3c3",
        "http-auth-header",
    ),
    ("Api.java", '  static final String H = "Basic YXBpOlZpY3RvcjIxNzEh";', "YXBpOlZpY3RvcjIxNzEh", "http-auth-header"),
    ("SETUP.md", "client_secret: live_AqmuQlP4gH2ZWcPhrGwDtOQ8", "live_AqmuQlP4gH2ZWcPhrGwDtOQ8", "generic-secret"),
    (".env", "TOTP_SEED=8ljhznaxzmtv5mh7+89q!kkg_4^h=q36s", "8ljhznaxzmtv5mh7+89q!kkg_4^h=q36s", "generic-secret"),
    ("compose.yml", "      - JWT_SIGNING_KEY=o9l!q4*ctug(0ki^0p", "o9l!q4*ctug(0ki^0p", "generic-secret"),
    ("ci.yml", '  HASH_SALT: "django-insecure-5d2+5qy!3(z(ta"', "django-insecure-5d2+5qy!3(z(ta", "generic-secret"),
    ("Dockerfile", "ARG CSRF_SECRET=0v0j36=g*q*_=g!=-lvk", "0v0j36=g*q*_=g!=-lvk", "generic-secret"),
    (
        "app.cfg",
        "ingest_key: 65dcdf4bd7794e4627f0c0b273e297e85278a1ae",
        "65dcdf4bd7794e4627f0c0b273e297e85278a1ae",
        "generic-secret",
    ),
    (
        "k8s/secret.yaml",
        "kind: Secret\ndata:\n  MONGODB_URI: cG9zdGdyZXM6Ly9yb290\n",
        "cG9zdGdyZXM6Ly9yb290",
        "kubernetes-secret",
    ),
    (
        "seed.py",
        'User.objects.create_superuser("admin", "a@b.example", "Walnut!Quartz!82")',
        "Walnut!Quartz!82",
        "generic-password",
    ),
]


@pytest.mark.parametrize(("path", "text", "secret", "rule"), POSITIVES, ids=[f"{p[0]}:{p[2]}" for p in POSITIVES])
def test_keyword_forms(path: str, text: str, secret: str, rule: str) -> None:
    found = [(c.secret, c.rule) for c in find_candidates(ScanUnit(path, text + "\n"))]
    assert (secret, rule) in found, found


NEGATIVES = [
    ("app.py", "password = get_password()"),
    ("app.py", "token = tokens[0]"),
    ("app.py", "def login(password: str) -> None:"),
    ("app.py", 'if token == "with":'),
    ("app.py", 'STYLES = {Token: "#ffffff", Token.Keyword: "bold"}'),
    ("app.py", 'pad_token = "<pad>"'),
    ("app.py", 'token_type = "bearer"'),
    ("app.py", 'token_str = " happiness"'),
    ("app.py", 'if header in ("authorization", "x-api-key"):'),
    ("app.py", "# cached token: `get_token()` may refresh"),
    ("app.ts", "const password = process.env.DB_PASSWORD;"),
    ("docs.md", "Use the --password option to set it."),
    ("docs.md", "The password: is required."),
    ("compose.yml", "MYSQL_PASSWORD: ${MYSQL_PASSWORD:?set it in .env}"),
    ("values.yaml", "existingSecret: payments-db"),
    ("values.yaml", "password: !vault |"),
    ("config.yaml", "password: *default_password"),
    ("run.sh", "echo $TOKEN | docker login --password-stdin"),
    ("docs.py", "    Set the string for the record identified by 'nameID'."),
    ("app.cfg", "cache_key: user_profile_v2"),
    ("NOTES", "Token expired"),
    ("LICENSE", "password: required"),
    ("k8s/config.yaml", "kind: ConfigMap\ndata:\n  LOG_LEVEL: debug\n---\nkind: Secret\nmetadata:\n  name: x\n"),
    ("README.md", "The api_key: must be set before you start."),
    ("app.py", 'csrf_token = "abc123def456"'),
    ("k8s/secret.yaml", "kind: Secret\nstringData:\n  username: orders\n  host: db.internal\n"),
    ("ansible.cfg", "stripe_webhook_secret=lookup('env', 'STRIPE_WEBHOOK_SECRET')"),
]


@pytest.mark.parametrize(("path", "text"), NEGATIVES, ids=[n[1][:40] for n in NEGATIVES])
def test_not_keyword_assignments(path: str, text: str) -> None:
    assert [(c.rule, c.secret) for c in find_candidates(ScanUnit(path, text + "\n"))] == []
