"""Write the public dev benchmark: benchmarks/devset/files/... and benchmarks/devset/labels.jsonl.

    python benchmarks/devset/make_devset.py            # regenerate (deterministic: same bytes every time)
    python benchmarks/devset/make_devset.py --check    # regenerate into a temp dir and compare with the repo

The files are written from scenarios held out from training: their own file layouts, variable names, value
styles and token providers (providers.HELDOUT_PROVIDERS are never used by the training generator), and file
kinds the training set does not have (PHP, Ruby, .npmrc, .pypirc, kubeconfig, nginx, SQL, HTML, lockfiles…).
Every labelled line is labelled by hand in its scenario, following the policy in docs/data.md. After writing,
the script runs our candidate stage and detect-secrets over every file and fails if either fires on a line
that has no label, so the "strict" score (unlabelled findings count as false positives) is meaningful.
Every secret here is synthetic: random bodies in real formats. None is a real credential.
"""

from __future__ import annotations

import argparse
import base64
import filecmp
import json
import random
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secretscan.scanner.rules.checksums import make_age_secret_key, make_github_token
from secretscan.training.data.providers import provider
from secretscan.training.data.rand import (
    ALNUM,
    BASE32,
    DIGITS,
    LOWER,
    UPPER,
    alnum,
    b64_of_bytes,
    chars,
    hexs,
    uuid4,
)

HERE = Path(__file__).resolve().parent
SEED = 20251123


@dataclass
class Doc:
    """One file of the benchmark and its labels (1-based line -> (label, category))."""

    path: str
    lines: list[str] = field(default_factory=list)
    labels: dict[int, tuple[bool, str]] = field(default_factory=dict)

    def add(self, *lines: str) -> None:
        """Unlabelled lines: code around the values, which no detector should fire on."""
        for text in lines:
            self.lines.extend(text.split("\n"))

    def secret(self, line: str, category: str) -> None:
        self._labelled(line, True, category)

    def safe(self, line: str, category: str) -> None:
        self._labelled(line, False, category)

    def _labelled(self, line: str, label: bool, category: str) -> None:
        if "\n" in line:
            raise ValueError("label one line at a time")
        self.lines.append(line)
        self.labels[len(self.lines)] = (label, category)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


class Values:
    """Held-out value styles: other words, other lengths, other providers than the training generator's."""

    _WORDS = (
        "lantern harbor quartz violet tundra meadow saffron ember glacier nimbus orchid cedar juniper "
        "basalt heron marigold onyx pebble sierra walnut yarrow zephyr indigo kestrel"
    ).split()

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def word(self) -> str:
        return self.rng.choice(self._WORDS)

    def passphrase(self, sep: str = "-") -> str:
        return sep.join(self.word().capitalize() for _ in range(2)) + sep + str(self.rng.randrange(10, 99))

    def generated(self, n: int = 18) -> str:
        return chars(self.rng, ALNUM + "!#%*+-.:=?@^_~", n - 2) + self.rng.choice(DIGITS) + self.rng.choice("#%+!")

    def hex(self, n: int) -> str:
        return hexs(self.rng, n)

    def b64(self, n_bytes: int, urlsafe: bool = False, pad: bool = True) -> str:
        return b64_of_bytes(self.rng, n_bytes, urlsafe, pad)

    def alnum(self, n: int) -> str:
        return alnum(self.rng, n)

    def chars(self, alphabet: str, n: int) -> str:
        return chars(self.rng, alphabet, n)

    def uuid(self) -> str:
        return uuid4(self.rng)

    def token(self, name: str) -> str:
        return provider(name).make(self.rng)

    def github(self, prefix: str = "ghp") -> str:
        return make_github_token(prefix, alnum(self.rng, 30))

    def jwt(self, claims: dict[str, object]) -> str:
        def seg(obj: object) -> str:
            return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode().rstrip("=")

        return f"{seg({'alg': 'RS256', 'kid': self.hex(8), 'typ': 'JWT'})}.{seg(claims)}.{self.b64(64, True, False)}"

    def ec_key_pem(self) -> list[str]:
        der = (
            bytes.fromhex("30770201010420")
            + self.rng.randbytes(32)
            + bytes.fromhex("a00a06082a8648ce3d030107a144034200")
            + b"\x04"
            + self.rng.randbytes(64)
        )
        return _pem("EC PRIVATE KEY", der)

    def pkcs8_pem(self) -> list[str]:
        # An RSA-sized PKCS#8 body: a DER SEQUENCE of random key material.
        return _pem(
            "PRIVATE KEY",
            bytes.fromhex("308204bd020100300d06092a864886f70d0101010500048204a7") + self.rng.randbytes(1191),
        )

    def openssh_pem(self) -> list[str]:
        return _pem("OPENSSH PRIVATE KEY", b"openssh-key-v1\x00" + self.rng.randbytes(384), width=70)

    def certificate_pem(self) -> list[str]:
        return _pem("CERTIFICATE", bytes.fromhex("308203") + self.rng.randbytes(700))

    def ssh_public(self, comment: str) -> str:
        return f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{self.b64(32)[:-1].rstrip('=')} {comment}"


def _pem(label: str, der: bytes, width: int = 64) -> list[str]:
    body = base64.b64encode(der).decode()
    return [
        f"-----BEGIN {label}-----",
        *(body[i : i + width] for i in range(0, len(body), width)),
        f"-----END {label}-----",
    ]


# ---------------------------------------------------------------------------------------------------------------
# Scenarios. Each returns the files of one small project area. Secrets: label True; traps: label False.
# ---------------------------------------------------------------------------------------------------------------


def django_settings(v: Values) -> list[Doc]:
    d = Doc("shop-api/config/settings/production.py")
    d.add(
        "from .base import *  # noqa: F401,F403",
        "import os",
        "",
        "DEBUG = False",
        'ALLOWED_HOSTS = ["shop.acme-retail.example"]',
    )
    d.secret(f'SECRET_KEY = "{v.chars(LOWER + DIGITS + "!@#%^*(-_=+)", 50)}"', "signing-key")
    d.add(
        "",
        "DATABASES = {",
        '    "default": {',
        '        "ENGINE": "django.db.backends.postgresql",',
        '        "NAME": "shop",',
    )
    d.safe('        "PASSWORD": os.environ["SHOP_PG_PASSWORD"],', "reference")
    d.add("    }", "}", "")
    d.safe('EMAIL_HOST_PASSWORD = "<smtp password from 1Password>"', "placeholder")
    d.secret(f'STRIPE_LIVE_SECRET = "{v.token("stripe-secret")}"', "api-token")
    d.safe(f'STRIPE_LIVE_PUBLISHABLE = "pk_live_{v.alnum(24)}"', "public-key")
    d.secret(f'AWS_S3_ACCESS_KEY_ID = "{v.token("aws-access-key-id")}"', "api-token")
    d.safe('AWS_S3_SECRET_ACCESS_KEY = os.getenv("AWS_S3_SECRET_ACCESS_KEY")', "reference")
    d.secret(f'SHOPIFY_WEBHOOK_SIGNING_SECRET = "{v.hex(64)}"', "signing-key")
    d.safe(f'ORDER_EXPORT_TENANT = "{v.uuid()}"', "uuid")
    return [d]


def django_tests(v: Values) -> list[Doc]:
    d = Doc("shop-api/orders/tests/test_checkout.py")
    d.add(
        "import pytest",
        "from django.test import Client",
        "",
        "",
        "@pytest.mark.django_db",
        "def test_checkout_requires_login(client: Client) -> None:",
    )
    d.secret(f'    client.login(username="kim", password="{v.passphrase()}")', "password")
    d.add(
        '    response = client.post("/checkout/", {"sku": "LMP-01"})', "    assert response.status_code == 302", "", ""
    )
    d.add("def test_stripe_charge(monkeypatch) -> None:")
    d.safe('    monkeypatch.setattr(settings, "STRIPE_LIVE_SECRET", "sk_live_" + "x" * 24)', "fake-fixture")
    d.safe('    card = "tok_visa"  # Stripe\'s documented test card token', "fake-fixture")
    d.safe('    webhook_secret = "not-a-real-webhook-secret"', "fake-fixture")
    d.secret('    api_password = "testpassword"', "password")
    d.add("    assert charge(card, api_password)")
    return [d]


def rails(v: Values) -> list[Doc]:
    db = Doc("billing/config/database.yml")
    db.add(
        "default: &default",
        "  adapter: postgresql",
        "  encoding: unicode",
        "  pool: 5",
        "",
        "development:",
        "  <<: *default",
        "  database: billing_dev",
        "  username: billing",
    )
    db.secret("  password: devpass", "password")
    db.add("", "production:", "  <<: *default", "  database: billing", "  username: billing")
    db.safe('  password: <%= ENV["BILLING_DATABASE_PASSWORD"] %>', "reference")
    init = Doc("billing/config/initializers/payments.rb")
    init.safe('Stripe.api_key = ENV.fetch("STRIPE_SECRET_KEY")', "reference")
    init.safe(
        "Braintree::Configuration.private_key = Rails.application.credentials.dig(:braintree, :private_key)",
        "reference",
    )
    init.secret(f'Square.access_token = "{v.token("square")}"', "api-token")
    init.add("", "Rails.application.config.payments_timeout = 15")
    return [db, init]


def helm_values(v: Values) -> list[Doc]:
    d = Doc("infra/helm/payments/values.yaml")
    d.add(
        "replicaCount: 3",
        "image:",
        "  repository: ghcr.io/acme/payments",
        '  tag: "2.14.1"',
        "",
        "postgresql:",
        "  auth:",
        "    username: payments",
    )
    d.safe("    existingSecret: payments-postgresql", "benign")
    d.safe('    password: "{{ .Values.global.postgresPassword }}"', "reference")
    d.add("", "integrations:", "  postman:")
    d.secret(f"    apiKey: {v.token('postman')}", "api-token")
    d.add("  newRelic:")
    d.secret(f"    licenseKey: {v.hex(40)}", "api-token")
    d.add("  slack:")
    d.safe('    webhookUrl: ""', "placeholder")
    d.add("", "podAnnotations:")
    d.safe(f'  checksum/config: "{v.hex(64)}"', "hash")
    return [d]


def github_workflow(v: Values) -> list[Doc]:
    d = Doc(".github/workflows/release.yml")
    d.add(
        "name: release",
        "on:",
        "  push:",
        "    tags: ['v*']",
        "jobs:",
        "  publish:",
        "    runs-on: ubuntu-24.04",
        "    env:",
    )
    d.safe("      NODE_AUTH_TOKEN: ${{ secrets.NPM_PUBLISH_TOKEN }}", "reference")
    d.secret(f"      DIGITALOCEAN_ACCESS_TOKEN: {v.token('digitalocean')}", "api-token")
    d.secret(f"      DOCKERHUB_TOKEN: dckr_pat_{v.chars(ALNUM + '-_', 27)}", "api-token")
    d.add("    steps:")
    d.safe(f"      - uses: actions/checkout@{v.hex(40)} # v4.2.2", "hash")
    d.safe(f"      - uses: actions/setup-node@{v.hex(40)} # v4.1.0", "hash")
    d.add("        with:", "          node-version: 22", "      - run: npm ci && npm publish")
    return [d]


def compose(v: Values) -> list[Doc]:
    d = Doc("deploy/docker-compose.yml")
    d.add("services:", "  mysql:", "    image: mysql:8.4", "    environment:")
    d.secret("      MYSQL_ROOT_PASSWORD: rootpass", "password")
    d.safe("      MYSQL_PASSWORD: ${MYSQL_PASSWORD:?set it in .env}", "reference")
    d.add("  grafana:", "    image: grafana/grafana:11.3.0", "    environment:")
    d.secret("      GF_SECURITY_ADMIN_PASSWORD: admin", "password")
    d.safe("      GF_SECURITY_ADMIN_USER: admin", "benign")
    d.add("  minio:", "    image: minio/minio", "    environment:")
    d.secret(f"      MINIO_ROOT_PASSWORD: {v.generated(24)}", "password")
    d.safe("      MINIO_ROOT_PASSWORD_FILE: /run/secrets/minio_root_password", "reference")
    return [d]


def dotenvs(v: Values) -> list[Doc]:
    example = Doc("web/.env.example")
    example.add("# Copy to .env.local and fill in real values")
    example.safe("OPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "placeholder")
    example.safe("LINEAR_API_KEY=lin_api_your_key_here", "placeholder")
    example.safe("SESSION_COOKIE_SECRET=generate-with-openssl-rand-hex-32", "placeholder")
    example.secret("DATABASE_URL=postgres://postgres:postgres@localhost:5432/web", "connection-string")
    example.safe("SMTP_PASSWORD=", "placeholder")
    prod = Doc("web/.env.production")
    prod.add("NODE_ENV=production", "PORT=8080")
    prod.secret(f"LINEAR_API_KEY={v.token('linear')}", "api-token")
    prod.secret(f"SHOPIFY_ADMIN_TOKEN={v.token('shopify')}", "api-token")
    prod.secret(f"SESSION_COOKIE_SECRET={v.hex(64)}", "signing-key")
    prod.secret(
        f"DATABASE_URL=postgresql://web:{v.passphrase('_')}@pg-primary.acme.internal:5432/web", "connection-string"
    )
    prod.safe(f"NEXT_PUBLIC_MAPBOX_TOKEN=pk.eyJ1Ijoi{v.b64(20, True, False)}.{v.b64(16, True, False)}", "public-key")
    prod.safe(f"NEXT_PUBLIC_POSTHOG_KEY=phc_{v.alnum(43)}", "public-key")
    prod.secret(f"DOPPLER_TOKEN={v.token('doppler')}", "api-token")
    return [example, prod]


def terraform(v: Values) -> list[Doc]:
    main = Doc("ops/terraform/rds.tf")
    main.add(
        'resource "aws_db_instance" "orders" {',
        '  identifier        = "orders-prod"',
        '  engine            = "postgres"',
        '  instance_class    = "db.r6g.large"',
        '  username          = "orders_admin"',
    )
    main.secret(f'  password          = "{v.passphrase("#")}"', "password")
    main.safe(f'  kms_key_id        = "arn:aws:kms:eu-west-1:{v.chars(DIGITS, 12)}:key/{v.uuid()}"', "random-id")
    main.add("}", "", 'resource "aws_db_instance" "replica" {', '  identifier = "orders-replica"')
    main.safe("  password   = var.orders_replica_password", "reference")
    main.add("}", "", 'data "aws_secretsmanager_secret_version" "grafana" {', '  secret_id = "prod/grafana/admin"', "}")
    main.safe("  # admin_password = data.aws_secretsmanager_secret_version.grafana.secret_string", "reference")
    tfvars = Doc("ops/terraform/prod.auto.tfvars")
    tfvars.add('region = "eu-west-1"')
    tfvars.secret(f'datadog_api_key = "{v.hex(32)}"', "api-token")
    tfvars.secret(f'datadog_app_key = "{v.hex(40)}"', "api-token")
    tfvars.safe('pagerduty_token = "REPLACE_WITH_PAGERDUTY_TOKEN"', "placeholder")
    tfvars.secret(f'grafana_auth = "{v.token("grafana")}"', "api-token")
    return [main, tfvars]


def android(v: Values) -> list[Doc]:
    d = Doc("mobile/android/app/src/main/res/values/strings.xml")
    d.add('<?xml version="1.0" encoding="utf-8"?>', "<resources>", '    <string name="app_name">Acme Courier</string>')
    d.secret(f'    <string name="google_maps_key">{v.token("google-api")}</string>', "api-token")
    d.safe('    <string name="password_hint">Password</string>', "i18n")
    d.safe('    <string name="password_forgot">Forgot your password?</string>', "i18n")
    d.safe('    <string name="api_token_label">API token</string>', "i18n")
    d.add("</resources>")
    return [d]


def spring(v: Values) -> list[Doc]:
    props = Doc("services/notifier/src/main/resources/application-prod.properties")
    props.add(
        "spring.application.name=notifier",
        "spring.mail.host=smtp.acme-mail.example",
        "spring.mail.username=notifier@acme-mail.example",
    )
    props.secret(f"spring.mail.password={v.generated(16)}", "password")
    props.safe("spring.datasource.password=${NOTIFIER_DB_PASSWORD}", "reference")
    props.secret(f"notifier.jwt.signing-secret={v.b64(48)}", "signing-key")
    props.safe("notifier.jwt.algorithm=HS512", "benign")
    props.safe(
        "spring.security.oauth2.client.registration.acme.client-secret=${sm://notifier-oauth-secret}", "reference"
    )
    java = Doc("services/notifier/src/main/java/com/acme/notify/SlackNotifier.java")
    java.add("package com.acme.notify;", "", "final class SlackNotifier {")
    java.secret(
        f'    private static final String WEBHOOK = "https://hooks.slack.com/services/T{v.chars(UPPER + DIGITS, 10)}/B{v.chars(UPPER + DIGITS, 10)}/{v.alnum(24)}";',
        "api-token",
    )
    java.safe(f'    private static final String ALERTS_CHANNEL = "C0{v.chars(UPPER + DIGITS, 9)}";', "random-id")
    java.secret(f'    private final String signingSecret = "{v.hex(32)}";', "signing-key")
    java.add("", "    void post(String text) {", "        http.post(WEBHOOK, text);", "    }", "}")
    test = Doc("services/notifier/src/test/java/com/acme/notify/SlackNotifierTest.java")
    test.add("package com.acme.notify;", "", "class SlackNotifierTest {", "    @Test", "    void signsRequests() {")
    test.safe('        var notifier = new SlackNotifier("dummy-signing-secret");', "fake-fixture")
    test.safe('        String token = System.getenv("SLACK_TEST_TOKEN");', "reference")
    test.secret('        var client = SlackClient.withPassword("Correct-Horse-1");', "password")
    test.add("    }", "}")
    return [props, java, test]


def go_service(v: Values) -> list[Doc]:
    main = Doc("cmd/ingest/main.go")
    main.add("package main", "", "import (", '\t"log"', '\t"os"', ")", "", "const (")
    main.secret(f'\tdefaultWarehouseToken = "{v.token("databricks")}"', "api-token")
    main.safe(f'\tbuildCommit = "{v.hex(40)}"', "hash")
    main.add(")", "", "func main() {")
    main.safe('\ttoken := os.Getenv("INGEST_WAREHOUSE_TOKEN")', "reference")
    main.add(
        '\tif token == "" {',
        "\t\ttoken = defaultWarehouseToken",
        "\t}",
        '\tlog.Printf("ingest starting (commit %s)", buildCommit)',
        "}",
    )
    test = Doc("internal/store/store_test.go")
    test.add("package store", "", 'import "testing"', "", "func TestOpen(t *testing.T) {")
    test.secret('\tdsn := "postgres://test:test@localhost:5432/test?sslmode=disable"', "connection-string")
    test.safe('\tfake := "postgres://user:password@localhost/db"', "key-as-value")
    test.add("\tif _, err := Open(dsn); err != nil {", "\t\tt.Fatal(err)", "\t}", "}")
    return [main, test]


def frontend(v: Values) -> list[Doc]:
    cfg = Doc("frontend/src/config.ts")
    cfg.add("export const API_BASE = 'https://api.acme-retail.example/v2';")
    cfg.safe("export const analyticsKey = process.env.NEXT_PUBLIC_ANALYTICS_KEY ?? '';", "reference")
    cfg.secret(f"const ADMIN_GRAFANA_TOKEN = '{v.token('grafana')}';", "api-token")
    cfg.safe(f"export const TENANT_ID = '{v.uuid()}';", "uuid")
    cfg.safe("export const PASSWORD_MIN_LENGTH = 12;", "benign")
    lock = Doc("frontend/package-lock.json")
    lock.add("{", '  "name": "frontend",', '  "lockfileVersion": 3,', '  "packages": {')
    for name in ("react", "react-dom", "scheduler", "loose-envify", "js-tokens", "zod", "clsx", "date-fns"):
        lock.add(
            f'    "node_modules/{name}": {{',
            f'      "version": "{v.rng.randrange(1, 19)}.{v.rng.randrange(10)}.{v.rng.randrange(10)}",',
        )
        lock.add(f'      "resolved": "https://registry.npmjs.org/{name}/-/{name}-1.0.0.tgz",')
        lock.safe(f'      "integrity": "sha512-{v.b64(64)}"', "hash")
        lock.add("    },")
    lock.add('    "": {}', "  }", "}")
    html = Doc("frontend/public/index.html")
    html.add("<!doctype html>", "<html>", "<head>")
    html.safe(
        f'  <script src="https://cdn.acme-retail.example/vendor.js" integrity="sha384-{v.b64(48)}" crossorigin="anonymous"></script>',
        "hash",
    )
    html.add("</head>", "<body>")
    html.safe(f'  <img alt="logo" src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA{v.b64(90)}">', "base64-image")
    html.add('  <div id="root"></div>', "</body>", "</html>")
    minified = Doc("frontend/dist/assets/vendor.min.js")
    minified.safe(
        f'!function(e,t){{"use strict";var n="{v.alnum(32)}",r=function(e){{return e.split("").reverse().join("")}};'
        f't.k=r(n);t.h="{v.hex(40)}";t.v="{v.b64(24)}"}}(window,window.__acme||(window.__acme={{}}));',
        "minified",
    )
    locale = Doc("frontend/src/locales/de.json")
    locale.add("{")
    for key, text in (
        ("password", "Passwort"),
        ("forgotPassword", "Passwort vergessen?"),
        ("apiKeyLabel", "API-Schlüssel"),
        ("tokenExpired", "Ihre Sitzung ist abgelaufen"),
        ("secretQuestion", "Sicherheitsfrage"),
        ("newPassword", "Neues Passwort"),
    ):
        locale.safe(f'  "{key}": "{text}",', "i18n")
    locale.add('  "save": "Speichern"', "}")
    return [cfg, lock, html, minified, locale]


def docs(v: Values) -> list[Doc]:
    stripe = Doc("docs/integrations/stripe.md")
    stripe.add("# Stripe", "", "The API reads the key from the environment:", "", "```bash")
    stripe.safe("export STRIPE_API_KEY=<your-secret-key>", "placeholder")
    stripe.add(
        "```", "", "A key looks like `sk_live_••••••••••••••••` in the dashboard. For local testing:", "", "```bash"
    )
    stripe.safe("stripe listen --api-key sk_test_XXXXXXXXXXXXXXXXXXXXXXXX", "placeholder")
    stripe.add("```", "", "Support asked for our restricted key during the incident; it was rotated afterwards:", "")
    stripe.secret(f"    STRIPE_API_KEY={v.token('stripe-restricted')}", "api-token")
    runbook = Doc("docs/runbooks/db-failover.md")
    runbook.add("# Database failover", "", "1. Promote the replica.", "2. Check that writes work:", "", "```sh")
    runbook.secret(
        f'psql "postgresql://dba:{v.passphrase(".")}@db-replica.acme.internal:5432/orders" -c "select 1"',
        "connection-string",
    )
    runbook.safe(
        "PGPASSWORD=$(vault kv get -field=password secret/orders/dba) pg_dump orders > orders.sql", "reference"
    )
    runbook.add("```", "", "3. Page the on-call DBA if anything fails.")
    readme = Doc("README.md")
    readme.add("# acme-retail monorepo", "", "## Quick start", "", "```bash")
    readme.safe("export OPENAI_API_KEY=sk-...", "placeholder")
    readme.safe("export ANTHROPIC_API_KEY=$(op read op://dev/anthropic/credential)", "reference")
    readme.add("make dev", "```", "", "Example response from `GET /v1/tokens`:", "", "```json")
    readme.safe('{"id": "tok_01", "token": "glpat-****************", "expires_at": "2025-12-01"}', "placeholder")
    readme.add("```")
    return [stripe, runbook, readme]


def notebook(v: Values) -> list[Doc]:
    d = Doc("notebooks/churn-analysis.ipynb")
    d.add(
        "{",
        ' "cells": [',
        "  {",
        '   "cell_type": "code",',
        '   "execution_count": 3,',
        '   "metadata": {},',
        '   "outputs": [],',
        '   "source": [',
    )
    d.add('    "import openai\\n",', '    "from google.cloud import bigquery\\n",')
    d.secret(f'    "openai.api_key = \\"{v.token("openai")}\\"\\n",', "api-token")
    d.safe('    "hf_token = os.environ[\\"HF_TOKEN\\"]\\n",', "reference")
    d.add(
        '    "client = bigquery.Client(project=\\"acme-analytics\\")"',
        "   ]",
        "  },",
        "  {",
        '   "cell_type": "code",',
        '   "execution_count": 4,',
        '   "metadata": {},',
        '   "outputs": [',
        "    {",
        '     "data": {',
    )
    d.safe(
        f'      "image/png": "iVBORw0KGgoAAAANSUhEUgAAAoAAAAHgCAYAAAA10dzkAAAAOXRFWHRTb2Z0d2FyZQBNYXRwbG90bGli{v.b64(120)}"',
        "base64-image",
    )
    d.add(
        "     },",
        '     "metadata": {},',
        '     "output_type": "display_data"',
        "    }",
        "   ],",
        '   "source": [',
        '    "churn.plot()"',
        "   ]",
        "  }",
        " ],",
        ' "metadata": {},',
        ' "nbformat": 4,',
        ' "nbformat_minor": 5',
        "}",
    )
    return [d]


def shell(v: Values) -> list[Doc]:
    backup = Doc("scripts/backup.sh")
    backup.add("#!/usr/bin/env bash", "set -euo pipefail", "")
    backup.secret(f'export AWS_SECRET_ACCESS_KEY="{v.token("aws-secret-key")}"', "api-token")
    backup.safe('mysqldump -u backup -p"$BACKUP_DB_PASS" shop > /backups/shop.sql', "reference")
    backup.secret(
        f'curl -fsS -u "ops:{v.passphrase()}" https://nexus.acme.internal/repository/backups/ -T /backups/shop.sql',
        "password",
    )
    backup.safe("sha256sum /backups/shop.sql > /backups/shop.sql.sha256", "benign")
    rotate = Doc("scripts/rotate-signing-key.sh")
    rotate.add("#!/bin/sh", "set -eu")
    rotate.safe("NEW_SIGNING_KEY=$(openssl rand -hex 32)", "reference")
    rotate.safe(f'echo "previous key fingerprint: {v.hex(64)}"', "hash")
    rotate.safe(
        'kubectl create secret generic signing-key --from-literal=key="$NEW_SIGNING_KEY" --dry-run=client -o yaml | kubectl apply -f -',
        "reference",
    )
    rotate.secret(f'OLD_SIGNING_KEY="{v.b64(32)}"', "signing-key")
    return [backup, rotate]


def containers(v: Values) -> list[Doc]:
    d = Doc("services/catalog/Dockerfile")
    d.add("FROM node:22-alpine AS build", "WORKDIR /src")
    d.add("ARG NPM_TOKEN")
    d.safe('RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci && rm .npmrc', "reference")
    d.secret(f"ENV NEW_RELIC_LICENSE_KEY={v.hex(40)}", "api-token")
    d.safe("ENV NEW_RELIC_APP_NAME=catalog", "benign")
    d.safe(f"FROM gcr.io/distroless/nodejs22@sha256:{v.hex(64)}", "hash")
    npmrc = Doc("services/catalog/.npmrc")
    npmrc.add("@acme:registry=https://npm.pkg.github.com")
    npmrc.secret(f"//registry.npmjs.org/:_authToken={make_github_token('npm', v.alnum(30))}", "api-token")
    pypirc = Doc("tools/release/.pypirc")
    pypirc.add("[distutils]", "index-servers = pypi", "", "[pypi]", "username = __token__")
    pypirc.secret(f"password = {v.token('pypi')}", "api-token")
    return [d, npmrc, pypirc]


def kube(v: Values) -> list[Doc]:
    d = Doc("ops/kube/ci-deployer.kubeconfig.yaml")
    d.add("apiVersion: v1", "kind: Config", "clusters:", "  - name: prod")
    d.add("    cluster:")
    d.safe(f"      certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t{v.b64(150)}", "public-key")
    d.add("      server: https://k8s.acme.internal:6443", "users:", "  - name: ci-deployer", "    user:")
    d.secret(
        f"      token: {v.jwt({'iss': 'kubernetes/serviceaccount', 'sub': 'system:serviceaccount:ci:deployer'})}", "jwt"
    )
    secret = Doc("ops/kube/orders-secret.yaml")
    secret.add("apiVersion: v1", "kind: Secret", "metadata:", "  name: orders-db", "type: Opaque", "data:")
    secret.secret(f"  password: {base64.b64encode(v.passphrase().encode()).decode()}", "password")
    secret.add("stringData:")
    secret.safe("  username: orders", "benign")
    secret.secret(f"  replication-password: {v.generated(20)}", "password")
    return [d, secret]


def dotnet(v: Values) -> list[Doc]:
    app = Doc("Acme.Orders/appsettings.Production.json")
    app.add("{", '  "ConnectionStrings": {')
    app.secret(
        f'    "Orders": "Server=sql-prod.acme.internal;Database=Orders;User Id=orders_app;Password={v.generated(20)};TrustServerCertificate=True"',
        "connection-string",
    )
    app.add("  },", '  "AzureAd": {', '    "Instance": "https://login.microsoftonline.com/",')
    app.safe(f'    "TenantId": "{v.uuid()}",', "uuid")
    app.safe(f'    "ClientId": "{v.uuid()}",', "uuid")
    app.secret(f'    "ClientSecret": "{v.chars(ALNUM, 3)}8Q~{v.chars(ALNUM + "_-.~", 31)}"', "api-token")
    app.add("  },", '  "Logging": { "LogLevel": { "Default": "Warning" } }', "}")
    web = Doc("Acme.Legacy/Web.config")
    web.add('<?xml version="1.0" encoding="utf-8"?>', "<configuration>", "  <appSettings>")
    web.secret(
        f'    <add key="StorageConnection" value="DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey={v.b64(64)};EndpointSuffix=core.windows.net" />',
        "connection-string",
    )
    web.safe('    <add key="SmtpPassword" value="#{SmtpPassword}#" />', "reference")
    web.safe('    <add key="ApiKeyHeader" value="X-Acme-Key" />', "benign")
    web.add("  </appSettings>", "</configuration>")
    proj = Doc("Acme.Legacy/Acme.Legacy.csproj")
    proj.add('<Project ToolsVersion="15.0">', "  <PropertyGroup>")
    proj.safe(f"    <ProjectGuid>{{{v.uuid().upper()}}}</ProjectGuid>", "uuid")
    proj.safe(f"    <UserSecretsId>{v.uuid()}</UserSecretsId>", "uuid")
    proj.add("  </PropertyGroup>", "</Project>")
    return [app, web, proj]


def gcp(v: Values) -> list[Doc]:
    d = Doc("ops/gcp/etl-runner-key.json")
    d.add("{", '  "type": "service_account",', '  "project_id": "acme-etl-prod",')
    d.safe(f'  "private_key_id": "{v.hex(40)}",', "random-id")
    key = "\\n".join(v.pkcs8_pem()) + "\\n"
    d.secret(f'  "private_key": "{key}",', "private-key")
    d.add('  "client_email": "etl-runner@acme-etl-prod.iam.gserviceaccount.com",')
    d.safe(f'  "client_id": "{v.chars(DIGITS, 21)}",', "random-id")
    d.add('  "token_uri": "https://oauth2.googleapis.com/token"', "}")
    return [d]


def php(v: Values) -> list[Doc]:
    d = Doc("blog/wp-config.php")
    d.add("<?php", "define( 'DB_NAME', 'blog' );", "define( 'DB_USER', 'blog' );")
    d.secret(f"define( 'DB_PASSWORD', '{v.passphrase('_')}' );", "password")
    d.add("define( 'DB_HOST', 'mysql.acme.internal' );", "")
    d.secret(f"define( 'AUTH_KEY',         '{v.chars(ALNUM + '!#%()*+,-.:;=?@[]^_{{|}}~', 64)}' );", "signing-key")
    d.secret(f"define( 'SECURE_AUTH_KEY',  '{v.chars(ALNUM + '!#%()*+,-.:;=?@[]^_{{|}}~', 64)}' );", "signing-key")
    d.safe("define( 'LOGGED_IN_KEY',    'put your unique phrase here' );", "placeholder")
    d.safe("define( 'NONCE_SALT',       'put your unique phrase here' );", "placeholder")
    d.safe("$mailgun_key = getenv('MAILGUN_API_KEY');", "reference")
    d.add("$table_prefix = 'wp_';", "require_once ABSPATH . 'wp-settings.php';")
    return [d]


def ansible(v: Values) -> list[Doc]:
    d = Doc("ansible/inventories/prod/group_vars/web.yml")
    d.add("nginx_worker_processes: auto", "app_user: deploy")
    d.safe('ansible_become_password: "{{ vault_become_password }}"', "reference")
    d.secret(f'nginx_basic_auth_password: "{v.passphrase()}"', "password")
    d.safe("redis_password: !vault |", "reference")
    d.add("  $ANSIBLE_VAULT;1.1;AES256")
    for _ in range(3):
        d.add(f"  {v.hex(64)}")
    d.safe(
        "app_secret_key_base: \"{{ lookup('community.hashi_vault.hashi_vault', 'secret=app/web:key') }}\"", "reference"
    )
    return [d]


def monitoring(v: Values) -> list[Doc]:
    d = Doc("monitoring/grafana/provisioning/datasources/mimir.yaml")
    d.add(
        "apiVersion: 1",
        "datasources:",
        "  - name: Mimir",
        "    type: prometheus",
        "    url: https://mimir.acme.internal/prometheus",
    )
    d.safe("    basicAuth: true", "benign")
    d.add("    basicAuthUser: grafana")
    d.safe("    basicAuthPassword: $MIMIR_READ_PASSWORD", "reference")
    d.add("    secureJsonData:")
    d.secret(f"      basicAuthPassword: mimir-read-{v.alnum(10)}", "password")
    d.add("  - name: Loki", "    type: loki", "    secureJsonData:")
    d.secret(f"      httpHeaderValue1: Bearer {v.alnum(40)}", "auth-header")
    return [d]


def nginx(v: Values) -> list[Doc]:
    d = Doc("ops/nginx/conf.d/upstream-auth.conf")
    d.add("server {", "    listen 443 ssl;", "    server_name reports.acme.example;", "    location / {")
    d.safe("        proxy_pass http://reports:8080;", "benign")
    creds = base64.b64encode(f"reports:{v.passphrase()}".encode()).decode()
    d.secret(f'        proxy_set_header Authorization "Basic {creds}";', "auth-header")
    d.safe("        auth_basic_user_file /etc/nginx/.htpasswd;", "reference")
    d.add("    }", "}")
    htpasswd = Doc("ops/nginx/.htpasswd")
    htpasswd.safe(f"admin:$apr1${v.chars(ALNUM, 8)}${v.chars(ALNUM + './', 22)}", "hash")
    htpasswd.safe(f"reports:$2y$10${v.chars(ALNUM + './', 53)}", "hash")
    return [d, htpasswd]


def ssh_material(v: Values) -> list[Doc]:
    keys = Doc("ops/ssh/authorized_keys")
    for who in ("kim@laptop", "ci@build-03", "ana@workstation"):
        keys.safe(v.ssh_public(who), "public-key")
    cert = Doc("ops/tls/ca-bundle.pem")
    for line in v.certificate_pem():
        cert.add(line)
    cert.labels[1] = (False, "public-key")
    deploy = Doc("ops/ssh/deploy_ed25519")
    pem = v.openssh_pem()
    deploy.secret(pem[0], "private-key")
    deploy.add(*pem[1:])
    ec = Doc("services/payments/certs/signing.key")
    pem = v.ec_key_pem()
    ec.secret(pem[0], "private-key")
    ec.add(*pem[1:])
    fixture = Doc("services/payments/tests/fixtures/keys.py")
    fixture.add('"""Key shapes for parser tests; bodies are elided on purpose."""', "")
    fixture.safe(
        'TRUNCATED_RSA = "-----BEGIN RSA PRIVATE KEY-----\\nMIIEpAIBAAKCAQEA...\\n-----END RSA PRIVATE KEY-----"',
        "placeholder",
    )
    fixture.safe('PUBLIC_PEM_HEADER = "-----BEGIN PUBLIC KEY-----"', "public-key")
    age = Doc("ops/sops/age-keys.txt")
    age.add("# created: 2025-03-02T10:11:12Z")
    age.safe(f"# public key: age1{v.chars('qpzry9x8gf2tvdw0s3jn54khce6mua7l', 58)}", "public-key")
    age.secret(make_age_secret_key(v.rng.randbytes(32)), "private-key")
    return [keys, cert, deploy, ec, fixture, age]


def lockfiles(v: Values) -> list[Doc]:
    gosum = Doc("cmd/ingest/go.sum")
    for mod in (
        "github.com/google/uuid v1.6.0",
        "github.com/jackc/pgx/v5 v5.7.1",
        "golang.org/x/crypto v0.31.0",
        "golang.org/x/sync v0.10.0",
    ):
        gosum.safe(f"{mod} h1:{v.b64(32)}", "hash")
        gosum.safe(f"{mod}/go.mod h1:{v.b64(32)}", "hash")
    poetry = Doc("tools/etl/poetry.lock")
    poetry.add("[[package]]", 'name = "requests"', 'version = "2.32.3"', "files = [")
    poetry.safe(f'    {{file = "requests-2.32.3-py3-none-any.whl", hash = "sha256:{v.hex(64)}"}},', "hash")
    poetry.safe(f'    {{file = "requests-2.32.3.tar.gz", hash = "sha256:{v.hex(64)}"}},', "hash")
    poetry.add("]")
    reqs = Doc("tools/etl/requirements.txt")
    reqs.safe(f"urllib3==2.2.3 --hash=sha256:{v.hex(64)}", "hash")
    reqs.safe(f"idna==3.10 --hash=sha256:{v.hex(64)}", "hash")
    changelog = Doc("CHANGELOG.md")
    changelog.add("# Changelog", "", "## 2.14.1", "")
    for text in (
        "fix rounding in refunds",
        "bump pgx",
        "rotate webhook signing secret (no secret in this repo)",
        "retry Slack posts",
    ):
        changelog.safe(f"- {text} ([{v.hex(7)}](https://github.com/acme/retail/commit/{v.hex(40)}))", "hash")
    return [gosum, poetry, reqs, changelog]


def python_misc(v: Values) -> list[Doc]:
    ids = Doc("shop-api/common/ids.py")
    ids.add('"""Identifiers shared by the services."""', "")
    ids.safe(f'DEFAULT_WAREHOUSE_ID = "{v.hex(24)}"', "random-id")
    ids.safe(f'PRICE_ID_MONTHLY = "price_{v.alnum(24)}"', "random-id")
    ids.safe(f'SENTRY_RELEASE = "{v.hex(40)}"', "hash")
    ids.safe(f'IDEMPOTENCY_NAMESPACE = "{v.uuid()}"', "uuid")
    ids.secret(f'REQUEST_SIGNING_SECRET = b"{v.b64(32)}"', "signing-key")
    ids.secret(f'TOTP_ISSUER_SECRET = "{v.chars(BASE32, 32)}"', "signing-key")
    mailer = Doc("shop-api/mailer/mailer.ini")
    mailer.add("[smtp]", "host = smtp.acme-mail.example", "user = shop@acme-mail.example")
    mailer.secret(f"password = {v.generated(14)}", "password")
    mailer.add("", "[imap]", "host = imap.acme-mail.example")
    mailer.safe("password = %(password)s", "reference")
    mailer.safe("token_url = https://auth.acme-mail.example/oauth2/token", "benign")
    client = Doc("shop-api/integrations/warehouse_client.py")
    client.add(
        "import httpx", "", "", "class WarehouseClient:", "    def __init__(self, token: str | None = None) -> None:"
    )
    client.safe('        self.token = token or os.environ.get("WAREHOUSE_TOKEN", "")', "reference")
    client.secret(f'        self._fallback = "{v.token("vault")}"', "api-token")
    client.secret(f'        self._headers = {{"Authorization": "Bearer {v.alnum(48)}"}}', "auth-header")
    client.safe('        self._template = {"Authorization": "Bearer {token}"}', "reference")
    client.safe("        self.password = password  # set by the caller", "reference")
    return [ids, mailer, client]


def sql(v: Values) -> list[Doc]:
    d = Doc("db/seed/001_users.sql")
    d.add("BEGIN;")
    d.safe(
        f"INSERT INTO users (email, password_hash) VALUES ('kim@acme.example', '$2b$12${v.chars(ALNUM + './', 53)}');",
        "hash",
    )
    d.secret(f"CREATE USER reporting WITH PASSWORD '{v.passphrase('!')}';", "password")
    d.safe("ALTER USER reporting WITH PASSWORD :'reporting_password';", "reference")
    d.add("COMMIT;")
    return [d]


def git_credentials(v: Values) -> list[Doc]:
    creds = Doc("ops/ci/.git-credentials")
    creds.secret(f"https://deploy-bot:{v.github('ghp')}@github.com", "api-token")
    creds.safe("https://oauth2:${CI_JOB_TOKEN}@gitlab.acme.internal", "reference")
    netrc = Doc("ops/ci/netrc")
    netrc.secret(f"machine artifacts.acme.internal login ci password {v.generated(22)}", "password")
    netrc.safe("machine api.heroku.com login ci@acme.example password $HEROKU_API_KEY", "reference")
    return [creds, netrc]


def tokens_misc(v: Values) -> list[Doc]:
    d = Doc("services/alerts/config/providers.yaml")
    d.add("providers:", "  telegram:")
    d.secret(f'    bot_token: "{v.token("telegram")}"', "api-token")
    d.add("  discord:")
    d.secret(
        f"    webhook: https://discord.com/api/webhooks/{v.chars(DIGITS, 19)}/{v.chars(ALNUM + '_-', 68)}", "api-token"
    )
    d.add("  sendgrid:")
    d.secret(f"    api_key: {v.token('sendgrid')}", "api-token")
    d.add("  twilio:")
    d.safe(f"    account_sid: AC{v.hex(32)}", "random-id")
    d.secret(f"    auth_token: {v.hex(32)}", "api-token")
    d.add("  heroku:")
    d.secret(f"    heroku_api_key: {v.uuid()}", "api-token")
    d.add("  huggingface:")
    d.safe("    token: hf_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "placeholder")
    d.add("  anthropic:")
    d.secret(f"    api_key: {v.token('anthropic')}", "api-token")
    d.add("  slack:")
    d.secret(f"    bot_token: {v.token('slack-bot')}", "api-token")
    d.safe("    signing_secret: ${SLACK_SIGNING_SECRET}", "reference")
    return [d]


def kotlin_and_swift(v: Values) -> list[Doc]:
    kt = Doc("mobile/android/app/src/main/java/com/acme/courier/ApiModule.kt")
    kt.add("package com.acme.courier", "", "object ApiModule {")
    kt.secret(f'    private const val CLIENT_SECRET = "{v.alnum(40)}"', "api-token")
    kt.safe("    private val apiKey = BuildConfig.COURIER_API_KEY", "reference")
    kt.safe(f'    const val CLIENT_ID = "{v.uuid()}"', "uuid")
    kt.add("}")
    swift = Doc("mobile/ios/Courier/Secrets.swift")
    swift.add("import Foundation", "", "enum Secrets {")
    swift.secret(f'    static let mapsApiKey = "{v.token("google-api")}"', "api-token")
    swift.safe(
        '    static let analyticsKey = Bundle.main.object(forInfoDictionaryKey: "ANALYTICS_KEY") as? String',
        "reference",
    )
    swift.secret(f'    static let keychainPassphrase = "{v.passphrase(" ")}"', "password")
    swift.add("}")
    return [kt, swift]


def near_misses(v: Values) -> list[Doc]:
    """The same shapes side by side: a real-looking value, and the look-alike that is not a secret."""
    d = Doc("shop-api/config/feature_payments.py")
    d.add('"""Payment provider settings per environment."""', "")
    d.secret(f'PAYPAL_CLIENT_SECRET = "{v.chars(ALNUM + "-_", 80)}"', "api-token")
    d.safe('PAYPAL_CLIENT_SECRET_SANDBOX = "<paypal-sandbox-secret>"', "placeholder")
    d.secret(f'ADYEN_HMAC_KEY = "{v.hex(64).upper()}"', "signing-key")
    d.safe(f'ADYEN_HMAC_KEY_CHECKSUM = "{v.hex(64)}"', "hash")
    d.secret(f'KLARNA_PASSWORD = "{v.passphrase("+")}"', "password")
    d.safe('KLARNA_PASSWORD_TEST = "KLARNA_PASSWORD"', "key-as-value")
    d.secret(f'MOLLIE_API_KEY = "live_{v.alnum(30)}"', "api-token")
    d.safe('MOLLIE_API_KEY_TEST = "test_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"', "placeholder")
    d.secret(f'ADMIN_PANEL_PASSWORD = "{v.word()}{v.rng.randrange(100, 999)}"', "password")
    d.safe('ADMIN_PANEL_PASSWORD_HINT = "ask the on-call engineer"', "benign")
    d.safe('ADMIN_PANEL_PASSWORD_POLICY = "min 12 chars, 1 digit"', "benign")
    d.secret('LEGACY_SOAP_PASSWORD = "client"', "password")
    d.safe('LEGACY_SOAP_PASSWORD_REF = "vault:secret/data/legacy/soap#password"', "reference")
    d.safe('LEGACY_SOAP_PASSWORD_MASKED = "********"', "placeholder")
    return [d]


def search_and_queues(v: Values) -> list[Doc]:
    es = Doc("services/search/config/elasticsearch.yml")
    es.add("cluster.name: catalog-search", "network.host: 0.0.0.0", "xpack.security.enabled: true")
    es.secret(f"elasticsearch.password: {v.passphrase()}", "password")
    es.safe("xpack.security.http.ssl.keystore.path: certs/http.p12", "benign")
    es.secret(f"xpack.security.http.ssl.keystore.secure_password: {v.generated(16)}", "password")
    redis = Doc("ops/redis/redis.conf")
    redis.add(
        "bind 0.0.0.0",
        "port 6379",
        "# Require clients to issue AUTH <PASSWORD> before processing any other",
        "# commands.",
    )
    redis.safe("# requirepass foobared", "example-key")
    redis.secret(f"requirepass {v.passphrase()}", "password")
    redis.add("maxmemory 2gb")
    rabbit = Doc("ops/rabbitmq/rabbitmq.conf")
    rabbit.add("listeners.tcp.default = 5672", "default_user = guest")
    rabbit.secret("default_pass = guest", "password")
    rabbit.safe("default_pass_file = /run/secrets/rabbitmq_pass", "reference")
    pgpass = Doc("ops/postgres/.pgpass")
    pgpass.secret(f"db.acme.internal:5432:orders:orders_app:{v.passphrase('#')}", "password")
    pgpass.secret(f"*:*:*:replicator:{v.generated(24)}", "password")
    return [es, redis, rabbit, pgpass]


def laravel(v: Values) -> list[Doc]:
    env = Doc("portal/.env")
    env.add("APP_NAME=Portal", "APP_ENV=production")
    env.secret(f"APP_KEY=base64:{v.b64(32)}", "signing-key")
    env.add("DB_CONNECTION=mysql", "DB_HOST=mysql.acme.internal", "DB_USERNAME=portal")
    env.secret("DB_PASSWORD=secret", "password")
    env.safe("MAIL_PASSWORD=null", "placeholder")
    env.safe("REDIS_PASSWORD=null", "placeholder")
    env.secret(f"PUSHER_APP_SECRET={v.hex(20)}", "api-token")
    env.safe("PUSHER_APP_KEY=${PUSHER_KEY}", "reference")
    env.safe('VITE_PUSHER_APP_KEY="${PUSHER_APP_KEY}"', "reference")
    cfg = Doc("portal/config/services.php")
    cfg.add("<?php", "", "return [", "    'mailgun' => [", "        'domain' => env('MAILGUN_DOMAIN'),")
    cfg.safe("        'secret' => env('MAILGUN_SECRET'),", "reference")
    cfg.add("    ],", "    'stripe' => [")
    cfg.secret(f"        'secret' => '{v.token('stripe-secret')}',", "api-token")
    cfg.safe(f"        'key' => 'pk_live_{v.alnum(24)}',", "public-key")
    cfg.add("    ],", "];")
    return [env, cfg]


def rails_secrets(v: Values) -> list[Doc]:
    d = Doc("billing/config/secrets.yml")
    d.add("development:")
    d.secret(f"  secret_key_base: {v.hex(128)}", "signing-key")
    d.add("test:")
    d.secret(f"  secret_key_base: {v.hex(128)}", "signing-key")
    d.add("production:")
    d.safe('  secret_key_base: <%= ENV["SECRET_KEY_BASE"] %>', "reference")
    storage = Doc("billing/config/storage.yml")
    storage.add("amazon:", "  service: S3")
    storage.safe("  access_key_id: <%= Rails.application.credentials.dig(:aws, :access_key_id) %>", "reference")
    storage.safe("  secret_access_key: <%= Rails.application.credentials.dig(:aws, :secret_access_key) %>", "reference")
    storage.add("  region: eu-west-1", "  bucket: acme-billing-uploads")
    return [d, storage]


def docker_registry(v: Values) -> list[Doc]:
    cfg = Doc("ops/ci/docker-config.json")
    auth = base64.b64encode(f"ci-pusher:{v.generated(20)}".encode()).decode()
    cfg.add("{", '  "auths": {', '    "registry.acme.internal": {')
    cfg.secret(f'      "auth": "{auth}"', "password")
    cfg.add("    },", '    "ghcr.io": {')
    cfg.safe('      "auth": ""', "placeholder")
    cfg.add("    }", "  },", '  "credsStore": "desktop"', "}")
    make = Doc("Makefile")
    make.add(".PHONY: push", "push:")
    make.safe("\tdocker login -u acme -p $(DOCKER_PASSWORD) registry.acme.internal", "reference")
    make.add("\tdocker push registry.acme.internal/catalog:$(VERSION)")
    make.safe("\t@echo \"image digest: sha256:$$(docker inspect --format='{{.Id}}' catalog)\"", "reference")
    return [cfg, make]


def serverless(v: Values) -> list[Doc]:
    d = Doc("functions/thumbnails/serverless.yml")
    d.add("service: thumbnails", "provider:", "  name: aws", "  runtime: nodejs20.x", "  environment:")
    d.safe("    STRIPE_KEY: ${ssm:/prod/stripe/secret-key}", "reference")
    d.safe("    IMGPROXY_KEY: ${env:IMGPROXY_KEY}", "reference")
    d.secret(f"    IMGPROXY_SALT: {v.hex(64)}", "signing-key")
    d.secret(f"    WEBHOOK_SIGNING_SECRET: whsec_{v.alnum(32)}", "signing-key")
    d.add("functions:", "  resize:", "    handler: src/resize.handler")
    return [d]


def gradle(v: Values) -> list[Doc]:
    props = Doc("sdk/gradle.properties")
    props.add("org.gradle.jvmargs=-Xmx2g", "android.useAndroidX=true")
    props.safe(f"signing.keyId={v.hex(8).upper()}", "random-id")
    props.secret(f"signing.password={v.passphrase()}", "password")
    props.add("signing.secretKeyRingFile=/home/ci/.gnupg/secring.gpg")
    props.secret(f"ossrhPassword={v.generated(18)}", "password")
    kts = Doc("sdk/build.gradle.kts")
    kts.add(
        "publishing {",
        "    repositories {",
        "        maven {",
        '            url = uri("https://nexus.acme.internal/repository/releases/")',
        "            credentials {",
        '                username = "ci"',
    )
    kts.safe('                password = System.getenv("NEXUS_PASSWORD")', "reference")
    kts.add(
        "            }",
        "        }",
        "        maven {",
        '            url = uri("https://nexus.acme.internal/repository/snapshots/")',
        "            credentials {",
        '                username = "ci"',
    )
    kts.secret(f'                password = "nexus-ci-{v.word()}-{v.rng.randrange(10, 99)}"', "password")
    kts.add("            }", "        }", "    }", "}")
    return [props, kts]


def js_tests(v: Values) -> list[Doc]:
    setup = Doc("frontend/jest.setup.ts")
    setup.safe("process.env.STRIPE_SECRET_KEY = 'sk_test_mock';", "fake-fixture")
    setup.secret("process.env.JWT_SECRET = 'jest-jwt-secret';", "signing-key")
    setup.safe("process.env.API_TOKEN = process.env.CI_API_TOKEN ?? '';", "reference")
    e2e = Doc("frontend/e2e/login.spec.ts")
    e2e.add(
        "import { test, expect } from '@playwright/test';",
        "",
        "test('admin can log in', async ({ page }) => {",
        "  await page.goto('/login');",
        "  await page.fill('#email', 'admin@acme.example');",
    )
    e2e.safe("  await page.fill('#password', process.env.E2E_ADMIN_PASSWORD!);", "reference")
    e2e.add("  await page.click('text=Sign in');", "});", "", "test('viewer can log in', async ({ page }) => {")
    e2e.secret("  await page.fill('#password', 'viewer-pass-2024');", "password")
    e2e.add("});")
    cypress = Doc("frontend/cypress.config.ts")
    cypress.add("import { defineConfig } from 'cypress';", "", "export default defineConfig({", "  env: {")
    cypress.secret(f"    adminPassword: '{v.passphrase('!')}',", "password")
    cypress.safe("    apiToken: '<set in cypress.env.json>',", "placeholder")
    cypress.add("  },", "});")
    k6 = Doc("perf/load-test.js")
    k6.add("import http from 'k6/http';", "")
    k6.safe("const TOKEN = __ENV.LOAD_TEST_TOKEN;", "reference")
    k6.add("export default function () {")
    k6.secret(
        f"  http.get('https://staging.acme.example/api/orders', {{ headers: {{ Authorization: 'Bearer {v.jwt({'sub': 'load-test', 'scope': 'orders:read'})}' }} }});",
        "jwt",
    )
    k6.safe(
        "  http.get('https://staging.acme.example/api/me', { headers: { Authorization: `Bearer ${TOKEN}` } });",
        "reference",
    )
    k6.add("}")
    return [setup, e2e, cypress, k6]


def api_specs(v: Values) -> list[Doc]:
    spec = Doc("api/openapi.yaml")
    spec.add(
        "openapi: 3.1.0",
        "info:",
        "  title: Orders API",
        "  version: 2.3.0",
        "components:",
        "  securitySchemes:",
        "    bearerAuth:",
        "      type: http",
    )
    spec.safe("      scheme: bearer", "benign")
    spec.add("      bearerFormat: JWT", "    apiKeyAuth:", "      type: apiKey", "      in: header")
    spec.safe("      name: X-Api-Key", "benign")
    spec.add(
        "  schemas:",
        "    Token:",
        "      type: object",
        "      properties:",
        "        access_token:",
        "          type: string",
    )
    spec.safe("          example: eyJhbGciOiJIUzI1NiJ9.EXAMPLE.EXAMPLE", "example-key")
    spec.add("        api_key:", "          type: string")
    spec.safe("          example: ak_live_EXAMPLE0000000000000000", "example-key")
    postman = Doc("api/postman/orders.postman_collection.json")
    postman.add("{", '  "info": { "name": "Orders" },', '  "auth": {', '    "type": "bearer",', '    "bearer": [')
    postman.secret(f'      {{ "key": "token", "value": "{v.alnum(40)}", "type": "string" }}', "api-token")
    postman.add("    ]", "  },", '  "variable": [')
    postman.safe('    { "key": "apiKey", "value": "{{ORDERS_API_KEY}}" },', "reference")
    postman.safe('    { "key": "baseUrl", "value": "https://api.acme-retail.example" }', "benign")
    postman.add("  ]", "}")
    return [spec, postman]


def aws_files(v: Values) -> list[Doc]:
    sample = Doc("ops/aws/credentials.sample")
    sample.add("[default]")
    sample.safe("aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "example-key")
    sample.safe("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "example-key")
    real = Doc("ops/aws/legacy-batch.credentials")
    real.add("[legacy-batch]")
    real.secret(f"aws_access_key_id = {v.token('aws-access-key-id')}", "api-token")
    real.secret(f"aws_secret_access_key = {v.token('aws-secret-key')}", "api-token")
    real.safe("region = eu-west-1", "benign")
    real.safe(f"role_arn = arn:aws:iam::{v.chars(DIGITS, 12)}:role/batch", "random-id")
    return [sample, real]


def logs(v: Values) -> list[Doc]:
    d = Doc("docs/incidents/2025-02-14-timeouts.md")
    d.add("# Timeouts on /v2/orders (2025-02-14)", "", "Excerpt of the gateway log:", "", "```")
    d.safe(f"2025-02-14T09:12:03Z req={v.hex(32)} GET /v2/orders auth=Bearer [REDACTED] status=504", "placeholder")
    d.secret(
        f'2025-02-14T09:12:04Z req={v.hex(32)} POST /v2/login body={{"user":"ops","password":"{v.passphrase()}"}} status=200',
        "password",
    )
    d.safe(f"2025-02-14T09:12:05Z trace_id={v.hex(32)} span_id={v.hex(16)} upstream=orders", "random-id")
    d.add("```", "", "The password in the excerpt above was rotated the same day.")
    return [d]


def other_languages(v: Values) -> list[Doc]:
    rust = Doc("services/edge/src/auth.rs")
    rust.add("use std::env;", "")
    rust.secret(f'const FALLBACK_JWT_SECRET: &str = "{v.alnum(48)}";', "signing-key")
    rust.add("", "pub fn secret() -> String {")
    rust.safe('    env::var("EDGE_JWT_SECRET").unwrap_or_else(|_| FALLBACK_JWT_SECRET.to_string())', "reference")
    rust.add("}")
    cs = Doc("Acme.Orders/Services/PartnerClient.cs")
    cs.add("namespace Acme.Orders.Services;", "", "public sealed class PartnerClient", "{")
    cs.secret(f'    private const string ApiKey = "{v.alnum(32)}";', "api-token")
    cs.safe(
        '    private readonly string _secret = Environment.GetEnvironmentVariable("PARTNER_SECRET") ?? "";', "reference"
    )
    cs.safe('    private const string ApiKeyHeader = "X-Partner-Key";', "benign")
    cs.add("}")
    toml = Doc("services/directory/config/ldap.toml")
    toml.add("[ldap]", 'host = "ldap.acme.internal"')
    toml.safe('bind_dn = "cn=directory-reader,ou=services,dc=acme,dc=example"', "benign")
    toml.secret(f'bind_password = "{v.passphrase()}"', "password")
    toml.safe('bind_password_file = "/etc/directory/ldap-password"', "reference")
    ci = Doc(".gitlab-ci.yml")
    ci.add("stages: [test, scan]", "", "variables:")
    ci.secret(f"  SONAR_TOKEN: sqp_{v.hex(40)}", "api-token")
    ci.safe("  DOCKER_AUTH_CONFIG: $DOCKER_AUTH_CONFIG", "reference")
    ci.safe("  SECRET_DETECTION_EXCLUDED_PATHS: tests/", "benign")
    ci.add("", "test:", "  script:", "    - make test")
    circle = Doc(".circleci/config.yml")
    circle.add(
        "version: 2.1",
        "jobs:",
        "  build:",
        "    docker:",
        "      - image: cimg/python:3.12",
        "        auth:",
        "          username: acme",
    )
    circle.safe("          password: $DOCKERHUB_PASSWORD", "reference")
    circle.add("    environment:")
    circle.secret(f"      COVERALLS_REPO_TOKEN: {v.alnum(32)}", "api-token")
    circle.add("    steps:", "      - checkout")
    return [rust, cs, toml, ci, circle]


def encrypted_and_templated(v: Values) -> list[Doc]:
    sops = Doc("infra/helm/payments/secrets.prod.yaml")
    sops.safe(f"dbPassword: ENC[AES256_GCM,data:{v.b64(18)},iv:{v.b64(32)},tag:{v.b64(16)},type:str]", "reference")
    sops.safe(f"stripeKey: ENC[AES256_GCM,data:{v.b64(40)},iv:{v.b64(32)},tag:{v.b64(16)},type:str]", "reference")
    sops.add(
        "sops:",
        "    kms:",
        f"        - arn: arn:aws:kms:eu-west-1:{v.chars(DIGITS, 12)}:alias/sops",
        "    version: 3.9.1",
    )
    tpl = Doc("charts/orders/templates/secret.yaml")
    tpl.add("apiVersion: v1", "kind: Secret", "metadata:", '  name: {{ include "orders.fullname" . }}', "data:")
    tpl.safe("  password: {{ .Values.db.password | b64enc | quote }}", "reference")
    tpl.safe('  apiKey: {{ required "apiKey is required" .Values.apiKey | b64enc }}', "reference")
    ext = Doc("charts/orders/templates/externalsecret.yaml")
    ext.add("apiVersion: external-secrets.io/v1beta1", "kind: ExternalSecret", "spec:", "  data:")
    ext.safe("    - secretKey: password", "key-as-value")
    ext.add("      remoteRef:", "        key: prod/orders/db")
    ext.safe("        property: password", "key-as-value")
    return [sops, tpl, ext]


def saas_configs(v: Values) -> list[Doc]:
    flags = Doc("services/catalog/config/launchdarkly.json")
    flags.add("{")
    flags.secret(f'  "sdkKey": "sdk-{v.uuid()}",', "api-token")
    flags.safe(f'  "clientSideId": "{v.hex(24)}",', "random-id")
    flags.add('  "offline": false', "}")
    sentry = Doc("services/catalog/sentry.properties")
    sentry.add("defaults.url=https://sentry.io/", "defaults.org=acme", "defaults.project=catalog")
    claims = (
        base64.b64encode(json.dumps({"iat": 1739000000, "url": "https://sentry.io", "org": "acme"}).encode())
        .decode()
        .rstrip("=")
    )
    sentry.secret(f"auth.token=sntrys_{claims}_{v.chars(ALNUM, 43)}", "api-token")
    client = Doc("frontend/sentry.client.config.ts")
    client.add("import * as Sentry from '@sentry/nextjs';", "", "Sentry.init({")
    client.safe(
        f"  dsn: 'https://{v.hex(32)}@o{v.chars(DIGITS, 6)}.ingest.sentry.io/{v.chars(DIGITS, 7)}',", "public-key"
    )
    client.add("  tracesSampleRate: 0.1,", "});")
    oauth = Doc("services/auth/config/oauth-apps.yaml")
    oauth.add("github:")
    oauth.safe(f"  client_id: Iv1.{v.hex(16)}", "random-id")
    oauth.secret(f"  client_secret: {v.hex(40)}", "api-token")
    oauth.add("keycloak:", "  realm: acme")
    oauth.safe("  client_id: orders-api", "benign")
    oauth.secret(f"  client_secret: {v.uuid()}", "api-token")
    oauth.add("google:")
    oauth.safe(
        f"  client_id: {v.chars(DIGITS, 12)}-{v.chars(LOWER + DIGITS, 32)}.apps.googleusercontent.com", "random-id"
    )
    oauth.secret(f"  client_secret: GOCSPX-{v.chars(ALNUM + '_-', 28)}", "api-token")
    realm = Doc("services/auth/config/realm-export.json")
    realm.add("{", '  "realm": "acme",', '  "clients": [', "    {", '      "clientId": "reports",')
    realm.safe('      "secret": "**********",', "placeholder")
    realm.add('      "publicClient": false', "    }", "  ]", "}")
    return [flags, sentry, client, oauth, realm]


def seeding_code(v: Values) -> list[Doc]:
    mig = Doc("shop-api/accounts/migrations/0042_seed_admin.py")
    mig.add(
        "from django.db import migrations",
        "",
        "",
        "def seed(apps, schema_editor):",
        '    User = apps.get_model("accounts", "User")',
    )
    mig.secret(f'    User.objects.create_superuser("ops-admin", "ops@acme.example", "{v.passphrase("!")}")', "password")
    mig.safe('    User.objects.create_user("viewer", "viewer@acme.example", password=None)', "placeholder")
    mig.add(
        "",
        "",
        "class Migration(migrations.Migration):",
        '    dependencies = [("accounts", "0041_user_locale")]',
        "    operations = [migrations.RunPython(seed)]",
    )
    prov = Doc("scripts/provision_users.py")
    prov.add('"""Create the service accounts of the reporting cluster."""', "", "ACCOUNTS = [")
    for user in ("svc-reporting", "svc-exports", "svc-audit"):
        prov.secret(f'    ("{user}", "{v.passphrase()}"),', "password")
    prov.add("]", "", "for name, secret in ACCOUNTS:")
    prov.safe("    create_user(name, password=secret)", "reference")
    fixtures = Doc("shop-api/accounts/fixtures/users.json")
    fixtures.add("[")
    fixtures.safe(
        f'  {{"model": "accounts.user", "pk": 1, "fields": {{"username": "qa", "password": "pbkdf2_sha256$870000${v.alnum(22)}${v.b64(32)}"}}}},',
        "hash",
    )
    fixtures.secret(
        '  {"model": "accounts.user", "pk": 2, "fields": {"username": "qa2", "password": "qa2-password"}}', "password"
    )
    fixtures.add("]")
    conftest = Doc("shop-api/conftest.py")
    conftest.add("import os", "")
    conftest.secret('os.environ.setdefault("DJANGO_SECRET_KEY", "insecure-test-key")', "signing-key")
    conftest.safe('os.environ.setdefault("STRIPE_LIVE_SECRET", "sk_live_dummy")', "fake-fixture")
    conftest.safe('os.environ.setdefault("SHOP_PG_PASSWORD", os.environ.get("CI_PG_PASSWORD", ""))', "reference")
    vagrant = Doc("ops/vagrant/Vagrantfile")
    vagrant.add(
        'Vagrant.configure("2") do |config|', '  config.vm.box = "ubuntu/jammy64"', '  config.ssh.username = "vagrant"'
    )
    vagrant.secret('  config.ssh.password = "vagrant"', "password")
    vagrant.add("end")
    return [mig, prov, fixtures, conftest, vagrant]


def infra_misc(v: Values) -> list[Doc]:
    gh = Doc("ops/terraform/github.tf")
    gh.add('provider "github" {', '  owner = "acme"')
    gh.safe("  token = var.github_token", "reference")
    gh.add("}", "", 'resource "github_actions_secret" "sentry" {', '  repository      = "retail"')
    gh.safe('  secret_name     = "SENTRY_AUTH_TOKEN"', "benign")
    gh.secret(f'  plaintext_value = "{v.hex(64)}"', "api-token")
    gh.add("}")
    hocon = Doc("services/recs/conf/application.conf")
    hocon.add('play.http.secret.key = "changeme"')
    hocon.labels[1] = (False, "placeholder")
    hocon.safe("play.http.secret.key = ${?APPLICATION_SECRET}", "reference")
    hocon.add(
        'db.default.driver = "org.postgresql.Driver"',
        'db.default.url = "jdbc:postgresql://pg.acme.internal/recs"',
        'db.default.username = "recs"',
    )
    hocon.secret(f'db.default.password = "{v.generated(18)}"', "password")
    agent = Doc("ops/vault/agent.hcl")
    agent.add(
        "vault {",
        '  address = "https://vault.acme.internal:8200"',
        "}",
        "auto_auth {",
        '  method "approle" {',
        "    config = {",
    )
    agent.safe('      role_id_file_path   = "/etc/vault/role-id"', "reference")
    agent.safe('      secret_id_file_path = "/etc/vault/secret-id"', "reference")
    agent.add("    }", "  }", "}")
    agent.secret(f"# bootstrap token used once during migration: {v.token('vault')}", "api-token")
    vapid = Doc("frontend/src/push/keys.ts")
    vapid.safe(f"export const PUBLIC_VAPID_KEY = 'B{v.b64(64, True, False)}';", "public-key")
    vapid.secret(f"const VAPID_PRIVATE_KEY = '{v.b64(32, True, False)}';", "private-key")
    http = Doc("api/requests/smoke.http")
    http.secret(f"@token = {v.jwt({'sub': 'smoke', 'role': 'admin'})}", "jwt")
    http.add("", "GET https://staging.acme.example/api/orders")
    http.safe("Authorization: Bearer {{token}}", "reference")
    http.add("", "###", "", "GET https://staging.acme.example/api/admin")
    http.safe("Authorization: Basic {{username}} {{password}}", "reference")
    apidoc = Doc("docs/api/authentication.md")
    apidoc.add("# Authentication", "", "Send your key in the `X-Api-Key` header:", "", "```sh")
    apidoc.safe('curl -H "X-Api-Key: $ACME_API_KEY" https://api.acme-retail.example/v2/orders', "reference")
    apidoc.add("```", "", "The staging key below is shared by the QA team:", "", "```sh")
    apidoc.secret(
        f'curl -H "X-Api-Key: ak_stg_{v.alnum(32)}" https://staging.acme-retail.example/v2/orders', "api-token"
    )
    apidoc.add("```")
    return [gh, hocon, agent, vapid, http, apidoc]


def assets_and_text(v: Values) -> list[Doc]:
    css = Doc("frontend/src/styles/icons.css")
    for name in ("check", "close", "search"):
        css.add(f".icon-{name} {{")
        css.safe(f'  background-image: url("data:image/svg+xml;base64,PHN2ZyB4bWxucz0i{v.b64(60)}");', "base64-image")
        css.add("}")
    css.add("@font-face {", "  font-family: Inter;")
    css.safe(f"  src: url(data:font/woff2;base64,d09GMgABAAAAA{v.b64(80)}) format('woff2');", "base64-image")
    css.add("}")
    po = Doc("frontend/src/locales/fr.po")
    for msgid, msgstr in (
        ("Password", "Mot de passe"),
        ("Your API token has expired", "Votre jeton d'API a expiré"),
        ("Secret key", "Clé secrète"),
        ("Reset password", "Réinitialiser le mot de passe"),
    ):
        po.add(f'msgid "{msgid}"')
        po.safe(f'msgstr "{msgstr}"', "i18n")
        po.add("")
    es = Doc("services/billing/src/main/resources/messages_es.properties")
    es.safe("login.password=Contraseña", "i18n")
    es.safe("login.password.forgot=¿Olvidaste tu contraseña?", "i18n")
    es.safe("api.token.invalid=Token no válido", "i18n")
    es.safe("api.secret.rotated=El secreto se ha rotado", "i18n")
    snap = Doc("services/catalog/src/__snapshots__/api.test.ts.snap")
    snap.add("// Jest Snapshot v1, https://goo.gl/fbAQLP", "", "exports[`GET /items returns headers 1`] = `", "{")
    snap.safe(f'  "etag": "W/\\\\"{v.hex(32)}\\\\"",', "hash")
    snap.safe(f'  "x-request-id": "{v.uuid()}",', "uuid")
    snap.add("}", "`;")
    event = Doc("services/billing/tests/fixtures/stripe_event.json")
    event.add("{")
    event.safe(f'  "id": "evt_{v.alnum(24)}",', "random-id")
    event.safe(f'  "customer": "cus_{v.alnum(14)}",', "random-id")
    event.safe(f'  "payment_intent": "pi_{v.alnum(24)}",', "random-id")
    event.add('  "livemode": false', "}")
    return [css, po, es, snap, event]


def crypto_and_network(v: Values) -> list[Doc]:
    vectors = Doc("internal/crypto/hmac_test.go")
    vectors.add(
        "package crypto",
        "",
        'import "testing"',
        "",
        "// RFC 4231 test case 2 and a local vector.",
        "func TestHMAC(t *testing.T) {",
    )
    vectors.safe('\tkey := "000102030405060708090a0b0c0d0e0f"', "fake-fixture")
    vectors.safe(f'\twant := "{v.hex(64)}"', "hash")
    vectors.add(
        '\tif got := Sign(key, "what do ya want for nothing?"); got != want {',
        '\t\tt.Fatalf("got %s", got)',
        "\t}",
        "}",
    )
    wg = Doc("ops/wireguard/wg0.conf")
    wg.add("[Interface]", "Address = 10.8.0.1/24", "ListenPort = 51820")
    wg.secret(f"PrivateKey = {v.b64(32)}", "private-key")
    wg.add("", "[Peer]")
    wg.safe(f"PublicKey = {v.b64(32)}", "public-key")
    wg.secret(f"PresharedKey = {v.b64(32)}", "signing-key")
    wg.add("AllowedIPs = 10.8.0.2/32")
    mosquitto = Doc("ops/mqtt/mosquitto.conf")
    mosquitto.add("listener 8883", "allow_anonymous false")
    mosquitto.safe("password_file /etc/mosquitto/passwd", "reference")
    mosquitto.safe("cafile /etc/mosquitto/certs/ca.pem", "benign")
    dependabot = Doc(".github/dependabot.yml")
    dependabot.add(
        "version: 2", "registries:", "  npm-github:", "    type: npm-registry", "    url: https://npm.pkg.github.com"
    )
    dependabot.safe("    token: ${{secrets.DEPENDABOT_PACKAGES_TOKEN}}", "reference")
    dependabot.add(
        "updates:", "  - package-ecosystem: npm", "    directory: /frontend", "    schedule:", "      interval: weekly"
    )
    return [vectors, wg, mosquitto, dependabot]


def cloudformation(v: Values) -> list[Doc]:
    d = Doc("infra/cloudformation/reporting-db.yaml")
    d.add(
        "AWSTemplateFormatVersion: '2010-09-09'", "Parameters:", "  DBPassword:", "    Type: String", "    NoEcho: true"
    )
    d.secret(f'    Default: "{v.passphrase()}"', "password")
    d.add(
        "Resources:",
        "  ReportingDB:",
        "    Type: AWS::RDS::DBInstance",
        "    Properties:",
        "      MasterUsername: reporting",
    )
    d.safe("      MasterUserPassword: !Ref DBPassword", "reference")
    d.add("  AuditDB:", "    Type: AWS::RDS::DBInstance", "    Properties:")
    d.safe("      MasterUserPassword: '{{resolve:secretsmanager:prod/audit-db:SecretString:password}}'", "reference")
    return [d]


def mobile_and_docs(v: Values) -> list[Doc]:
    plist = Doc("mobile/ios/Courier/Info.plist")
    plist.add(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<plist version="1.0">',
        "<dict>",
        "  <key>CFBundleName</key>",
        "  <string>Courier</string>",
        "  <key>GMSApiKey</key>",
    )
    plist.secret(f"  <string>{v.token('google-api')}</string>", "api-token")
    plist.add("  <key>AnalyticsKey</key>")
    plist.safe("  <string>$(ANALYTICS_KEY)</string>", "reference")
    plist.add("</dict>", "</plist>")
    onboarding = Doc("docs/onboarding.md")
    onboarding.add("# Welcome", "", "- Office Wi-Fi: `acme-guest`")
    onboarding.secret(f"- Wi-Fi password: `{v.word().capitalize()}-Guest-{v.rng.randrange(2024, 2026)}`", "password")
    onboarding.add("- Ask IT for a YubiKey on your first day.")
    onboarding.safe(
        "- Your VPN password is the one you chose in the self-service portal; never paste it here.", "benign"
    )
    pkg = Doc("tools/db/package.json")
    pkg.add("{", '  "name": "db-tools",', '  "private": true,', '  "scripts": {')
    pkg.secret('    "db:reset": "PGPASSWORD=postgres psql -h localhost -U postgres -f reset.sql",', "password")
    pkg.safe('    "db:prod": "PGPASSWORD=$PROD_PG_PASSWORD psql -h pg.acme.internal -U app"', "reference")
    pkg.add("  }", "}")
    pyproject = Doc("tools/etl/pyproject.toml")
    pyproject.add("[project]", 'name = "etl"', 'version = "0.9.0"', "", "[tool.pytest.ini_options]", "env = [")
    pyproject.secret('    "ETL_API_TOKEN=test-token",', "api-token")
    pyproject.safe('    "ETL_WAREHOUSE_TOKEN=fake-warehouse-token",', "fake-fixture")
    pyproject.add("]")
    return [plist, onboarding, pkg, pyproject]


def gateway_routes(v: Values) -> list[Doc]:
    """Upstream credentials of an API gateway: one route per partner, some inline, some looked up."""
    d = Doc("services/gateway/config/upstreams.yaml")
    d.add("upstreams:")
    partners = ("fedex", "dhl", "ups", "postnl", "gls", "dpd", "hermes", "royalmail", "colissimo", "bpost")
    for i, partner in enumerate(partners):
        d.add(f"  - name: {partner}", f"    url: https://api.{partner}.example/v{1 + i % 3}")
        style = i % 5
        if style == 0:
            d.secret(f"    api_key: {v.alnum(32)}", "api-token")
        elif style == 1:
            d.safe(f"    api_key: ${{{partner.upper()}_API_KEY}}", "reference")
        elif style == 2:
            d.secret(f'    password: "{v.generated(16)}"', "password")
        elif style == 3:
            d.safe(f"    api_key: <{partner}-api-key>", "placeholder")
        else:
            d.safe(f"    api_key_id: {v.uuid()}", "uuid")
    staging = Doc("services/gateway/.env.staging")
    staging.secret(f"GATEWAY_ADMIN_TOKEN={v.alnum(40)}", "api-token")
    staging.safe("GATEWAY_ADMIN_TOKEN_TTL=3600", "benign")
    staging.secret(
        f"RATE_LIMIT_REDIS_URL=redis://:{v.chars(ALNUM + '-_.~', 24)}@redis-staging.acme.internal:6379/2",
        "connection-string",
    )
    staging.safe("UPSTREAM_CA_BUNDLE=/etc/ssl/certs/partners.pem", "benign")
    staging.safe("JWT_PUBLIC_KEY_URL=https://auth.acme.internal/.well-known/jwks.json", "benign")
    return [d, staging]


SCENARIOS: tuple[Callable[[Values], list[Doc]], ...] = (
    django_settings,
    django_tests,
    rails,
    helm_values,
    github_workflow,
    compose,
    dotenvs,
    terraform,
    android,
    spring,
    go_service,
    frontend,
    docs,
    notebook,
    shell,
    containers,
    kube,
    dotnet,
    gcp,
    php,
    ansible,
    monitoring,
    nginx,
    ssh_material,
    lockfiles,
    python_misc,
    sql,
    git_credentials,
    tokens_misc,
    kotlin_and_swift,
    near_misses,
    search_and_queues,
    laravel,
    rails_secrets,
    docker_registry,
    serverless,
    gradle,
    js_tests,
    api_specs,
    aws_files,
    logs,
    other_languages,
    encrypted_and_templated,
    saas_configs,
    seeding_code,
    infra_misc,
    assets_and_text,
    crypto_and_network,
    cloudformation,
    mobile_and_docs,
    gateway_routes,
)


def build(seed: int = SEED) -> list[Doc]:
    return collect(SCENARIOS, Values(seed), "make_devset")


def collect(scenarios: Sequence[Callable[[Any], list[Doc]]], values: object, name: str) -> list[Doc]:
    """Every scenario's documents, sorted by path; two scenarios writing one path is a bug in the script."""
    docs = [doc for scenario in scenarios for doc in scenario(values)]
    paths = [d.path for d in docs]
    if len(paths) != len(set(paths)):
        raise SystemExit(f"{name}: two scenarios wrote the same path")
    return sorted(docs, key=lambda d: d.path)


def write(docs: list[Doc], root: Path) -> None:
    files = root / "files"
    if files.exists():
        shutil.rmtree(files)
    rows = []
    for doc in docs:
        target = files / doc.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(doc.text(), encoding="utf-8")
        for line, (label, category) in sorted(doc.labels.items()):
            rows.append({"path": doc.path, "line": line, "label": label, "category": category})
    (root / "labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def unlabelled_firings(root: Path, docs: list[Doc]) -> list[str]:
    """Lines where our candidate stage or detect-secrets fires without a label (the strict score needs none)."""
    from secretscan.scanner.candidates import find_candidates
    from secretscan.scanner.types import ScanUnit

    problems = []
    for doc in docs:
        for candidate in find_candidates(ScanUnit(doc.path, doc.text())):
            if candidate.line not in doc.labels:
                problems.append(f"{doc.path}:{candidate.line}: secretscan {candidate.rule} fires, no label")
    problems += _detect_secrets_firings(root / "files", docs)
    return problems


def _detect_secrets_firings(files: Path, docs: list[Doc]) -> list[str]:
    try:
        from detect_secrets import SecretsCollection
        from detect_secrets.settings import default_settings
    except ImportError:
        print("make_devset: detect-secrets is not installed; only our candidate stage was checked", file=sys.stderr)
        return []
    import os

    problems = []
    cwd = Path.cwd()
    os.chdir(files)
    try:
        with default_settings():
            for doc in docs:
                collection = SecretsCollection()
                collection.scan_file(doc.path)
                for secrets in collection.data.values():
                    for secret in secrets:
                        if secret.line_number not in doc.labels:
                            problems.append(
                                f"{doc.path}:{secret.line_number}: detect-secrets {secret.type} fires, no label"
                            )
    finally:
        os.chdir(cwd)
    return problems


def main(argv: list[str] | None = None) -> int:
    return run(argv, "make_devset", build(), HERE)


def run(argv: list[str] | None, name: str, docs: list[Doc], home: Path) -> int:
    """The command line of a corpus script: write `docs` into `home` (or --out) and check them, or --check."""
    parser = argparse.ArgumentParser(prog=name, description="Write or check a labelled benchmark corpus.")
    parser.add_argument("--check", action="store_true", help="regenerate in a temp dir and compare with the repo")
    parser.add_argument("--out", type=Path, default=home, help="folder to write files/ and labels.jsonl into")
    args = parser.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            write(docs, Path(tmp))
            same = _same_tree(Path(tmp), home)
        print(f"{name}: the committed corpus is up to date" if same else f"{name}: the committed corpus differs; regenerate it")
        return 0 if same else 1
    write(docs, args.out)
    problems = unlabelled_firings(args.out, docs)
    labels = [lab for d in docs for lab in d.labels.values()]
    positives = sum(1 for label, _ in labels if label)
    print(f"{name}: {len(docs)} files, {len(labels)} labelled lines ({positives} secrets, {len(labels) - positives} traps)")
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return 1 if problems else 0


def _same_tree(a: Path, b: Path) -> bool:
    if (a / "labels.jsonl").read_bytes() != (b / "labels.jsonl").read_bytes():
        return False
    files_a = sorted(p.relative_to(a / "files") for p in (a / "files").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b / "files") for p in (b / "files").rglob("*") if p.is_file())
    return files_a == files_b and all(filecmp.cmp(a / "files" / p, b / "files" / p, shallow=False) for p in files_a)


if __name__ == "__main__":
    sys.exit(main())
