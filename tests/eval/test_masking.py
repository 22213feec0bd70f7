"""Error analysis masks every value that could be a credential, and keeps the code around it readable."""

from __future__ import annotations

import pytest

from secretscan.eval.masking import likely_value_masked, mask_text, value_class

SECRETS = (
    "hunter2hunter2", "s3cr3tPass", "Sup3rS3cret", "wJalrXUtnFEMI/K7MDENG/bPxRfiCY", "letmein",
    "correct_horse_battery_staple", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIx.SflKxwRJ", "$ecretP4ss", "mysecretkey",
    "GEZDGNBVGY3TQOJQ", "3c1f09a27be45d60", "0x1f, 0x8b, 0x08, 0x00, 0x9e, 0x4a, 0x71, 0x5c", "QWERTYUIOPASDFGHJKLZX",
    "-12, 87, 3, -128, 44, 9, 101, 6", "Kx8mQ2vTzR4w", "Sandbox-123",
)  # fmt: skip


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ('password = "hunter2hunter2"', 'password = "h…2"'),
        ('{"password": "s3cr3tPass", "user": "bob"}', '{"password": "s…s", "user": "…"}'),
        ("DB_URL=postgres://admin:Sup3rS3cret@db:5432/app", "DB_URL=postgres://admin:S…t@db:5432/app"),
        ('conn = "mysql://root:Sup3rS3cret@localhost/db"', 'conn = "mysql://root:S…t@localhost/db"'),
        ("export AWS_SECRET=wJalrXUtnFEMI/K7MDENG/bPxRfiCY", "export AWS_SECRET=wJ…CY"),
        ('if password == "letmein":', 'if password == "…":'),
        ("mysql -u root -pcorrect_horse_battery_staple", "mysql -u root -p…le"),
        ('curl -H "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIx.SflKxwRJ"', 'curl -H "Au…RJ"'),
        ("pw = '$ecretP4ss'", "pw = '$…s'"),
        ('mac = hmac.new("mysecretkey")', 'mac = hmac.new("m…y")'),
        # A base32 TOTP seed as a call's argument is not an environment variable's name.
        ("totp = ROTP::TOTP.new('GEZDGNBVGY3TQOJQ')", "totp = R…('GE…JQ')"),
        ("seed(QWERTYUIOPASDFGHJKLZX)", "seed(QW…ZX)"),
        # Keys written as numbers: every long hex word, and byte arrays as one run.
        ("long[] KEY = {0x3c1f09a27be45d60L, 0x3c1f09a27be45d60L};", "long[] KEY = …, 0x…0L};"),
        ("key = [0x1f, 0x8b, 0x08, 0x00, 0x9e, 0x4a, 0x71, 0x5c];", "key = …;"),
        ("byte[] k = {-12, 87, 3, -128, 44, 9, 101, 6};", "byte[] k = … 6};"),
        ("retry(3, 5, 10)", "retry(3, 5, 10)"),
        # JSON in a string literal: its escaped quotes don't end the string, so the token inside is masked.
        (r'body = "{\"access_token\":\"Kx8mQ2v\\/TzR4w\"}";', 'body = "{\\…"}";'),
        # A password in free text (a log line, a README sentence).
        ("[DEBUG] Using Sandbox-123 as the password", "[DEBUG] Using S…3 as the password"),
        # References and masks stay readable: they are what a reader needs to see to judge an error.
        ('token = os.environ["GITHUB_TOKEN"]', 'token = os.environ["GITHUB_TOKEN"]'),
        ("key = getenv('APIKEY')", "key = getenv('APIKEY')"),
        ("S3_BUCKET_NAME_FOR_UPLOADS_V2 = bucket()", "S3_BUCKET_NAME_FOR_UPLOADS_V2 = bucket()"),
        ("api_key: ${API_KEY}", "api_key: ${API_KEY}"),
        ("PASS=$DB_PASS", "PASS=$DB_PASS"),
        ("  password: {{ .Values.db.password }}", "  password: {{ .Values.db.password }}"),
        ("DATABASE_PASSWORD_KEY = get_secret()", "DATABASE_PASSWORD_KEY = get_secret()"),
        ('secret = "<your-secret>"', 'secret = "<your-secret>"'),
        ("password: '********'", "password: '********'"),
        ("DEBUG = True", "DEBUG = True"),
        ("token: null", "token: null"),
    ],
)
def test_mask_text(line: str, masked: str) -> None:
    assert mask_text(line) == masked
    assert not any(secret in mask_text(line) for secret in SECRETS)


def test_likely_value_is_the_longest_value_on_the_line_masked() -> None:
    assert likely_value_masked('db.connect(user="app", password="Sup3rS3cret")') == "S…t"
    assert likely_value_masked("api_key: ${API_KEY}") == "…"
    assert likely_value_masked("") == "…"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("${DB_PASSWORD}", "lookup"),
        ("os.environ['X']", "lookup"),
        ("changeme", "placeholder"),
        ("<token>", "placeholder"),
        ("your_api_key_here", "placeholder"),
        ("AKIAIOSFODNN7EXAMPLE", "placeholder"),
        ("", "placeholder"),
        ("3f786850e387550fdab836ed7e6dc881de23001b", "hash-or-id"),
        ("550e8400-e29b-41d4-a716-446655440000", "hash-or-id"),
        (
            "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==",
            "hash-or-id",
        ),
        ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMq", "public"),
        ("hunter2", None),
        ("ghp_16C7e42F292c6912E7710c838347Ae178B4a", None),
    ],
)
def test_value_class(value: str, kind: str | None) -> None:
    assert value_class(value) == kind
