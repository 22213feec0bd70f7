"""Synthetic files with ground truth: plan the values of a file, render it in its kind, and (sometimes) render
its near-miss twin, the same file with each secret swapped for a look-alike non-secret and vice versa.

Each file gets its own `random.Random` seeded from (seed, index), so a file does not depend on the ones before
it and the same seed gives the same bytes whatever PYTHONHASHSEED says.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from secretscan.training.data import values as v
from secretscan.training.data.config import GeneratorConfig
from secretscan.training.data.kinds import KINDS, Rendered, Slot
from secretscan.training.data.kinds.base import SECRET_ROLES
from secretscan.training.data.providers import TRAINING_PROVIDERS, Provider
from secretscan.training.data.rand import pick, weighted

# Training vocabulary. The dev benchmark (benchmarks/devset/make_devset.py) uses its own names and templates.
PASSWORD_NAMES = (
    "PASSWORD",
    "DB_PASSWORD",
    "DATABASE_PASSWORD",
    "POSTGRES_PASSWORD",
    "MYSQL_ROOT_PASSWORD",
    "ADMIN_PASSWORD",
    "SMTP_PASSWORD",
    "REDIS_PASSWORD",
    "LDAP_BIND_PASSWORD",
    "KEYSTORE_PASSWORD",
    "RABBITMQ_DEFAULT_PASS",
    "DB_PASS",
    "PASSWD",
    "ROOT_PASSWORD",
    "MAIL_PASSWORD",
    "FTP_PASSWORD",
    "SA_PASSWORD",
    "ELASTIC_PASSWORD",
    "PG_PASS",
    "SERVICE_PASSWORD",
    "BASIC_AUTH_PASSWORD",
    "PROXY_PASSWORD",
    "REGISTRY_PASSWORD",
    "USER_PASSWORD",
)
TOKEN_NAMES = (
    "API_KEY",
    "API_TOKEN",
    "ACCESS_TOKEN",
    "AUTH_TOKEN",
    "CLIENT_SECRET",
    "APP_SECRET",
    "SERVICE_TOKEN",
    "BEARER_TOKEN",
    "PRIVATE_TOKEN",
    "SECRET",
    "ACCESS_KEY",
    "REFRESH_TOKEN",
    "PARTNER_API_KEY",
    "INTERNAL_API_KEY",
    "ADMIN_TOKEN",
    "DEPLOY_TOKEN",
    "METRICS_API_KEY",
    "X_API_KEY",
    "INGEST_KEY",
    "SECRET_TOKEN",
)
JWT_NAMES = ("ACCESS_TOKEN", "JWT", "AUTH_TOKEN", "ID_TOKEN", "SERVICE_JWT", "SESSION_TOKEN")
KEY_NAMES = (
    "SECRET_KEY",
    "JWT_SECRET",
    "SIGNING_KEY",
    "HMAC_KEY",
    "ENCRYPTION_KEY",
    "SESSION_SECRET",
    "COOKIE_SECRET",
    "WEBHOOK_SECRET",
    "OTP_SECRET",
    "TOTP_SEED",
    "PASSWORD_SALT",
    "APP_KEY",
    "MASTER_KEY",
    "JWT_SIGNING_KEY",
    "CSRF_SECRET",
    "FERNET_KEY",
    "AES_KEY",
    "HASH_SALT",
)
CONN_NAMES = (
    "DATABASE_URL",
    "DB_URL",
    "REDIS_URL",
    "MONGO_URI",
    "MONGODB_URI",
    "CONNECTION_STRING",
    "AMQP_URL",
    "SQLALCHEMY_DATABASE_URI",
    "BROKER_URL",
    "CELERY_BROKER_URL",
    "DSN",
    "DB_DSN",
    "JDBC_URL",
    "CACHE_URL",
)
HEADER_NAMES = ("AUTHORIZATION", "AUTH_HEADER", "DEFAULT_AUTH_HEADER", "PROXY_AUTHORIZATION")
PEM_NAMES = (
    "PRIVATE_KEY",
    "SSH_PRIVATE_KEY",
    "JWT_PRIVATE_KEY",
    "TLS_KEY",
    "SIGNING_PRIVATE_KEY",
    "SERVICE_ACCOUNT_KEY",
)
PUBLIC_NAMES = (
    "PUBLIC_KEY",
    "SSH_PUBLIC_KEY",
    "STRIPE_PUBLISHABLE_KEY",
    "AGE_RECIPIENT",
    "SIGNING_PUBLIC_KEY",
    "JWT_PUBLIC_KEY",
    "AUTHORIZED_KEY",
    "DEPLOY_KEY_PUB",
    "VERIFY_KEY",
)
BLOB_NAMES = ("LOGO", "FAVICON", "PLACEHOLDER_IMAGE", "AVATAR_DEFAULT", "ICON_DATA")


@dataclass(frozen=True)
class GeneratedFile:
    index: int
    # Files of one group (a file and its near-miss twin) always go to the same split.
    group: int
    kind: str
    # One of a near-miss pair; `twin` marks the second (the flipped copy).
    paired: bool
    twin: bool
    rendered: Rendered


def _token_slot(
    rng: random.Random, positive: bool, negatives: list[tuple[str, float]]
) -> tuple[str, v.Value, Provider | None]:
    style = rng.random()
    prov: Provider | None = None
    if style < 0.6:
        prov = pick(rng, TRAINING_PROVIDERS)
        name = pick(rng, prov.names)
        value = v.provider_token(rng, prov) if positive else None
    elif style < 0.75:
        name = pick(rng, JWT_NAMES)
        value = v.jwt(rng) if positive else None
    else:
        name = pick(rng, TOKEN_NAMES)
        value = v.generic_token(rng) if positive else None
    if value is None:
        value = v.slot_negative(rng, weighted(rng, negatives), name, prov)
    return name, value, prov


def _secret_value(
    rng: random.Random, role: str, name: str, prov: Provider | None, positive: bool, negatives: list[tuple[str, float]]
) -> v.Value:
    """A value for a secret slot: the secret, or a look-alike non-secret of the same shape."""
    if role == "password":
        return v.password(rng) if positive else v.slot_negative(rng, weighted(rng, negatives), name, None)
    if role == "token":
        if positive:
            return v.provider_token(rng, prov) if prov else (v.jwt(rng) if name in JWT_NAMES else v.generic_token(rng))
        return v.slot_negative(rng, weighted(rng, negatives), name, prov)
    if role == "key":
        return v.signing_key(rng) if positive else v.slot_negative(rng, weighted(rng, negatives), name, None)
    if role == "conn":
        return v.connection_string(rng) if positive else v.connection_negative(rng, name)
    if role == "header":
        return v.auth_header(rng) if positive else v.header_negative(rng)
    if role == "pem":
        return v.private_key(rng) if positive else v.private_key_negative(rng)
    raise ValueError(role)


_ROLE_NAMES = {
    "password": PASSWORD_NAMES,
    "key": KEY_NAMES,
    "conn": CONN_NAMES,
    "header": HEADER_NAMES,
    "pem": PEM_NAMES,
}


def _other_slot(rng: random.Random, role: str) -> Slot:
    """A slot that is never a secret: identifiers, public keys, images, translations, minified code."""
    if role == "id":
        name, value = pick(rng, (v.hash_value, v.uuid_value, v.random_id))(rng)
        return Slot(role, name, value)
    if role == "public":
        return Slot(role, pick(rng, PUBLIC_NAMES), v.public_key(rng))
    if role == "blob":
        return Slot(role, pick(rng, BLOB_NAMES), v.base64_image(rng))
    if role == "i18n":
        key, value = v.i18n(rng)
        return Slot(role, key, value)
    if role == "minified":
        return Slot(role, "BUNDLE", v.minified(rng))
    if role == "benign":
        name, value = v.benign(rng)
        return Slot(role, name, value)
    raise ValueError(role)


@dataclass(frozen=True)
class _Plan:
    """A slot plus what it takes to flip it for the near-miss twin."""

    slot: Slot
    provider: Provider | None


def plan_slots(rng: random.Random, kind: str, config: GeneratorConfig) -> list[_Plan]:
    allowed = set(KINDS[kind].secret_roles) | set(KINDS[kind].extra_roles)
    roles = [(role, w) for role, w in config.roles.items() if role in allowed and w > 0]
    negatives = [(c, w) for c, w in config.negatives.items() if w > 0]
    plans: list[_Plan] = []
    used: set[str] = set()
    for _ in range(rng.randint(config.min_slots, config.max_slots)):
        role = weighted(rng, roles)
        positive = rng.random() < config.positive_rate
        prov = None
        if role == "token":
            name, value, prov = _token_slot(rng, positive, negatives)
        elif role in SECRET_ROLES:
            name = pick(rng, _ROLE_NAMES[role])
            value = _secret_value(rng, role, name, None, positive, negatives)
        else:
            other = _other_slot(rng, role)
            name, value = other.name, other.value
        if name in used:
            continue
        used.add(name)
        plans.append(_Plan(Slot(role, name, value), prov))
    return plans


def _flip(rng: random.Random, plan: _Plan, negatives: list[tuple[str, float]]) -> Slot:
    """The near-miss counterpart: same role and name, the other side of the label boundary."""
    slot = plan.slot
    if slot.role not in SECRET_ROLES:
        return slot
    # Twins teach the boundary, so the flipped negative is a hard one (never a benign value).
    hard = [(c, w) for c, w in negatives if c != "benign"] or negatives
    value = _secret_value(rng, slot.role, slot.name, plan.provider, not slot.value.label, hard)
    return Slot(slot.role, slot.name, value)


def generate_group(seed: int, index: int, config: GeneratorConfig) -> list[GeneratedFile]:
    """File `index` and, with probability `near_miss_rate`, its near-miss twin."""
    rng = random.Random(f"{seed}:{index}")
    kind = weighted(rng, [(k, w) for k, w in config.kinds.items() if w > 0])
    plans = plan_slots(rng, kind, config)
    render_seed = f"{seed}:{index}:render"
    original = KINDS[kind].render(random.Random(render_seed), [p.slot for p in plans])
    if not (rng.random() < config.near_miss_rate and any(p.slot.role in SECRET_ROLES for p in plans)):
        return [GeneratedFile(index, index, kind, False, False, original)]
    negatives = [(c, w) for c, w in config.negatives.items() if w > 0]
    twin_slots = [_flip(rng, p, negatives) for p in plans]
    # The same render seed: the same path and layout, only the values differ.
    twin = KINDS[kind].render(random.Random(render_seed), twin_slots)
    return [
        GeneratedFile(index, index, kind, True, False, original),
        GeneratedFile(index, index, kind, True, True, twin),
    ]


def generate_files(seed: int, config: GeneratorConfig, start: int = 0) -> Iterator[GeneratedFile]:
    """An endless, deterministic stream of files (groups in order)."""
    index = start
    while True:
        yield from generate_group(seed, index, config)
        index += 1
