"""Pure false-positive filters: each predicate drops only what is certainly not a secret.

In the style of detect-secrets' `filters/heuristic.py`: small functions, one job each, unit-tested for
precision. `harmless_reason(candidate)` names the first one that matches.

Labelling policy: a weak or dictionary-looking literal (`password = "testpassword"`, `"client"`) is a hard-coded
credential and stays a candidate. These filters never grade strength; they drop placeholders, lookups,
references, hashes, identifiers and public material.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePosixPath

from secretscan.scanner.rules.names import classify_name
from secretscan.scanner.types import Candidate

MIN_SECRET_CHARS = 4

# --- predicates on the value alone ---

_NON_VALUES = frozenset(
    "true false null none nil undefined yes no on off n/a na empty blank required optional unset default "
    "string str int integer bool boolean number object any text varchar char bytes".split()
)


def is_too_short(secret: str) -> bool:
    return len(secret.strip()) < MIN_SECRET_CHARS


def is_non_value(secret: str) -> bool:
    """A literal that is a type or a keyword (`password: string`, `token = None`), not a value."""
    return secret.strip().lower() in _NON_VALUES


_PLACEHOLDER = re.compile(
    r"""(?ix)
    x{4,} | \*{3,} | •{3,} | \#{4,} | \.{3,} | …
    | ^<[^<>]+>$ | <[a-z_ -]*(?:key|token|secret|password|pass|pwd|here|your|value)[a-z_ -]*>
    | ^\[[^\[\]]+\]$
    | change[\W_]?(?:me|it|this) | replace[\W_]?(?:me|this|with) | fill[\W_]?(?:me|in)
    | ^your[\W_] | [\W_]your[\W_] | ^your(?:key|token|secret|password|pass|apikey)
    | (?:^|[\W_])(?:goes[\W_]?)?here$ | insert[\W_]?your | enter[\W_]?your | put[\W_]?your | add[\W_]?your
    | redacted | censored | sanitized | obfuscated | placeholder | dummy | example | sample
    | not[\W_]?a[\W_]?real | ^(?:todo|tbd|fixme|hidden|masked|removed|secret_here|none_set)$
    """
)
# AWS publishes these as documentation keys; they are in half the world's tutorials.
_DOCUMENTATION_KEYS = frozenset({"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"})


def is_placeholder(secret: str) -> bool:
    """`changeme`, `your-api-key-here`, `<token>`, `xxxx`, `****`, `REDACTED`, dummy/example/sample values."""
    return secret in _DOCUMENTATION_KEYS or _PLACEHOLDER.search(secret) is not None


_TEMPLATE = re.compile(
    r"""(?x)
    \$\{[^}]*\}                       # ${VAR}, ${{ secrets.X }}
    | ^\$(?:[A-Z_][A-Z0-9_]*|[a-z_]+)$  # $VAR (a password like $ecr3t has digits and mixed case)
    | ^\$\(.*\)$ | ^\$\d+$            # $(command), $1
    | \{\{.*?\}\} | \{%.*?%\}          # Jinja, Helm, Handlebars, Go templates
    | %\([\w.-]+\)[sdr] | ^%[sdr]$      # Python %-formatting
    | ^%[A-Za-z_]\w*%$ | ^@[A-Za-z_]\w*@$ | ^__[A-Z0-9_]+__$   # %VAR%, @VAR@, __VAR__ substitutions
    | \#\{[^}]*\} | <%.*?%>            # Ruby interpolation, ERB
    | \{[A-Za-z_][\w.]*(?:\[[^\]]*\])?(?:![rsa])?(?::[^{}]*)?\} | ^\{\d*\}$   # format fields: {password}, {0}
    """
)


def is_template(secret: str) -> bool:
    """A value filled in later: `${VAR}`, `$VAR`, `{{ .Values.x }}`, `%(pw)s`, `{password}`, `<%= pw %>`."""
    return _TEMPLATE.search(secret) is not None


_ENV_LOOKUP = re.compile(
    r"os\.environ|getenv\(|process\.env|import\.meta\.env|\bENV\[|\bENV\.fetch|System\.getenv|"
    r"GetEnvironmentVariable|\benv\(|std::env|Deno\.env|\$_ENV\[|\$_SERVER\["
)
_ENV_VAR_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")


def is_env_lookup(secret: str) -> bool:
    """`os.environ["X"]`, `process.env.X`, `ENV['X']`… or just the name of the variable (`DB_PASSWORD`)."""
    if _ENV_LOOKUP.search(secret):
        return True
    return _ENV_VAR_NAME.fullmatch(secret) is not None and classify_name(secret) is not None


_SECRET_REFERENCE = re.compile(
    r"(?i)^(?:vault:|!vault|\$ANSIBLE_VAULT|ENC\[|arn:aws:(?:secretsmanager|ssm|kms):|\{\{resolve:(?:secretsmanager|ssm)"
    r"|op://|@Microsoft\.KeyVault\(|akv://|sm://|secret://|secretsmanager:|ref\+|keyvault://|kms://|awskms://"
    r"|gcp-secret://|projects/[^/\s]+/secrets/)"
)


def is_secret_reference(secret: str) -> bool:
    """A pointer into a secret store (Vault, AWS Secrets Manager/SSM, 1Password, Key Vault, sops), not the secret."""
    return _SECRET_REFERENCE.search(secret) is not None


_SEQUENCES = (
    "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "01234567890123456789",
    "0123456789ABCDEF0123456789ABCDEF",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    "QWERTYUIOPASDFGHJKLZXCVBNM",
    "98765432109876543210",
    "ZYXWVUTSRQPONMLKJIHGFEDCBA",
)
_REPEATED_UNIT = re.compile(r"(.{1,3})\1+", re.DOTALL)


def is_sequential(secret: str) -> bool:
    """`abcdef`, `123456`, `qwerty`, `aaaaaa`, `abcabcabc`: keyboard runs and repeats, not chosen secrets."""
    upper = secret.upper()
    return any(upper in sequence for sequence in _SEQUENCES) or _REPEATED_UNIT.fullmatch(secret) is not None


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_uuid(secret: str) -> bool:
    return _UUID.fullmatch(secret) is not None


_DIGEST_PREFIX = re.compile(r"(?i)^(?:sha(?:1|224|256|384|512)|md5|blake2[bs]?|h1|xxh64|crc32)[-:=]")
_PASSWORD_HASH = re.compile(r"^\$(?:2[abxy]?|argon2(?:id|i|d)|scrypt|pbkdf2[\w-]*|[156]|y)\$|^(?:pbkdf2_sha\d+|bcrypt|argon2)\$")
_HEX = re.compile(r"[0-9a-fA-F]+")
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")
_DIGEST_HEX_LENGTHS = frozenset({32, 40, 56, 64, 96, 128})
_DIGEST_BASE64_LENGTHS = frozenset({22, 24, 27, 28, 43, 44, 64, 86, 88})
_DIGEST_CONTEXT = re.compile(r"(?i)integrity|checksum|sha\d|md5|digest|hash|etag|fingerprint|signature")


def is_digest(secret: str, line: str) -> bool:
    """A hash or checksum: `sha512-…`, `sha256:…`, `h1:…`, bcrypt/argon2 hashes, or hash-length hex/base64 on a
    line that talks about integrity, checksums or digests."""
    if _DIGEST_PREFIX.search(secret) or _PASSWORD_HASH.search(secret):
        return True
    if not _DIGEST_CONTEXT.search(line):
        return False
    if _HEX.fullmatch(secret):
        return len(secret) in _DIGEST_HEX_LENGTHS
    return _BASE64.fullmatch(secret) is not None and len(secret) in _DIGEST_BASE64_LENGTHS


_GIT_CONTEXT = re.compile(r"(?i)commit|\bsha\b|\brev(?:ision)?\b|\bref\b|\bgit\b|checkout|\bhead\b|parent|/tree/|/blob/")


def is_git_sha(secret: str, line: str) -> bool:
    """A 40-hex object id on a line about commits or revisions."""
    return len(secret) == 40 and _HEX.fullmatch(secret) is not None and _GIT_CONTEXT.search(line) is not None


_PUBLIC_MATERIAL = re.compile(
    r"ssh-(?:rsa|dss|ed25519) AAAA|ecdsa-sha2-nistp\d+ AAAA|sk-ssh-ed25519@openssh\.com AAAA"
    r"|-----BEGIN (?:RSA |EC |OPENSSH |PGP |SSH2 )?PUBLIC KEY|-----BEGIN (?:TRUSTED )?CERTIFICATE|-----BEGIN X509 CRL"
    r"|-----BEGIN CERTIFICATE REQUEST|-----BEGIN NEW CERTIFICATE REQUEST"
)
# The base64 of an OpenSSH public key blob starts with its length-prefixed type name.
_SSH_PUBLIC_BLOB = re.compile(r"^AAAA(?:B3NzaC1yc2E|C3NzaC1lZDI1NTE5|E2VjZHNhLXNoYTItbmlzdHA|B3NzaC1kc3M)")


def is_public_key(secret: str, context: str) -> bool:
    """An SSH public key, a PEM public key or certificate: public by design."""
    return _PUBLIC_MATERIAL.search(secret) is not None or _PUBLIC_MATERIAL.search(context) is not None or (
        _SSH_PUBLIC_BLOB.search(secret) is not None
    )


_PATH = re.compile(r"^(?:[A-Za-z]:[\\/]|~?/|\.{1,2}/|file://)[^\s]*$")
_KEY_FILE_SUFFIXES = frozenset(
    ".pem .key .crt .cer .der .p12 .pfx .jks .keystore .json .txt .yaml .yml .env .cfg .conf .ini .asc .gpg .pub".split()
)
_PATH_SEGMENT = re.compile(r"[a-z0-9_.-]+")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://(?P<authority>[^/?#\s]*)(?P<rest>[^\s]*)$")
_QUERY_NAMES = re.compile(r"[?&;]([^=&#]+)=")


def is_path(secret: str) -> bool:
    """`/etc/app/token`, `./secrets/api.key`, `C:\\keys\\app.pfx`, `config/keys/prod_key.pem`, `path/to/module`."""
    if _PATH.match(secret):
        return True
    if "/" in secret and PurePosixPath(secret).suffix.lower() in _KEY_FILE_SUFFIXES:
        return True
    segments = secret.strip("/").split("/")
    return len(segments) >= 3 and all(_PATH_SEGMENT.fullmatch(s) for s in segments)


def is_url_without_credentials(secret: str) -> bool:
    """A URL with no `user:password@` and no secret-named query parameter."""
    url = _URL.match(secret)
    if url is None or ":" in url.group("authority").partition("@")[0] and "@" in url.group("authority"):
        return False
    return not any(classify_name(name) for name in _QUERY_NAMES.findall(url.group("rest")))


_NORMALIZE = re.compile(r"[^a-z0-9]")
_NAME_BEFORE_VALUE = re.compile(r"([A-Za-z_$@][\w.$@-]*)[\"'\]]*\s*(?:[:=]=?>?|,|<-|\s)\s*[rbuRBU@]?[\"'`]?$")
# Connection strings and URLs have no key in front of the password; the slot itself is "password".
_PASSWORD_SLOT = frozenset({"password", "passwd", "pass", "pwd"})


def is_key_repeated(secret: str, line: str, column: int, implicit_key: str | None = None) -> bool:
    """The value just repeats its key (`password = "password"`, `api_key: API_KEY`, `user:password@host`)."""
    value = _NORMALIZE.sub("", secret.lower())
    if not value:
        return False
    if implicit_key == "password" and value in _PASSWORD_SLOT:
        return True
    found = _NAME_BEFORE_VALUE.search(line[: max(0, column - 1)])
    if found is None:
        return False
    name = found.group(1)
    last_word = re.split(r"[._-]", name)[-1]
    return value in {_NORMALIZE.sub("", name.lower()), _NORMALIZE.sub("", last_word.lower())}


LOCK_FILES = frozenset(
    {
        "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock", "poetry.lock",
        "pipfile.lock", "pdm.lock", "uv.lock", "cargo.lock", "go.sum", "composer.lock", "gemfile.lock",
        "packages.lock.json", "gradle.lockfile", "flake.lock", "podfile.lock", "mix.lock", "pubspec.lock",
        "deno.lock", "package.resolved", "conda-lock.yml", "requirements.lock",
    }
)


def is_lock_file(path: str) -> bool:
    return PurePosixPath(path).name.lower() in LOCK_FILES


# --- the dispatcher ---

# Rules that match a shape, not a vendor's format: the only ones that identifiers, digests and paths can trip.
GENERIC_RULES = frozenset({"generic-password", "generic-secret", "high-entropy-string", "http-auth-header"})
_CONNECTION_RULES = frozenset({"url-credentials", "connection-string-password"})

Filter = Callable[[Candidate], bool]


def _context(candidate: Candidate) -> str:
    return "\n".join((*candidate.context_before, candidate.line_text))


def _generic(predicate: Callable[[Candidate], bool]) -> Filter:
    return lambda c: c.rule in GENERIC_RULES and predicate(c)


FILTERS: tuple[tuple[str, Filter], ...] = (
    ("too_short", lambda c: is_too_short(c.secret)),
    ("non_value", lambda c: is_non_value(c.secret)),
    ("placeholder", lambda c: is_placeholder(c.secret)),
    ("template", lambda c: is_template(c.secret)),
    ("env_lookup", lambda c: is_env_lookup(c.secret)),
    ("secret_reference", lambda c: is_secret_reference(c.secret)),
    (
        "key_repeated",
        lambda c: is_key_repeated(
            c.secret, c.line_text, c.column, "password" if c.rule in _CONNECTION_RULES else None
        ),
    ),
    ("sequential", lambda c: is_sequential(c.secret)),
    ("public_key", lambda c: is_public_key(c.secret, _context(c))),
    ("lock_file", _generic(lambda c: is_lock_file(c.path))),
    ("digest", _generic(lambda c: is_digest(c.secret, c.line_text))),
    ("git_sha", _generic(lambda c: is_git_sha(c.secret, c.line_text))),
    ("uuid", _generic(lambda c: is_uuid(c.secret))),
    ("path", _generic(lambda c: is_path(c.secret))),
    ("url", _generic(lambda c: is_url_without_credentials(c.secret))),
)


def harmless_reason(candidate: Candidate) -> str | None:
    """The name of the first filter that says this candidate is certainly not a secret, or None."""
    for name, matches in FILTERS:
        if matches(candidate):
            return name
    return None
