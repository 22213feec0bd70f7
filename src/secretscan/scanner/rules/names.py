"""Does a variable / key / option name say that its value is a secret?

`DB_PASSWORD`, `apiKey`, `x-api-key`, `spring.datasource.password`, `client_secret`, `authToken` do;
`password_field`, `token_type`, `pad_token`, `cache_key`, `tokenizer`, `secretary` don't. Names are split into
words (separators and camelCase), and the words decide: a secret word makes it a candidate, a metadata word
(the secret's *name*, *length*, *url*, *policy*…) vetoes it.
"""

from __future__ import annotations

import re
from typing import Literal

SecretKind = Literal["password", "secret"]

_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

_PASSWORD_WORDS = frozenset({"password", "passwd", "passphrase", "passwort", "passcode", "pwd", "pass", "pw"})
# Long forms may be glued to a prefix (dbpassword, adminpasswd); short ones only end a short word (dbpass, rootpw).
_LONG_PASSWORD_FORMS = ("password", "passwd", "passphrase", "passwort", "passcode")
_SHORT_PASSWORD_ENDINGS = ("pass", "pwd", "pw")
_NOT_PASSWORDS = frozenset({"bypass", "compass", "surpass", "overpass", "underpass", "multipass", "subpass", "trespass"})
_SECRET_SUBSTRINGS = ("secret", "credential")
_NOT_SECRETS = frozenset({"secretary", "secretaries"})
_SECRET_WORDS = frozenset({"creds", "cred", "token"})
# `key` alone is any dict key; with one of these before it, it is a key to something.
_KEY_QUALIFIERS = frozenset(
    {
        "api", "access", "secret", "private", "encryption", "enc", "signing", "sign", "master", "app",
        "application", "account", "service", "client", "auth", "consumer", "webhook", "subscription", "storage",
        "shared", "admin", "session", "jwt", "hmac", "license", "licence", "developer", "dev", "live", "prod",
        "production", "write", "read", "deploy", "ssh", "sas", "aes", "crypt", "crypto", "cipher", "x", "server",
        "integration", "partner", "merchant", "mailgun", "stripe", "sendgrid", "twilio", "algolia", "openai",
    }
)
_COMPOUND_KEYS = frozenset(q + "key" for q in _KEY_QUALIFIERS)
# Weak words: a name made only of these is a secret unless it also names a user, a model, a server…
_WEAK_WORDS = frozenset({"auth", "authorization", "basicauth", "bearer"})
_WEAK_VETO = frozenset(
    {
        "user", "users", "username", "model", "login", "email", "group", "role", "scope", "scopes", "level",
        "realm", "server", "service", "host", "port", "status", "state", "source", "method", "mechanism",
        "plugin", "protocol", "schema", "strategy", "mode", "options", "config", "settings", "flow",
    }
)
# The value is information *about* the secret (its name, where it is, how long), never the secret itself.
_METADATA_WORDS = frozenset(
    {
        "id", "ids", "uuid", "guid", "name", "names", "type", "types", "kind", "url", "uri", "urls", "endpoint",
        "path", "file", "filename", "files", "dir", "folder", "length", "len", "size", "count", "min", "max",
        "field", "fields", "column", "label", "placeholder", "prompt", "message", "msg", "text", "hint", "help",
        "title", "desc", "description", "format", "fmt", "pattern", "regex", "regexp", "policy", "rule", "rules",
        "expiry", "expires", "expiration", "expire", "expired", "ttl", "timeout", "lifetime", "header", "headers",
        "prefix", "suffix", "env", "var", "vars", "variable", "param", "parameter", "flag", "enabled", "enable",
        "disabled", "required", "style", "input", "validator", "validators", "validation", "error", "errors",
        "strength", "version", "hash", "hashed", "hasher", "hashers", "digest", "algorithm", "alg", "encoding",
        "index", "attr", "attribute", "pad", "eos", "bos", "unk", "mask", "sep", "cls", "special", "vocab",
        "next", "page", "continuation", "cursor", "sync", "csrf", "xsrf", "public", "publishable", "pub",
        "provider", "backend", "manager", "handler", "helper", "loader", "class", "module", "driver", "factory",
        "ref", "arn", "stdin", "show", "is", "has", "use", "should", "allow", "display", "hide", "toggle", "icon",
        "button", "form", "view", "route", "action", "event", "callback", "fn", "func", "function", "store",
        "location", "limit", "forgot", "changed", "updated", "created", "at", "date", "time", "mode", "method",
        "scheme",
    }
)


def name_words(name: str) -> list[str]:
    return [word.lower() for word in _WORD_SPLIT.split(name) if word]


def _is_password_word(word: str) -> bool:
    if word in _PASSWORD_WORDS:
        return True
    if word in _NOT_PASSWORDS:
        return False
    if any(form in word for form in _LONG_PASSWORD_FORMS):
        return True
    return len(word) <= 8 and word.endswith(_SHORT_PASSWORD_ENDINGS)


def _is_secret_word(word: str, previous: str | None) -> bool:
    if word in _NOT_SECRETS:
        return False
    if any(s in word for s in _SECRET_SUBSTRINGS) or word in _SECRET_WORDS:
        return True
    if word.endswith("token") and word != "token":
        return True  # authtoken, accesstoken, apitoken
    if word == "key":
        return previous in _KEY_QUALIFIERS
    return word in _COMPOUND_KEYS or word.endswith("apikey")


def classify_name(name: str) -> SecretKind | None:
    """"password" or "secret" if `name` says its value is one, else None."""
    words = name_words(name)
    if not words or any(word in _METADATA_WORDS for word in words):
        return None
    if any(_is_password_word(word) for word in words):
        return "password"
    previous = None
    for word in words:
        if _is_secret_word(word, previous):
            return "secret"
        previous = word
    if any(word in _WEAK_WORDS for word in words) and not any(word in _WEAK_VETO for word in words):
        return "secret"
    return None
