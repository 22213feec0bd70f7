"""Credential files: what a leaked home directory, server or database dump holds, found by the file's name and format.

    ~/.netrc, _netrc           machine git.example.org login deploy password …      netrc-password
    ~/.git-credentials         https://deploy:…@git.example.org                     git-credentials (certain)
    ~/.pgpass, pgpass.conf     db.example.org:5432:app:app_user:…                   pgpass-password
    .htpasswd, shadow, FTP     alice:$apr1$…, root:$6$…:19000:0:99999:7:::          password-hash (certain but DES)
    dump.sql                   INSERT INTO users (id, email, password) VALUES …     password-hash / sql-dump-password
    *.ppk                      PuTTY-User-Key-File-3: … Private-Lines: 14 …         putty-private-key (certain)
    config/master.key          a bare 32-hex key, the whole file                     rails-master-key (certain)
    .esmtprc, .msmtprc,        password = "…", set imap_pass = "…",                  mail-client-password
    .muttrc, .fetchmailrc      poll … user "…" password "…"
    FileZilla sitemanager.xml  <Pass encoding="base64">…</Pass>                     filezilla-password (certain)
    sftp-config.json, .ftpconfig, .remote-sync.json, .vscode/sftp.json,            ftp-client-password (certain)
    deployment-config.json, WebServers.xml: "password": "…", password="…"
    DBeaver data-sources.json, Robomongo/Robo 3T, Studio 3T: "password": "…"       database-client-password (certain)
    Firefox logins.json        "encryptedPassword": "MD…"                            firefox-saved-login (certain)
    .bashrc, .zshrc, .profile  export GITHUB_TOKEN=…                                 shell-rc-secret (token: certain)

Each `FileRule` names the files it reads (globs over the path's last parts, lowercased) and one regex whose
`secret` group (or `secret2`, for a second spelling) is the credential; a rule with `anywhere` also runs on any
file that holds its lowercase anchor (a one-line netrc entry in a README, a PuTTY key pasted into a script). A rule
is CERTAIN only where the format leaves nothing to judge and the value passes `certain` (a well-formed hash, a key
block that decodes, a URL's token that is no placeholder); the rest go to the judge like any keyword match. SQL dumps
need the column list to know which value is the password, so they are parsed (`find_sql_dump_hits`).

Formats as Nosey Parker (netrc.yml, hashes.yml) and gitleaks describe them; the tests' values are made up.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fnmatch import translate
from functools import cached_property

from secretscan.scanner.rules.base import Hit, LazyPattern, Specificity
from secretscan.scanner.rules.entropy import shannon_entropy
from secretscan.scanner.types import Certainty

PASSWORD_HASH = "password-hash"

# --- password hashes -------------------------------------------------------------------------------------------

_C = r"[./0-9A-Za-z]"  # crypt(3)'s base64 alphabet
# Salted hashes of a password that can be cracked offline, each with its exact length: crypt(3)'s MD5, Apache's
# apr1, bcrypt, SHA-256/512 crypt, yescrypt, argon2, Django's pbkdf2, LDAP's {SHA}/{SSHA} (unsalted/salted SHA-1)
# and phpass (WordPress, phpBB: `$P$`, `$H$`).
CRYPT_HASH = (
    rf"\$(?:1|apr1)\${_C}{{1,8}}\${_C}{{22}}"
    rf"|\$2[abxy]?\$\d\d\${_C}{{53}}"
    rf"|\$5\$(?:rounds=\d{{1,9}}\$)?{_C}{{1,16}}\${_C}{{43}}"
    rf"|\$6\$(?:rounds=\d{{1,9}}\$)?{_C}{{1,16}}\${_C}{{86}}"
    rf"|\$y\$[./A-Za-z0-9]{{1,16}}\${_C}{{1,64}}\${_C}{{43}}"
    r"|\$argon2(?:id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{16,}"
    r"|pbkdf2_sha(?:1|256|512)\$\d{3,9}\$[A-Za-z0-9./+]{4,64}\$[A-Za-z0-9+/]{20,}={0,2}"
    r"|\{SHA\}[A-Za-z0-9+/]{27}=|\{SSHA\}[A-Za-z0-9+/]{32,}={0,2}"
    rf"|\$[PH]\$[./0-9A-Za-z]{{31}}"
)
_CRYPT_HASH = LazyPattern(CRYPT_HASH)
# A traditional DES crypt: 13 characters that could as well be a word; a hash only in a passwd-style file.
_DES_CRYPT = rf"{_C}{{13}}"
# An unsalted hex digest (MD5, SHA-1, SHA-256, SHA-512) in a password column.
_HEX_DIGEST = LazyPattern(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}|[0-9a-fA-F]{128}")
# Random hash output carries about 6 bits per character; "$1$xxxxxxxx$xxxx…" filler carries none.
MIN_HASH_ENTROPY = 3.5


def hash_output_looks_random(secret: str) -> bool:
    """The hash's output (after its last `$` or `}`) is random, not a made-up filler (`$1$xxxxxxxx$xxxx…`)."""
    return shannon_entropy(re.split(r"[$}]", secret)[-1]) >= MIN_HASH_ENTROPY


def is_crackable_hash(secret: str) -> bool:
    """A well-formed salted or LDAP password hash whose output looks random (not a made-up filler)."""
    return _CRYPT_HASH.compiled.fullmatch(secret) is not None and hash_output_looks_random(secret)


# --- small checks ----------------------------------------------------------------------------------------------

_PLACEHOLDER = LazyPattern(
    r"(?i)<[^<>]*>|\$\{|\{\{|\*{3,}|^\*$|\.\.\.|…|x{4,}|your[-_ ]?|changeme|placeholder|replace[-_ ]?me|redacted"
    r"|^(?:token|password|pass|secret|passwd|pwd|key|null)$"
)


def is_concrete(secret: str) -> bool:
    """Not a slot for a value (`<token>`, `${TOKEN}`, `your-token`, `xxxx`, `****`) and not one character repeated."""
    return _PLACEHOLDER.compiled.search(secret) is None and len(set(secret)) > 2


def _is_token(secret: str) -> bool:
    # A personal access token or app password: long enough and varied enough to be generated.
    return len(secret) >= 16 and is_concrete(secret) and shannon_entropy(secret) >= 3.0


def _is_hex_key(secret: str) -> bool:
    return shannon_entropy(secret) >= 3.0


def _not_a_command(secret: str) -> bool:
    # mutt runs `…` in backticks and takes its output: `pass show mail`, not a password.
    return not secret.startswith("`")


def _saved_password(secret: str) -> bool:
    # A client's saved password: any concrete value, but not a template's (`${FTP_PASS}`, `{{ pass }}`).
    return is_concrete(secret) and not secret.startswith(("$", "{", "%"))


def _b64_decodes_to_text(secret: str) -> bool:
    """FileZilla's `<Pass encoding="base64">`: the base64 of a concrete password."""
    try:
        decoded = base64.b64decode(secret.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return False
    return decoded.isprintable() and _saved_password(decoded)


def _der_sequence(secret: str) -> bool:
    """Firefox's `encryptedPassword`: base64 of a DER structure (NSS's SDR: key id, cipher, ciphertext)."""
    try:
        data = base64.b64decode(secret, validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(data) >= 30 and data[0] == 0x30


def _not_a_reference(secret: str) -> bool:
    # `export TOKEN=$(pass show x)`, `export TOKEN="$OTHER"`, `export TOKEN=`cat ~/.token``: not the value itself.
    return not secret.startswith(("$", "`", "~", "/")) and is_concrete(secret)


def _putty_block_decodes(block: str) -> bool:
    """The private lines of a PuTTY key: as many base64 lines as `Private-Lines` says, decoding to random bytes."""
    match = _PPK_PRIVATE.compiled.search(block)
    if match is None:
        return False
    lines = match.group("body").split()
    if len(lines) != int(match.group("count")):
        return False
    encoded = "".join(lines)
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(data) >= 16 and shannon_entropy(encoded) >= 4.5


_PPK_PRIVATE = LazyPattern(
    r"Private-Lines:[ \t]*(?P<count>\d{1,3})[ \t]*\r?\n(?P<body>(?:[A-Za-z0-9+/=]+[ \t]*(?:\r?\n|\Z))+)"
)


def _globs(globs: Iterable[str]) -> re.Pattern[str]:
    """Globs over a path's last parts, for `normalized_path`: `/` + the path, so `config/master.key` matches
    `/app/config/master.key` and not `/myconfig/master.key`."""
    return re.compile(r"(?s:.*/)(?:" + "|".join(translate(glob) for glob in globs) + ")")


# --- the declarative rules -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileRule:
    """One credential-file format: which files (globs, lowercase, over the path's last parts: `*.netrc`,
    `config/master.key`), the regex (MULTILINE) whose `secret` or `secret2` group is the credential, and what makes
    a hit CERTAIN (`certain(secret)`, only for a format that leaves nothing to judge)."""

    id: str
    category: str
    files: tuple[str, ...]
    regex: str
    kind: str  # in words, for the finding's reason: "a .netrc password"
    # What the text before the value names: the setting (`password`, `imap_pass`), or a user or host, which is not
    # the name a value is assigned to (a .pgpass line's user, an htpasswd line's).
    named: bool = False
    prior: float = 0.8
    certain: Callable[[str], bool] | None = None
    # Why a certain hit needs no model, for the finding's reason.
    certain_why: str = ""
    # Also run on any file whose lowercased text holds this literal (the format is distinctive on its own).
    anywhere: str = ""
    validate: Callable[[str], bool] | None = None
    specificity: Specificity = Specificity.TOKEN
    # The match must not start inside a word: checked here rather than with a leading \b, which would stop the
    # regex engine from jumping to the literal it opens with (`machine`).
    word_start: bool = False

    def __post_init__(self) -> None:
        if any(f != f.lower() for f in (*self.files, self.anywhere)):
            raise ValueError(f"rule {self.id}: file globs and the anchor must be lowercase")

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(self.regex, re.MULTILINE)

    @cached_property
    def _files(self) -> re.Pattern[str] | None:
        return _globs(self.files) if self.files else None

    def reads(self, path: str) -> bool:
        return self._files is not None and self._files.fullmatch(path) is not None

    def find(self, text: str) -> Iterator[Hit]:
        for match in self.pattern.finditer(text):
            before = text[match.start() - 1] if match.start() > 0 else " "
            if self.word_start and (before.isalnum() or before == "_"):
                continue
            group = "secret2" if match.group("secret") is None and "secret2" in match.re.groupindex else "secret"
            start, end = match.span(group)
            while end > start and text[end - 1] in " \t\r\n":  # a block's last newline is not part of it
                end -= 1
            if start >= end:
                continue
            secret = text[start:end]
            if self.validate is not None and not self.validate(secret):
                continue
            if self.certain is not None and self.certain(secret):
                yield Hit(start, end, self.id, self.category, 1.0, self.specificity, Certainty.CERTAIN, False)
            else:
                yield Hit(start, end, self.id, self.category, self.prior, self.specificity, skip_long_lines=False)


def _quoted_or_bare() -> str:
    # Python's re allows a group name once: the quoted inside is `secret`, a bare value `secret2`.
    # A bare value ends at a blank, a quote or a backslash: `"… password pass\\n"` in code is `pass`.
    return r"(?:[\"'](?P<secret>[^\"'\n]+)[\"']|(?P<secret2>[^\s\"'#\\][^\s\"'\\]*))"


_NETRC_FILES = (".netrc", "_netrc", "*.netrc", "netrc")
_GIT_CREDENTIAL_FILES = (".git-credentials", "git-credentials", "*.git-credentials", "git/credentials")
_PGPASS_FILES = (".pgpass", "pgpass", "pgpass.conf", "*.pgpass", "postgresql/pgpass.conf")
# htpasswd, shadow and the passwd files of FTP servers (Pure-FTPd's pureftpd.passwd, ProFTPD's ftpd.passwd).
_PASSWD_FILES = (".htpasswd", "htpasswd", "*.htpasswd", ".htpasswd*", "htpasswd*", "shadow", "shadow-", "gshadow",
                 "*.shadow", "passwd", "passwd-", "*.passwd", "*.passwd-", "master.passwd", "*.htpasswd.*")  # fmt: skip
_RAILS_KEY_FILES = ("config/master.key", "master.key", "config/credentials/*.key")
_FILEZILLA_FILES = ("sitemanager.xml", "recentservers.xml", "filezilla.xml", "filezilla/*.xml")
# Editor and IDE deploy plugins: Sublime SFTP, Atom remote-ftp and remote-sync, VS Code SFTP, deployment configs.
_FTP_CLIENT_JSON_FILES = ("sftp-config.json", "sftp-settings.json", ".ftpconfig", ".remote-sync.json",
                          ".vscode/sftp.json", "deployment-config.json", "ftp-sync.json",
                          ".ftp-deploy.json")  # fmt: skip
_JETBRAINS_SERVER_FILES = (".idea/webservers.xml", "webservers.xml", ".idea/sshconfigs.xml")
# DBeaver's connections (data-sources*.json, the older .dbeaver-data-sources.xml), Robomongo / Robo 3T, Studio 3T.
_DATABASE_CLIENT_JSON_FILES = ("data-sources*.json", ".dbeaver/*.json", "robomongo.json", "robo3t.json", ".3t/*.json",
                               "studio-3t/*.json", "studio3t/*.json")  # fmt: skip
_DATABASE_CLIENT_XML_FILES = ("data-sources*.xml", ".dbeaver-data-sources*.xml")
_SHELL_RC_FILES = (".bashrc", ".bash_profile", ".bash_login", ".bash_aliases", ".profile", ".zshrc", ".zprofile",
                   ".zshenv", ".zlogin", ".kshrc", ".mkshrc", "bashrc", "zshrc", "bash.bashrc", "*.bashrc",
                   "*.zshrc")  # fmt: skip
# A JSON member named for a password: `"password": "…"`, `"pass"`, `"passphrase"`, Robo 3T's `"userPassword"`.
_JSON_PASSWORD = (
    r"\"(?i:password|pass|passwd|passphrase|userpassword|user_password)\"[ \t]*:[ \t]*\"(?P<secret>[^\"\\\n]+)\""
)
# An XML attribute (`password="…"` on a connection, JetBrains' `<option name="password" value="…"/>`).
_XML_PASSWORD = (
    r"(?:(?<![\w-])password[ \t]*=[ \t]*\"(?P<secret>[^\"\n]+)\""
    r"|name=\"(?:password|passphrase)\"[ \t]+value=\"(?P<secret2>[^\"\n]+)\")"
)
# An exported variable whose name says credential: GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY, DB_PASSWORD, OPENAI_API_KEY.
_SECRET_VARIABLE = (
    r"[A-Za-z0-9_]*(?i:token|secret|passw(?:or)?d|pwd|api_?key|access_?key|private_?key|_key|auth|credential|_pat)"
    r"[A-Za-z0-9_]*"
)

# One field of a .pgpass line: `\:` and `\\` are escapes.
_PGPASS_FIELD = r"(?:[^:\n\\]|\\.)*"

def _client_password_rules(
    rule: str, kind: str, why: str, json_files: tuple[str, ...], xml_files: tuple[str, ...]
) -> tuple[FileRule, FileRule]:
    """A client that saves its connections' passwords in JSON files and XML files: one rule id, a rule for each."""
    json_rule, xml_rule = (
        FileRule(rule, "password", files, regex, kind, named=True, validate=is_concrete, certain=_saved_password,
                 certain_why=why)  # fmt: skip
        for files, regex in ((json_files, _JSON_PASSWORD), (xml_files, _XML_PASSWORD))
    )
    return json_rule, xml_rule


FILE_RULES: tuple[FileRule, ...] = (
    # machine … login … password …, across lines in a netrc file; on one line, in any file.
    FileRule(
        "netrc-password",
        "password",
        _NETRC_FILES,
        rf"(?:^|\s)password\s+{_quoted_or_bare()}",
        "a .netrc password",
        named=True,
    ),
    FileRule(
        "netrc-password",
        "password",
        (),
        # On one line (a README, a script) or across lines (a netrc in a docstring or a fenced block).
        rf"machine[ \t]+\S+\s+login[ \t]+\S+\s+(?:account[ \t]+\S+\s+)?password[ \t]+{_quoted_or_bare()}",
        "a .netrc password",
        named=True,
        anywhere="machine",
        word_start=True,
    ),
    FileRule(
        "git-credentials",
        "connection-string",
        _GIT_CREDENTIAL_FILES,
        r"^[ \t]*[a-z][a-z0-9+.-]{0,30}://[^:@\s/]*:(?P<secret>[^@\s/]+)@[^\s/]+",
        "a token in .git-credentials",
        certain=_is_token,
        certain_why="a .git-credentials line holds a token or password and nothing else",
    ),
    FileRule(
        "pgpass-password",
        "password",
        _PGPASS_FILES,
        rf"^(?![ \t]*#){_PGPASS_FIELD}:{_PGPASS_FIELD}:{_PGPASS_FIELD}:{_PGPASS_FIELD}:"
        rf"(?P<secret>(?:[^:\n\\\r]|\\.)+)\r?$",
        "a .pgpass password",
    ),
    FileRule(
        PASSWORD_HASH,
        PASSWORD_HASH,
        _PASSWD_FILES,
        rf"^[ \t]*[^:\s#][^:\n]*:(?:(?P<secret>{CRYPT_HASH})|(?P<secret2>{_DES_CRYPT}))(?=:|[ \t]*\r?$)",
        "a password hash",
        prior=0.6,
        certain=is_crackable_hash,
        certain_why="a well-formed password hash, which can be cracked offline",
    ),
    FileRule(
        "putty-private-key",
        "private-key",
        ("*.ppk",),
        # The header, then header lines (`Key-Derivation: Argon2id`, `Argon2-Memory: 8192`: never base64, which has
        # no colon) and the public lines, then the private lines: the block ends with the last of them.
        r"^(?P<secret>PuTTY-User-Key-File-[23]:[ \t]*\S+[ \t]*\r?\n(?:[A-Za-z0-9-]{2,40}:[^\n]*\r?\n|[A-Za-z0-9+/=]+"
        r"[ \t]*\r?\n){1,200}?Private-Lines:[ \t]*\d{1,3}[ \t]*\r?\n(?:[A-Za-z0-9+/=]+[ \t]*(?:\r?\n|\Z))+)",
        "a PuTTY private key",
        prior=0.9,
        certain=_putty_block_decodes,
        certain_why="the key's private lines decode to random bytes",
        anywhere="putty-user-key-file-",
        specificity=Specificity.PRIVATE_KEY,
    ),
    FileRule(
        "rails-master-key",
        "secret",
        _RAILS_KEY_FILES,
        r"\A\s*(?P<secret>[0-9a-f]{32})\s*\Z",
        "a Rails master key",
        certain=_is_hex_key,
        certain_why="a Rails key file holds the key and nothing else",
    ),
    FileRule(
        "mail-client-password",
        "password",
        (".esmtprc", "esmtprc"),
        rf"^[ \t]*password[ \t]*=[ \t]*{_quoted_or_bare()}",
        "a mail client's password",
        named=True,
    ),
    FileRule(
        "mail-client-password",
        "password",
        (".msmtprc", "msmtprc", "msmtp/config"),
        rf"^[ \t]*password[ \t]+{_quoted_or_bare()}",
        "a mail client's password",
        named=True,
    ),
    FileRule(
        "mail-client-password",
        "password",
        (".muttrc", "muttrc", "*.muttrc", ".mutt/*", "mutt/*"),
        rf"^[ \t]*set[ \t]+(?:imap|smtp|pop)_pass(?:word)?[ \t]*=[ \t]*{_quoted_or_bare()}",
        "a mail client's password",
        named=True,
        validate=_not_a_command,
    ),
    FileRule(
        "mail-client-password",
        "password",
        (".fetchmailrc", "fetchmailrc"),
        rf"(?:^|[ \t])pass(?:word)?[ \t]+{_quoted_or_bare()}",
        "a mail client's password",
        named=True,
    ),
    FileRule(
        "filezilla-password",
        "password",
        _FILEZILLA_FILES,
        r"<Pass[ \t]+encoding=\"base64\"[ \t]*>(?P<secret>[A-Za-z0-9+/=\s]{4,400})</Pass>",
        "a FileZilla saved password",
        named=True,
        certain=_b64_decodes_to_text,
        certain_why="FileZilla's site manager saves the password, base64-encoded, and it decodes to one",
    ),
    FileRule(
        "filezilla-password",
        "password",
        _FILEZILLA_FILES,
        r"<Pass>(?P<secret>[^<\n]{1,300})</Pass>",
        "a FileZilla saved password",
        named=True,
        certain=_saved_password,
        certain_why="FileZilla's site manager saves the password in plain text",
    ),
    *_client_password_rules(
        "ftp-client-password",
        "an FTP/SFTP client's saved password",
        "a deploy plugin's connection file saves the password or key passphrase itself",
        _FTP_CLIENT_JSON_FILES,
        _JETBRAINS_SERVER_FILES,
    ),
    *_client_password_rules(
        "database-client-password",
        "a database client's saved password",
        "a database client's connection file saves the password itself",
        _DATABASE_CLIENT_JSON_FILES,
        _DATABASE_CLIENT_XML_FILES,
    ),
    FileRule(
        "firefox-saved-login",
        "password",
        ("logins.json", "logins-backup.json"),
        r"\"encryptedPassword\"[ \t]*:[ \t]*\"(?P<secret>[A-Za-z0-9+/]{20,2000}={0,2})\"",
        "a Firefox saved password (encrypted with the profile's key4.db)",
        named=True,
        certain=_der_sequence,
        certain_why="a Firefox profile's saved login, which its key4.db decrypts",
    ),
    FileRule(
        "shell-rc-secret",
        "secret",
        _SHELL_RC_FILES,
        rf"^[ \t]*export[ \t]+{_SECRET_VARIABLE}={_quoted_or_bare()}",
        "a secret exported by a shell startup file",
        named=True,
        validate=_not_a_reference,
        certain=_is_token,
        certain_why="a shell startup file exports it under a credential's name, as long and varied as a token",
    ),
)

# --- SQL dumps -------------------------------------------------------------------------------------------------

SQL_DUMP_FILES = ("*.sql", "*.dump", "*.mysql", "*.pgsql", "*.psql", "*.sql.txt")
_SQL_FILES = _globs(SQL_DUMP_FILES)
SQL_PASSWORD_RULE = "sql-dump-password"
SQL_PASSWORD_PRIOR = 0.7
SQL_DIGEST_PRIOR = 0.8
_INSERT = LazyPattern(
    r"insert[ \t]+(?:ignore[ \t]+)?into[ \t]+(?P<table>[\w.`\"\[\]]+)[ \t]*\((?P<columns>[^()]{1,2000})\)\s*values\s*",
)
_COPY = LazyPattern(r"^copy[ \t]+(?P<table>[\w.\"]+)[ \t]*\((?P<columns>[^()\n]{1,2000})\)[ \t]+from[ \t]+stdin;[ \t]*$",
                   re.MULTILINE)  # fmt: skip
# A column that holds a password or its hash: password, passwd, pwd, user_pass, password_hash, encrypted_password…
_PASSWORD_COLUMN = LazyPattern(
    r"(?:\w*_)?(?:pass|passwd|password|pwd|passwort|mot_de_passe|contrasena)(?:_?(?:hash|hashed|digest|crypt|enc))?"
    r"|(?:hashed|encrypted|crypted|salted)_?(?:pass|password|passwd)|passwordhash|userpassword|pass_?hash"
)
# One value of a VALUES tuple: a quoted string ('' and \' escapes), or anything up to the next comma or paren.
_SQL_VALUE = LazyPattern(r"\s*(?:'(?P<quoted>(?:[^'\\\n]|''|\\.){0,2000})'|(?P<bare>[^,()'\n]*))\s*")
_MAX_ROWS = 10_000


def _columns(spec: str) -> list[str]:
    return [column.strip().strip("`\"[]").lower() for column in spec.split(",")]


def _password_columns(spec: str) -> list[int]:
    return [i for i, column in enumerate(_columns(spec)) if _PASSWORD_COLUMN.compiled.fullmatch(column)]


def _sql_hit(start: int, end: int, value: str) -> Hit | None:
    if end <= start:
        return None
    if is_crackable_hash(value):
        return Hit(start, end, PASSWORD_HASH, PASSWORD_HASH, 1.0, Specificity.TOKEN, Certainty.CERTAIN, False)
    if not is_concrete(value):
        return None
    if _CRYPT_HASH.compiled.fullmatch(value) or _HEX_DIGEST.compiled.fullmatch(value):
        return Hit(start, end, PASSWORD_HASH, PASSWORD_HASH, SQL_DIGEST_PRIOR, Specificity.TOKEN, skip_long_lines=False)
    return Hit(start, end, SQL_PASSWORD_RULE, "password", SQL_PASSWORD_PRIOR, Specificity.TOKEN, skip_long_lines=False)


def _insert_hits(text: str, position: int, wanted: list[int]) -> Iterator[Hit]:
    """The password columns' values of every `(…)` tuple from `position` on, up to the statement's end."""
    rows = 0
    while position < len(text) and text[position] == "(" and rows < _MAX_ROWS:
        rows += 1
        position += 1
        index = 0
        while True:
            value = _SQL_VALUE.compiled.match(text, position)
            if value is None:  # never: the pattern matches the empty string
                return
            if index in wanted and value.group("quoted") is not None:
                hit = _sql_hit(*value.span("quoted"), value.group("quoted"))
                if hit is not None:
                    yield hit
            position = value.end()
            if position >= len(text) or text[position] not in ",":
                break
            position += 1
            index += 1
        if position >= len(text) or text[position] != ")":
            return  # a value this parser does not read (a function call): the rest of the statement is skipped
        position += 1
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1


def _copy_hits(text: str, position: int, wanted: list[int]) -> Iterator[Hit]:
    """pg_dump's `COPY … FROM stdin;` rows: tab-separated, up to a line `\\.`."""
    for _ in range(_MAX_ROWS):
        line_end = text.find("\n", position)
        if line_end == -1:
            line_end = len(text)
        line = text[position:line_end].rstrip("\r")
        if line == "\\." or position >= len(text):
            return
        offset = position
        for index, field in enumerate(line.split("\t")):
            if index in wanted and field != "\\N":
                hit = _sql_hit(offset, offset + len(field), field)
                if hit is not None:
                    yield hit
            offset += len(field) + 1
        position = line_end + 1


def find_sql_dump_hits(text: str, lowered: str, path: str) -> list[Hit]:
    """The password (or its hash) of every row an SQL dump inserts into a table whose column list names one."""
    if _SQL_FILES.fullmatch(path) is None or ("insert" not in lowered and "copy" not in lowered):
        return []
    hits: list[Hit] = []
    for statement in _INSERT.compiled.finditer(lowered):
        wanted = _password_columns(statement.group("columns"))
        if wanted:
            hits.extend(_insert_hits(text, statement.end(), wanted))
    for statement in _COPY.compiled.finditer(lowered):
        wanted = _password_columns(statement.group("columns"))
        if wanted:
            hits.extend(_copy_hits(text, statement.end() + 1, wanted))
    return hits


# --- what the reasons say (explain.py) -------------------------------------------------------------------------

FILE_RULE_KINDS: dict[str, str] = {rule.id: rule.kind for rule in FILE_RULES} | {
    SQL_PASSWORD_RULE: "a password in an SQL dump"
}
# Rules whose value follows a user or a host, not the name it is assigned to.
NAME_IS_NOT_THE_KEY = frozenset({rule.id for rule in FILE_RULES if not rule.named} | {SQL_PASSWORD_RULE})
CERTAIN_WHY: dict[str, str] = {rule.id: rule.certain_why for rule in FILE_RULES if rule.certain_why}

# --- the detector ----------------------------------------------------------------------------------------------

FILE_RULE_CATEGORIES: dict[str, str] = {rule.id: rule.category for rule in FILE_RULES} | {
    SQL_PASSWORD_RULE: "password"
}


def normalized_path(path: str) -> str:
    return "/" + path.replace("\\", "/").lower().lstrip("/")


# Every file that some rule reads by name: one match decides that most files need none of them.
_NAMED_FILES = _globs([glob for rule in FILE_RULES for glob in rule.files] + list(SQL_DUMP_FILES))


def find_credential_file_hits(text: str, lowered: str, path: str) -> list[Hit]:
    """The hits of every file rule that reads `path` or whose anchor `lowered` holds, then the SQL dump's."""
    normalized = normalized_path(path)
    named = _NAMED_FILES.fullmatch(normalized) is not None
    hits: list[Hit] = []
    for rule in FILE_RULES:
        if (named and rule.reads(normalized)) or (rule.anywhere and rule.anywhere in lowered):
            hits.extend(rule.find(text))
    if named:
        hits.extend(find_sql_dump_hits(text, lowered, normalized))
    return hits
