"""Ops kinds: Dockerfile and shell scripts."""

from __future__ import annotations

import random
from collections.abc import Sequence

from secretscan.training.data.kinds.base import Kind, Out, Rendered, Slot, path_for
from secretscan.training.data.rand import pick


def render_dockerfile(rng: random.Random, slots: Sequence[Slot]) -> Rendered:
    out = Out()
    path = f"{pick(rng, ('', 'docker/', 'services/api/', 'build/'))}{pick(rng, ('Dockerfile', 'Dockerfile', 'Dockerfile.prod', 'api.Dockerfile'))}"
    base = pick(
        rng, ("python:3.12-slim", "node:20-alpine", "golang:1.22 AS build", "eclipse-temurin:21-jre", "ubuntu:24.04")
    )
    out.add(f"FROM {base}", "WORKDIR /app")
    for slot in slots:
        value = slot.value
        if value.reference:
            style = rng.randrange(3)
            if style == 0:
                out.add(f"ARG {value.reference}")
                out.plant(f"ENV {slot.name}=${value.reference}", value, f"${value.reference}")
            elif style == 1:
                text = "${" + value.reference + "}"
                out.plant(f"ENV {slot.name}={text}", value, text)
            else:
                ref = f"id={value.reference.lower()}"
                out.plant(f"RUN --mount=type=secret,{ref} ./scripts/configure.sh", value, ref)
        elif slot.role == "header":
            out.plant(
                f'RUN curl -fsSL -H "Authorization: {value.text}" https://artifacts.example-corp.net/setup.sh | sh',
                value,
                value.text,
            )
        else:
            keyword = pick(rng, ("ENV", "ENV", "ARG"))
            quote = '"' if rng.random() < 0.3 else ""
            out.plant(f"{keyword} {slot.name}={quote}{value.text}{quote}", value, value.text)
    out.add(
        "COPY . .",
        pick(
            rng,
            (
                "RUN pip install --no-cache-dir -r requirements.txt",
                "RUN npm ci --omit=dev",
                "RUN go build -o /bin/app ./cmd/app",
            ),
        ),
        f'CMD ["{pick(rng, ("python", "node", "/bin/app"))}"]',
    )
    return out.rendered(path)


def _shell_ref(rng: random.Random, env_name: str) -> str:
    low = env_name.lower()
    return pick(
        rng,
        (
            '"${N}"',
            '"${{{N}}}"',
            '"$(cat /run/secrets/{n})"',
            '"$(vault kv get -field=value secret/{n})"',
            '"$(aws secretsmanager get-secret-value --secret-id {n} --query SecretString --output text)"',
            '"${{{N}:?missing {N}}}"',
            '"$(pass show ci/{n})"',
        ),
    ).format(N=env_name, n=low)


def render_shell(rng: random.Random, slots: Sequence[Slot]) -> Rendered:
    out = Out()
    path = path_for(
        rng,
        ("scripts/", "bin/", "ci/", "deploy/", ""),
        ("deploy", "bootstrap", "release", "backup", "setup-dev", "run-migrations", "smoke-test"),
        pick(rng, (".sh", ".sh", ".bash", "")),
    )
    out.add("#!/usr/bin/env bash", "set -euo pipefail", "")
    for slot in slots:
        value = slot.value
        text = _shell_ref(rng, value.reference) if value.reference else value.text
        planted = text.strip('"') if value.reference else text
        if slot.role == "header":
            out.plant(
                f'curl -fsS -H "Authorization: {planted}" "https://api.example-corp.net/v1/deploys"', value, planted
            )
        elif slot.role == "conn" and not value.reference:
            out.plant(f'psql "{text}" -c "select 1"', value, text)
        elif slot.role == "password" and not value.reference and rng.random() < 0.3:
            out.plant(f"mysql -u {pick(rng, ('root', 'admin', 'backup'))} -p'{text}' -e 'show databases'", value, text)
        else:
            quote = "" if value.reference else pick(rng, ("", '"', "'"))
            quoted = f"{quote}{text}{quote}"
            out.plant(f"{pick(rng, ('export ', 'export ', ''))}{slot.name}={quoted}", value, planted)
        if rng.random() < 0.3:
            out.add(
                pick(
                    rng,
                    (
                        'echo "deploying ${ENVIRONMENT:-staging}"',
                        'cd "$(dirname "$0")/.."',
                        "make build",
                        "docker compose up -d",
                    ),
                )
            )
    out.add("", pick(rng, ("./bin/migrate up", "kubectl rollout status deploy/api", "exec gunicorn app:app")))
    return out.rendered(path)


KINDS = (
    Kind("dockerfile", render_dockerfile, ("id", "benign")),
    Kind("shell", render_shell, ("id", "public", "benign")),
)
