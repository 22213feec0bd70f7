"""Secrets assigned to a secret-sounding name, in any syntax: the value is the candidate, never the name.

    password = "hunter2"            api_key: abc123              "secret": "s3cr3t"
    DB_PASSWORD=hunter2             <password>x</password>       <add key="ApiKey" value="x"/>
    ENV API_TOKEN abc               export TOKEN=abc             define('DB_PASSWORD', 'x')
    mysql -uroot -phunter2          --password hunter2           curl -u user:pass
    setPassword("x"), .apiKey("x")  Authorization: Bearer abc    curl -H "X-Api-Key: abc"
    requirepass x (redis.conf)      CREATE USER … PASSWORD 'x'   host:port:db:user:x (.pgpass)
    - name: DB_PASSWORD / value: x  (Kubernetes env)             kind: Secret / data: (every entry)

Speed: a line is only parsed if it contains a stem ("pass", "token", "key"…), found by one regex over the
lowercased text, so most of a file is never looked at twice (gitleaks' keyword trick, applied per line).
Unquoted values are only trusted where they are values (config files, .env, shell, Dockerfile); in source
code `password = get_password()` is code, not a secret.
"""

from __future__ import annotations

import base64
import binascii
import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from itertools import pairwise
from pathlib import PurePosixPath

from secretscan.scanner.rules.base import Hit, LazyPattern, Specificity
from secretscan.scanner.rules.entropy import is_high_entropy, looks_random
from secretscan.scanner.rules.names import SecretKind, classify_name, name_words, names_a_key

MAX_LINE_CHARS = 4000
MAX_VALUE_CHARS = 300
_PRIORS: dict[SecretKind, float] = {"password": 0.6, "secret": 0.55}
_AUTH_PRIOR = 0.7
_UNQUALIFIED_KEY_PRIOR = 0.45
# A sample setting in prose or a comment whose value is a plain word (`password: hunter`, `password: 838383`):
# as often a default that works as a word of the docs, so it reaches the judge below the rules-only threshold.
_DOC_SAMPLE_PRIOR = 0.3

# In this order: the regex takes the first that matches at a place (`pwd` before `pw`), and `anchors.py` does too.
STEMS: tuple[str, ...] = (
    *"pass pwd pw secret token key auth cred salt seed psk bearer basic mysql mariadb sshpass curl wget".split(),
    *"identified create_user create_superuser nonce totp hotp securestring".split(),
)
_STEMS = LazyPattern("|".join(map(re.escape, STEMS)))


class FileKind(Enum):
    CODE = "code"  # unquoted right-hand sides are expressions
    DOCS = "docs"  # prose: only `NAME=value` (shell style) counts unquoted
    CONFIG = "config"  # everything else: .env, ini, yaml, properties, Dockerfile, shell, unknown


_CODE_SUFFIXES = frozenset(
    ".py .pyi .pyx .js .jsx .mjs .cjs .ts .tsx .mts .cts .go .java .kt .kts .scala .groovy .gradle .rb .php .cs "
    ".vb .fs .c .h .cc .cpp .cxx .hpp .hh .m .mm .rs .swift .dart .lua .pl .pm .r .ex .exs .erl .clj .hs .ml .jl "
    ".vue .svelte .ipynb .tf .tfvars .hcl .nix .sol .zig .nim .cr .v".split()
)
_DOCS_SUFFIXES = frozenset(".md .markdown .rst .txt .adoc .asciidoc .html .htm .tex .org .rtf".split())
_DOCS_NAMES = frozenset("readme license licence changelog changes authors notice copying contributing install".split())
# Backticks quote a value only where they are string literals (JS/TS template literals, Go raw strings);
# in shell they run a command, in Markdown they mark code.
_BACKTICK_STRING_SUFFIXES = frozenset(".js .jsx .mjs .cjs .ts .tsx .mts .cts .vue .svelte .go".split())
# In Python, `name: value` with a bare name is a type annotation or a dict keyed by a variable, never a setting.
_PYTHON_SUFFIXES = frozenset(".py .pyi .pyx".split())


@dataclass(frozen=True)
class FileSyntax:
    kind: FileKind
    backtick_strings: bool = False
    python: bool = False
    # A comment line in source code: read like a doc, except that `backticks` there quote code, not a value.
    code_comment: bool = False


def file_syntax(path: str) -> FileSyntax:
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in _CODE_SUFFIXES:
        kind = FileKind.CODE
    elif suffix in _DOCS_SUFFIXES or PurePosixPath(path).stem.lower() in _DOCS_NAMES:
        kind = FileKind.DOCS
    else:
        kind = FileKind.CONFIG
    return FileSyntax(kind, suffix in _BACKTICK_STRING_SUFFIXES, suffix in _PYTHON_SUFFIXES)


# A value: "double", 'single', `backtick` (escapes allowed), \"escaped\" or bare. Groups: dq, sq, bq, eq, bare.
# A bare value runs to whitespace or a quote; `_value_allowed` decides whether it is a value at all.
_QUOTED_VALUE = (
    # Scala/Kotlin options wrap it: `password = Some("…")`; Go converts it: `key := []byte("…")`.
    r"(?:[rbuRBU]{1,2}|@|Some\(|\[\]byte\()?"
    r"(?:\"(?P<dq>[^\"\\\n]*(?:\\.[^\"\\\n]*)*)\"|'(?P<sq>[^'\\\n]*(?:\\.[^'\\\n]*)*)'|`(?P<bq>[^`\\\n]*)`"
    # \"…\": a string inside a JSON string, as in a notebook's source lines
    r"|\\\"(?P<eq>[^\"\\\n]*)\\\")"
)
_VALUE = r"(?:" + _QUOTED_VALUE + r"|(?P<bare>[^\s\"'`,;]{1,300}))"
_VALUE_GROUPS = ("dq", "sq", "bq", "eq", "bare")
_COMPARISONS = frozenset({"==", "===", "!=", "!=="})

# The rest of an assignment, matched from a stem inside the name: [rest of name] [quote/bracket] [: type] op value.
# The quote closing the name may be escaped (`\"password\": \"x\"`, a JSON string inside a JSON string); a type
# may be a Rust reference (`&str`, `&'static str`, `&[u8; 32]`).
_ASSIGN_FROM_STEM = LazyPattern(
    r"[\w.$@-]{0,100}(?P<name_end>)(?:\\?[\"'\]]){0,3}"
    r"(?:[ \t]*:[ \t]*(?:&(?:'[a-z_]{1,20}[ \t]+)?)?\[?[A-Za-z_][\w.\[\], |?<>;]{0,40}?(?=[ \t]*=[^=>]))?"
    r"[ \t]*(?P<op>===?|!==?|:=|=>|<-|\?\?=|\|\|=|[=:])[ \t]*" + _VALUE
)
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.$@-")
# ("NAME", "value"): define(), setdefault(), config.set(), getenv(name, default), map.put()…
# The lookbehind follows the `(`, so that the engine searches for the `(` (a lookbehind first is tried everywhere).
_CALL = LazyPattern(r"\((?<=[\w$]\()[ \t]*[\"'][#.]?(?P<name>[\w.-]{2,80})[\"'][ \t]*,[ \t]*" + _QUOTED_VALUE)
# setPassword("x"), withApiKey("x"), and builders: .appSecret("x"), .password("x"); the literal may be converted on
# the way in (Java wants passwords as char[]): setPassword("x".toCharArray()), setKey("x".getBytes(UTF_8)).
# A key may also arrive decoded: setEncryptionKey(Base64.decode("…")), .key(base64Decode("…")).
_SETTER = LazyPattern(
    r"(?:\b(?:set|with)(?P<name>[A-Z][A-Za-z0-9]{1,60})|\.(?P<method>[a-z][A-Za-z0-9]{1,60}))\([ \t]*"
    r"(?:[\w.]{0,30}(?i:decode|frombase64string|b64decode|unhexlify|fromhex)[\w]{0,10}\([ \t]*)?"
    + _QUOTED_VALUE
    + r"(?:\.(?:toCharArray|getBytes|toByteArray|encodeToByteArray)\([\w.]{0,40}\))?[ \t]*\)"
)
# `new StoredCredential("ops-bot", "…")`, `AccessToken("…")`, `db_password('reporting', '…')`: a constructor or
# helper named for a credential takes it as its last string argument.
# A call whose argument is a literal (as `_QUOTED_VALUE` opens: a quote, a backtick, `\"`, after `r`, `b`, `@`…):
# the lines worth trying the call patterns on, which the engine tries at every character. `Some("…")` and
# `decode("…")` open a call of their own. The credential call's first argument is a plain string.
_LITERAL_ARGUMENT = LazyPattern(r"\([ \t]*(?:[rbuRBU]{1,2}|@)?[\"'`\\]")
_STRING_ARGUMENT = LazyPattern(r"\([ \t]*[\"']")
_CREDENTIAL_CALL = LazyPattern(
    r"(?P<name>[A-Za-z_][\w]{2,60})\((?:[ \t]*[\"'][^\"'\n]{0,80}[\"'][ \t]*,)*[ \t]*"
    r"(?:\"(?P<dq>[^\"\n]+)\"|'(?P<sq>[^'\n]+)')[ \t]*\)"
)
_XML_ELEMENT = LazyPattern(r"<(?P<name>[A-Za-z_][\w.:-]{0,80})(?:[ \t][^<>\n]*)?>(?P<bare>[^<>\n]{1,300})</(?P=name)>")
_XML_KEY_VALUE = LazyPattern(
    r"(?:key|name)[ \t]*=[ \t]*[\"'](?P<name>[^\"'\n]{1,80})[\"'][ \t]+value[ \t]*=[ \t]*"
    r"(?:\"(?P<dq>[^\"\n]*)\"|'(?P<sq>[^'\n]*)')"
)
_XML_KEY_TEXT = LazyPattern(r"(?:key|name)=[\"'](?P<name>[^\"'\n]{1,80})[\"'][^<>\n]*>(?P<bare>[^<>\n]{1,300})</")
_FLAG = LazyPattern(
    r"(?<![\w-])--(?P<name>[A-Za-z][\w-]{1,40})(?P<sep>=|[ \t]+)"
    r"(?:\"(?P<dq>[^\"\n]*)\"|'(?P<sq>[^'\n]*)'|(?P<bare>(?!-)[^\s\"'`|;&<>()]+))"
)
_MYSQL_PASSWORD = LazyPattern(
    r"(?<=[ \t])-p(?:\"(?P<dq>[^\"\n]+)\"|'(?P<sq>[^'\n]+)'|(?P<bare>[^\s\"'`;|&<>-][^\s\"'`;|&<>]*))"
)
_SSHPASS = LazyPattern(r"sshpass[ \t]+-p[ \t]*(?:\"(?P<dq>[^\"\n]+)\"|'(?P<sq>[^'\n]+)'|(?P<bare>[^\s\"'`;|&<>]+))")
_USER_COLON_PASSWORD = LazyPattern(
    r"(?<![\w-])(?:-u|--user)(?:=|[ \t]+)(?:\"(?P<dq>[^\"\n]+)\"|'(?P<sq>[^'\n]+)'|(?P<bare>[^\s\"'`;|&<>]+))"
)
_AUTH_SCHEME = LazyPattern(
    r"\b(?P<scheme>[Bb]earer|BEARER|[Bb]asic|BASIC|[Tt]oken|[Dd]igest)[ \t]+"
    # Rails' `Token token="…"` names its key once more.
    r"(?:token=\\?[\"']?)?"
    r"(?P<bare>[A-Za-z0-9._~+/-]{8,}=*)(?![\w.~+/=-])"
)
_ENV_SPACE_FORM = LazyPattern(r"[ \t]*ENV[ \t]+(?P<name>[A-Za-z_][\w.-]*)[ \t]+" + _VALUE + r"[ \t]*\r?$")
# `curl -H "X-Api-Key: value"`: an HTTP header given on a command line.
_HEADER_OPTION = LazyPattern(r"(?:-H|--header)[ \t]+[\"'](?P<name>[\w-]{2,60}):[ \t]*(?P<bare>[^\"'\s]+)[\"']")
# Space-separated config directives: redis.conf `requirepass x`, netrc `… password x`, sshd-style files.
_DIRECTIVE = LazyPattern(r"[ \t]*(?P<name>[A-Za-z_][\w.-]*)[ \t]+(?P<bare>[^\s#;=:\"'][^\s]*)[ \t]*\r?")
_NETRC_PASSWORD = LazyPattern(r"(?:^|[ \t])(?P<name>password|passwd)[ \t]+(?P<bare>[^\s]+)")
# Oracle and PostgreSQL also take the password unquoted: `IDENTIFIED BY …`, `LOGIN PASSWORD …;`. MySQL names
# the auth plugin first: `IDENTIFIED WITH mysql_native_password BY '…'`.
_SQL_PASSWORD = LazyPattern(
    r"(?i:\bpassword|\bidentified[ \t]+(?:with[ \t]+\w{1,40}[ \t]+)?by)[ \t]+"
    r"(?:'(?P<sq>[^'\n]+)'|\"(?P<dq>[^\"\n]+)\"|(?P<bare>[^\s;'\"]+))"
)
_SQL_USER_STATEMENT = LazyPattern(r"(?i)\b(?:create|alter)[ \t]+(?:user|role|login)\b|\bgrant\b")
# Django/flask-style `create_user("name", "email", "password")`: the last positional string.
_CREATE_USER = LazyPattern(r"create_(?:super)?user\([^)\n]*,[ \t]*[\"'](?P<dq>[^\"'\n]+)[\"'][ \t]*\)")
_PGPASS_NAMES = frozenset({".pgpass", "pgpass", "pgpass.conf"})
# Kubernetes Secret manifests: every entry under `data:` / `stringData:` is a secret, whatever its name.
_KIND_SECRET = LazyPattern(r"^kind:[ \t]*[\"']?Secret[\"']?[ \t]*\r?$", re.MULTILINE)
_DOCUMENT_SEPARATOR = LazyPattern(r"^---[ \t]*\r?$", re.MULTILINE)
_SECRET_DATA = LazyPattern(r"^(?P<indent>[ \t]*)(?:data|stringData):[ \t]*\r?$", re.MULTILINE)
# A bare value runs to its last character that isn't a blank, `#`, or the line's final `\r`. Written greedily: a
# lazy `[^#\n]*?` before `[ \t]*` retried the blanks at each character, quadratic on a long run of spaces.
_SECRET_ENTRY = LazyPattern(
    r"(?P<indent>[ \t]+)(?P<name>[\w.-]+):[ \t]*"
    r"(?:\"(?P<dq>[^\"\n]*)\"|'(?P<sq>[^'\n]*)'|(?P<bare>[^\s#|>](?:[^#\n]*(?:[^#\n \t\r]|\r(?!$)))?))"
    r"[ \t]*(?:#.*)?\r?"
)
_K8S_SECRET_PRIOR = 0.6
# Entries of a Secret that say where or who, not how: `username: orders`, `host: db`, `port: 5432`.
_NOT_SECRET_ENTRIES = frozenset(
    "user username login email host hostname port database dbname region namespace name id".split()
)
# Kubernetes / compose env lists: `- name: DB_PASSWORD` then `value: …` on the next line.
_NAME_THEN_VALUE = LazyPattern(
    r"name:[ \t]*[\"']?(?P<name>[A-Za-z_][\w.-]*)[\"']?[ \t]*\r?\n[ \t]*value:[ \t]*"
    r"(?:\"(?P<dq>[^\"\n]*)\"|'(?P<sq>[^'\n]*)'|(?P<bare>[^\s\"'#][^\s#]*))"
)


# A key as an array of bytes: `uint8_t key[16] = {0x5c, 0xe1, …}`, `sessKey := wire.BlockKey{17, 202, …}`.
_BYTE = r"(?:0[xX][0-9a-fA-F]{1,2}|\d{1,3})"
# How the list of a byte array opens: the lines worth trying `_BYTE_ARRAY` on, which the engine tries at every name.
_BYTE_LIST = LazyPattern(r"[{\[][ \t]*" + _BYTE + r"[ \t]*,")
_BYTE_ARRAY = LazyPattern(
    r"(?P<name>[A-Za-z_][\w.]{0,60})(?:\[\w*\])*[ \t]*(?::=|=)[ \t]*(?P<type>[\w.:<>\[\] ]{0,60}?)[{\[][ \t]*"
    r"(?P<bare>(?:" + _BYTE + r"[ \t]*,[ \t]*){15,}" + _BYTE + r")[ \t]*,?[ \t]*[}\]]"
)
# An argument list in code names an option then gives its value: `["--db-password", "…"]`, `"-storepass", "…"`.
_FLAG_ARGUMENT = LazyPattern(
    r"[\"']--?(?P<name>[A-Za-z][\w-]{1,40})[\"'][ \t]*,[ \t]*(?:\"(?P<dq>(?!-)[^\"\n]+)\"|'(?P<sq>(?!-)[^'\n]+)')"
)
# Option values that point at the secret instead of holding it: openssl's `-pass file:…`, `env:…`; a key file's
# name (`-signkey server.key`); a BuildKit secret spec (`--secret id=npm,src=…`).
_OPTION_REFERENCE = LazyPattern(
    r"(?:file|env|fd|stdin):|[\w-]{1,40}=|[\w.-]+\.(?:key|pem|crt|cer|der|p12|pfx|jks|keystore|txt|json|ya?ml)$"
)
# PowerShell parameters and single-dash tool options: `-Password s3cret`, `keytool -storepass changeit`.
_DASH_PARAMETER = LazyPattern(
    r"(?<![\w-])-(?P<name>[A-Za-z][A-Za-z]{2,40})[ \t]+"
    r"(?:\"(?P<dq>[^\"\n]+)\"|'(?P<sq>[^'\n]+)'|(?P<bare>[^\s\"'`|;&<>()$@{\[-][^\s\"'`|;&<>()]*))"
)
# `ConvertTo-SecureString 'p4ss' -AsPlainText`: the literal becomes a password.
_SECURE_STRING = LazyPattern(
    r"(?i:convertto-securestring)[ \t]+(?:-String[ \t]+)?(?:\"(?P<dq>[^\"\n]+)\"|'(?P<sq>[^'\n]+)')"
)
# Capybara and friends fill a form field: `fill_in :password, with: "…"`, `fill_in 'Password', with: '…'`.
_FILL_IN = LazyPattern(r"\bfill_in[ \t(]+[:\"']?(?P<name>[\w -]{1,60}?)[\"']?[ \t]*,[ \t]*with:[ \t]*" + _QUOTED_VALUE)
# One-time-password generators take their base32 seed: `ROTP::TOTP.new('…')`, `pyotp.TOTP("…")`, `new HOTP("…")`.
_OTP_CONSTRUCTOR = LazyPattern(
    r"(?<![A-Za-z])[TH]OTP(?:\.new|::new)?[ \t]*\(?[ \t]*"
    r"(?:\"(?P<dq>[A-Z2-7]{16,128}=*)\"|'(?P<sq>[A-Z2-7]{16,128}=*)')"
)
# JSON name/value pairs, as Postman collections, AWS parameters and JSON env lists hold them:
# `{"key": "password", "value": "…"}`, on one line or with "value" on the next.
_JSON_NAME_VALUE = LazyPattern(
    r"\"(?:key|name)\"[ \t]*:[ \t]*\"(?P<name>[\w .-]{1,80})\"[ \t]*,\s{0,40}?\"value\"[ \t]*:[ \t]*"
    r"\"(?P<dq>[^\"\\\n]*(?:\\.[^\"\\\n]*)*)\""
)
# Recorded HTTP (VCR cassettes) lists each header's values: `Authorization:` then `- token …` on the next line.
_YAML_SUFFIXES = (".yml", ".yaml")
_YAML_HEADER_LIST = LazyPattern(
    r"^[ \t]*(?P<name>[A-Za-z][\w-]{1,60}):[ \t]*\r?\n[ \t]*-[ \t]+[\"']?"
    r"(?:(?:[Bb]earer|BEARER|[Bb]asic|[Tt]oken|[Dd]igest)[ \t]+)?(?P<bare>[A-Za-z0-9._~+/:-]{8,}=*)[\"']?[ \t]*\r?$",
    re.MULTILINE,
)


@dataclass(frozen=True)
class _Value:
    start: int
    end: int
    group: str  # which of _VALUE_GROUPS matched; "bare" is unquoted

    @property
    def bare(self) -> bool:
        return self.group == "bare"


def _quoted(match: re.Match[str]) -> str:
    return match.group("dq") if match.group("dq") is not None else match.group("sq")


def _value(match: re.Match[str]) -> _Value | None:
    """The value group that matched, or None if it is empty."""
    for group in _VALUE_GROUPS:
        if group in match.re.groupindex and match.group(group) is not None:
            start, end = match.span(group)
            return _Value(start, end, group) if end > start else None
    return None


# A whole-line comment in source code: what follows is prose or a sample config, read like a doc.
_LINE_COMMENT = LazyPattern(r"[ \t]*(?://|#|\*|/\*|--|<!--|;)")


def _line_syntax(syntax: FileSyntax, line: str) -> FileSyntax:
    """Comments in code hold sample settings (`// password: s3cret-42`) that the code's own syntax would reject."""
    if syntax.kind is FileKind.CODE and _LINE_COMMENT.compiled.match(line):
        return FileSyntax(FileKind.DOCS, code_comment=True)
    return syntax


def _value_allowed(syntax: FileSyntax, op: str, value: _Value, text: str) -> bool:
    if value.group == "bq":
        # Markdown `password: \`hunter2\`` quotes the value as inline code.
        return syntax.backtick_strings or (syntax.kind is FileKind.DOCS and not syntax.code_comment)
    if not value.bare:
        return True
    bare = text[value.start : value.end]
    if syntax.kind is FileKind.CODE or bare[0] in "([{" or bare.startswith(("${", "$(")) or bare.endswith("("):
        return False  # an expression (`get_pw()`, `[a, b]`, `${DB_PASSWORD:-x}`), not a literal
    if syntax.kind is FileKind.DOCS:
        # Prose says "the password: is required"; a value in a doc has digits: `client_secret: live_Aq8…`.
        return "(" not in bare and ")" not in bare and (op == "=" or _looks_like_a_value(bare))
    # YAML tags, anchors, aliases and block scalars are not the value itself.
    return not (op == ":" and bare[0] in "|>&*!")


# One marker character per step (`//` is two): alternatives that overlap (`--` against `-`) would backtrack
# exponentially on a long run of dashes.
_SAMPLE_LEAD = LazyPattern(r"[ \t]*(?:[/#*;-][ \t]*)*")
# What a line of a schema or of an options table says in place of a value.
_SCHEMA_WORDS = frozenset("required optional string str text none null nil true false yes no empty any".split())
_SAMPLE_TAIL = LazyPattern(r"[ \t]*(?:#.*)?\r?")


def _doc_sample(syntax: FileSyntax, op: str, value: _Value, line: str, name_start: int) -> bool:
    """A setting alone on a line of prose or of a comment (`    password: 838383`, `// password: letmein`), its
    value a plain word that `_value_allowed` would not take for one in a sentence."""
    if syntax.kind is not FileKind.DOCS or not value.bare or op not in (":", "="):
        return False
    bare = line[value.start : value.end]
    if bare.lower() in _SCHEMA_WORDS:
        return False
    if bare[0] in "([{$<%" or "(" in bare or ")" in bare or not any(c.isalnum() for c in bare):
        return False
    return _SAMPLE_LEAD.compiled.fullmatch(line, 0, name_start) is not None and (
        _SAMPLE_TAIL.compiled.fullmatch(line, value.end) is not None
    )


def _looks_like_a_value(word: str) -> bool:
    return len(word) >= 8 and any(c.isdigit() for c in word) and any(c.isalpha() for c in word)


def _named_hit(name: str, value: str, start: int, op: str = "=") -> Hit | None:
    """A hit for `value` (at `start`) if `name` says it holds a secret."""
    if len(value) > MAX_VALUE_CHARS:
        return None
    kind = classify_name(name)
    if kind is None:
        # `ingest_key`, `cluster_key`: a key to something we have no word for. Only a random-looking value says it
        # is a credential rather than a lookup key ("user_profile").
        if not names_a_key(name) or not looks_random(value):
            return None
        return Hit(start, start + len(value), "generic-secret", "secret", _UNQUALIFIED_KEY_PRIOR, Specificity.KEYWORD)
    if op in _COMPARISONS and kind != "password":
        return None  # `if token == "with"` is a parser, `if password == "hunter2"` a hard-coded credential
    return Hit(start, start + len(value), f"generic-{kind}", kind, _PRIORS[kind], Specificity.KEYWORD)


def _password_hit(start: int, end: int) -> Hit:
    return Hit(start, end, "generic-password", "password", _PRIORS["password"], Specificity.KEYWORD)


def _assignment_hits(line: str, offset: int, syntax: FileSyntax, stems: Sequence[int]) -> Iterator[Hit]:
    """`name op value` where the name contains a stem: parsed from each stem (`stems`: where they start in the
    line), not from every character."""
    name_end = 0
    for stem in stems:
        if stem < name_end:
            continue  # a second stem in a name already parsed ("secret_token")
        match = _ASSIGN_FROM_STEM.compiled.match(line, stem)
        if match is None:
            continue
        name_start = stem
        while name_start > 0 and line[name_start - 1] in _NAME_CHARS:
            name_start -= 1
        name_end = match.end("name_end")
        op = match.group("op")
        value = _value(match)
        if value is None:
            continue
        sample = False
        if not _value_allowed(syntax, op, value, line):
            if not _doc_sample(syntax, op, value, line, name_start):
                continue
            sample = True
        if syntax.python and op == ":" and (name_start == 0 or line[name_start - 1] not in "\"'"):
            continue
        if line[max(0, name_start - 2) : name_start] == "${":
            continue  # shell parameter expansion: ${DB_PASSWORD:-default}, ${DB_PASSWORD:?message}
        hit = _named_hit(line[name_start:name_end], line[value.start : value.end], offset + value.start, op)
        if hit is not None:
            yield replace(hit, prior=min(hit.prior, _DOC_SAMPLE_PRIOR)) if sample else hit


def _flag_value_allowed(syntax: FileSyntax, value: str) -> bool:
    """`--password s3cret`: in code and docs, `--password options` and `--secrets NAME` are prose and metavars."""
    if not value.isidentifier() and "=" not in value:
        return True
    if (any(c.isdigit() for c in value) or "_" in value) and any(c.isalpha() for c in value) and not value.isupper():
        return True  # `--password hunter2`, `--secret purple_walrus`: a metavar or a word of prose has neither
    return syntax.kind is FileKind.CONFIG and not value.isupper()


def _form_hits(line: str, lower: str, offset: int, syntax: FileSyntax) -> Iterator[Hit]:
    """Calls, setters, XML, command-line flags and Dockerfile `ENV NAME value`."""
    matches: list[re.Match[str]] = []
    if "(" in line and _LITERAL_ARGUMENT.compiled.search(line) is not None:
        matches += (*_CALL.compiled.finditer(line), *_SETTER.compiled.finditer(line))
        if _STRING_ARGUMENT.compiled.search(line) is not None:
            matches += _CREDENTIAL_CALL.compiled.finditer(line)
    if "<" in line:
        for pattern in (_XML_ELEMENT, _XML_KEY_VALUE, _XML_KEY_TEXT):
            matches += pattern.compiled.finditer(line)
    if " -" in line:
        for parameter in _DASH_PARAMETER.compiled.finditer(line):
            value = parameter.group("bare")
            if value is not None and _OPTION_REFERENCE.compiled.match(value):
                continue
            if value is None or _flag_value_allowed(syntax, value):
                matches.append(parameter)
    if "-" in line and ('"-' in line or "'-" in line):
        matches += (m for m in _FLAG_ARGUMENT.compiled.finditer(line) if not _OPTION_REFERENCE.compiled.match(_quoted(m)))
    if "fill_in" in lower:
        matches += _FILL_IN.compiled.finditer(line)
    if "--" in line:
        for flag in _FLAG.compiled.finditer(line):
            value = flag.group("bare")
            if value is None or flag.group("sep") == "=" or _flag_value_allowed(syntax, value):
                matches.append(flag)
    if lower.lstrip().startswith("env") and (env := _ENV_SPACE_FORM.compiled.match(line)) is not None:
        matches.append(env)
    if "-h" in lower or "--header" in lower:
        matches += _HEADER_OPTION.compiled.finditer(line)
    if syntax.kind is FileKind.CONFIG:
        directive = _DIRECTIVE.compiled.fullmatch(line)
        # `requirepass Lantern-57`, not two words of prose in a file with no extension
        if directive is not None and not directive.group("bare").isalpha():
            matches.append(directive)
        if "machine" in lower or "login" in lower:
            matches += _NETRC_PASSWORD.compiled.finditer(line)
    for match in matches:
        value = _value(match)
        if value is None:
            continue
        name = match.group("name") or match.group("method")  # only _SETTER has a "method" group
        if (hit := _named_hit(name, line[value.start : value.end], offset + value.start)) is not None:
            yield hit


def _command_line_hits(line: str, lower: str, offset: int) -> Iterator[Hit]:
    if "mysql" in lower or "mariadb" in lower:
        for match in _MYSQL_PASSWORD.compiled.finditer(line):
            if (value := _value(match)) is not None:
                yield _password_hit(offset + value.start, offset + value.end)
    if "sshpass" in lower:
        for match in _SSHPASS.compiled.finditer(line):
            if (value := _value(match)) is not None:
                yield _password_hit(offset + value.start, offset + value.end)
    if ("password" in lower or "identified" in lower) and _SQL_USER_STATEMENT.compiled.search(line):
        for match in _SQL_PASSWORD.compiled.finditer(line):
            if (value := _value(match)) is not None:
                yield _password_hit(offset + value.start, offset + value.end)
    if "totp" in lower or "hotp" in lower:
        for match in _OTP_CONSTRUCTOR.compiled.finditer(line):
            if (value := _value(match)) is not None:
                yield Hit(
                    offset + value.start,
                    offset + value.end,
                    "generic-secret",
                    "secret",
                    _PRIORS["secret"],
                    Specificity.KEYWORD,
                )
    if "securestring" in lower:
        for match in _SECURE_STRING.compiled.finditer(line):
            if (value := _value(match)) is not None:
                yield _password_hit(offset + value.start, offset + value.end)
    if "create_" in lower:
        for match in _CREATE_USER.compiled.finditer(line):
            if (value := _value(match)) is not None:
                yield _password_hit(offset + value.start, offset + value.end)
    if ("curl" in lower or "wget" in lower or "http" in lower) and "-u" in line:  # `--user` holds `-u` too
        for match in _USER_COLON_PASSWORD.compiled.finditer(line):
            if (value := _value(match)) is None:
                continue
            user, colon, password = line[value.start : value.end].partition(":")
            if user and colon and password:
                yield _password_hit(offset + value.start + len(user) + 1, offset + value.end)


def decode_basic_credential(value: str) -> tuple[str, str] | None:
    """(user, password) from the base64 of `user:password`, as an HTTP Basic header carries it; else None."""
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon and user and password and decoded.isprintable() else None


def _is_credential(match: re.Match[str], line: str, lower: str) -> bool:
    """Is the word after an auth scheme a credential rather than prose?"""
    scheme, value = match.group("scheme").lower(), match.group("bare")
    if scheme == "basic" and decode_basic_credential(value) is not None:
        return True  # decodes to user:password, whether or not its base64 happens to have digits
    if not any(c.isdigit() for c in value):
        return False  # prose ("Bearer authentication…") and identifiers, not credentials
    # "Bearer" alone marks a token; "Basic"/"Token" are ordinary words unless the line is about auth
    # (`Authorization:`, `auth_header =`), or a string opens with "token " and a random key (GitHub's old style).
    if scheme == "bearer" or "auth" in lower:
        return True
    start = match.start()
    return scheme == "token" and start > 0 and line[start - 1] in "\"'`" and is_high_entropy(value)


def _auth_header_hits(line: str, lower: str, offset: int) -> Iterator[Hit]:
    if "bearer" not in lower and "auth" not in lower and "basic" not in lower and "token" not in lower:
        return
    if "bearer" not in lower and "basic" not in lower and "token" not in lower and "digest" not in lower:
        return  # "auth" alone: no scheme for `_AUTH_SCHEME` to match
    for match in _AUTH_SCHEME.compiled.finditer(line):
        if _is_credential(match, line, lower):
            start, end = match.span("bare")
            yield Hit(offset + start, offset + end, "http-auth-header", "auth", _AUTH_PRIOR, Specificity.KEYWORD)


def stem_starts(lowered: str) -> list[int]:
    """Where the stems that `_STEMS.compiled.finditer` finds in `lowered` start (`anchors.py` finds the same in its pass)."""
    return [match.start() for match in _STEMS.compiled.finditer(lowered)]


def _stem_lines(lowered: str, stems: Sequence[int]) -> Iterator[tuple[int, int, Sequence[int]]]:
    """(start, end, where its stems start from the line's start) of each line that holds one of `stems`, skipping
    minified lines. A stem never holds a newline, so the stems that the regex finds line by line are these."""
    i = 0
    while i < len(stems):
        start = lowered.rfind("\n", 0, stems[i]) + 1
        end = lowered.find("\n", stems[i])
        if end == -1:
            end = len(lowered)
        following = bisect_left(stems, end, i + 1)  # the line's stems; one at least, so the loop moves on
        if end - start <= MAX_LINE_CHARS:
            yield start, end, [stem - start for stem in stems[i:following]]
        i = following


def _pgpass_hits(text: str) -> Iterator[Hit]:
    """~/.pgpass lines are `host:port:database:user:password`."""
    offset = 0
    for raw in text.split("\n"):
        line = raw.rstrip("\r")
        fields = line.split(":", 4)
        if len(fields) == 5 and fields[4] and not line.lstrip().startswith("#"):
            end = offset + len(line)
            yield _password_hit(end - len(fields[4]), end)
        offset += len(raw) + 1


def _secret_entry(entry: re.Match[str]) -> bool:
    words = name_words(entry.group("name"))
    return not words or words[-1] not in _NOT_SECRET_ENTRIES


def _kubernetes_secret_hits(text: str) -> Iterator[Hit]:
    """The values of a `kind: Secret` manifest's data, one YAML document at a time."""
    bounds = [0, *(m.end() for m in _DOCUMENT_SEPARATOR.compiled.finditer(text)), len(text)]
    for doc_start, doc_end in pairwise(bounds):
        if _KIND_SECRET.compiled.search(text, doc_start, doc_end) is None:
            continue
        for block in _SECRET_DATA.compiled.finditer(text, doc_start, doc_end):
            block_indent = len(block.group("indent"))
            position = block.end() + 1
            while position < doc_end:
                line_end = text.find("\n", position, doc_end)
                line_end = doc_end if line_end == -1 else line_end
                entry = _SECRET_ENTRY.compiled.fullmatch(text, position, line_end)
                if entry is None or len(entry.group("indent")) <= block_indent:
                    break  # the end of the block
                value = _value(entry)
                if value is not None and value.end - value.start <= MAX_VALUE_CHARS and _secret_entry(entry):
                    yield Hit(
                        value.start, value.end, "kubernetes-secret", "secret", _K8S_SECRET_PRIOR, Specificity.KEYWORD
                    )
                position = line_end + 1


def _byte_array_hits(line: str, offset: int) -> Iterator[Hit]:
    for match in _BYTE_ARRAY.compiled.finditer(line):
        name, words = match.group("name"), name_words(match.group("name") + " " + match.group("type"))
        if classify_name(name) is None and "key" not in words and "keys" not in words:
            continue  # a lookup table, an S-box, a test vector's plaintext
        start, end = match.span("bare")
        yield Hit(offset + start, offset + end, "generic-secret", "secret", _PRIORS["secret"], Specificity.KEYWORD)


def _yaml_header_list_hits(text: str) -> Iterator[Hit]:
    for match in _YAML_HEADER_LIST.compiled.finditer(text):
        name = match.group("name")
        value = match.group("bare")
        start, end = match.span("bare")
        if not any(c.isdigit() for c in value) or not any(c.isalpha() for c in value):
            continue  # `secrets:` then `- db-password`, `petstore_auth:` then `- write:pets`: names, not values
        if name.lower() in ("authorization", "proxy-authorization"):
            yield Hit(start, end, "http-auth-header", "auth", _AUTH_PRIOR, Specificity.KEYWORD)
        elif (hit := _named_hit(name, value, start)) is not None:
            yield hit


def find_keyword_hits(text: str, lowered: str, path: str, stems: Sequence[int] | None = None) -> list[Hit]:
    """Keyword hits in `text`; `stems` are where the stems start in `lowered`, as `stem_starts` gives them (the
    candidate stage has them from its one pass over the text for every detector's anchors)."""
    syntax, file_name = file_syntax(path), PurePosixPath(path)
    hits: list[Hit] = []
    for start, end, line_stems in _stem_lines(lowered, stem_starts(lowered) if stems is None else stems):
        line, lower = text[start:end], lowered[start:end]
        # Header values first: `Authorization: Bearer x` is the token x, not the assignment of "Bearer x".
        hits += _auth_header_hits(line, lower, start)
        line_syntax = _line_syntax(syntax, line)
        hits += _assignment_hits(line, start, line_syntax, line_stems)
        hits += _form_hits(line, lower, start, line_syntax)
        hits += _command_line_hits(line, lower, start)
        # 16 bytes or more: at least 15 commas (the pattern, tried at every name, is costly on other lines).
        if ("{" in line or "[" in line) and line.count(",") >= 15 and _BYTE_LIST.compiled.search(line) is not None:
            hits += _byte_array_hits(line, start)
    if file_name.name.lower() in _PGPASS_NAMES:
        hits += _pgpass_hits(text)
    if "kind:" in lowered and "secret" in lowered:
        hits += _kubernetes_secret_hits(text)
    if '"value"' in lowered:
        for match in _JSON_NAME_VALUE.compiled.finditer(text):
            value = _value(match)
            if value is None:
                continue
            if (hit := _named_hit(match.group("name"), text[value.start : value.end], value.start)) is not None:
                hits.append(hit)
    # Cassettes are YAML: run over every file, the multi-line pattern cost a tenth of the keyword stage.
    if file_name.suffix.lower() in _YAML_SUFFIXES:
        hits += _yaml_header_list_hits(text)
    if "value:" in lowered:
        for match in _NAME_THEN_VALUE.compiled.finditer(text):
            value = _value(match)
            if value is None or not _value_allowed(FileSyntax(FileKind.CONFIG), ":", value, text):
                continue
            if (hit := _named_hit(match.group("name"), text[value.start : value.end], value.start)) is not None:
                hits.append(hit)
    return hits
