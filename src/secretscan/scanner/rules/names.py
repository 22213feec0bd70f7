"""Does a variable / key / option name say that its value is a secret?

`DB_PASSWORD`, `apiKey`, `x-api-key`, `spring.datasource.password`, `client_secret`, `authToken` do;
`password_field`, `token_type`, `pad_token`, `cache_key`, `tokenizer`, `secretary` don't. Names are split into
words (separators and camelCase), and the words decide: the last secret word makes it a candidate if only
harmless suffixes follow it (`_PROD`, `_BASE`), and a veto word (the secret's *name*, *length*, *url*,
*policy*…) anywhere rules it out.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

SecretKind = Literal["password", "secret"]

_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

_PASSWORD_WORDS = frozenset("password passwd passphrase passwort passcode pwd pass pw requirepass masterauth".split())
# Long forms may be glued to a prefix (dbpassword, adminpasswd); short ones only end a short word (dbpass, rootpw).
_LONG_PASSWORD_FORMS = ("password", "passwd", "passphrase", "passwort", "passcode")
_SHORT_PASSWORD_ENDINGS = ("pass", "pwd", "pw")
_NOT_PASSWORDS = frozenset("bypass compass surpass overpass underpass multipass subpass trespass".split())
_SECRET_SUBSTRINGS = ("secret", "credential")
_NOT_SECRETS = frozenset("secretary secretaries".split())
_SECRET_WORDS = frozenset("creds cred token psk salt nonce noncestr".split())
_FORM_TOKEN_WORDS = frozenset({"csrf", "xsrf"})
# `key` alone is any dict key; with one of these before it, it is a key to something.
_KEY_QUALIFIERS = frozenset(
    "api access secret private encryption enc signing sign master app application account service client auth "
    "consumer webhook subscription shared admin session jwt hmac license licence developer dev live prod "
    "production write read deploy ssh sas aes crypt crypto cipher x server integration partner merchant mailgun "
    "stripe sendgrid twilio algolia openai sdk mobile signature verification recaptcha captcha google maps "
    "preshared pre fernet encrypt decrypt jwe jws totp otp kms gpg pgp wrapping cookie csrf nacl sodium age sops "
    "webhooks oauth loggedin secureauth logged nonce priv".split()
)
_COMPOUND_KEYS = frozenset(q + "key" for q in _KEY_QUALIFIERS)
# Words that are a secret only after one of these: `key` alone is any dict key, `seed` seeds a random generator,
# `phrase` is any text; an encryption key (or a list of them: FERNET_KEYS), a TOTP seed, a seed phrase are secrets.
_QUALIFIED_WORDS: dict[str, frozenset[str]] = {
    "key": _KEY_QUALIFIERS,
    "keys": _KEY_QUALIFIERS,
    "seed": frozenset("totp otp hotp mfa factor 2fa secret wallet recovery mnemonic".split()),
    "phrase": frozenset("seed recovery mnemonic wallet".split()),
    # An OAuth authorization code, an MFA recovery code: `code` alone is source code or a status.
    "code": frozenset("auth authorization oauth recovery backup mfa otp totp".split()),
}
# Salts glued to what they salt (`cookiesalt`, `formsalt`): `salt` itself is in _SECRET_WORDS.
_NOT_SALTS = frozenset({"basalt", "asphalt"})
# Weak words: a secret only as the last word of a name (`basic_auth`, not `auth_origin`).
_WEAK_WORDS = frozenset("auth authorization basicauth bearer".split())
# What may follow the secret word in a name that still holds the secret: `DB_PASSWORD_PROD`, `SECRET_KEY_BASE`.
_ALLOWED_SUFFIXES = frozenset(
    "value val prod production dev development staging stage test testing qa uat live local default old new "
    "current previous plain plaintext raw b64 base64 base32 hex base key confirm confirmation again repeat verify "
    "override main primary secondary backup admin root master v a b c".split()
)
# Words that, anywhere in a name, say its value is not the secret itself: a flag about it (`show_password`),
# a label or rule for it (`password_label`, `password_policy`), an identifier (`secret_id`), a public part
# (`public_key`), or an NLP "token" (`pad_token`, `next_token`). Words that only matter *after* the secret
# word (`token_scores`, `password_reset`, `password_field`) are handled by the suffix rule instead, so that
# `FIELD_ENCRYPTION_KEY` (the key that encrypts model fields) stays a secret.
# The last words are special tokens of language models: `image_token = "<image>"`, `VISION_START_TOKEN`.
_VETO_WORDS = frozenset(
    "id ids uuid guid name names type types kind url uri urls endpoint length len count min max num "
    "column label placeholder prompt message msg hint help title desc description format fmt pattern regex regexp "
    "policy expiry expires expiration ttl timeout header headers prefix suffix param parameter arg args argument "
    "flag enabled enable disabled disable required input validator validators validation strength hasher hashers "
    "algorithm encoding pad eos bos unk mask sep cls special vocab next page continuation cursor public "
    "publishable pub existing ref arn show is has use should allow display hide toggle icon button form view route "
    "action event callback fn func function lexer parser tokenizer logprob logprobs score scores usage error "
    "errors n image video audio vision eot eom eod mid middle fill tile newline boi eoi "
    "start end begin stop think tool added speaker frame patch".split()
)


_TRAILING_DIGITS = re.compile(r"(?<=[a-z])\d+$")
# Digits that are part of the word, not a counter: KEY_B64 is the key in base64, PASSWORD2 a second password.
_WORDS_WITH_DIGITS = frozenset({"b64", "base64", "base32"})


def _word(part: str) -> str:
    word = part.lower()
    return word if word in _WORDS_WITH_DIGITS else _TRAILING_DIGITS.sub("", word)


def name_words(name: str) -> list[str]:
    """`DB_PASSWORD2` -> ["db", "password"], `apiKey` -> ["api", "key"], `x-api-key` -> ["x", "api", "key"]."""
    return [_word(part) for part in _WORD_SPLIT.split(name) if part]


def _is_password_word(word: str) -> bool:
    if word in _PASSWORD_WORDS:
        return True
    if word in _NOT_PASSWORDS:
        return False
    if any(form in word for form in _LONG_PASSWORD_FORMS):
        return True
    # keytool's -storepass, -srcstorepass, -deststorepass
    return (len(word) <= 8 and word.endswith(_SHORT_PASSWORD_ENDINGS)) or word.endswith("storepass")


def _is_secret_word(word: str, previous: str | None) -> bool:
    if word in _NOT_SECRETS:
        return False
    if any(s in word for s in _SECRET_SUBSTRINGS) or word in _SECRET_WORDS:
        return True
    if word.endswith("token") and word != "token":
        return True  # authtoken, accesstoken, apitoken
    if word.endswith("salt") and word not in _NOT_SALTS:
        return True
    if word in _QUALIFIED_WORDS:
        return previous in _QUALIFIED_WORDS[word]
    return word in _COMPOUND_KEYS or word.endswith("apikey")


def _word_kind(word: str, previous: str | None) -> SecretKind | Literal["weak"] | None:
    if _is_password_word(word):
        return "password"
    if _is_secret_word(word, previous):
        return "secret"
    return "weak" if word in _WEAK_WORDS else None


# Code repeats its names (`password`, `api_key`): a scan classifies each once. Bounded, so memory stays small.
@lru_cache(maxsize=8192)
def classify_name(name: str) -> SecretKind | None:
    """ "password" or "secret" if `name` says its value is one, else None.

    The last secret word decides, and only what may trail a secret (`_PROD`, `_BASE`, `_VALUE`) may follow it:
    `token_scores` and `password_policy` name something else.
    """
    words = name_words(name)
    if not words or any(word in _VETO_WORDS for word in words):
        return None
    last: tuple[int, SecretKind | Literal["weak"]] | None = None
    previous = None
    for i, word in enumerate(words):
        kind = _word_kind(word, previous)
        if kind is not None:
            last = (i, kind)
        previous = word
    if last is None:
        return None
    index, kind = last
    if words[index] == "token" and any(word in _FORM_TOKEN_WORDS for word in words):
        return None  # a CSRF token is per session and public to the page; a CSRF *secret* signs them
    trailing = words[index + 1 :]
    if kind == "weak":
        return None if trailing else "secret"
    return kind if all(word in _ALLOWED_SUFFIXES for word in trailing) else None


@lru_cache(maxsize=8192)
def names_a_key(name: str) -> bool:
    """`ingest_key`, `clusterKey`: a key to something, with a qualifier `classify_name` doesn't know."""
    words = name_words(name)
    return len(words) >= 2 and words[-1] == "key" and not any(word in _VETO_WORDS for word in words)
