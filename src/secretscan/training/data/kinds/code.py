"""Source code kinds: Python, JavaScript, TypeScript, Go, Java."""

from __future__ import annotations

import random
from collections.abc import Sequence

from secretscan.training.data.kinds.base import Kind, Out, Rendered, Slot, path_for
from secretscan.training.data.rand import pick, snake_to_camel, snake_to_pascal

# ---- Python ------------------------------------------------------------------------------------------------

_PY_REFS = (
    'os.environ["{N}"]',
    'os.getenv("{N}")',
    'os.environ.get("{N}", "")',
    "settings.{N}",
    'config("{N}")',
    'get_secret("{n}")',
    'secrets_client.get_secret_value(SecretId="prod/{n}")["SecretString"]',
    'keyring.get_password("{n}", getpass.getuser())',
    'env.str("{N}")',
    'vault.read("secret/data/{n}")["data"]["value"]',
)
_PY_FILLER = (
    "TIMEOUT_SECONDS = 30",
    "MAX_RETRIES = 3",
    'BASE_URL = "https://api.example-corp.net/v2"',
    'LOG_LEVEL = os.getenv("LOG_LEVEL", "INFO")',
    "DEBUG = False",
    'ALLOWED_HOSTS = ["localhost", "127.0.0.1"]',
    'TIME_ZONE = "UTC"',
    "PAGE_SIZE = 50",
    'REGION = "eu-west-1"',
    'CACHE_BACKEND = "redis"',
    'USERNAME = "svc-reporting"',
    'DB_HOST = "db.internal"',
    "DB_PORT = 5432",
    'STATIC_URL = "/static/"',
    'FEATURE_FLAGS = {"new_checkout": True}',
)
_PY_IMPORTS = (
    "import os",
    "import logging",
    "import json",
    "from pathlib import Path",
    "import requests",
    "import getpass",
)


def _py_expr(rng: random.Random, slot: Slot) -> str:
    value = slot.value
    if value.reference:
        return pick(rng, _PY_REFS).format(N=value.reference, n=value.reference.lower())
    quote = pick(rng, ('"', '"', "'"))
    return f"{quote}{value.text}{quote}"


def _py_header_expr(rng: random.Random, slot: Slot) -> str:
    value = slot.value
    if value.reference:
        return pick(
            rng, ("f\"Bearer {{os.environ['{N}']}}\"", '"Bearer " + os.getenv("{N}", "")', 'f"Token {{settings.{N}}}"')
        ).format(N=value.reference)
    return f'"{value.text}"'


def _plant(out: Out, rng: random.Random, slot: Slot, line: str, expr: str) -> None:
    out.plant(line, slot.value, expr.strip("\"'") if not slot.value.reference else expr)


def render_python(rng: random.Random, slots: Sequence[Slot]) -> Rendered:
    out = Out()
    layout = rng.randrange(4)
    if layout == 3:
        path = path_for(
            rng,
            ("tests/", "tests/unit/", "tests/integration/"),
            ("test_client", "test_api", "test_auth", "test_billing", "conftest"),
            ".py",
        )
    else:
        path = path_for(
            rng,
            ("", "app/", "src/app/", "config/", "core/"),
            ("settings", "config", "client", "constants", "prod", "integrations", "local_settings"),
            ".py",
        )
    out.add(
        f'"""{pick(rng, ("Settings", "API client", "Service configuration", "Integration helpers", "Tests"))} for {pick(rng, ("billing", "the worker", "reports", "sync", "auth"))}."""',
        "",
    )
    out.add(*sorted(set(rng.sample(_PY_IMPORTS, 3)), key=_PY_IMPORTS.index), "")
    if layout == 0:  # settings module of UPPER constants
        for slot in slots:
            out.add(*rng.sample(_PY_FILLER, rng.randrange(0, 3)))
            if slot.role == "header":
                expr = _py_header_expr(rng, slot)
                _plant(out, rng, slot, f'DEFAULT_HEADERS = {{"Authorization": {expr}}}', expr)
            else:
                expr = _py_expr(rng, slot)
                _plant(out, rng, slot, f"{slot.name} = {expr}", expr)
    elif layout == 1:  # client code: keyword arguments and headers
        out.add("logger = logging.getLogger(__name__)", "", "", "def make_client():")
        for slot in slots:
            if slot.role == "header":
                expr = _py_header_expr(rng, slot)
                _plant(out, rng, slot, f'    session.headers["Authorization"] = {expr}', expr)
            elif slot.role == "conn":
                expr = _py_expr(rng, slot)
                _plant(out, rng, slot, f"    engine = create_engine({expr}, pool_pre_ping=True)", expr)
            else:
                expr = _py_expr(rng, slot)
                call = pick(rng, ("Client", "ApiClient", "connect", "Session", "build_client"))
                _plant(out, rng, slot, f"    client = {call}({slot.name.lower()}={expr}, timeout=10)", expr)
        out.add("    return client", "")
    elif layout == 2:  # a dict of settings
        out.add(f"{pick(rng, ('CONFIG', 'SETTINGS', 'DEFAULTS', 'PROD_CONFIG'))} = {{")
        out.add(f'    "region": "{pick(rng, ("us-east-1", "eu-central-1"))}",')
        for slot in slots:
            expr = _py_header_expr(rng, slot) if slot.role == "header" else _py_expr(rng, slot)
            key = "authorization" if slot.role == "header" else slot.name.lower()
            _plant(out, rng, slot, f'    "{key}": {expr},', expr)
            if rng.random() < 0.5:
                out.add(f'    "{pick(rng, ("timeout", "retries", "pool_size"))}": {rng.randrange(1, 60)},')
        out.add("}")
    else:  # tests
        out.add(
            "import pytest",
            "",
            "",
            f"def test_{pick(rng, ('login', 'refresh', 'upload', 'webhook', 'sync'))}(client, monkeypatch):",
        )
        for slot in slots:
            expr = _py_header_expr(rng, slot) if slot.role == "header" else _py_expr(rng, slot)
            style = rng.randrange(3)
            if slot.role == "header":
                _plant(out, rng, slot, f'    resp = client.get("/api/me", headers={{"Authorization": {expr}}})', expr)
            elif style == 0 and not slot.value.reference:
                _plant(out, rng, slot, f'    monkeypatch.setenv("{slot.name}", {expr})', expr)
            elif style == 1 and slot.role == "password":
                _plant(
                    out,
                    rng,
                    slot,
                    f'    resp = client.post("/login", json={{"username": "alice", "password": {expr}}})',
                    expr,
                )
            else:
                _plant(out, rng, slot, f"    {slot.name.lower()} = {expr}", expr)
        out.add(
            "    assert resp.status_code == 200"
            if any(s.role in ("header", "password") for s in slots)
            else "    assert client is not None"
        )
    return out.rendered(path)


# ---- JavaScript / TypeScript ------------------------------------------------------------------------------

_JS_REFS = (
    "process.env.{N}",
    'process.env["{N}"]',
    "import.meta.env.VITE_{N}",
    'config.get("{c}")',
    "await getSecret('{n}')",
    "env.{N} ?? ''",
)
_JS_FILLER = (
    "const PORT = Number(process.env.PORT ?? 3000);",
    "const TIMEOUT_MS = 5000;",
    "const API_BASE = 'https://api.example-corp.net/v1';",
    "const logger = createLogger({ level: 'info' });",
    "const MAX_RETRIES = 3;",
    "const region = 'us-east-1';",
    "const username = 'deploy-bot';",
)


def _js_expr(rng: random.Random, slot: Slot) -> str:
    value = slot.value
    if value.reference:
        return pick(rng, _JS_REFS).format(
            N=value.reference, n=value.reference.lower(), c=snake_to_camel(value.reference)
        )
    quote = pick(rng, ("'", '"', "'", "`"))
    return f"{quote}{value.text}{quote}"


def _js_header_expr(rng: random.Random, slot: Slot) -> str:
    if slot.value.reference:
        return pick(rng, ("`Bearer ${{process.env.{N}}}`", "'Bearer ' + process.env.{N}")).format(
            N=slot.value.reference
        )
    return f"'{slot.value.text}'"


def _render_js(rng: random.Random, slots: Sequence[Slot], typescript: bool) -> Rendered:
    out = Out()
    ext = pick(rng, (".ts", ".tsx")) if typescript else pick(rng, (".js", ".mjs", ".cjs", ".js"))
    layout = rng.randrange(3)
    if layout == 2:
        path = path_for(
            rng,
            ("__tests__/", "test/", "src/__tests__/"),
            ("api.test", "auth.spec", "client.test", "webhook.test"),
            ext,
        )
    else:
        path = path_for(
            rng,
            ("src/", "src/lib/", "lib/", "config/", "server/"),
            ("config", "client", "index", "api", "stripe", "mailer", "db"),
            ext,
        )
    typed = ": string" if typescript else ""
    # Minified bundles sit in the same file as a raw line, as when a vendored snippet is pasted in.
    raw = [slot for slot in slots if slot.role == "minified"]
    slots = [slot for slot in slots if slot.role != "minified"]
    out.add(
        pick(
            rng,
            (
                "import axios from 'axios';",
                "const axios = require('axios');",
                "import { createClient } from './client';",
            ),
        ),
        "",
    )
    out.add(*rng.sample(_JS_FILLER, 2))
    if layout == 0:  # module constants / exported config object
        exported = rng.random() < 0.5
        if exported:
            out.add("", "export const config = {")
        for slot in slots:
            key = snake_to_camel(slot.name)
            expr = _js_header_expr(rng, slot) if slot.role == "header" else _js_expr(rng, slot)
            planted = expr if slot.value.reference else expr[1:-1]
            if slot.role == "header":
                line = f"  headers: {{ Authorization: {expr} }}," if exported else f"const authHeader{typed} = {expr};"
            else:
                line = (
                    f"  {key}: {expr},"
                    if exported
                    else f"{pick(rng, ('const', 'export const', 'let'))} {pick(rng, (key, slot.name))}{typed} = {expr};"
                )
            out.plant(line, slot.value, planted)
        if exported:
            out.add("};")
    elif layout == 1:  # client construction
        out.add("", f"export async function {pick(rng, ('createApi', 'connect', 'buildClient', 'init'))}() {{")
        for slot in slots:
            expr = _js_header_expr(rng, slot) if slot.role == "header" else _js_expr(rng, slot)
            planted = expr if slot.value.reference else expr[1:-1]
            if slot.role == "header":
                line = f"  const res = await fetch(url, {{ headers: {{ Authorization: {expr} }} }});"
            elif slot.role == "conn":
                line = f"  const pool = new Pool({{ connectionString: {expr} }});"
            else:
                line = f"  const client = new {pick(rng, ('Client', 'ApiClient', 'Stripe', 'WebClient'))}({{ {snake_to_camel(slot.name)}: {expr} }});"
            out.plant(line, slot.value, planted)
        out.add("  return client;", "}")
    else:  # tests
        out.add(
            "",
            f"describe('{pick(rng, ('auth', 'billing', 'webhooks', 'sessions'))}', () => {{",
            "  it('works', async () => {",
        )
        for slot in slots:
            expr = _js_header_expr(rng, slot) if slot.role == "header" else _js_expr(rng, slot)
            planted = expr if slot.value.reference else expr[1:-1]
            if slot.role == "header":
                line = f"    const res = await request(app).get('/me').set('Authorization', {expr});"
            elif slot.role == "password":
                line = f"    await login({{ email: 'qa@example.com', password: {expr} }});"
            else:
                line = f"    const {snake_to_camel(slot.name)} = {expr};"
            out.plant(line, slot.value, planted)
        out.add("    expect(true).toBe(true);", "  });", "});")
    for slot in raw:
        out.plant(slot.value.text, slot.value, slot.value.text)
    return out.rendered(path)


def render_javascript(rng: random.Random, slots: Sequence[Slot]) -> Rendered:
    return _render_js(rng, slots, typescript=False)


def render_typescript(rng: random.Random, slots: Sequence[Slot]) -> Rendered:
    return _render_js(rng, slots, typescript=True)


# ---- Go -------------------------------------------------------------------------------------------------

_GO_REFS = ('os.Getenv("{N}")', 'viper.GetString("{d}")', "cfg.{P}", 'mustEnv("{N}")')


def _go_ref(rng: random.Random, env_name: str) -> str:
    return pick(rng, _GO_REFS).format(N=env_name, d=env_name.lower().replace("_", "."), P=snake_to_pascal(env_name))


def render_go(rng: random.Random, slots: Sequence[Slot]) -> Rendered:
    out = Out()
    package = pick(rng, ("config", "main", "client", "store", "notify"))
    path = path_for(
        rng,
        ("", "internal/config/", "cmd/server/", "pkg/client/"),
        ("config", "main", "client", "secrets", "db"),
        pick(rng, (".go", ".go", "_test.go")),
    )
    out.add(f"package {package}", "", "import (", '\t"fmt"', '\t"os"', ")", "")
    const_block = rng.random() < 0.5
    if const_block:
        out.add("const (")
    else:
        out.add(f"func {pick(rng, ('newClient', 'loadConfig', 'connect', 'setup'))}() error {{")
    for slot in slots:
        value = slot.value
        name = snake_to_camel(slot.name) if rng.random() < 0.6 else snake_to_pascal(slot.name)
        if value.reference:
            expr = _go_ref(rng, value.reference)
            planted = expr
        else:
            quote = pick(rng, ('"', '"', "`"))
            expr = f"{quote}{value.text}{quote}"
            planted = value.text
        if const_block and value.reference:
            out.add(")", "", "var (")
            out.plant(f"\t{name} = {expr}", value, planted)
            out.add(")", "", "const (")
        elif const_block:
            out.plant(f"\t{name} = {expr}", value, planted)
        elif slot.role == "header":
            out.plant(f'\treq.Header.Set("Authorization", {expr})', value, planted)
        elif slot.role == "conn":
            out.plant(f'\tdb, err := sql.Open("{pick(rng, ("postgres", "mysql", "pgx"))}", {expr})', value, planted)
        else:
            out.plant(f"\t{name} := {expr}", value, planted)
    if const_block:
        out.add(")")
    else:
        out.add('\tfmt.Println("configured")', "\treturn nil", "}")
    return out.rendered(path)


# ---- Java -----------------------------------------------------------------------------------------------


def render_java(rng: random.Random, slots: Sequence[Slot]) -> Rendered:
    out = Out()
    cls = pick(
        rng, ("AppConfig", "PaymentClient", "DataSourceConfig", "MailSettings", "ApiCredentials", "IntegrationTest")
    )
    path = f"{pick(rng, ('', 'service/', 'backend/'))}src/{pick(rng, ('main', 'main', 'test'))}/java/com/{pick(rng, ('acme', 'example', 'corp'))}/{pick(rng, ('config', 'client', 'billing'))}/{cls}.java"
    out.add(f"package com.{pick(rng, ('acme', 'example', 'corp'))}.config;", "", "import java.util.Map;", "")
    spring = rng.random() < 0.4
    if spring:
        out.add("@Configuration")
    out.add(f"public class {cls} {{", "")
    for slot in slots:
        value = slot.value
        if value.reference:
            style = rng.randrange(3)
            if style == 0:
                expr = f'System.getenv("{value.reference}")'
                out.plant(f"    private final String {snake_to_camel(slot.name)} = {expr};", value, expr)
            elif style == 1:
                ref = "${" + value.reference.lower().replace("_", ".") + "}"
                out.plant(f'    @Value("{ref}")', value, ref)
                out.add(f"    private String {snake_to_camel(slot.name)};")
            else:
                expr = f'env.getProperty("{value.reference.lower().replace("_", ".")}")'
                out.plant(f"    private final String {snake_to_camel(slot.name)} = {expr};", value, expr)
        elif slot.role == "header":
            out.plant(f'    private static final String AUTH_HEADER = "{value.text}";', value, value.text)
        else:
            style = rng.randrange(3)
            if style == 0:
                out.plant(f'    private static final String {slot.name} = "{value.text}";', value, value.text)
            elif style == 1:
                out.plant(f'    private String {snake_to_camel(slot.name)} = "{value.text}";', value, value.text)
            else:
                out.plant(f'        .{snake_to_camel(slot.name)}("{value.text}")', value, value.text)
        out.add("")
    out.add("    public Map<String, String> asMap() {", "        return Map.of();", "    }", "}")
    return out.rendered(path)


KINDS = (
    Kind("python", render_python, ("id", "public", "blob", "i18n", "benign")),
    Kind("javascript", render_javascript, ("id", "public", "blob", "minified", "benign")),
    Kind("typescript", render_typescript, ("id", "public", "blob", "i18n", "benign")),
    Kind("go", render_go, ("id", "public", "benign")),
    Kind("java", render_java, ("id", "public", "benign")),
)
