"""The values we plant in generated files, each with its ground truth, following the labelling policy
(docs/data.md): a secret is a hard-coded literal that can itself authenticate or decrypt; references, masks,
placeholders, the key name repeated, public material and identifiers are not.

Categories are shared with the dev benchmark's `labels.jsonl`:
  secrets     api-token, password, connection-string, private-key, jwt, auth-header, signing-key
  hard (not)  placeholder, reference, example-key, fake-fixture, key-as-value, hash, uuid, public-key,
              random-id, base64-image, minified, i18n
  easy (not)  benign (ordinary values in secret-sounding places), incidental (unplanted lines the stage fires on)
"""

from __future__ import annotations

import base64
import json
import random
from dataclasses import dataclass

from secretscan.training.data.providers import Provider
from secretscan.training.data.rand import (
    ALNUM,
    BASE32,
    DIGITS,
    LOWER,
    UPPER,
    alnum,
    b64_of_bytes,
    b64_of_text,
    chars,
    hexs,
    pick,
    snake_to_camel,
    snake_to_kebab,
    uuid4,
)

SECRET_CATEGORIES = (
    "api-token",
    "password",
    "connection-string",
    "private-key",
    "jwt",
    "auth-header",
    "signing-key",
)
HARD_NEGATIVE_CATEGORIES = (
    "placeholder",
    "reference",
    "example-key",
    "fake-fixture",
    "key-as-value",
    "hash",
    "uuid",
    "public-key",
    "random-id",
    "base64-image",
    "minified",
    "i18n",
)
EASY_NEGATIVE_CATEGORIES = ("benign", "incidental")
CATEGORIES = SECRET_CATEGORIES + HARD_NEGATIVE_CATEGORIES + EASY_NEGATIVE_CATEGORIES


@dataclass(frozen=True)
class Value:
    """A planted value and its ground truth.

    `reference` is set for lookups (`os.environ[...]`, `${VAR}`, `{{ .Values.x }}`): the file kind writes it in
    its own idiom, so `text` is empty until the renderer fills it in.
    """

    text: str
    label: bool
    category: str
    # What produced it (provider name, placeholder style…), for stats and debugging only.
    detail: str = ""
    reference: str | None = None
    # The part a candidate must capture to be labelled a secret: the password inside a connection string, the
    # token after "Bearer ". Empty: the whole text.
    core: str = ""

    @property
    def secret_core(self) -> str:
        return self.core or self.text

    @property
    def hard(self) -> bool:
        return not self.label and self.category in HARD_NEGATIVE_CATEGORIES

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"unknown category {self.category!r}")
        if self.label != (self.category in SECRET_CATEGORIES):
            raise ValueError(f"label {self.label} contradicts category {self.category!r}")


# ---- secrets ---------------------------------------------------------------------------------------------

# Safe in every file syntax we write (no quotes, backslashes, `$`, `%`, `&`, `<`): escaping would change the
# bytes in the file, and the label must describe the exact value the candidate stage extracts.
PASSWORD_SYMBOLS = "!#*-_=+.?~^@"
URL_SAFE_SYMBOLS = "!*-_.~"

_WORDS = (
    "summer winter autumn spring dragon monkey shadow sunshine princess football baseball welcome master "
    "falcon tiger orange purple silver golden rocket thunder coffee pepper banana kitten puppy river "
    "mountain ocean castle wizard pirate ninja hockey soccer guitar piano galaxy planet matrix phoenix "
    "hunter ranger cookie butter cherry maple cobalt copper marble velvet jasmine lotus cactus"
).split()
_NAMES = "alice bob carol dave erin frank grace heidi ivan judy mallory oscar peggy trent victor wendy".split()
_WEAK = (
    "hunter2 letmein qwerty123 admin123 passw0rd Passw0rd! secret123 s3cr3t root1234 trustno1 iloveyou "
    "abc123456 welcome1 Welcome1! P@ssword1 testpassword SomePassword client server postgres mysqlpass "
    "rabbitpass devpass123 localdev qa-pass-2023 Admin@123 Qwerty!23 1q2w3e4r Zaq12wsx opensesame "
    "changeme changeit change-me CHANGE_ME"
).split()


def password_human(rng: random.Random) -> str:
    """A password a person would pick: weak, dictionary-looking, or a pattern. Still a secret (policy)."""
    style = rng.randrange(7)
    if style == 0:
        return pick(rng, _WEAK)
    if style == 1:
        return pick(rng, _WORDS).capitalize() + str(rng.randrange(1990, 2026)) + pick(rng, "!#*.?@")
    if style == 2:
        return "".join(pick(rng, _WORDS) for _ in range(rng.randrange(2, 5)))
    if style == 3:
        table = str.maketrans({"a": "@", "e": "3", "o": "0", "i": "1", "s": "5"})
        return (pick(rng, _WORDS) + pick(rng, _WORDS)).translate(table) + str(rng.randrange(10, 99))
    if style == 4:
        return pick(rng, _NAMES).capitalize() + str(rng.randrange(1, 9999)) + pick(rng, ("", "!", "#", "*"))
    if style == 5:
        return "-".join(pick(rng, _WORDS) for _ in range(3)) + str(rng.randrange(10))
    return pick(rng, _WORDS) + pick(rng, ("_", ".", "")) + pick(rng, _WORDS) + str(rng.randrange(100, 999))


def password_random(rng: random.Random, symbols: str = PASSWORD_SYMBOLS) -> str:
    """A generated password: mixed classes, 10–32 chars."""
    n = rng.randrange(10, 33)
    body = chars(rng, ALNUM + symbols, n)
    # Make sure it has a digit and a symbol, like generators do.
    return body[:-2] + pick(rng, DIGITS) + pick(rng, symbols)


def password(rng: random.Random, url_safe: bool = False) -> Value:
    if rng.random() < 0.5:
        text = password_human(rng)
        if url_safe:
            text = "".join(c for c in text if c.isalnum() or c in URL_SAFE_SYMBOLS) or "hunter2"
        return Value(text, True, "password", "human")
    return Value(password_random(rng, URL_SAFE_SYMBOLS if url_safe else PASSWORD_SYMBOLS), True, "password", "random")


def provider_token(rng: random.Random, prov: Provider) -> Value:
    return Value(prov.make(rng), True, "api-token", prov.name)


def generic_token(rng: random.Random) -> Value:
    """An API key with no recognisable prefix: hex, base64 or alphanumeric."""
    style = rng.randrange(5)
    if style == 0:
        text = hexs(rng, pick(rng, (32, 40, 64)))
    elif style == 1:
        text = b64_of_bytes(rng, pick(rng, (24, 32, 48)), pad=rng.random() < 0.5)
    elif style == 2:
        text = alnum(rng, pick(rng, (20, 24, 32, 40)))
    elif style == 3:
        text = f"{alnum(rng, 8)}-{alnum(rng, 16)}-{alnum(rng, 8)}".lower()
    else:
        text = pick(rng, ("live_", "prod_", "key_", "tok_", "api_")) + alnum(rng, 32)
    return Value(text, True, "api-token", "generic")


_DJANGO_CHARS = LOWER + DIGITS + "!@#^*(-_=+)"


def signing_key(rng: random.Random) -> Value:
    """HMAC / signing / encryption keys, salts used as keys, OTP seeds, app secrets."""
    style = rng.randrange(6)
    if style == 0:
        return Value("django-insecure-" + chars(rng, _DJANGO_CHARS, 50), True, "signing-key", "django")
    if style == 1:
        return Value(chars(rng, _DJANGO_CHARS, 50), True, "signing-key", "django")
    if style == 2:
        return Value(b64_of_bytes(rng, 32), True, "signing-key", "base64")
    if style == 3:
        return Value(hexs(rng, 64), True, "signing-key", "hex")
    if style == 4:
        return Value(chars(rng, BASE32, pick(rng, (16, 32))), True, "signing-key", "otp-base32")
    return Value("base64:" + b64_of_bytes(rng, 32), True, "signing-key", "laravel")


def jwt(rng: random.Random) -> Value:
    header = b64_of_text(json.dumps({"alg": pick(rng, ("HS256", "RS256")), "typ": "JWT"}), urlsafe=True).rstrip("=")
    claims = {
        "sub": str(rng.randrange(10**6, 10**9)),
        "name": pick(rng, _NAMES).capitalize(),
        "iat": rng.randrange(1_600_000_000, 1_760_000_000),
    }
    if rng.random() < 0.5:
        claims["role"] = pick(rng, ("admin", "service", "user", "anon"))
    payload = b64_of_text(json.dumps(claims, separators=(",", ":")), urlsafe=True).rstrip("=")
    signature = b64_of_bytes(rng, 32, urlsafe=True, pad=False)
    return Value(f"{header}.{payload}.{signature}", True, "jwt", "jwt")


_HOSTS = (
    "db.internal",
    "prod-db-01.cluster.local",
    "10.0.3.17",
    "postgres.svc.cluster.local",
    "mysql-primary",
    "redis.example-corp.net",
    "mongo-0.mongo",
    "rds.amazonaws.com",
    "cache.prod.internal",
    "localhost",
    "broker.internal",
)
_USERS = ("admin", "app", "svc_orders", "root", "postgres", "deploy", "reporting", "etl_user", "api", "web")
_DBS = ("app", "orders", "analytics", "users", "billing", "inventory", "events", "crm")


def connection_url(rng: random.Random, secret: str, scheme: str | None = None) -> str:
    """A URL carrying `secret` as its password."""
    scheme = scheme or pick(rng, ("postgresql", "postgres", "mysql", "mongodb+srv", "redis", "amqp", "mssql", "https"))
    user = pick(rng, _USERS)
    host = pick(rng, _HOSTS)
    if scheme == "redis":
        return f"redis://:{secret}@{host}:6379/{rng.randrange(4)}"
    if scheme == "amqp":
        return f"amqp://{user}:{secret}@{host}:5672/{pick(rng, ('', 'vhost', 'jobs'))}"
    if scheme == "https":
        return (
            f"https://{user}:{secret}@{pick(rng, ('git.example-corp.net', 'registry.internal', 'nexus.corp.local'))}/"
        )
    port = {"postgresql": 5432, "postgres": 5432, "mysql": 3306, "mssql": 1433}.get(scheme)
    where = f"{host}:{port}" if port else host
    return f"{scheme}://{user}:{secret}@{where}/{pick(rng, _DBS)}"


def connection_string(rng: random.Random) -> Value:
    """A connection string or URL with a real-looking credential in it. The whole string is the secret."""
    secret = password(rng, url_safe=True).text
    style = rng.randrange(5)
    if style <= 2:
        text = connection_url(rng, secret)
    elif style == 3:
        text = f"Server={pick(rng, _HOSTS)};Database={pick(rng, _DBS)};User Id={pick(rng, _USERS)};Password={secret};"
    else:
        text = (
            f"jdbc:{pick(rng, ('postgresql', 'mysql'))}://{pick(rng, _HOSTS)}/{pick(rng, _DBS)}"
            f"?user={pick(rng, _USERS)}&password={secret}"
        )
    return Value(text, True, "connection-string", "password-in-url", core=secret)


def auth_header(rng: random.Random) -> Value:
    """The value of an Authorization header (scheme + credential)."""
    style = rng.randrange(3)
    if style == 0:
        creds = b64_of_text(f"{pick(rng, _USERS)}:{password(rng).text}")
        return Value("Basic " + creds, True, "auth-header", "basic", core=creds)
    if style == 1:
        token = pick(rng, (jwt(rng).text, alnum(rng, 40), hexs(rng, 40)))
        return Value("Bearer " + token, True, "auth-header", "bearer", core=token)
    token = hexs(rng, 40)
    return Value("Token " + token, True, "auth-header", "token", core=token)


# ---- hard negatives --------------------------------------------------------------------------------------

# Slots that say a value must still be filled in. Default credentials (`changeme`, `changeit`) are not among them:
# they work wherever nobody changed them, and real code's labels count them (docs/data.md, "Labelling policy").
_PLACEHOLDER_FIXED = (
    "REPLACE_ME",
    "replace-with-real-value",
    "xxx",
    "xxxxxxxx",
    "XXXXXXXXXXXXXXXX",
    "TODO",
    "TBD",
    "<token>",
    "<password>",
    "<secret>",
    "<api-key>",
    "{{token}}",
    "<insert-key-here>",
    "placeholder",
    "...",
    "none",
    "null",
)
_MASKS = ("***", "********", "REDACTED", "<redacted>", "[FILTERED]", "*****hidden*****", "[masked]", "•••••••")


def placeholder(rng: random.Random, name: str) -> Value:
    """A template value a person must replace, often derived from the key name (`your_api_key_here`)."""
    low = name.lower()
    style = rng.randrange(6)
    if style == 0:
        return Value(pick(rng, _PLACEHOLDER_FIXED), False, "placeholder", "fixed")
    if style == 1:
        return Value(pick(rng, _MASKS), False, "placeholder", "mask")
    if style == 2:
        return Value(
            pick(rng, (f"your_{low}_here", f"your-{snake_to_kebab(low)}", f"YOUR_{name.upper()}")),
            False,
            "placeholder",
            "your",
        )
    if style == 3:
        return Value(
            pick(rng, (f"<{snake_to_kebab(low)}>", f"<{low}>", f"<YOUR_{name.upper()}>", f"[{low}]")),
            False,
            "placeholder",
            "angle",
        )
    if style == 4:
        return Value(
            pick(
                rng,
                (
                    f"insert-{snake_to_kebab(low)}-here",
                    f"replace-with-{snake_to_kebab(low)}",
                    f"set-{snake_to_kebab(low)}-in-env",
                    f"{low}_goes_here",
                ),
            ),
            False,
            "placeholder",
            "prose",
        )
    return Value("", False, "placeholder", "empty")


def key_as_value(name: str, rng: random.Random) -> Value:
    """A constant's or a variable's name as its own value (`API_KEY = "API_KEY"`, `apiKey`): not a secret. The
    lower-case word (`password: 'password'`) is left out: real code's labels count it as a weak credential."""
    return Value(pick(rng, (name.upper(), snake_to_camel(name))), False, "key-as-value")


def reference(env_name: str) -> Value:
    """A lookup; each file kind writes it in its own idiom."""
    return Value("", False, "reference", "lookup", reference=env_name)


# Documentation example keys, as published in vendor docs and RFCs.
_DOC_EXAMPLES = (
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AKIAI44QH8DHBEXAMPLE",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    "ASIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
)


def example_key(rng: random.Random, prov: Provider | None, name: str) -> Value:
    """A documentation EXAMPLE key: AWS's published ones, or the slot's format with an EXAMPLE marker."""
    if prov is not None and prov.name.startswith("aws"):
        pool = _DOC_EXAMPLES[0::2] if prov.name == "aws-access-key-id" else _DOC_EXAMPLES[1::2]
        return Value(pick(rng, pool), False, "example-key", "aws-doc")
    marker = pick(rng, ("EXAMPLE", "example", "EXAMPLEKEY", "SAMPLE", "Example"))
    if prov is not None and prov.prefix:
        body_len = max(12, len(prov.make(rng)) - len(prov.prefix) - len(marker))
        body = chars(rng, UPPER + DIGITS if prov.prefix.isupper() else ALNUM, body_len // 2)
        return Value(f"{prov.prefix}{body}{marker}", False, "example-key", prov.name)
    low = name.lower()
    text = pick(
        rng,
        (
            f"example-{snake_to_kebab(low)}",
            f"{marker}_{name.upper()}",
            f"{low}-example-123",
            f"{marker}{marker}{marker}",
        ),
    )
    return Value(text, False, "example-key", "generic")


def fake_fixture(rng: random.Random, prov: Provider | None = None) -> Value:
    """An obviously fake test value: repeated or sequential bodies, or fake/dummy/mock markers."""
    if prov is not None and prov.prefix and rng.random() < 0.6:
        n = max(16, len(prov.make(rng)) - len(prov.prefix))
        body = pick(rng, ("x" * n, "X" * n, "0" * n, ("1234567890" * 10)[:n], ("abcdef" * 20)[:n], "a" * n))
        return Value(prov.prefix + body, False, "fake-fixture", prov.name)
    word = pick(rng, ("fake", "dummy", "mock", "not-a-real", "test-only-fake", "sample", "stub"))
    kind = pick(rng, ("token", "secret", "api-key", "password", "key"))
    return Value(
        pick(
            rng,
            (
                f"{word}-{kind}",
                f"{word}_{kind}_{rng.randrange(100)}",
                f"{word}-{kind}-do-not-use",
                f"{word.upper()}_{kind.upper()}",
            ),
        ),
        False,
        "fake-fixture",
        "marker",
    )


# Identifier and hash values come with the key names they live under, so the pair reads naturally.
_HASH_NAMES = (
    "CHECKSUM",
    "SHA256",
    "INTEGRITY",
    "COMMIT_SHA",
    "IMAGE_DIGEST",
    "TOKEN_HASH",
    "PASSWORD_SHA256",
    "KEY_FINGERPRINT",
    "ETAG",
    "CONTENT_HASH",
    "LOCKFILE_HASH",
)
_UUID_NAMES = (
    "REQUEST_ID",
    "TENANT_ID",
    "SUBSCRIPTION_ID",
    "CORRELATION_ID",
    "USER_ID",
    "DEVICE_ID",
    "CLIENT_ID",
    "APP_ID",
    "IDEMPOTENCY_KEY",
    "API_KEY_ID",
    "KEY_ID",
    "WORKSPACE_ID",
    "INSTALLATION_ID",
)


def hash_value(rng: random.Random) -> tuple[str, Value]:
    """(key name, a hash or checksum): lockfile integrity, git SHAs, sha256 sums, image digests."""
    name = pick(rng, _HASH_NAMES)
    style = rng.randrange(7)
    if style == 0:
        return name, Value(hexs(rng, 64), False, "hash", "sha256")
    if style == 1:
        return name, Value(hexs(rng, 40), False, "hash", "sha1")
    if style == 2:
        return name, Value(hexs(rng, 32), False, "hash", "md5")
    if style == 3:
        return "INTEGRITY", Value("sha512-" + b64_of_bytes(rng, 64), False, "hash", "sri")
    if style == 4:
        return "IMAGE_DIGEST", Value("sha256:" + hexs(rng, 64), False, "hash", "digest")
    if style == 5:
        return "GO_SUM", Value("h1:" + b64_of_bytes(rng, 32), False, "hash", "go-sum")
    return "INTEGRITY", Value("sha384-" + b64_of_bytes(rng, 48), False, "hash", "sri")


def uuid_value(rng: random.Random) -> tuple[str, Value]:
    return pick(rng, _UUID_NAMES), Value(uuid4(rng, upper=rng.random() < 0.15), False, "uuid", "uuid4")


def random_id(rng: random.Random) -> tuple[str, Value]:
    """(key name, an identifier that looks random but grants nothing)."""
    style = rng.randrange(9)
    if style == 0:
        return pick(rng, ("OBJECT_ID", "DOCUMENT_ID", "OWNER_ID")), Value(
            hexs(rng, 24), False, "random-id", "object-id"
        )
    if style == 1:
        prefix = pick(rng, ("cus_", "price_", "prod_", "pi_", "sub_", "acct_"))
        name = {
            "cus_": "CUSTOMER_ID",
            "price_": "PRICE_ID",
            "prod_": "PRODUCT_ID",
            "pi_": "PAYMENT_INTENT_ID",
            "sub_": "STRIPE_SUBSCRIPTION_ID",
            "acct_": "CONNECTED_ACCOUNT_ID",
        }[prefix]
        return name, Value(prefix + alnum(rng, 14), False, "random-id", "stripe-id")
    if style == 2:
        return pick(rng, ("TRACE_ID", "SPAN_ID", "RUN_ID")), Value(hexs(rng, 32), False, "random-id", "trace-id")
    if style == 3:
        return "TWILIO_ACCOUNT_SID", Value("AC" + hexs(rng, 32), False, "random-id", "twilio-account-sid")
    if style == 4:
        return "AWS_ACCOUNT_ID", Value(str(rng.randrange(10**11, 10**12)), False, "random-id", "aws-account")
    if style == 5:
        return "CONTAINER_ID", Value(hexs(rng, 64), False, "random-id", "container-id")
    if style == 6:
        text = f"{chars(rng, DIGITS, 12)}-{alnum(rng, 32).lower()}.apps.googleusercontent.com"
        return "GOOGLE_CLIENT_ID", Value(text, False, "random-id", "oauth-client-id")
    if style == 7:
        return "SLACK_CHANNEL_ID", Value("C0" + chars(rng, UPPER + DIGITS, 9), False, "random-id", "slack-channel")
    prefix = pick(rng, ("req", "evt", "job", "run"))
    return f"{prefix.upper()}_ID", Value(f"{prefix}_{alnum(rng, 20)}", False, "random-id", "prefixed-id")


def public_key(rng: random.Random) -> Value:
    """Public material: SSH public keys, publishable keys, age recipients, SubjectPublicKeyInfo."""
    style = rng.randrange(5)
    if style == 0:
        body = "AAAAC3NzaC1lZDI1NTE5AAAAI" + b64_of_bytes(rng, 32)[:-1].rstrip("=")
        return Value(
            f"ssh-ed25519 {body} {pick(rng, _NAMES)}@{pick(rng, ('laptop', 'ci', 'build-01'))}",
            False,
            "public-key",
            "ssh-ed25519",
        )
    if style == 1:
        return Value(
            "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ" + b64_of_bytes(rng, 180).rstrip("="),
            False,
            "public-key",
            "ssh-rsa",
        )
    if style == 2:
        return Value("pk_live_" + alnum(rng, 24), False, "public-key", "stripe-publishable")
    if style == 3:
        return Value("age1" + chars(rng, "qpzry9x8gf2tvdw0s3jn54khce6mua7l", 58), False, "public-key", "age")
    return Value("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + b64_of_bytes(rng, 60), False, "public-key", "spki")


def base64_image(rng: random.Random) -> Value:
    head = pick(
        rng, (("png", "iVBORw0KGgoAAAANSUhEUgAA"), ("gif", "R0lGODlhAQABAIAAAP"), ("jpeg", "/9j/4AAQSkZJRgABAQ"))
    )
    return Value(
        f"data:image/{head[0]};base64,{head[1]}{b64_of_bytes(rng, rng.randrange(30, 60))}",
        False,
        "base64-image",
        head[0],
    )


_I18N = {
    "PASSWORD_LABEL": ("Password", "Mot de passe", "Passwort", "Contraseña", "Senha"),
    "TOKEN_EXPIRED": ("Your session token has expired", "Votre jeton a expiré", "Ihr Token ist abgelaufen"),
    "API_KEY_HELP": ("Enter your API key", "Saisissez votre clé API", "Geben Sie Ihren API-Schlüssel ein"),
    "SECRET_HINT": (
        "Keep this secret safe",
        "Gardez ce secret en lieu sûr",
        "Bewahren Sie dieses Geheimnis sicher auf",
    ),
    "PASSWORD_RESET": (
        "Forgot your password?",
        "Mot de passe oublié ?",
        "Passwort vergessen?",
        "¿Olvidó su contraseña?",
    ),
    "PASSWORD_TOO_SHORT": ("Password must be at least 12 characters", "Le mot de passe doit contenir 12 caractères"),
}


def i18n(rng: random.Random) -> tuple[str, Value]:
    """A translation key and its (prose) value."""
    key = pick(rng, sorted(_I18N))
    return key, Value(pick(rng, _I18N[key]), False, "i18n", "translation")


def minified(rng: random.Random) -> Value:
    """A minified-code fragment with mangled names and a content-hashed chunk name."""
    a, b, c = (pick(rng, LOWER) + pick(rng, ALNUM) for _ in range(3))
    chunk = hexs(rng, 8)
    return Value(
        f'!function({a},{b}){{var {c}="{alnum(rng, 24)}";return {a}.t({c},"{chunk}")}}'
        f'({b}||{{}},"static/js/main.{chunk}.chunk.js")',
        False,
        "minified",
        "js",
    )


# Ordinary values under names that sound like secrets: detectors fire on the name, the value grants nothing.
_BENIGN = (
    ("JWT_ALGORITHM", ("HS256", "RS256", "ES256")),
    ("TOKEN_TYPE", ("bearer", "Bearer", "access_token")),
    ("AUTH_SCHEME", ("oauth2", "basic", "digest")),
    ("API_KEY_HEADER", ("X-API-Key", "x-auth-token", "Authorization")),
    (
        "TOKEN_URL",
        (
            "https://oauth2.googleapis.com/token",
            "https://login.microsoftonline.com/common/oauth2/v2.0/token",
            "/api/v1/auth/token",
        ),
    ),
    ("GRANT_TYPE", ("client_credentials", "refresh_token", "authorization_code")),
    ("SECRET_NAME", ("db-credentials", "app-secrets", "prod/api/stripe")),
    ("PASSWORD_HASHER", ("pbkdf2_sha256", "argon2id", "bcrypt_sha256")),
    ("ENCRYPTION_ALGORITHM", ("AES-256-GCM", "chacha20-poly1305", "SHA-256")),
    ("TOKEN_TTL_SECONDS", ("3600", "86400", "900")),
    ("PASSWORD_MIN_LENGTH", ("12", "8", "16")),
    ("CSRF_COOKIE_NAME", ("csrftoken", "XSRF-TOKEN", "_csrf")),
    ("SESSION_COOKIE_NAME", ("sessionid", "connect.sid", "__Host-session")),
    ("KEY_ROTATION_DAYS", ("90", "30")),
    ("PASSWORD_RESET_URL", ("https://app.example-corp.net/reset", "/accounts/password/reset/")),
    ("SECRET_MANAGER_BACKEND", ("vault", "aws-secrets-manager", "gcp-secret-manager")),
)


def benign(rng: random.Random) -> tuple[str, Value]:
    """(secret-sounding key name, an ordinary value): the easy negatives."""
    name, options = pick(rng, _BENIGN)
    return name, Value(pick(rng, options), False, "benign", "ordinary")


_INSTRUCTIONS = (
    "see-1password",
    "ask-platform-ops",
    "set-in-ci",
    "provided-by-vault",
    "injected-at-deploy-time",
    "configured-in-ci",
    "stored-in-keychain",
    "from-the-team-vault",
    "to-be-provided",
    "not-set-yet",
    "request-from-secops",
    "lives-in-ssm",
    "see-runbook",
    "rotate-and-fill",
    "managed-by-terraform",
    "ask-in-slack",
    "kept-in-bitwarden",
    "per-environment",
    "set-by-helm",
    "do-not-commit",
)


def instruction(rng: random.Random) -> Value:
    """A value that says where the real secret lives or who has it: a placeholder written as an instruction."""
    text = pick(rng, _INSTRUCTIONS)
    style = rng.randrange(3)
    if style == 1:
        text = text.upper().replace("-", "_")
    elif style == 2:
        text = text.replace("-", "_")
    return Value(text, False, "placeholder", "instruction")


_LITERAL_REFERENCES = (
    "secret:{k}",
    "vault://prod/{k}#value",
    "!secret {k}",
    "[[ .Secrets.{c} ]]",
    "$secrets.{k}",
    "@@{N}@@",
    "env({N})",
    "${{file:/run/secrets/{k}}}",
    "%env({N})%",
    "$(params.{e})",
    "lookup('env', '{N}')",
    "secretRef:{e}",
    "ssm:/prod/{k}",
    "keychain:{k}",
    "pass:ci/{k}",
    "doppler:{N}",
    "infisical:{N}",
    "((secrets.{k}))",
    "$[secrets.{c}]",
    "env:{N}",
    "$env:{N}",
    "<<secrets.{k}>>",
)


def literal_reference(rng: random.Random, name: str) -> Value:
    """A lookup written as a string literal, in one of the many syntaxes tools use (`secret:x`, `!secret x`)."""
    low = name.lower()
    text = pick(rng, _LITERAL_REFERENCES).format(k=low, N=name.upper(), c=snake_to_camel(name), e=snake_to_kebab(name))
    return Value(text, False, "reference", "literal")


def slot_negative(rng: random.Random, category: str, name: str, prov: Provider | None) -> Value:
    """A non-secret of `category` for a secret slot named `name` (of provider `prov`, if any)."""
    if category == "instruction":
        return instruction(rng)
    if category == "literal-reference":
        return literal_reference(rng, name)
    if category == "placeholder":
        return placeholder(rng, name)
    if category == "reference":
        return reference(name.upper())
    if category == "example-key":
        return example_key(rng, prov, name)
    if category == "fake-fixture":
        return fake_fixture(rng, prov)
    if category == "key-as-value":
        return key_as_value(name, rng)
    raise ValueError(category)


# ---- slot-specific look-alikes: connection strings, auth headers, PEM blocks ----------------------------------


def connection_negative(rng: random.Random, name: str) -> Value:
    """The same connection-string shape with no real credential in it: a template, a lookup, or none at all."""
    style = rng.randrange(4)
    if style == 0:
        text = connection_url(
            rng, pick(rng, ("<password>", "PASSWORD", "****", "{password}", "%s", "<db-pass>"))
        )
        return Value(text, False, "placeholder", "conn-template")
    if style == 1:
        text = connection_url(
            rng, pick(rng, ("${{{N}}}", "$({N})", "${{env:{N}}}", "%({n})s")).format(N=name.upper(), n=name.lower())
        )
        return Value(text, False, "reference", "conn-lookup")
    if style == 2:
        scheme = pick(rng, ("postgresql", "mysql", "redis", "mongodb"))
        text = f"{scheme}://{pick(rng, _HOSTS)}:{pick(rng, (5432, 3306, 6379, 27017))}/{pick(rng, _DBS)}"
        return Value(text, False, "benign", "conn-no-credentials")
    return Value(
        connection_url(rng, pick(rng, ("fake", "dummy", "notreal", "example"))), False, "fake-fixture", "conn-fake"
    )


def header_negative(rng: random.Random) -> Value:
    style = rng.randrange(4)
    if style == 0:
        return Value(
            pick(
                rng,
                (
                    "Bearer <token>",
                    "Bearer YOUR_TOKEN",
                    "Bearer <access-token>",
                    "Basic <base64(user:pass)>",
                    "Token <api-token>",
                ),
            ),
            False,
            "placeholder",
            "header-template",
        )
    if style == 1:
        return Value(
            pick(rng, ("Bearer ${TOKEN}", "Bearer $ACCESS_TOKEN", "Bearer {token}", "Bearer %s", "Token ${API_TOKEN}")),
            False,
            "reference",
            "header-lookup",
        )
    if style == 2:
        return Value(
            "Bearer " + pick(rng, ("x" * 40, "0" * 32, "fake-token", "dummy", "test-token-not-real")),
            False,
            "fake-fixture",
            "header-fake",
        )
    return Value(pick(rng, ("Bearer", "Basic", "Bearer realm=api", "Negotiate")), False, "benign", "header-scheme")


_ED25519_PKCS8 = bytes.fromhex("302e020100300506032b657004220420")
_EC_SEC1_HEAD = bytes.fromhex("30770201010420")
_EC_SEC1_MID = bytes.fromhex("a00a06082a8648ce3d030107a144034200")


def _pem(label: str, der: bytes, newline: str) -> str:
    body = base64.b64encode(der).decode("ascii")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return newline.join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"])


def private_key(rng: random.Random, newline: str = "\\n") -> Value:
    """A structurally valid private key block (Ed25519 PKCS#8 or EC SEC1), on one line with escaped newlines."""
    if rng.random() < 0.5:
        return Value(_pem("PRIVATE KEY", _ED25519_PKCS8 + rng.randbytes(32), newline), True, "private-key", "ed25519")
    der = _EC_SEC1_HEAD + rng.randbytes(32) + _EC_SEC1_MID + b"\x04" + rng.randbytes(64)
    return Value(_pem("EC PRIVATE KEY", der, newline), True, "private-key", "ec")


def private_key_negative(rng: random.Random, newline: str = "\\n") -> Value:
    """Elided key bodies (docs), and public keys and certificates in the same PEM shape."""
    style = rng.randrange(3)
    label = pick(rng, ("RSA PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY"))
    if style == 0:
        body = pick(
            rng,
            (
                "MIIEpAIBAAKCAQEA...",
                "...",
                "<your private key>",
                "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC...",
                "XXXXXXXXXXXXXXXX",
            ),
        )
        return Value(
            newline.join((f"-----BEGIN {label}-----", body, f"-----END {label}-----")),
            False,
            "placeholder",
            "elided-key",
        )
    if style == 1:
        der = bytes.fromhex("302a300506032b6570032100") + rng.randbytes(32)
        return Value(_pem("PUBLIC KEY", der, newline), False, "public-key", "pem-public")
    der = bytes.fromhex("3082") + rng.randbytes(120)
    return Value(_pem("CERTIFICATE", der, newline), False, "public-key", "certificate")
