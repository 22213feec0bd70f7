"""Write the held-out benchmark: benchmarks/heldout/files/... and benchmarks/heldout/labels.jsonl.

    python benchmarks/heldout/make_heldout.py            # regenerate (deterministic: same bytes every time)
    python benchmarks/heldout/make_heldout.py --check    # regenerate into a temp dir and compare with the repo

The dev benchmark (benchmarks/devset/) was looked at while the detectors were debugged, so its scores flatter
them. This corpus was written afterwards, without reading the detectors or their filters, from scenarios the
devset does not have (Flask and FastAPI services with their tests, a Next.js app, Android and iOS builds,
Ansible, Serverless, Pulumi, Airflow, dbt, Hadoop/Spark, Chef/Puppet, Jenkins/Bitbucket/Azure pipelines, Rust,
Elixir, Scala, Postman, systemd, supervisord, HAProxy, shell history, logs…). It is for reporting scores only:
never tune a detector, a filter or the judge on it.

It reuses the devset script's Doc, writer and completeness check, so the format and the "every line a detector
fires on is labelled" guarantee are the same. Labels follow docs/data.md. Every secret here is synthetic: a
random body in a real format. None is a real credential.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import random
import struct
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from secretscan.training.data.providers import provider
from secretscan.training.data.rand import ALNUM, B64URL, DIGITS, LOWER, UPPER, b64_of_bytes, chars, hexs

HERE = Path(__file__).resolve().parent
SEED = 20260214


def _load_devset_script() -> ModuleType:
    path = HERE.parent / "devset" / "make_devset.py"
    spec = importlib.util.spec_from_file_location("make_devset", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"make_heldout: cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    # Its dataclasses resolve their annotations through sys.modules.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


devset = _load_devset_script()
Doc = devset.Doc


class Gen:
    """Value styles of their own: other words, password shapes and providers than the devset's and training's."""

    _WORDS = (
        "falcon copper mosaic thistle anchor biscuit canyon dynamo ferret goblin hazel igloo jasper kettle "
        "lagoon mango nectar otter parsnip quill rocket sparrow tulip umber velvet wombat"
    ).split()
    _SEASONS = ("Spring", "Summer", "Autumn", "Winter")
    _LEET = str.maketrans({"a": "@", "e": "3", "i": "1", "o": "0", "s": "$"})

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    # --- passwords, human and generated -------------------------------------------------------------------------
    def seasonal(self) -> str:
        """The corporate-policy password: Season + year + one symbol."""
        return f"{self.rng.choice(self._SEASONS)}{self.rng.randrange(2019, 2026)}{self.rng.choice('!#$')}"

    def leet(self) -> str:
        word = self.rng.choice(self._WORDS)
        return word.capitalize().translate(self._LEET) + str(self.rng.randrange(1, 999)) + self.rng.choice("!?*")

    def words(self, n: int = 4, sep: str = "-") -> str:
        return sep.join(self.rng.choice(self._WORDS) for _ in range(n))

    def weak(self) -> str:
        return self.rng.choice(self._WORDS) + str(self.rng.randrange(10, 100))

    def strong(self, n: int = 24) -> str:
        """A password-manager password (no quotes or backslashes: it has to survive every file format here)."""
        return chars(self.rng, ALNUM + "!#%&()*+,-.:;<=>?@[]^_{|}~", n)

    def pwgen(self, n: int = 16) -> str:
        return chars(self.rng, ALNUM, n)

    def apple_app_password(self) -> str:
        return "-".join(chars(self.rng, LOWER, 4) for _ in range(4))

    # --- raw material -------------------------------------------------------------------------------------------
    def hex(self, n: int) -> str:
        return hexs(self.rng, n)

    def b64(self, n_bytes: int, urlsafe: bool = False, pad: bool = True) -> str:
        return b64_of_bytes(self.rng, n_bytes, urlsafe, pad)

    def chars(self, alphabet: str, n: int) -> str:
        return chars(self.rng, alphabet, n)

    def digits(self, n: int) -> str:
        return self.rng.choice("123456789") + chars(self.rng, DIGITS, n - 1)

    def uuid(self) -> str:
        h = hexs(self.rng, 32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{self.rng.choice('89ab')}{h[17:20]}-{h[20:]}"

    def sha256(self) -> str:
        return hashlib.sha256(self.rng.randbytes(32)).hexdigest()

    # --- token formats ------------------------------------------------------------------------------------------
    def token(self, name: str) -> str:
        return provider(name).make(self.rng)

    def slack_webhook(self) -> str:
        team, channel = self.chars(UPPER + DIGITS, 10), self.chars(UPPER + DIGITS, 10)
        return f"https://hooks.slack.com/services/T{team}/B{channel}/{self.chars(ALNUM, 24)}"

    def discord_webhook(self) -> str:
        return f"https://discord.com/api/webhooks/{self.digits(19)}/{self.chars(B64URL, 68)}"

    def teams_webhook(self) -> str:
        return (
            f"https://acmecorp.webhook.office.com/webhookb2/{self.uuid()}@{self.uuid()}/IncomingWebhook/"
            f"{self.hex(32)}/{self.uuid()}/V2{self.chars(B64URL, 45)}"
        )

    def azure_client_secret(self) -> str:
        return self.chars(ALNUM, 3) + "8Q~" + self.chars(ALNUM + "_~.-", 34)

    def azure_devops_pat(self) -> str:
        return self.chars(LOWER + "234567", 52)

    def mailgun(self) -> str:
        return f"{self.hex(32)}-{self.hex(8)}-{self.hex(8)}"

    def docker_pat(self) -> str:
        return "dckr_pat_" + self.chars(B64URL, 27)

    def google_oauth_secret(self) -> str:
        return "GOCSPX-" + self.chars(B64URL, 28)

    def mapbox(self, scope: str, user: str) -> str:
        """`pk.` (public) or `sk.` (secret) + base64url JSON naming the account and token + a signature."""
        claims = json.dumps({"u": user, "a": "cl" + self.chars(LOWER + DIGITS, 23)}, separators=(",", ":"))
        return f"{scope}." + base64.urlsafe_b64encode(claims.encode()).decode().rstrip("=") + "." + self.chars(B64URL, 22)

    def basic(self, user: str, password: str) -> str:
        return base64.b64encode(f"{user}:{password}".encode()).decode()

    def jwt(self, claims: dict[str, object], alg: str = "HS256") -> str:
        def seg(obj: object) -> str:
            return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode().rstrip("=")

        signature = self.b64(32 if alg.startswith("HS") else 256, urlsafe=True, pad=False)
        return f"{seg({'alg': alg, 'typ': 'JWT'})}.{seg(claims)}.{signature}"

    # --- key material -------------------------------------------------------------------------------------------
    def rsa_pkcs1(self) -> list[str]:
        return _pem("RSA PRIVATE KEY", bytes.fromhex("308204a40201000282010100") + self.rng.randbytes(1180))

    def ec_pkcs8(self) -> list[str]:
        der = (
            bytes.fromhex("308193020100301306072a8648ce3d020106082a8648ce3d030107047930770201010420")
            + self.rng.randbytes(32)
            + bytes.fromhex("a00a06082a8648ce3d030107a14403420004")
            + self.rng.randbytes(64)
        )
        return _pem("PRIVATE KEY", der)

    def openssh_ed25519(self) -> list[str]:
        def string(data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + data

        public = string(b"ssh-ed25519") + string(self.rng.randbytes(32))
        body = (
            b"openssh-key-v1\x00"
            + string(b"none")
            + string(b"none")
            + string(b"")
            + struct.pack(">I", 1)
            + string(public)
            + string(self.rng.randbytes(136))
        )
        return _pem("OPENSSH PRIVATE KEY", body, width=70)

    def pgp_private_block(self) -> list[str]:
        # 0x94: an old-format secret-key packet; then the armour's CRC24 line.
        body = base64.b64encode(b"\x94" + self.rng.randbytes(900)).decode()
        return [
            "-----BEGIN PGP PRIVATE KEY BLOCK-----",
            "",
            *(body[i : i + 64] for i in range(0, len(body), 64)),
            "=" + self.chars(ALNUM + "+/", 4),
            "-----END PGP PRIVATE KEY BLOCK-----",
        ]

    def ssh_rsa_public(self, comment: str) -> str:
        return f"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ{self.b64(383)[:-1].rstrip('=')} {comment}"


def _pem(label: str, der: bytes, width: int = 64) -> list[str]:
    body = base64.b64encode(der).decode()
    return [
        f"-----BEGIN {label}-----",
        *(body[i : i + width] for i in range(0, len(body), width)),
        f"-----END {label}-----",
    ]


def _key_file(path: str, pem: list[str], label: bool, category: str) -> Doc:
    """A key or certificate file: the BEGIN line carries the label; the body lines are the same material."""
    doc = Doc(path)
    (doc.secret if label else doc.safe)(pem[0], category)
    doc.add(*pem[1:])
    return doc


# ---------------------------------------------------------------------------------------------------------------
# Scenarios. Each returns the files of one small project area. Secrets: label True; traps: label False.
# ---------------------------------------------------------------------------------------------------------------


def flask_ledger(g: Gen) -> list[Doc]:
    """A Flask service: config classes per environment, an instance folder, and the pytest fixtures."""
    cfg = Doc("services/ledger/ledger/config.py")
    cfg.add("import os", "", "", "class BaseConfig:")
    cfg.safe('    SECRET_KEY = os.environ.get("LEDGER_SECRET_KEY")', "reference")
    cfg.safe('    WTF_CSRF_SECRET_KEY = os.getenv("LEDGER_CSRF_KEY")', "reference")
    cfg.safe('    JWT_ALGORITHM = "HS256"', "benign")
    cfg.safe("    JWT_ACCESS_TOKEN_EXPIRES = 900", "benign")
    cfg.safe('    MAIL_PASSWORD = os.environ["LEDGER_MAIL_PASSWORD"]', "reference")
    cfg.safe(f'    PLAID_CLIENT_ID = "{g.hex(24)}"', "random-id")
    cfg.add("", "", "class StagingConfig(BaseConfig):")
    cfg.secret(
        f'    SQLALCHEMY_DATABASE_URI = "postgresql+psycopg2://ledger:{g.pwgen(20)}@pg-staging.ledger.internal:5432/ledger"',
        "connection-string",
    )
    cfg.secret(f'    PLAID_SECRET = "{g.hex(30)}"', "api-token")
    cfg.add("", "", "class DevelopmentConfig(BaseConfig):")
    cfg.secret(f'    SECRET_KEY = os.environ.get("LEDGER_SECRET_KEY", "{g.b64(36, urlsafe=True)}")', "signing-key")
    cfg.safe('    SQLALCHEMY_DATABASE_URI = "sqlite:///ledger-dev.db"', "benign")
    cfg.add("", "", "class TestingConfig(BaseConfig):", "    TESTING = True")
    cfg.safe('    SECRET_KEY = "not-a-real-secret-key"', "fake-fixture")
    cfg.add("", "", "class ProductionConfig(BaseConfig):", "    # Moved here from instance/config.py for the container build.")
    cfg.secret(f"    SECRET_KEY = '{g.hex(64)}'", "signing-key")
    cfg.secret(f"    STRIPE_SECRET_KEY = '{g.token('stripe-restricted')}'", "api-token")
    cfg.secret(f"    MAIL_PASSWORD = '{g.seasonal()}'", "password")
    conftest = Doc("services/ledger/tests/conftest.py")
    conftest.add(
        "import pytest",
        "",
        "from ledger import create_app",
        "from ledger.extensions import db",
        "",
        "",
        "@pytest.fixture",
        "def app(monkeypatch):",
    )
    conftest.safe('    monkeypatch.setenv("PLAID_SECRET", "000000000000000000000000000000")', "fake-fixture")
    conftest.safe('    monkeypatch.setenv("LEDGER_MAIL_PASSWORD", "dummy-mail-password")', "fake-fixture")
    conftest.add("    app = create_app(", '        "ledger.config.TestingConfig",')
    conftest.secret('        SQLALCHEMY_DATABASE_URI="postgresql://postgres:postgres@localhost:5432/ledger_test",', "connection-string")
    conftest.add("    )", "    with app.app_context():", "        db.create_all()", "        yield app", "", "")
    conftest.secret('TEST_USER_PASSWORD = "hunter2"', "password")
    conftest.safe(f'TEST_USER_PASSWORD_HASH = "pbkdf2:sha256:600000${g.chars(ALNUM, 16)}${g.hex(64)}"', "hash")
    conftest.add("", "", "@pytest.fixture", "def auth_headers():")
    conftest.secret(f'    return {{"Authorization": "Basic {g.basic("alice", "wonderland")}"}}', "auth-header")
    conftest.add("", "", "@pytest.fixture", "def plaid_item():")
    conftest.secret(f'    return {{"access_token": "access-sandbox-{g.uuid()}", "item_id": "item-1"}}', "api-token")
    return [cfg, conftest]


def alembic_migration(g: Gen) -> list[Doc]:
    d = Doc("services/ledger/migrations/versions/4f2a9c1d7e3b_seed_service_accounts.py")
    rev, down = g.hex(12), g.hex(12)
    d.add('"""seed service accounts', "")
    d.safe(f"Revision ID: {rev}", "random-id")
    d.add(f"Revises: {down}", '"""', "import sqlalchemy as sa", "from alembic import op", "")
    d.safe(f'revision = "{rev}"', "random-id")
    d.safe(f'down_revision = "{down}"', "random-id")
    d.add("", "", "def upgrade():", '    accounts = sa.table("service_accounts", sa.column("name"), sa.column("key_hash"))')
    d.add("    op.bulk_insert(accounts, [")
    d.safe(f'        {{"name": "reconciler", "key_hash": "{g.sha256()}"}},', "hash")
    d.safe(f'        {{"name": "exporter", "key_hash": "{g.sha256()}"}},', "hash")
    d.add("    ])")
    d.safe(
        f'    op.execute("UPDATE users SET password_hash = \'$argon2id$v=19$m=65536,t=3,p=4${g.b64(16, pad=False)}${g.b64(32, pad=False)}\' WHERE email = \'ops@acme.example\'")',
        "hash",
    )
    return [d]


def fastapi_notify(g: Gen) -> list[Doc]:
    """A FastAPI notification service: pydantic settings with defaults, its tests, and its dotenv files."""
    settings = Doc("services/notify/app/core/settings.py")
    settings.add(
        "from pydantic import Field, PostgresDsn, RedisDsn, SecretStr",
        "from pydantic_settings import BaseSettings, SettingsConfigDict",
        "",
        "",
        "class Settings(BaseSettings):",
        '    model_config = SettingsConfigDict(env_file=".env", secrets_dir="/run/secrets")',
        "",
    )
    settings.secret(f'    sendgrid_api_key: SecretStr = SecretStr("{g.token("sendgrid")}")', "api-token")
    settings.safe(f'    twilio_account_sid: str = "AC{g.hex(32)}"', "random-id")
    settings.safe('    twilio_auth_token: SecretStr = Field(..., validation_alias="TWILIO_AUTH_TOKEN")', "reference")
    settings.secret('    database_url: PostgresDsn = "postgresql+asyncpg://notify:notify@localhost:5432/notify"', "connection-string")
    settings.safe('    redis_url: RedisDsn = "redis://localhost:6379/0"', "benign")
    settings.safe('    jwt_secret: SecretStr = SecretStr("change-me-in-production")', "placeholder")
    settings.safe('    jwt_audience: str = "notify-api"', "benign")
    settings.add("", "", "settings = Settings()")
    test = Doc("services/notify/tests/test_twilio_webhook.py")
    test.add(
        "import os",
        "",
        "from fastapi.testclient import TestClient",
        "from twilio.request_validator import RequestValidator",
        "",
        "from app.main import app",
        "",
    )
    test.safe('AUTH_TOKEN = "12345"', "fake-fixture")
    test.safe('URL = "https://mycompany.com/myapp.php?foo=1&bar=2"', "benign")
    test.safe(f'EXPECTED_SIGNATURE = "{g.b64(20)}"', "hash")
    test.add("", "", "def test_signature_is_checked(monkeypatch):")
    test.safe('    monkeypatch.setenv("TWILIO_AUTH_TOKEN", AUTH_TOKEN)', "reference")
    test.safe('    validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])', "reference")
    test.add(
        '    assert validator.validate(URL, {"CallSid": "CA1"}, EXPECTED_SIGNATURE) is False',
        "    client = TestClient(app)",
        '    response = client.post("/twilio/status", data={"CallSid": "CA1"})',
        "    assert response.status_code == 403",
    )
    example = Doc("services/notify/.env.example")
    example.safe("SENDGRID_API_KEY=SG.your-key-here", "placeholder")
    example.add("TWILIO_ACCOUNT_SID=")
    example.safe("TWILIO_AUTH_TOKEN=<twilio auth token>", "placeholder")
    example.safe("DATABASE_URL=postgresql+asyncpg://notify:<password>@localhost:5432/notify", "placeholder")
    example.safe("MAILGUN_API_KEY=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx-xxxxxxxx-xxxxxxxx", "fake-fixture")
    example.safe("NOTIFY_JWT_SECRET=NOTIFY_JWT_SECRET", "key-as-value")
    dotenv = Doc("services/notify/.env")
    dotenv.safe(f"TWILIO_ACCOUNT_SID=AC{g.hex(32)}", "random-id")
    dotenv.secret(f"TWILIO_AUTH_TOKEN={g.token('twilio')}", "api-token")
    dotenv.safe(f"TWILIO_API_KEY_SID=SK{g.hex(32)}", "random-id")
    dotenv.secret(f"TWILIO_API_KEY_SECRET={g.pwgen(32)}", "api-token")
    dotenv.secret(f"MAILGUN_API_KEY={g.mailgun()}", "api-token")
    dotenv.add("MAILGUN_DOMAIN=mg.notify.acme.example")
    dotenv.secret(f"SENDGRID_API_KEY={g.token('sendgrid')}", "api-token")
    dotenv.add("UNLEASH_URL=https://unleash.acme.internal/api")
    dotenv.secret(f"UNLEASH_API_TOKEN=default:production.{g.hex(64)}", "api-token")
    dotenv.safe("UNLEASH_FRONTEND_TOKEN=default:development.unleash-insecure-frontend-api-token", "example-key")
    dotenv.secret(f"FLAGSMITH_SERVER_KEY=ser.{g.pwgen(22)}", "api-token")
    dotenv.safe(f"FLAGSMITH_ENVIRONMENT_ID={g.pwgen(22)}", "random-id")
    return [settings, test, example, dotenv]


def nextjs_storefront(g: Gen) -> list[Doc]:
    """A Next.js app: public (NEXT_PUBLIC_) and server-only values side by side, the way they leak."""
    ref = g.chars(LOWER, 20)
    anon = g.jwt({"iss": "supabase", "ref": ref, "role": "anon", "iat": 1717000000, "exp": 2032576000})
    service = g.jwt({"iss": "supabase", "ref": ref, "role": "service_role", "iat": 1717000000, "exp": 2032576000})
    env = Doc("apps/storefront/.env.local")
    env.safe(f"NEXT_PUBLIC_FIREBASE_API_KEY={g.token('google-api')}", "public-key")
    env.add(f"NEXT_PUBLIC_SUPABASE_URL=https://{ref}.supabase.co")
    env.safe(f"NEXT_PUBLIC_SUPABASE_ANON_KEY={anon}", "public-key")
    env.secret(f"SUPABASE_SERVICE_ROLE_KEY={service}", "jwt")
    env.secret(f"NEXTAUTH_SECRET={g.b64(32)}", "signing-key")
    env.safe("NEXTAUTH_URL=http://localhost:3000", "benign")
    env.safe(f"GITHUB_ID=Iv1.{g.hex(16)}", "random-id")
    env.secret(f"GITHUB_SECRET={g.hex(40)}", "api-token")
    env.safe(f"NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY=pk_test_{g.pwgen(99)}", "public-key")
    env.secret(f"STRIPE_SECRET_KEY={g.token('stripe-test')}", "api-token")
    env.secret(f"STRIPE_WEBHOOK_SECRET={g.token('stripe-webhook')}", "signing-key")
    conf = Doc("apps/storefront/next.config.js")
    conf.add("/** @type {import('next').NextConfig} */", "const nextConfig = {", "  reactStrictMode: true,", "  env: {")
    conf.safe("    CMS_PREVIEW_TOKEN: process.env.CMS_PREVIEW_TOKEN,", "reference")
    conf.add("  },", "  serverRuntimeConfig: {", "    contentfulSpace: 'q8w3rt7y2u1i',")
    conf.secret(f"    contentfulToken: '{g.chars(B64URL, 43)}',", "api-token")
    conf.add(
        "  },",
        "  async headers() {",
        "    return [{",
        "      source: '/(.*)',",
        "      headers: [{",
        "        key: 'Content-Security-Policy',",
    )
    conf.safe(f"        value: \"script-src 'self' 'sha256-{g.b64(32)}'\",", "hash")
    conf.add("      }],", "    }];", "  },", "};", "", "module.exports = nextConfig;")
    firebase = Doc("apps/storefront/lib/clients.ts")
    firebase.add(
        "import { initializeApp } from 'firebase/app';",
        "import { initialize } from 'launchdarkly-js-client-sdk';",
        "",
        "// Web config: public by design, access is governed by Security Rules.",
        "const firebaseConfig = {",
    )
    firebase.safe(f'  apiKey: "{g.token("google-api")}",', "public-key")
    firebase.safe('  authDomain: "acme-storefront.firebaseapp.com",', "benign")
    firebase.add('  projectId: "acme-storefront",')
    firebase.safe(f'  appId: "1:{g.digits(12)}:web:{g.hex(22)}",', "random-id")
    firebase.safe(f'  measurementId: "G-{g.chars(UPPER + DIGITS, 10)}",', "random-id")
    firebase.add("};", "", "export const app = initializeApp(firebaseConfig);", "")
    firebase.safe(f"export const flags = initialize('{g.hex(24)}', {{ kind: 'user', anonymous: true }}, {{", "random-id")
    firebase.add("  bootstrap: {")
    firebase.safe("    'new-checkout-token-flow': true,", "benign")
    firebase.safe("    'password-reset-v2': 'enabled',", "benign")
    firebase.safe("    'secret-sale-banner': { rollout: 25, seed: 'spring-2025' },", "benign")
    firebase.add("  },", "});")
    route = Doc("apps/storefront/app/api/describe/route.ts")
    route.add("import OpenAI from 'openai';", "import { NextResponse } from 'next/server';", "")
    route.secret(f"const openai = new OpenAI({{ apiKey: process.env.OPENAI_API_KEY ?? '{g.token('openai')}' }});", "api-token")
    route.add("", "export async function POST(req: Request) {")
    route.safe("  if (req.headers.get('x-revalidate-secret') !== process.env.REVALIDATE_SECRET) {", "reference")
    route.add(
        "    return NextResponse.json({ error: 'unauthorized' }, { status: 401 });",
        "  }",
        "  const { title } = await req.json();",
        "  const out = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: title }] });",
        "  return NextResponse.json({ text: out.choices[0].message.content });",
        "}",
    )
    lock = Doc("apps/storefront/pnpm-lock.yaml")
    lock.add("lockfileVersion: '9.0'", "", "packages:", "")
    for name, version in (("next@14.2.5", "14.2.5"), ("firebase@10.12.2", "10.12.2"), ("openai@4.52.0", "4.52.0")):
        lock.add(f"  {name}:")
        lock.safe(f"    resolution: {{integrity: sha512-{g.b64(64)}}}", "hash")
        lock.add(f"    engines: {{node: '>=18.17.0'}}  # {version}", "")
    messages = Doc("apps/storefront/messages/nl.json")
    messages.add("{", '  "auth": {')
    messages.safe('    "password": "Wachtwoord",', "i18n")
    messages.safe('    "forgotPassword": "Wachtwoord vergeten?",', "i18n")
    messages.safe('    "passwordTooShort": "Je wachtwoord moet minstens 12 tekens lang zijn."', "i18n")
    messages.add("  },", '  "developer": {')
    messages.safe('    "apiKeyHint": "Je geheime API-sleutel begint met sk_live_ en wordt maar één keer getoond.",', "i18n")
    messages.safe('    "tokenRevoked": "Het toegangstoken is ingetrokken."', "i18n")
    messages.add("  }", "}")
    return [env, conf, firebase, route, lock, messages]


def android_app(g: Gen) -> list[Doc]:
    props = Doc("apps/android/gradle.properties")
    props.add("org.gradle.jvmargs=-Xmx4g -Dfile.encoding=UTF-8", "android.useAndroidX=true", "android.nonTransitiveRClass=true")
    props.add("RELEASE_STORE_FILE=../keystores/release.jks", "RELEASE_KEY_ALIAS=upload")
    props.secret(f"RELEASE_STORE_PASSWORD={g.strong(20)}", "password")
    props.secret(f"RELEASE_KEY_PASSWORD={g.leet()}", "password")
    props.secret(f"MAPS_API_KEY={g.token('google-api')}", "api-token")
    props.add("systemProp.https.proxyHost=proxy.acme.internal", "systemProp.https.proxyUser=build")
    props.secret(f"systemProp.https.proxyPassword={g.seasonal()}", "password")
    local = Doc("apps/android/local.properties")
    local.add("## This file must *NOT* be checked into Version Control Systems,", "sdk.dir=/Users/mira/Library/Android/sdk")
    local.secret(f"MAPBOX_DOWNLOADS_TOKEN={g.mapbox('sk', 'acme-mobile')}", "api-token")
    local.safe(f"MAPBOX_PUBLIC_TOKEN={g.mapbox('pk', 'acme-mobile')}", "public-key")
    services = Doc("apps/android/app/google-services.json")
    number = g.digits(12)
    services.add("{", '  "project_info": {')
    services.safe(f'    "project_number": "{number}",', "random-id")
    services.add('    "project_id": "acme-shop-android",', '    "storage_bucket": "acme-shop-android.appspot.com"', "  },", '  "client": [', "    {", '      "client_info": {')
    services.safe(f'        "mobilesdk_app_id": "1:{number}:android:{g.hex(22)}",', "random-id")
    services.add('        "android_client_info": { "package_name": "com.acme.shop" }', "      },", '      "oauth_client": [', "        {")
    services.safe(f'          "client_id": "{number}-{g.chars(LOWER + DIGITS, 32)}.apps.googleusercontent.com",', "random-id")
    services.add('          "client_type": 3', "        }", "      ],", '      "api_key": [', "        {")
    services.safe(f'          "current_key": "{g.token("google-api")}"', "public-key")
    services.add("        }", "      ]", "    }", "  ],", '  "configuration_version": "1"', "}")
    gradle = Doc("apps/android/app/build.gradle.kts")
    gradle.add("android {", '    namespace = "com.acme.shop"', "    defaultConfig {")
    gradle.add('        buildConfigField("String", "API_BASE", "\\"https://api.acme-shop.example\\"")')
    gradle.safe('        buildConfigField("String", "ANALYTICS_KEY", "\\"${project.findProperty("ANALYTICS_KEY")}\\"")', "reference")
    gradle.add("    }", "    signingConfigs {", '        getByName("debug") {', '            storeFile = file("debug.keystore")')
    gradle.secret('            storePassword = "android"', "password")
    gradle.add('            keyAlias = "androiddebugkey"', "        }", '        create("release") {', '            storeFile = file(System.getenv("KEYSTORE_PATH") ?: "release.jks")')
    gradle.safe('            storePassword = System.getenv("KEYSTORE_PASSWORD")', "reference")
    gradle.safe('            keyPassword = providers.gradleProperty("RELEASE_KEY_PASSWORD").get()', "reference")
    gradle.add("        }", "    }", "}")
    return [props, local, services, gradle]


def ios_app(g: Gen) -> list[Doc]:
    release = Doc("apps/ios/Config/Release.xcconfig")
    release.add('#include "Secrets.xcconfig"', "API_HOST = api.acme-shop.example")
    release.safe(f"REVENUECAT_PUBLIC_KEY = appl_{g.pwgen(27)}", "public-key")
    release.safe(f"SENTRY_DSN = https:/$()/{g.hex(32)}@o{g.digits(6)}.ingest.sentry.io/{g.digits(7)}", "public-key")
    release.safe(f"DEVELOPMENT_TEAM = {g.chars(UPPER + DIGITS, 10)}", "random-id")
    secrets = Doc("apps/ios/Config/Secrets.xcconfig")
    secrets.add("// Filled in by scripts/bootstrap.sh; keep out of git.")
    secrets.secret(f"OPENWEATHER_API_KEY = {g.hex(32)}", "api-token")
    secrets.secret(f"MIXPANEL_API_SECRET = {g.hex(32)}", "api-token")
    secrets.secret(f"GOOGLE_CLIENT_SECRET = {g.google_oauth_secret()}", "api-token")
    plist = Doc("apps/ios/App/Info.plist")
    plist.add('<?xml version="1.0" encoding="UTF-8"?>', "<plist version=\"1.0\">", "<dict>", "\t<key>GIDClientID</key>")
    plist.safe(f"\t<string>{g.digits(12)}-{g.chars(LOWER + DIGITS, 32)}.apps.googleusercontent.com</string>", "random-id")
    plist.add("\t<key>OpenWeatherAPIKey</key>")
    plist.safe("\t<string>$(OPENWEATHER_API_KEY)</string>", "reference")
    plist.add("\t<key>FacebookAppID</key>")
    plist.safe(f"\t<string>{g.digits(15)}</string>", "random-id")
    plist.add("\t<key>FacebookClientToken</key>")
    plist.safe(f"\t<string>{g.hex(32)}</string>", "public-key")
    plist.add("</dict>", "</plist>")
    fastlane = Doc("apps/ios/fastlane/.env.default")
    fastlane.add("FASTLANE_USER=ios-release@acme.example", "FASTLANE_TEAM_ID=" + g.chars(UPPER + DIGITS, 10))
    fastlane.secret(f"FASTLANE_PASSWORD={g.leet()}", "password")
    fastlane.secret(f"FASTLANE_APPLE_APPLICATION_SPECIFIC_PASSWORD={g.apple_app_password()}", "password")
    fastlane.secret(f"MATCH_PASSWORD={g.words(3)}", "password")
    fastlane.safe("MATCH_GIT_BASIC_AUTHORIZATION=${MATCH_GIT_BASIC_AUTHORIZATION}", "reference")
    key_id = g.chars(UPPER + DIGITS, 10)
    p8 = _key_file(f"apps/ios/fastlane/AuthKey_{key_id}.p8", g.ec_pkcs8(), True, "private-key")
    return [release, secrets, plist, fastlane, p8]


def ansible_site(g: Gen) -> list[Doc]:
    vars_ = Doc("infra/ansible/group_vars/all/vars.yml")
    vars_.add("---", "app_user: billing", "nginx_ssl_certificate: /etc/ssl/certs/billing.pem")
    vars_.safe('postgres_password: "{{ vault_postgres_password }}"', "reference")
    vars_.safe(
        "app_secret_key: \"{{ lookup('community.hashi_vault.hashi_vault', 'secret=kv/data/billing:secret_key') }}\"",
        "reference",
    )
    vars_.safe("grafana_admin_password: \"{{ lookup('ansible.builtin.env', 'GRAFANA_ADMIN_PASSWORD') }}\"", "reference")
    vars_.secret(f'redis_requirepass: "{g.pwgen(24)}"', "password")
    vars_.safe("pg_hba_password_encryption: scram-sha-256", "benign")
    vars_.safe("mysql_root_password: changeme", "placeholder")
    vars_.safe('mysql_replication_password: "{{ vault_mysql_replication_password }}"', "reference")
    vars_.add("nginx_htpasswd_users:")
    vars_.safe(f'  - "admin:$apr1${g.chars(ALNUM + "./", 8)}${g.chars(ALNUM + "./", 22)}"', "hash")
    vars_.safe(f'  - "ci:$2y$05${g.chars(ALNUM + "./", 53)}"', "hash")
    vault = Doc("infra/ansible/group_vars/all/vault.yml")
    vault.safe("$ANSIBLE_VAULT;1.1;AES256", "reference")
    for _ in range(6):
        vault.add(g.hex(80))
    vault.add(g.hex(38))
    hosts = Doc("infra/ansible/inventories/staging/hosts.ini")
    hosts.add("[db]")
    hosts.secret(
        f"db1 ansible_host=10.0.3.11 ansible_user=deploy ansible_password={g.weak()} ansible_become_pass={g.weak()}",
        "password",
    )
    hosts.add("db2 ansible_host=10.0.3.12 ansible_user=deploy ansible_ssh_private_key_file=~/.ssh/staging_ed25519", "")
    hosts.add("[web]", "web1 ansible_host=10.0.2.21", "", "[all:vars]")
    hosts.safe("ansible_become_password='{{ vault_become_password }}'", "reference")
    task = Doc("infra/ansible/roles/app/tasks/users.yml")
    task.add("- name: Create the operator account", "  ansible.builtin.user:", "    name: operator")
    task.safe(f"    password: \"$6$rounds=656000${g.chars(ALNUM + './', 16)}${g.chars(ALNUM + './', 86)}\"", "hash")
    task.add("- name: Create the metrics account", "  ansible.builtin.user:", "    name: metrics")
    task.safe("    password: \"{{ metrics_password | password_hash('sha512') }}\"", "reference")
    task.add("- name: Authorise the CI deploy key", "  ansible.posix.authorized_key:", "    user: deploy")
    task.safe(f'    key: "{g.ssh_rsa_public("deploy@ci-runner-04")}"', "public-key")
    return [vars_, vault, hosts, task]


def serverless_thumbnails(g: Gen) -> list[Doc]:
    d = Doc("services/thumbnails/serverless.yml")
    d.add("service: thumbnails", "frameworkVersion: '3'", "", "provider:", "  name: aws", "  runtime: nodejs20.x", "  environment:")
    d.add("    BUCKET: ${self:custom.bucket}")
    d.safe("    STRIPE_KEY: ${ssm:/thumbnails/${sls:stage}/stripe-key}", "reference")
    d.safe("    DB_PASSWORD: ${env:THUMBNAILS_DB_PASSWORD}", "reference")
    d.secret(f"    CLOUDINARY_URL: cloudinary://{g.digits(15)}:{g.chars(B64URL, 27)}@acme-media", "connection-string")
    d.secret(f"    ALERT_WEBHOOK: {g.slack_webhook()}", "api-token")
    d.safe("    SIGNING_SECRET: ${aws:secretsmanager:thumbnails/signing}", "reference")
    d.add("", "custom:", "  bucket: acme-thumbnails-${sls:stage}")
    return [d]


def pulumi_program(g: Gen) -> list[Doc]:
    index = Doc("infra/pulumi/index.ts")
    index.add(
        'import * as aws from "@pulumi/aws";',
        'import * as cloudflare from "@pulumi/cloudflare";',
        'import * as pulumi from "@pulumi/pulumi";',
        'import * as random from "@pulumi/random";',
        "",
        "const config = new pulumi.Config();",
    )
    index.safe('const dbPassword = config.requireSecret("dbPassword");', "reference")
    index.add('const grafanaPassword = new random.RandomPassword("grafana", { length: 24, special: true });', "")
    index.add('new aws.rds.Instance("reports", {', '  engine: "postgres",', '  instanceClass: "db.t4g.micro",', '  username: "reports",')
    index.secret(f'  password: "{g.strong(22)}",', "password")
    index.add("});", "", 'new aws.rds.Instance("orders", {', '  engine: "postgres",', '  username: "orders",')
    index.safe("  password: dbPassword,", "reference")
    index.add("});", "")
    index.secret(f'const cf = new cloudflare.Provider("cf", {{ apiToken: "{g.token("cloudflare")}" }});', "api-token")
    stack = Doc("infra/pulumi/Pulumi.prod.yaml")
    stack.add("config:", "  aws:region: eu-west-1")
    stack.add("  app:dbPassword:")
    stack.safe(f"    secure: v1:{g.b64(12)}:{g.b64(40)}", "reference")
    stack.secret(f"  app:datadogApiKey: {g.token('datadog')}", "api-token")
    stack.add("  app:domain: shop.acme.example")
    return [index, stack]


def airflow_platform(g: Gen) -> list[Doc]:
    dag = Doc("airflow/dags/export_orders.py")
    dag.add(
        "from datetime import datetime",
        "",
        "from airflow import DAG",
        "from airflow.models import Variable",
        "from airflow.providers.http.operators.http import HttpOperator",
        "from airflow.providers.slack.operators.slack_webhook import SlackWebhookOperator",
        "",
    )
    dag.safe('S3_SECRET = Variable.get("orders_export_s3_secret")', "reference")
    dag.add('with DAG("export_orders", start_date=datetime(2025, 1, 1), schedule="@daily") as dag:')
    dag.add('    push = HttpOperator(', '        task_id="push_to_partner",', '        http_conn_id="partner_api",')
    dag.secret(f'        headers={{"Authorization": "Bearer {g.pwgen(40)}"}},', "auth-header")
    dag.add("    )", "    notify = SlackWebhookOperator(", '        task_id="notify",', '        slack_webhook_conn_id="slack_default",')
    dag.safe('        message="Orders exported; token refresh at {{ ds }}",', "benign")
    dag.add("    )", "    push >> notify")
    cfg = Doc("airflow/airflow.cfg")
    cfg.add("[core]", "executor = CeleryExecutor")
    cfg.secret(f"fernet_key = {g.b64(32, urlsafe=True)}", "signing-key")
    cfg.add("", "[database]")
    cfg.secret("sql_alchemy_conn = postgresql+psycopg2://airflow:airflow@postgres/airflow", "connection-string")
    cfg.add("", "[webserver]")
    cfg.secret(f"secret_key = {g.b64(16)}", "signing-key")
    cfg.add("", "[celery]")
    cfg.safe("result_backend_cmd = cat /run/secrets/airflow_result_backend", "reference")
    conns = Doc("airflow/.env")
    conns.safe("AIRFLOW__CORE__FERNET_KEY_CMD=cat /run/secrets/fernet_key", "reference")
    conns.secret(
        f"AIRFLOW_CONN_WAREHOUSE=snowflake://etl_user:{g.pwgen(18)}@/analytics/public?account=xy12345&warehouse=ETL_WH",
        "connection-string",
    )
    conns.secret(
        f"AIRFLOW_CONN_AWS_DEFAULT=aws://{g.token('aws-access-key-id')}:{g.token('aws-secret-key').replace('/', '%2F').replace('+', '%2B')}@",
        "connection-string",
    )
    webhook_path = g.slack_webhook().removeprefix("https://hooks.slack.com/services/")
    conns.secret(f"AIRFLOW_CONN_SLACK_DEFAULT=slackwebhook://:{webhook_path.replace('/', '%2F')}@/", "api-token")
    conns.add("AIRFLOW_VAR_ORDERS_EXPORT_BUCKET=acme-exports")
    return [dag, cfg, conns]


def dbt_profiles(g: Gen) -> list[Doc]:
    d = Doc("analytics/dbt/profiles.yml")
    d.add("acme:", "  target: dev", "  outputs:", "    prod:", "      type: snowflake", "      account: xy12345.eu-west-1", "      user: DBT_PROD")
    d.safe("      password: \"{{ env_var('DBT_PROD_PASSWORD') }}\"", "reference")
    d.add("      role: TRANSFORMER", "    dev:", "      type: postgres", "      host: localhost", "      user: dbt")
    d.secret(f"      password: {g.weak()}", "password")
    d.add("      dbname: analytics", "      schema: dbt_mira", "    ci:", "      type: snowflake", "      account: xy12345.eu-west-1", "      user: DBT_CI")
    d.add("      private_key_path: /secrets/dbt_ci_rsa_key.p8")
    d.secret(f"      private_key_passphrase: {g.words(4)}", "password")
    d.add("    lakehouse:", "      type: databricks", "      host: adb-1234567890123456.7.azuredatabricks.net", "      http_path: /sql/1.0/warehouses/abc123")
    d.secret(f"      token: {g.token('databricks')}", "api-token")
    d.add("    bq:", "      type: bigquery", "      method: service-account", "      keyfile: /secrets/bq-dbt.json", "      project: acme-analytics")
    return [d]


def hadoop_spark(g: Gen) -> list[Doc]:
    def prop(doc: Doc, name: str) -> None:
        doc.add("  <property>", f"    <name>{name}</name>")

    core = Doc("platform/hadoop/conf/core-site.xml")
    core.add('<?xml version="1.0"?>', "<configuration>")
    prop(core, "fs.s3a.access.key")
    core.secret(f"    <value>{g.token('aws-access-key-id')}</value>", "api-token")
    core.add("  </property>")
    prop(core, "fs.s3a.secret.key")
    core.secret(f"    <value>{g.token('aws-secret-key')}</value>", "api-token")
    core.add("  </property>")
    prop(core, "fs.azure.account.key.acmelake.dfs.core.windows.net")
    core.secret(f"    <value>{g.token('azure-storage')}</value>", "api-token")
    core.add("  </property>")
    prop(core, "hadoop.security.credential.provider.path")
    core.safe("    <value>jceks://hdfs@nn1.acme.internal/etc/hadoop/s3.jceks</value>", "reference")
    core.add("  </property>", "</configuration>")
    spark = Doc("platform/spark/conf/spark-defaults.conf")
    spark.add("spark.master                     yarn", "spark.eventLog.enabled           true", "spark.eventLog.dir               s3a://acme-spark-logs/events")
    spark.add("spark.authenticate               true")
    spark.secret(f"spark.authenticate.secret        {g.hex(32)}", "signing-key")
    spark.secret(f"spark.ssl.keyStorePassword       {g.pwgen(18)}", "password")
    spark.safe("spark.hadoop.fs.s3a.aws.credentials.provider  com.amazonaws.auth.InstanceProfileCredentialsProvider", "benign")
    return [core, spark]


def chef_and_puppet(g: Gen) -> list[Doc]:
    chef = Doc("infra/chef/cookbooks/billing/attributes/default.rb")
    chef.add("default['billing']['user'] = 'billing'", "default['billing']['port'] = 8080")
    chef.secret(f"default['billing']['db_password'] = '{g.leet()}'", "password")
    chef.safe("default['billing']['api_key'] = data_bag_item('secrets', 'billing')['api_key']", "reference")
    chef.safe("default['billing']['sendgrid_key'] = chef_vault_item('billing', 'sendgrid')['key']", "reference")
    chef.safe("default['billing']['smtp_password'] = ENV['BILLING_SMTP_PASSWORD']", "reference")
    chef.safe("default['billing']['password_min_length'] = 12", "benign")
    site = Doc("infra/puppet/manifests/site.pp")
    site.add("node 'db01.acme.internal' {", "  class { 'postgresql::server':", "    listen_addresses => '*',")
    site.secret(f"    postgres_password => '{g.pwgen(16)}',", "password")
    site.add("  }", "  mysql::db { 'wordpress':", "    user     => 'wordpress',")
    site.safe("    password => lookup('profile::wordpress::db_password'),", "reference")
    site.add("  }", "  user { 'backup':", "    ensure   => present,")
    site.safe(f"    password => '$6${g.chars(ALNUM + './', 16)}${g.chars(ALNUM + './', 86)}',", "hash")
    site.add("  }", "  class { 'rabbitmq':")
    site.secret(f"    default_pass => Sensitive('{g.words(3, '_')}'),", "password")
    site.add("  }", "}")
    return [chef, site]


def jenkins(g: Gen) -> list[Doc]:
    d = Doc("Jenkinsfile")
    d.add("pipeline {", "  agent { label 'linux' }", "  environment {")
    d.safe("    SONAR_TOKEN = credentials('sonarqube-token')", "reference")
    d.safe(f"    VAULT_ROLE_ID = '{g.uuid()}'", "uuid")
    d.secret(f"    VAULT_SECRET_ID = '{g.uuid()}'", "api-token")
    d.secret(f"    DOCKER_PASSWORD = '{g.seasonal()}'", "password")
    d.add("  }", "  stages {", "    stage('Publish') {", "      steps {")
    d.safe("        withCredentials([string(credentialsId: 'npm-publish-token', variable: 'NPM_TOKEN')]) {", "reference")
    d.add("          sh 'npm publish --access restricted'", "        }")
    d.secret(f"        sh \"curl -fsS -u admin:{g.weak()} -T build/app.tgz https://nexus.acme.internal/repository/raw/\"", "password")
    d.safe("        sh 'curl -fsS -u \"$NEXUS_USER:$NEXUS_PASS\" https://nexus.acme.internal/service/rest/v1/status'", "reference")
    d.add("      }", "    }", "    stage('Python wheel') {", "      steps {")
    d.secret(
        f"        sh 'pip install --extra-index-url https://deploy:{g.pwgen(20)}@nexus.acme.internal/repository/pypi-internal/simple -r requirements.txt'",
        "connection-string",
    )
    d.add("        sh 'python -m build'")
    d.secret(f"        sh 'twine upload -u __token__ -p {g.token('pypi')} dist/*'", "api-token")
    d.safe("        sh 'twine upload -u __token__ -p \"$TEST_PYPI_TOKEN\" --repository testpypi dist/*'", "reference")
    d.add("      }", "    }", "  }", "}")
    return [d]


def bitbucket_and_azure(g: Gen) -> list[Doc]:
    bb = Doc("bitbucket-pipelines.yml")
    bb.safe(f"image: node@sha256:{g.hex(64)}", "hash")
    bb.add("pipelines:", "  branches:", "    main:", "      - step:", "          name: Deploy", "          script:")
    bb.secret(f"            - export NPM_TOKEN={g.token('npm')}", "api-token")
    bb.add("            - npm ci && npm run build", "            - pipe: atlassian/aws-s3-deploy:1.1.0", "              variables:")
    bb.safe("                AWS_ACCESS_KEY_ID: $AWS_ACCESS_KEY_ID", "reference")
    bb.safe("                AWS_SECRET_ACCESS_KEY: $AWS_SECRET_ACCESS_KEY", "reference")
    bb.add("                S3_BUCKET: acme-web-prod", "                LOCAL_PATH: dist")
    bb.add("    docs:", "      - step:", "          script:", "            - pipe: atlassian/aws-s3-deploy:1.1.0", "              variables:")
    bb.safe("                AWS_ACCESS_KEY_ID: AKIAIOSFODNN7EXAMPLE", "example-key")
    bb.safe("                AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "example-key")
    az = Doc("azure-pipelines.yml")
    az.add("trigger:", "  - main", "variables:", "  - group: prod-secrets")
    az.add("  - name: ARM_TENANT_ID")
    az.safe(f"    value: {g.uuid()}", "uuid")
    az.add("steps:", "  - script: terraform apply -auto-approve", "    env:")
    az.safe("      ARM_CLIENT_SECRET: $(armClientSecret)", "reference")
    az.safe("      SYSTEM_ACCESSTOKEN: $(System.AccessToken)", "reference")
    az.add("  - script: ./scripts/sonar.sh", "    env:")
    az.secret(f"      SONAR_TOKEN: {g.hex(40)}", "api-token")
    az.add("  - script: az login --service-principal -u $(armClientId) --tenant $(ARM_TENANT_ID) -p \"$ARM_SECRET\"", "    env:")
    az.secret(f"      ARM_SECRET: {g.azure_client_secret()}", "api-token")
    az.safe("  - script: git push https://build:$(AZDO_PAT)@dev.azure.com/acme/shop/_git/shop", "reference")
    az.add("    env:")
    az.secret(f"      AZDO_PAT: {g.azure_devops_pat()}", "api-token")
    return [bb, az]


def rust_ingest(g: Gen) -> list[Doc]:
    toml = Doc("services/ingest-rs/config/default.toml")
    toml.add("[server]", 'bind = "0.0.0.0:8080"', "", "[database]")
    toml.secret(f'url = "postgres://ingest:{g.pwgen(22)}@pg.ingest.internal:5432/ingest"', "connection-string")
    toml.add("max_connections = 20", "", "[auth]")
    toml.secret(f'jwt_secret = "{g.hex(64)}"', "signing-key")
    toml.safe("token_ttl_secs = 3600", "benign")
    toml.add("", "[kafka]", 'brokers = "kafka-1:9093,kafka-2:9093"', 'sasl_username = "ingest"')
    toml.safe('sasl_password = "${KAFKA_SASL_PASSWORD}"', "reference")
    src = Doc("services/ingest-rs/src/config.rs")
    src.add("use std::env;", "", "pub fn database_url() -> String {")
    src.safe('    env::var("DATABASE_URL").expect("DATABASE_URL must be set")', "reference")
    src.add("}", "", "// Only for `cargo run --example replay` against the shared dev Vault.")
    src.secret(f'pub const DEV_VAULT_TOKEN: &str = "{g.token("vault")}";', "api-token")
    src.add("", "pub fn vault_token() -> String {")
    src.safe('    env::var("VAULT_TOKEN").unwrap_or_else(|_| DEV_VAULT_TOKEN.to_owned())', "reference")
    src.add("}")
    return [toml, src]


def elixir_phoenix(g: Gen) -> list[Doc]:
    runtime = Doc("apps/courier/config/runtime.exs")
    runtime.add("import Config", "", "if config_env() == :prod do")
    runtime.safe('  secret_key_base = System.get_env("SECRET_KEY_BASE") || raise "SECRET_KEY_BASE is missing"', "reference")
    runtime.add("", "  config :courier, Courier.Repo,", '    username: "courier",')
    runtime.safe('    password: System.fetch_env!("COURIER_DB_PASSWORD"),', "reference")
    runtime.add('    hostname: "db.courier.internal"', "", "  config :courier, CourierWeb.Endpoint, secret_key_base: secret_key_base", "end")
    dev = Doc("apps/courier/config/dev.exs")
    dev.add("import Config", "", "config :courier, Courier.Repo,", '  username: "postgres",')
    dev.secret('  password: "postgres",', "password")
    dev.add('  hostname: "localhost",', '  database: "courier_dev"', "", "config :courier, CourierWeb.Endpoint,", "  http: [port: 4000],")
    dev.secret(f'  secret_key_base: "{g.b64(48)}",', "signing-key")
    dev.secret(f'  live_view: [signing_salt: "{g.pwgen(8)}"]', "signing-key")
    test = Doc("apps/courier/config/test.exs")
    test.add("import Config", "", "config :bcrypt_elixir, :log_rounds, 1", "", "config :courier, Courier.Repo,", '  username: "postgres",')
    test.secret('  password: "postgres",', "password")
    test.add('  database: "courier_test#{System.get_env("MIX_TEST_PARTITION")}",', "  pool: Ecto.Adapters.SQL.Sandbox", "")
    test.secret(f'config :courier, CourierWeb.Endpoint, secret_key_base: "{g.b64(48)}"', "signing-key")
    test.add("", "config :courier, Courier.Mailer, adapter: Swoosh.Adapters.Test")
    test.safe('config :courier, :twilio, auth_token: "fake-twilio-auth-token"', "fake-fixture")
    return [runtime, dev, test]


def scala_hocon(g: Gen) -> list[Doc]:
    d = Doc("services/pricing/src/main/resources/application.conf")
    d.add("pricing.http {", '  interface = "0.0.0.0"', "  port = 8080")
    d.safe('  signing-secret = "changeme"', "placeholder")
    d.safe("  signing-secret = ${?PRICING_SIGNING_SECRET}", "reference")
    d.add("}")
    d.add("", "slick.dbs.default {", '  profile = "slick.jdbc.PostgresProfile$"', '  db.url = "jdbc:postgresql://pricing-db:5432/pricing"', '  db.user = "pricing"')
    d.secret(f'  db.password = "{g.strong(20)}"', "password")
    d.add("}", "", "pekko.kafka.producer.kafka-clients {", '  security.protocol = "SASL_SSL"', '  sasl.mechanism = "PLAIN"')
    d.secret(
        f'  sasl.jaas.config = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\\"pricing\\" password=\\"{g.pwgen(32)}\\";"',
        "password",
    )
    d.add("}", "", "pricing.fx {", '  base-url = "https://api.fx-rates.example/v2"')
    d.safe("  api-key = ${FX_API_KEY}", "reference")
    d.add("}")
    test = Doc("services/pricing/src/test/resources/application.test.conf")
    test.add('include "application.conf"')
    test.safe('pricing.http.signing-secret = "dummy-signing-secret-for-unit-tests"', "fake-fixture")
    test.secret('slick.dbs.default.db.password = "pricing"', "password")
    return [d, test]


def postman(g: Gen) -> list[Doc]:
    coll = Doc("docs/postman/Partner API.postman_collection.json")
    coll.add("{", '  "info": {', '    "name": "Partner API",')
    coll.safe(f'    "_postman_id": "{g.uuid()}",', "uuid")
    coll.add('    "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"', "  },", '  "auth": {', '    "type": "bearer",', '    "bearer": [')
    jwt = g.jwt({"sub": "partner-7731", "scope": "orders:read orders:write", "iat": 1736000000, "exp": 1767536000}, "RS256")
    coll.secret(f'      {{ "key": "token", "value": "{jwt}", "type": "string" }}', "jwt")
    coll.add("    ]", "  },", '  "item": [', "    {", '      "name": "List orders",', '      "request": {', '        "method": "GET",', '        "header": [')
    coll.secret(f'          {{ "key": "x-api-key", "value": "{g.pwgen(40)}" }},', "api-token")
    coll.safe('          { "key": "x-request-id", "value": "{{$guid}}" }', "reference")
    coll.add("        ],", '        "url": "{{baseUrl}}/v1/orders"', "      }", "    },", "    {", '      "name": "Login",', '      "request": {', '        "method": "POST",', '        "body": {', '          "mode": "raw",')
    coll.safe('          "raw": "{\\"username\\": \\"{{username}}\\", \\"password\\": \\"{{password}}\\"}"', "reference")
    coll.add("        },", '        "url": "{{baseUrl}}/v1/login"', "      }", "    },", "    {", '      "name": "Legacy report",', '      "request": {', '        "auth": {', '          "type": "basic",', '          "basic": [')
    coll.safe('            { "key": "username", "value": "reports", "type": "string" },', "benign")
    coll.secret(f'            {{ "key": "password", "value": "{g.seasonal()}", "type": "string" }}', "password")
    coll.add("          ]", "        },", '        "url": "{{baseUrl}}/v0/report"', "      }", "    }", "  ]", "}")
    env = Doc("docs/postman/staging.postman_environment.json")
    env.add("{")
    env.safe(f'  "id": "{g.uuid()}",', "uuid")
    env.add('  "name": "staging",', '  "values": [', '    { "key": "baseUrl", "value": "https://partner-api.staging.acme.example", "enabled": true },')
    env.secret(f'    {{ "key": "password", "value": "{g.strong(16)}", "type": "secret", "enabled": true }},', "password")
    env.safe('    { "key": "accessToken", "value": "", "type": "secret", "enabled": true },', "placeholder")
    env.safe('    { "key": "apiKey", "value": "apiKey", "type": "secret", "enabled": true },', "key-as-value")
    env.secret(f'    {{ "key": "postmanApiKey", "value": "{g.token("postman")}", "type": "secret", "enabled": true }}', "api-token")
    env.add("  ]", "}")
    return [coll, env]


def research_notebook(g: Gen) -> list[Doc]:
    d = Doc("research/llm-eval/compare-models.ipynb")
    d.add("{", ' "cells": [', "  {", '   "cell_type": "code",', '   "execution_count": 1,', '   "metadata": {},', '   "outputs": [],', '   "source": [')
    d.add('    "import os\\n",', '    "from huggingface_hub import login\\n",')
    d.secret(f'    "os.environ[\\"ANTHROPIC_API_KEY\\"] = \\"{g.token("anthropic")}\\"\\n",', "api-token")
    d.secret(f'    "login(token=\\"{g.token("huggingface")}\\")"', "api-token")
    d.add("   ]", "  },", "  {", '   "cell_type": "code",', '   "execution_count": 2,', '   "metadata": {},', '   "outputs": [', "    {", '     "name": "stdout",', '     "output_type": "stream",', '     "text": [')
    d.safe('      "Token is valid (permission: write).\\n",', "benign")
    d.safe('      "HF_TOKEN=hf_****************************\\n"', "placeholder")
    d.add("     ]", "    }", "   ],", '   "source": [')
    d.safe('    "!huggingface-cli whoami && echo HF_TOKEN=$HF_TOKEN | sed \'s/=.*/=hf_****/\'"', "reference")
    d.add("   ]", "  },", "  {", '   "cell_type": "code",', '   "execution_count": 3,', '   "metadata": {},', '   "outputs": [],', '   "source": [')
    d.add('    "from langchain_openai import ChatOpenAI\\n",')
    d.safe('    "llm = ChatOpenAI(model=\\"gpt-4o\\", api_key=os.getenv(\\"OPENAI_API_KEY\\"))\\n",', "reference")
    d.secret(f'    "pc = Pinecone(api_key=\\"{g.uuid()}\\")"', "api-token")
    d.add("   ]", "  }", " ],", ' "metadata": {', '  "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}', " },", ' "nbformat": 4,', ' "nbformat_minor": 5', "}")
    return [d]


def compose_override(g: Gen) -> list[Doc]:
    d = Doc("docker-compose.override.yml")
    d.add("services:", "  db:", "    image: postgres:16", "    environment:")
    d.secret("      POSTGRES_PASSWORD: postgres", "password")
    d.add("  minio:", "    image: minio/minio", "    environment:", "      MINIO_ROOT_USER: minioadmin")
    d.secret("      MINIO_ROOT_PASSWORD: minioadmin", "password")
    d.add("  azurite:", "    image: mcr.microsoft.com/azure-storage/azurite", "  api:", "    environment:")
    d.safe(
        "      AZURE_STORAGE_CONNECTION_STRING: DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
        "BlobEndpoint=http://azurite:10000/devstoreaccount1;",
        "example-key",
    )
    d.safe("      RABBITMQ_URL: amqp://${RABBITMQ_USER}:${RABBITMQ_PASS}@mq:5672/", "reference")
    d.secret(f"      OPENAI_API_KEY: {g.token('openai')}", "api-token")
    d.safe("      SENTRY_DSN: ${SENTRY_DSN:-}", "reference")
    return [d]


def system_services(g: Gen) -> list[Doc]:
    unit = Doc("deploy/systemd/billing-worker.service")
    unit.add("[Unit]", "Description=Billing worker", "After=network-online.target", "", "[Service]", "User=billing", "EnvironmentFile=/etc/billing/worker.env")
    unit.secret(f'Environment="BILLING_DB_PASSWORD={g.pwgen(20)}"', "password")
    unit.secret(f"Environment=STRIPE_API_KEY={g.token('stripe-secret')}", "api-token")
    unit.safe("LoadCredential=sendgrid:/etc/credstore/billing-sendgrid", "reference")
    unit.add("ExecStart=/opt/billing/bin/worker --queue invoices", "Restart=on-failure", "", "[Install]", "WantedBy=multi-user.target")
    sup = Doc("deploy/supervisord.conf")
    sup.add("[inet_http_server]", "port=127.0.0.1:9001", "username=ops")
    sup.secret(f"password={g.leet()}", "password")
    sup.add("", "[unix_http_server]", "file=/run/supervisor.sock", "username=ops")
    sup.safe(f"password={{SHA}}{hashlib.sha1(g.rng.randbytes(16)).hexdigest()}", "hash")
    sup.add("", "[program:celery]", "command=/opt/app/venv/bin/celery -A app worker -l info")
    sup.secret(f'environment=CELERY_BROKER_URL="amqp://celery:{g.pwgen(24)}@mq.acme.internal:5672//",DJANGO_SETTINGS_MODULE="app.settings"', "connection-string")
    sup.add("", "[program:beat]", "command=/opt/app/venv/bin/celery -A app beat")
    sup.safe('environment=CELERY_BROKER_URL="%(ENV_CELERY_BROKER_URL)s"', "reference")
    haproxy = Doc("deploy/haproxy/haproxy.cfg")
    haproxy.add("userlist admins")
    haproxy.safe(f"  user admin password $6${g.chars(ALNUM + './', 16)}${g.chars(ALNUM + './', 86)}", "hash")
    haproxy.secret(f"  user ops insecure-password {g.weak()}", "password")
    haproxy.add("", "frontend stats", "  bind :8404", "  stats enable", "  stats uri /stats")
    haproxy.secret(f"  stats auth admin:{g.pwgen(14)}", "password")
    haproxy.add("", "backend legacy_erp", "  server erp1 10.0.9.4:8080 check")
    haproxy.secret(f'  http-request set-header Authorization "Basic {g.basic("haproxy", g.strong(16))}"', "auth-header")
    return [unit, sup, haproxy]


def dotfiles(g: Gen) -> list[Doc]:
    creds = Doc("dotfiles/.git-credentials")
    creds.secret(f"https://mira-k:{g.token('github-fine-grained')}@github.com", "api-token")
    creds.secret(f"https://oauth2:{g.token('gitlab')}@gitlab.acme.example", "api-token")
    creds.secret(f"https://mira.k%40acme.example:{g.azure_devops_pat()}@dev.azure.com", "api-token")
    hist = Doc("dotfiles/.zsh_history")
    t = 1712300000
    hist.add(f": {t}:0;cd ~/src/shop && git pull")
    hist.secret(f": {t + 41}:0;export OPENAI_API_KEY={g.token('openai')}", "api-token")
    hist.secret(f": {t + 97}:0;mysql -h 127.0.0.1 -u root -p'{g.seasonal()}' shop", "password")
    hist.secret(f": {t + 180}:0;docker login -u acmeci -p {g.docker_pat()}", "api-token")
    hist.safe(f": {t + 233}:0;echo $GITHUB_TOKEN | gh auth login --with-token", "reference")
    hist.secret(
        f': {t + 301}:0;curl -H "Authorization: token {g.token("github")}" https://api.github.com/user',
        "auth-header",
    )
    hist.add(f': {t + 355}:0;git commit -m "rotate leaked token"')
    hist.secret(f": {t + 410}:0;aws configure set aws_secret_access_key {g.token('aws-secret-key')}", "api-token")
    hist.safe(f": {t + 463}:0;export AWS_SECRET_ACCESS_KEY=$(op read op://Private/aws-cli/secret)", "reference")
    hist.secret(f": {t + 520}:0;psql postgresql://analyst:{g.weak()}@warehouse.acme.internal/analytics", "connection-string")
    s3cfg = Doc("tools/s3sync/.s3cfg")
    s3cfg.add("[default]")
    s3cfg.secret(f"access_key = {g.token('aws-access-key-id')}", "api-token")
    s3cfg.secret(f"secret_key = {g.token('aws-secret-key')}", "api-token")
    s3cfg.secret(f"gpg_passphrase = {g.words(3, ' ')}", "password")
    s3cfg.add("host_base = s3.eu-west-1.amazonaws.com", "use_https = True")
    return [creds, hist, s3cfg]


def logs(g: Gen) -> list[Doc]:
    d = Doc("services/ledger/logs/worker-2025-03-14.log")
    access = g.jwt({"sub": "svc-reconciler", "aud": "ledger", "iat": 1741939200, "exp": 1741942800}, "RS256")
    d.add("2025-03-14T08:00:01Z INFO  worker started pid=4121 queue=reconcile")
    d.safe(f"2025-03-14T08:00:02Z INFO  request_id={g.uuid()} GET /v1/accounts 200 41ms", "uuid")
    d.secret(
        f"2025-03-14T08:00:02Z DEBUG urllib3: headers={{'User-Agent': 'ledger/2.3', 'Authorization': 'Bearer {access}'}}",
        "jwt",
    )
    d.safe("2025-03-14T08:00:03Z INFO  using Hugging Face token hf_****************************yQ", "placeholder")
    d.secret(
        f'2025-03-14T08:00:05Z ERROR sqlalchemy: could not connect to "postgresql://ledger:{g.pwgen(20)}@pg-replica:5432/ledger": timeout',
        "connection-string",
    )
    d.safe(f"2025-03-14T08:00:06Z WARN  trace_id={g.hex(32)} span_id={g.hex(16)} retrying", "random-id")
    d.secret(f"2025-03-14T08:00:07Z DEBUG posting alert to {g.discord_webhook()}", "api-token")
    d.safe("2025-03-14T08:00:08Z INFO  password reset requested for user_id=88121 (token sent by email)", "benign")
    d.safe(f"2025-03-14T08:00:09Z INFO  commit={g.hex(40)} build=2291 release=2.3.7", "hash")
    d.safe("2025-03-14T08:00:10Z INFO  config: SENDGRID_API_KEY=REDACTED GRAFANA_TOKEN=REDACTED", "placeholder")
    d.safe("2025-03-14T08:00:10Z INFO  config: LINEAR_API_KEY=lin_api_******************************** (masked)", "placeholder")
    return [d]


def alerting(g: Gen) -> list[Doc]:
    d = Doc("ops/alerting/alertmanager.yml")
    d.add("global:", "  resolve_timeout: 5m")
    d.secret(f"  slack_api_url: '{g.slack_webhook()}'", "api-token")
    d.add("route:", "  receiver: team-payments", "receivers:", "  - name: team-payments", "    msteams_configs:")
    d.secret(f"      - webhook_url: '{g.teams_webhook()}'", "api-token")
    d.add("    pagerduty_configs:")
    d.secret(f"      - routing_key: {g.hex(32)}", "api-token")
    d.add("  - name: team-search", "    slack_configs:")
    d.safe("      - api_url_file: /etc/alertmanager/secrets/slack-search", "reference")
    d.add("    pagerduty_configs:")
    d.safe("      - routing_key: <pagerduty-integration-key>", "placeholder")
    return [d]


def key_material(g: Gen) -> list[Doc]:
    bastion = _key_file("deploy/keys/bastion_ed25519", g.openssh_ed25519(), True, "private-key")
    pgp = _key_file("release/signing/maven-central.asc", g.pgp_private_block(), True, "private-key")
    jwt_test = Doc("services/ledger/tests/fixtures/jwt_keys.py")
    jwt_test.add('"""An RSA key pair for signing tokens in tests."""', "")
    pem = g.rsa_pkcs1()
    jwt_test.secret(f'PRIVATE_KEY = """{pem[0]}', "private-key")
    jwt_test.add(*pem[1:-1], f'{pem[-1]}"""', "")
    jwt_test.safe('PUBLIC_KEY_PATH = "tests/fixtures/jwt_public.pem"', "benign")
    return [bastion, pgp, jwt_test]


def api_docs(g: Gen) -> list[Doc]:
    d = Doc("docs/api/authentication.md")
    d.add("# Authentication", "", "Every request carries your API token in the `Authorization` header:", "", "```bash")
    d.safe("curl -H 'Authorization: Bearer YOUR_API_TOKEN' https://api.acme.example/v1/orders", "placeholder")
    d.add("```", "", "Set it once in your shell:", "", "```bash")
    d.safe("export ACME_API_KEY=acme_live_xxxxxxxxxxxxxxxxxxxxxxxx", "fake-fixture")
    d.add("```", "", "Tokens are JWTs; paste one into jwt.io to inspect it, e.g.:", "", "```")
    d.safe(
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
        ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        "example-key",
    )
    d.add("```", "", "Webhooks are signed with HMAC-SHA256 over the raw body, hex-encoded:", "")
    d.safe(f"    X-Acme-Signature: t=1736000000,v1={g.hex(64)}", "hash")
    d.add("", "To call the sandbox from the S3 importer, the role needs these keys (example values):", "")
    d.safe("    aws_access_key_id     = AKIAI44QH8DHBEXAMPLE", "example-key")
    d.safe("    aws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY", "example-key")
    d.add("", "The staging admin login for the partner portal is in the wiki; until then use:", "")
    d.secret(f"    user: partner-admin / password: {g.leet()}", "password")
    return [d]


def azure_dotnet(g: Gen) -> list[Doc]:
    d = Doc("services/orders-api/appsettings.Production.json")
    d.add("{", '  "ConnectionStrings": {')
    d.secret(
        f'    "Orders": "Server=tcp:acme-orders.database.windows.net,1433;Initial Catalog=orders;User ID=orders_app;Password={g.leet()};Encrypt=True;",',
        "connection-string",
    )
    d.secret(
        f'    "AzureWebJobsStorage": "DefaultEndpointsProtocol=https;AccountName=acmeordersfn;AccountKey={g.token("azure-storage")};EndpointSuffix=core.windows.net",',
        "connection-string",
    )
    d.secret(
        f'    "ServiceBus": "Endpoint=sb://acme-orders.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={g.b64(32)}"',
        "connection-string",
    )
    d.add("  },", '  "AzureAd": {', '    "Instance": "https://login.microsoftonline.com/",')
    d.safe(f'    "TenantId": "{g.uuid()}",', "uuid")
    d.safe(f'    "ClientId": "{g.uuid()}",', "uuid")
    d.secret(f'    "ClientSecret": "{g.azure_client_secret()}"', "api-token")
    d.add("  },", '  "ApplicationInsights": {')
    d.safe(
        f'    "ConnectionString": "InstrumentationKey={g.uuid()};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/"',
        "uuid",
    )
    d.add("  },", '  "KeyVault": {')
    d.safe('    "Uri": "https://acme-orders-kv.vault.azure.net/"', "benign")
    d.add("  }", "}")
    return [d]


def rag_tooling(g: Gen) -> list[Doc]:
    d = Doc("tools/rag/ingest.py")
    d.add(
        "import os",
        "",
        "from langchain_anthropic import ChatAnthropic",
        "from langchain_openai import OpenAIEmbeddings",
        "",
    )
    d.safe('embeddings = OpenAIEmbeddings(openai_api_key=os.getenv("OPENAI_API_KEY"))', "reference")
    d.secret(f'llm = ChatAnthropic(model="claude-3-5-sonnet-latest", api_key="{g.token("anthropic")}")', "api-token")
    d.safe('LINEAR_API_KEY = os.environ.get("LINEAR_API_KEY", "")', "reference")
    d.secret(f'NOTION_TOKEN = "secret_{g.pwgen(43)}"', "api-token")
    d.safe('NOTION_DATABASE_ID = "' + g.hex(32) + '"', "random-id")
    d.safe(f'EMBEDDING_CACHE_KEY = "{g.sha256()}"  # sha256 of the corpus manifest', "hash")
    return [d]


def legacy_html(g: Gen) -> list[Doc]:
    d = Doc("apps/storefront/public/legacy/checkout.html")
    d.add("<!doctype html>", "<html>", "<head>")
    d.safe(f'  <script src="https://cdn.jsdelivr.net/npm/jquery@3.7.1/dist/jquery.min.js" integrity="sha384-{g.b64(48)}" crossorigin="anonymous"></script>', "hash")
    d.safe(f'  <script src="https://js.stripe.com/v3/" data-key="pk_live_{g.pwgen(99)}"></script>', "public-key")
    d.add("  <style>", "    @font-face {", "      font-family: 'Inter var';")
    d.safe(f"      src: url(data:font/woff2;base64,d09GMgABAAAAA{g.b64(180)}) format('woff2');", "base64-image")
    d.add("    }", "    .logo {")
    d.safe(f"      background-image: url('data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAADAAAAAwCAYAAABXAvmHAAAA{g.b64(96)}');", "base64-image")
    d.add("    }", "  </style>")
    d.add("</head>", "<body>", '  <form id="login">', '    <label for="pw">Password</label>')
    d.safe('    <input id="pw" type="password" name="password" placeholder="Enter your password" autocomplete="current-password">', "i18n")
    d.add("  </form>")
    d.safe(f"  <script>window.__CFG__={{csrfToken:\"{{{{ csrf_token() }}}}\",build:\"{g.hex(12)}\"}};</script>", "reference")
    d.safe(
        '  <script>!function(w){var a="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";'
        'w.b64e=function(s){for(var o="",i=0;i<s.length;i+=3)o+=a.charAt(s.charCodeAt(i)>>2);return o}}(window);</script>',
        "minified",
    )
    d.add("</body>", "</html>")
    return [d]


def templated_configs(g: Gen) -> list[Doc]:
    erb = Doc("infra/chef/cookbooks/billing/templates/default/database.yml.erb")
    erb.add("production:", "  adapter: postgresql", "  host: <%= @db_host %>")
    erb.safe("  password: <%= @db_password %>", "reference")
    erb.safe("  sslpassword: <%= node['billing']['ssl_password'] %>", "reference")
    j2 = Doc("infra/ansible/roles/app/templates/app.env.j2")
    j2.safe("SENTRY_AUTH_TOKEN={{ sentry_auth_token }}", "reference")
    j2.safe("REDIS_URL=redis://:{{ redis_requirepass | urlencode }}@127.0.0.1:6379/0", "reference")
    j2.safe("SMTP_PASSWORD={{ lookup('community.general.onepassword', 'smtp', field='password') }}", "reference")
    j2.safe("GRAFANA_TOKEN={{ vault_grafana_token | default('') }}", "reference")
    return [erb, j2]


SCENARIOS: tuple[Callable[[Gen], list[Doc]], ...] = (
    flask_ledger,
    alembic_migration,
    fastapi_notify,
    nextjs_storefront,
    android_app,
    ios_app,
    ansible_site,
    serverless_thumbnails,
    pulumi_program,
    airflow_platform,
    dbt_profiles,
    hadoop_spark,
    chef_and_puppet,
    jenkins,
    bitbucket_and_azure,
    rust_ingest,
    elixir_phoenix,
    scala_hocon,
    postman,
    research_notebook,
    compose_override,
    system_services,
    dotfiles,
    logs,
    alerting,
    key_material,
    api_docs,
    azure_dotnet,
    rag_tooling,
    legacy_html,
    templated_configs,
)


def build(seed: int = SEED) -> list[Doc]:
    return list(devset.collect(SCENARIOS, Gen(seed), "make_heldout"))


def unlabelled_firings(root: Path, docs: list[Doc]) -> list[str]:
    """Lines where our candidate stage (every candidate, even filtered ones) or detect-secrets fires unlabelled."""
    return list(devset.unlabelled_firings(root, docs))


def main(argv: list[str] | None = None) -> int:
    return int(devset.run(argv, "make_heldout", build(), HERE))


if __name__ == "__main__":
    sys.exit(main())
