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
from itertools import pairwise
from pathlib import PurePosixPath

from secretscan.scanner.rules.entropy import is_high_entropy
from secretscan.scanner.rules.keywords import decode_basic_credential
from secretscan.scanner.rules.names import classify_name, name_words
from secretscan.scanner.types import Candidate

MIN_SECRET_CHARS = 4

# --- predicates on the value alone ---

_NON_VALUES = frozenset(
    "true false null none nil undefined yes no on off n/a na empty blank required optional unset default string "
    "str int integer bool boolean number object any text varchar char bytes bearer basic digest negotiate ntlm "
    "token".split()
)


def is_too_short(secret: str) -> bool:
    return len(secret.strip()) < MIN_SECRET_CHARS


_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}")


def is_non_value(secret: str) -> bool:
    """A type, a keyword, an auth scheme or a colour (`password: string`, `token = None`, `Token: "#f8f8f2"`,
    `"Authorization: Token " + key`), not a value."""
    stripped = secret.strip().rstrip(",;)]}")
    return stripped.lower() in _NON_VALUES or _COLOR.fullmatch(stripped) is not None


_PLACEHOLDER = re.compile(
    r"""(?ix)
    x{4,} | \*{3,} | •{3,} | \#{4,} | \.{3,} | …
    | ^<[^<>]+>$ | <[a-z_ -]*(?:key|token|secret|password|pass|pwd|here|your|value)[a-z_ -]*>
    | ^\[[^\[\]]+\]$
    | replace[\W_]?(?:me|this|with) | fill[\W_]?(?:me|in)
    | ^your[\W_] | [\W_]your[\W_] | ^your(?:key|token|secret|password|pass|apikey)
    | (?:^|[\W_])(?:goes[\W_]?)?here$ | insert[\W_]?your | enter[\W_]?your | put[\W_]?your | add[\W_]?your
    | redacted | censored | sanitized | obfuscated | placeholder
    | ^(?:todo|tbd|fixme|hidden|masked|removed|secret_here|none_set)$
    | ^(?:generate|create|set|use|paste|provide)[\W_] | openssl[\W_]rand
    # Instructions instead of a value: "ask_platform_ops", "injected_at_deploy_time", "PROVIDED_BY_VAULT",
    # "stored-in-keychain", "configured_in_ci", "per_environment", "do-not-commit", "NOT_SET_YET".
    | ^(?:ask|see|request|fetch)[\W_] | ^per[\W_](?:env|environment|stage|deploy|host|user)
    | (?:injected|provided|supplied|managed|populated|filled|loaded|set|stored|kept|lives|configured|defined)
      [\W_]+(?:at|by|in|from|via|during)(?:[\W_]|$)
    | do[\W_]?not[\W_]?(?:commit|use|share) | ^not[\W_]?set(?:[\W_]|$) | 0{8,}
    | ^(?:rotate|tbd)(?:[\W_]|$) | to[\W_]?be[\W_]?(?:provided|filled|set|defined|replaced|added)
    | [\W_](?:deploy|run|build|boot)[\W_]?time$ | (?:^|[\W_])(?:from|in|via)[\W_]+(?:\w+[\W_]+){0,2}vault(?:[\W_]|$)
    """
)
# Weak, default and test literals: `changeit`, `mysecretpassword`, `dummy-token`, `notarealsecret`. The labelling
# policy counts a hard-coded one as a credential (it works on every install that kept the default), but so many
# of them sit in docs and templates that whether this one is live is a judgement call: the judge's, at a low prior.
_WEAK_DEFAULT = re.compile(
    r"""(?ix)
    change[\W_]?(?:me|it|this) | dummy | example | sample
    | not[\W_]?(?:a[\W_]?)?real | (?:^|[\W_])(?:mock|fake|stub)(?:[\W_]|$)
    | ^my[\W_]?(?:secret|token|password|pass|api|key|app)
    """
)
# Published in vendors' documentation and copied into countless tutorials and tests: AWS's example keys,
# Stripe's docs test key, the jwt.io sample token's signature. Assembled so this file is not a finding itself.
_DOCUMENTATION_KEYS = frozenset(
    {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "sk_" + "test_4eC39HqLyjWDarjtT1zdp7dc"}
)
_DOCUMENTATION_FRAGMENTS = ("SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_" + "adQssw5c",)


def is_placeholder(secret: str) -> bool:
    """`your-api-key-here`, `<token>`, `xxxx`, `****`, `REDACTED`: a slot for a value, not a value."""
    return _PLACEHOLDER.search(secret) is not None


def is_weak_default(secret: str) -> bool:
    """`changeme`, `mysecretpassword`, dummy/example/sample/fake values, and the keys vendors publish in their
    documentation: real literals that may well be live, or only a sample."""
    return (
        secret in _DOCUMENTATION_KEYS
        or any(fragment in secret for fragment in _DOCUMENTATION_FRAGMENTS)
        or _WEAK_DEFAULT.search(secret) is not None
    )


_TEMPLATE = re.compile(
    r"""(?x)
    \$\{[^}]*\} | ^\$\{             # ${VAR}, ${{ secrets.X }}, ${VAR:-a default} cut at a space
    | ^\$(?:[A-Z_][A-Z0-9_]*|[a-z_]+)$  # $VAR (a password like $ecr3t has digits and mixed case)
    | ^\$\(.*\)$ | ^\$\d+$            # $(command), $1
    | \{\{.*?\}\} | \{%.*?%\}          # Jinja, Helm, Handlebars, Go templates
    | %\([\w.-]+\)[sdr] | (?:^|\s)%[sdr](?:\s|$) | %[sdr].*%[sdr]   # Python %-formatting
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


def is_env_lookup(secret: str) -> bool:
    """`os.environ["X"]`, `os.getenv("X")`, `process.env.X`, `ENV['X']`: the value is read at run time."""
    return _ENV_LOOKUP.search(secret) is not None


# snake_case, SCREAMING_SNAKE, dotted.path or camelCase: the shape of a variable, never of a chosen password.
_VARIABLE_NAME = re.compile(
    r"[A-Za-z][A-Za-z0-9]*(?:[_.]+[A-Za-z0-9]+)+|[a-z][a-z0-9]*(?:[A-Z][a-z0-9]+)+|_+[A-Za-z][A-Za-z0-9_]*"
)
# UI strings (locale files, resource bundles): a secret's label in English needs more than the word itself
# ("Forgot password?"); a translation of "password" is a label even alone ("Contraseña").
_ENGLISH_LABEL_WORDS = re.compile(r"(?i)\b(?:password|passwords|passphrase|token|api key|secret|pin)\b")
_TRANSLATED_PASSWORD = re.compile(
    r"(?i)\b(?:passwort|kennwort|contraseña|contrasena|mot de passe|senha|wachtwoord|parola|hasło|haslo|пароль"
    r"|lösenord|losenord|adgangskode|passord|salasana|heslo|jelszó|şifre|kata sandi|mật khẩu|密码|密碼|パスワード"
    r"|비밀번호)\b"
)


def names_a_secret(secret: str) -> bool:
    """The value is the *name* of a secret, or a UI label for one.

    `DB_PASSWORD`, `access_token`, `settings.API_KEY`, `myApiKey` (variable and environment names), and
    `Neues Passwort`, `Forgot password?`, `Contraseña` (labels). A plain word (`testpassword`, `letmein`,
    `secret`) or a dashed one (`stage-password`) is a weak password, and stays.
    """
    name = secret.strip().rstrip(":?.!")  # a prompt: getpass("app_secret: ")
    if _VARIABLE_NAME.fullmatch(name) is not None and classify_name(name) is not None:
        return True
    if _TRANSLATED_PASSWORD.search(secret):
        return True
    # A label is words ("Forgot password?"), not a credential with a scheme in front ("Token ae03874f…").
    words = secret.strip().rstrip("?:.!…").split()
    return (
        (len(words) > 1 or secret.strip() != secret.strip().rstrip("?:.!…"))
        and all(word.isalpha() for word in words)
        and _ENGLISH_LABEL_WORDS.search(secret) is not None
    )


_CALL_EXPRESSION = re.compile(r"[A-Za-z_$][\w$.]*\(.*\)")
# What lies *between* two string literals: `'Credential=' + access_key + '/'` read as one quoted value.
_CONCATENATION = re.compile(r"^\s+[+.]\s|\s[+.]\s+$")


def is_code_expression(secret: str) -> bool:
    """`get_token()`, `vault.read("x")`, ` + access_key + `: code, not a literal."""
    return _CALL_EXPRESSION.fullmatch(secret) is not None or _CONCATENATION.search(secret) is not None


_REGEX_SYNTAX = re.compile(
    r"\\[wdsbWDSB]|\(\?[:=!<P]|\[\^|[\])]\{\d+(?:,\d*)?\}|\{\d+,\d*\}|\\[.(\[]|\)\|\("
    r"|\[[^\]\s]*\w-\w[^\]\s]*\][*+?{]"
    # `.*` is a wildcard at either end of a pattern (`.*password.*`, `^sk_live_.*$`); in the middle of a value
    # with nothing else of a regex (`Tr0ub4.*dor&3`) it is a password's punctuation.
    r"|^\^?\.[*+]|\.[*+]\$?$"
)


def is_regex(secret: str) -> bool:
    """A regular expression (`[^\\W\\d]\\w*`, `(?=\\s|#)`): a pattern that matches secrets, not one."""
    return _REGEX_SYNTAX.search(secret) is not None


_STOPWORDS = frozenset("a an the to of for in on is are be your you this that with and or not use from by".split())


def is_prose(secret: str) -> bool:
    """A sentence (`Use a User Access Token…`): three or more words, some of them English function words.

    A passphrase ("correct horse battery staple") has no function words, so it stays a candidate.
    """
    words = secret.lower().split()
    return len(words) >= 3 and any(word.strip(".,:;!?()") in _STOPWORDS for word in words)


_SECRET_REFERENCE = re.compile(
    r"(?i)^(?:vault:|!vault|!secret\b|!(?:Ref|GetAtt|Sub|ImportValue|env_var)\b|\$ANSIBLE_VAULT|ENC\["
    r"|arn:aws:(?:secretsmanager|ssm|kms):|\{\{resolve:(?:secretsmanager|ssm)|op://|@Microsoft\.KeyVault\("
    r"|akv://|sm://|secret://|secretsmanager:|ref\+|keyvault://|kms://|awskms://|gcp-secret://"
    r"|projects/[^/\s]+/secrets/"
    # store:name references (`secret:app_key`, `env:DD_API_KEY`, `infisical:DB_PASSWORD`, PowerShell `$env:X`)
    r"|\$?(?:secrets?|env|infisical|doppler|ssm|keyvault|bitwarden|akeyless|conjur|sops):[\w./-]+$"
    # CI and template engines' secret lookups: $secrets.x, ((secrets.x)), <<secrets.x>>, $[secrets.x]
    r"|(?:\$|\(\(|<<|\$\[|\[\[)\s*(?:secrets?|vars|env)\.)"
)


_KUBERNETES_REFERENCE = re.compile(
    r"(?i)\b(?:remoteRef|secretKeyRef|secretRef|valueFrom|existingSecret|ExternalSecret)\b"
)


def is_kubernetes_reference(context: str) -> bool:
    """Inside a Kubernetes secret *reference* (`secretKeyRef`, an ExternalSecret's `remoteRef`): the values are
    key names in a secret store."""
    return _KUBERNETES_REFERENCE.search(context) is not None


def is_secret_reference(secret: str) -> bool:
    """A pointer into a secret store (Vault, AWS Secrets Manager/SSM, 1Password, Key Vault, sops), not the secret."""
    return _SECRET_REFERENCE.search(secret) is not None


_KEYBOARD_ROWS = ("QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM", "QWERTYUIOPASDFGHJKLZXCVBNM")
_REPEATED_UNIT = re.compile(r"(.{1,3})\1+", re.DOTALL)


def is_sequential(secret: str) -> bool:
    """`abcdef`, `123456`, `0123456789abcdefABCDEF`, `qwerty`, `aaaaaa`, `abcabcabc`: runs and repeats.

    A run is a step of +1 or -1 between neighbours; mostly runs (80%) is an alphabet, not a chosen secret.
    """
    if _REPEATED_UNIT.fullmatch(secret) is not None:
        return True
    upper = secret.upper()
    if any(upper in row for row in _KEYBOARD_ROWS):
        return True
    steps = [ord(b) - ord(a) for a, b in pairwise(secret)]
    if not steps:
        return False
    ascending = sum(step == 1 for step in steps)
    descending = sum(step == -1 for step in steps)
    return max(ascending, descending) >= 0.8 * len(steps)


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_uuid(secret: str) -> bool:
    return _UUID.fullmatch(secret) is not None


_DIGEST_PREFIX = re.compile(r"(?i)^(?:sha(?:1|224|256|384|512)|md5|blake2[bs]?|h1|xxh64|crc32)[-:=]")
_PASSWORD_HASH = re.compile(
    r"^\$(?:2[abxy]?|argon2(?:id|i|d)|scrypt|pbkdf2[\w-]*|[156]|y)\$|^(?:pbkdf2_sha\d+|bcrypt|argon2)\$"
)
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


_GIT_CONTEXT = re.compile(
    r"(?i)commit|\bsha\b|\brev(?:ision)?\b|\bref\b|\bgit\b|checkout|\bhead\b|parent|/tree/|/blob/|\boid\b"
)


def is_git_sha(secret: str, line: str) -> bool:
    """A 40-hex object id on a line about commits or revisions."""
    return len(secret) == 40 and _HEX.fullmatch(secret) is not None and _GIT_CONTEXT.search(line) is not None


_IDENTIFIER_WORDS = frozenset(
    "id ids uuid guid oid revision rev resolved sha commit hash digest checksum etag version build tree blob ref "
    "request trace span object release sid".split()
)


def is_identifier_assignment(line: str, column: int) -> bool:
    """The value is assigned to an id-like name (`blob_id="64ea…"`, `revision: "5503…"`)."""
    name = name_before(line, column)
    return name is not None and any(word in _IDENTIFIER_WORDS for word in name_words(name))


# "example" as a word, not the reserved .example domain (ops@acme.example) or example.com.
_DOC_EXAMPLE = re.compile(r"(?i)(?<![.@\w-])(?:example|e\.g\.|for instance)(?![.\w-]\w)|^\s*(?:>>>|\.\.\.)\s")


def is_documentation_example(line: str) -> bool:
    """A line that says it is an example: `Example: "…"`, `(e.g. "…")`, a doctest `>>> …` line."""
    return _DOC_EXAMPLE.search(line) is not None


_PUBLIC_MATERIAL = re.compile(
    r"ssh-(?:rsa|dss|ed25519) AAAA|ecdsa-sha2-nistp\d+ AAAA|sk-ssh-ed25519@openssh\.com AAAA"
    r"|-----BEGIN (?:RSA |EC |OPENSSH |PGP |SSH2 )?PUBLIC KEY|-----BEGIN (?:TRUSTED )?CERTIFICATE|-----BEGIN X509 CRL"
    r"|-----BEGIN CERTIFICATE REQUEST|-----BEGIN NEW CERTIFICATE REQUEST"
)
# The base64 of an OpenSSH public key blob starts with its length-prefixed type name.
_SSH_PUBLIC_BLOB = re.compile(r"^AAAA(?:B3NzaC1yc2E|C3NzaC1lZDI1NTE5|E2VjZHNhLXNoYTItbmlzdHA|B3NzaC1kc3M)")
# The DER of a SubjectPublicKeyInfo (RSA 2048/4096, EC P-256, Ed25519) in base64, and age recipients (Bech32).
_PUBLIC_DER_OR_RECIPIENT = re.compile(
    r"^(?:MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A|MIICIjANBgkqhkiG9w0BAQEFAAOCAg8A|MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"
    r"|MCowBQYDK2VwAyEA|age1[02-9ac-hj-np-z]{58}$)"
)


# Publishable keys: Stripe pk_, Mapbox pk., reCAPTCHA site keys are meant for the browser.
_PUBLISHABLE = re.compile(r"^(?:pk_(?:live|test)_|pk\.eyJ)")
_PUBLIC_NAME_WORDS = frozenset({"public", "publishable", "pub", "vapid", "site"})


# A line of a PEM body, bare or as a string literal: `MIIB…`, `  "aBc…\n" +`, `'…=',`. The blanks around a
# `+` or `,` are `[ \t]*(?:[+,][ \t]*)?`, not `[ \t]*[+,]?[ \t]*`, which tries every split of a long run of spaces.
_PEM_BODY_LINE = re.compile(
    r"""[ \t]*(?:[+,][ \t]*)?[rbu]?["'`]?[A-Za-z0-9+/]{1,200}={0,2}(?:\\n)?["'`]?[ \t]*(?:[+,;)][ \t]*)?\\?"""
)


def inside_public_block(lines_up_to_here: list[str]) -> bool:
    """Is the last of these lines inside a PEM public key or certificate block (BEGIN seen, END not yet)?

    Only body lines may lie between it and the BEGIN line: `PRIVATE_TOKEN=…` under a public key's header is the
    candidate's own line, and says nothing public.
    """
    for line in reversed(lines_up_to_here):
        if "-----END" in line:
            return False
        if "-----BEGIN" in line:
            return _PUBLIC_MATERIAL.search(line) is not None
        if _PEM_BODY_LINE.fullmatch(line) is None:
            return False
    return False


def is_public_key(secret: str, lines_up_to_here: list[str]) -> bool:
    """An SSH or PEM public key, a certificate (or a line of one), a publishable key: public by design."""
    return (
        _PUBLIC_MATERIAL.search(secret) is not None
        or _SSH_PUBLIC_BLOB.search(secret) is not None
        or _PUBLIC_DER_OR_RECIPIENT.search(secret) is not None
        or _PUBLISHABLE.search(secret) is not None
        or inside_public_block(lines_up_to_here)
    )


def is_public_name(line: str, column: int) -> bool:
    """Assigned to a public-sounding name: `PUBLIC_VAPID_KEY = "BEy…"`, `publishableKey: "…"`."""
    name = name_before(line, column)
    return name is not None and any(word in _PUBLIC_NAME_WORDS for word in name_words(name))


# Base64 of common file formats: PNG, JPEG, GIF, WebP, PDF, ICO, SVG, WOFF, gzip.
_ENCODED_FILE = re.compile(r"^(?:iVBORw0KGgo|/9j/|R0lGOD|UklGR|JVBERi|AAABAA|PHN2Zy|PD94bWw|d09GR|H4sI)")


def is_pem_marker(secret: str) -> bool:
    """`-----BEGIN`: a PEM header cut at its first space. A real private key block would have been found whole,
    by the more specific private-key rule, so what is left is a public key, an elided body or a placeholder."""
    return secret.startswith(("-----BEGIN", "-----END"))


def is_encoded_file(secret: str) -> bool:
    """An inlined image, font or document, recognised by the base64 of its magic number."""
    return _ENCODED_FILE.search(secret) is not None


_MINIFIED = re.compile(r"(?:[.-]min\.(?:js|css|mjs)|\.(?:js|css)\.map|\.bundle\.js|\.chunk\.js)$")


def is_minified(path: str) -> bool:
    """Minified and bundled assets: build output full of random-looking identifiers."""
    return _MINIFIED.search(path.lower()) is not None


_PATH = re.compile(r"^(?:[A-Za-z]:[\\/]|~?/|\.{1,2}/|file://)[^\s]*$")
_KEY_FILE_SUFFIXES = frozenset(
    ".pem .key .crt .cer .der .p12 .pfx .jks .keystore .json .txt .yaml .yml .env .cfg .conf .ini .asc .gpg "
    ".pub".split()
)
_PATH_SEGMENT = re.compile(r"[a-z0-9_.-]+")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://(?P<authority>[^/?#\s]*)(?P<rest>[^\s]*)$")
_QUERY_NAMES = re.compile(r"[?&;]([^=&#]+)=")


_BASE64_BODY = re.compile(r"[A-Za-z0-9+/]+={0,2}")


def is_base64_data(secret: str) -> bool:
    """Random base64, which may start with "/" or "+" (`/k3Jq…=`): mixed case, digits, no file name in it."""
    return (
        _BASE64_BODY.fullmatch(secret) is not None
        and any(c.isupper() for c in secret)
        and any(c.islower() for c in secret)
        and any(c.isdigit() for c in secret)
        and is_high_entropy(secret)
    )


def is_path(secret: str) -> bool:
    """`/etc/app/token`, `./secrets/api.key`, `C:\\keys\\app.pfx`, `config/keys/prod_key.pem`, `path/to/module`."""
    if is_base64_data(secret):
        return False
    if _PATH.match(secret):
        return True
    if "/" in secret and PurePosixPath(secret).suffix.lower() in _KEY_FILE_SUFFIXES:
        return True
    segments = secret.strip("/").split("/")
    return len(segments) >= 3 and all(_PATH_SEGMENT.fullmatch(s) for s in segments)


def is_url_without_credentials(secret: str) -> bool:
    """A URL with no `user:password@` and no secret-named query parameter."""
    url = _URL.match(secret)
    if url is None:
        return False
    userinfo, at, _ = url.group("authority").rpartition("@")
    if at and ":" in userinfo:
        return False
    return not any(classify_name(name) for name in _QUERY_NAMES.findall(url.group("rest")))


_NORMALIZE = re.compile(r"[^a-z0-9]")
# The name's closing quote may be escaped: `\"password\": \"…` in a notebook's JSON-encoded source.
# Linear on any line: a name is tried only from the start of a run of name characters (past any digits, dots or
# dashes that begin it), because a later start in the run can only end where the first one can. And the blanks
# around the separator are split one way only (`\s*` `\s` `\s*` tried every split of a long run of spaces).
_NAME_BEFORE_VALUE = re.compile(
    r"(?<![\w.$@-])(?:(?![A-Za-z_$@])[\w.$@-])*([A-Za-z_$@][\w.$@-]*)(?:\\?[\"'\]])*"
    r"(?:\s*(?:[:=!]=*>?|,|<-|\()\s*|\s+)[rbuRBU@]?\\?[\"'`]?$"
)
# Connection strings and URLs have no key in front of the password; the slot itself is "password".
_PASSWORD_SLOT = frozenset({"password", "passwd", "pass", "pwd"})


_XML_KEY_BEFORE_VALUE = re.compile(r"(?:key|name)\s*=\s*[\"']([^\"']+)[\"']\s+value\s*=\s*[\"']$")


def name_before(line: str, column: int) -> str | None:
    """The name the value at `column` (1-based) is assigned to, if the line has one."""
    before = line[: max(0, column - 1)]
    found = _XML_KEY_BEFORE_VALUE.search(before) or _NAME_BEFORE_VALUE.search(before)
    return found.group(1) if found else None


def is_key_repeated(secret: str, line: str, column: int, implicit_key: str | None = None) -> bool:
    """The value just repeats its key (`password = "password"`, `api_key: API_KEY`, `user:password@host`)."""
    value = _NORMALIZE.sub("", secret.lower())
    if not value:
        return False
    if implicit_key == "password":
        return value in _PASSWORD_SLOT
    name = name_before(line, column)
    if name is None:
        return False
    last_word = re.split(r"[._-]", name)[-1]
    return value in {_NORMALIZE.sub("", name.lower()), _NORMALIZE.sub("", last_word.lower())}


def is_placeholder_basic_credential(secret: str) -> bool:
    """An HTTP Basic credential that decodes to a placeholder: `user:password`, `username:<password>`, `me:changeme`."""
    decoded = decode_basic_credential(secret)
    if decoded is None:
        return False
    password = decoded[1]
    return (
        password.lower() in _PASSWORD_SLOT
        or is_placeholder(password)
        or is_weak_default(password)
        or is_template(password)
    )


LOCK_FILES = frozenset(
    {
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "bun.lock",
        "poetry.lock",
        "pipfile.lock",
        "pdm.lock",
        "uv.lock",
        "cargo.lock",
        "go.sum",
        "composer.lock",
        "gemfile.lock",
        "packages.lock.json",
        "gradle.lockfile",
        "flake.lock",
        "podfile.lock",
        "mix.lock",
        "pubspec.lock",
        "deno.lock",
        "package.resolved",
        "conda-lock.yml",
        "requirements.lock",
    }
)


def is_lock_file(path: str) -> bool:
    return PurePosixPath(path).name.lower() in LOCK_FILES


# --- the dispatcher ---

# Rules that match a shape, not a vendor's format: the only ones that identifiers, digests and paths can trip.
GENERIC_RULES = frozenset(
    {"generic-password", "generic-secret", "high-entropy-string", "http-auth-header", "kubernetes-secret"}
)
_CONNECTION_RULES = frozenset({"url-credentials", "connection-string-password"})
# Rules that take any name's value (bare strings, every entry of a Kubernetes Secret), so the name can still say
# it is an identifier or public.
_NAMELESS_RULES = frozenset({"high-entropy-string", "kubernetes-secret"})

Filter = Callable[[Candidate], bool]


def _surroundings(candidate: Candidate) -> str:
    return "\n".join((*candidate.context_before, candidate.line_text, *candidate.context_after))


def _generic(predicate: Filter) -> Filter:
    return lambda c: c.rule in GENERIC_RULES and predicate(c)


def _nameless(predicate: Filter) -> Filter:
    """Not for keyword candidates: their name already says they hold a secret."""
    return lambda c: c.rule in _NAMELESS_RULES and predicate(c)


FILTERS: tuple[tuple[str, Filter], ...] = (
    ("too_short", lambda c: is_too_short(c.secret)),
    ("non_value", lambda c: is_non_value(c.secret)),
    ("placeholder", lambda c: is_placeholder(c.secret)),
    ("template", lambda c: is_template(c.secret)),
    ("env_lookup", lambda c: is_env_lookup(c.secret)),
    ("secret_reference", lambda c: is_secret_reference(c.secret)),
    ("code_expression", _generic(lambda c: is_code_expression(c.secret))),
    ("public_key", lambda c: is_public_key(c.secret, [*c.context_before, c.line_text])),
    ("kubernetes_reference", _generic(lambda c: is_kubernetes_reference(_surroundings(c)))),
    ("pem_marker", _generic(lambda c: is_pem_marker(c.secret))),
    ("encoded_file", _generic(lambda c: is_encoded_file(c.secret))),
    ("minified", _generic(lambda c: is_minified(c.path))),
    ("lock_file", _generic(lambda c: is_lock_file(c.path))),
    ("digest", _generic(lambda c: is_digest(c.secret, c.line_text))),
    ("git_sha", _generic(lambda c: is_git_sha(c.secret, c.line_text))),
    ("regex", _generic(lambda c: is_regex(c.secret))),
    ("prose", _generic(lambda c: is_prose(c.secret))),
    ("path", _generic(lambda c: is_path(c.secret))),
    ("url", _generic(lambda c: is_url_without_credentials(c.secret))),
    ("uuid", _nameless(lambda c: is_uuid(c.secret))),
    ("identifier", _nameless(lambda c: is_identifier_assignment(c.line_text, c.column))),
    ("public_name", _nameless(lambda c: is_public_name(c.line_text, c.column))),
)

# Judgement calls: each of these holds for many real credentials in real code as well as for harmless values
# (`password: "password"` in a fixture is labelled a secret; so is `changeit`). They don't drop a candidate:
# they lower its prior and become a feature of the scorer, and the judge settles it in context.
WEAK_SIGNS: tuple[tuple[str, Filter], ...] = (
    ("weak_default", lambda c: is_weak_default(c.secret)),
    (
        "key_repeated",
        lambda c: is_key_repeated(c.secret, c.line_text, c.column, "password" if c.rule in _CONNECTION_RULES else None),
    ),
    ("names_a_secret", _generic(lambda c: names_a_secret(c.secret))),
    ("sequential", lambda c: is_sequential(c.secret)),
    ("basic_placeholder", lambda c: c.rule == "http-auth-header" and is_placeholder_basic_credential(c.secret)),
    ("documentation_example", _generic(lambda c: is_documentation_example(c.line_text))),
)
# A weak sign's prior: below the default threshold, so rules only never reports such a candidate on its own.
WEAK_PRIOR = 0.2


def _first_match(checks: tuple[tuple[str, Filter], ...], candidate: Candidate) -> str | None:
    return next((name for name, matches in checks if matches(candidate)), None)


def harmless_reason(candidate: Candidate) -> str | None:
    """The name of the first filter that says this candidate is certainly not a secret, or None."""
    return _first_match(FILTERS, candidate)


def weak_sign(candidate: Candidate) -> str | None:
    """The name of the first judgement-call sign that this candidate may be a sample or a default, or None."""
    return _first_match(WEAK_SIGNS, candidate)
