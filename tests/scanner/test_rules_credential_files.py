"""The credential-file layer (`rules/credential_files.py`): made-up files of each kind, found with the right rule and
category, certain where the format is unambiguous; templates and placeholders beside them stay quiet; and one scan
with the real default judge that fails if a kind stops being reported."""

from __future__ import annotations

import base64
import json
import random
import string
from pathlib import Path

import pytest
from benchmark_scripts import load_benchmark_script

from secretscan.cli import main
from secretscan.scanner.candidates import find_candidates
from secretscan.scanner.filters import harmless_reason
from secretscan.scanner.rules import RULE_CATEGORIES
from secretscan.scanner.rules.credential_files import FILE_RULE_CATEGORIES, is_crackable_hash
from secretscan.scanner.types import Candidate, Certainty, ScanUnit

A62 = string.ascii_letters + string.digits
CRYPT = "./" + string.digits + string.ascii_letters


def rand(seed: str, n: int, alphabet: str = A62) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(n))


NETRC_PASSWORD = rand("netrc", 14)
NETRC_ONE_LINE = rand("netrc-one-line", 12)
GIT_TOKEN = rand("git-token", 32)
PGPASS_PASSWORD = "Rv7" + rand("pgpass", 11)
APR1 = f"$apr1${rand('apr1-salt', 8, CRYPT)}${rand('apr1', 22, CRYPT)}"
BCRYPT = f"$2y$10${rand('bcrypt', 53, CRYPT)}"
SHA1_LDAP = "{SHA}" + base64.b64encode(random.Random("sha").randbytes(20)).decode()
SHA512_CRYPT = f"$6${rand('sha512-salt', 16, CRYPT)}${rand('sha512', 86, CRYPT)}"
SHA256_CRYPT = f"$5$rounds=5000${rand('sha256-salt', 16, CRYPT)}${rand('sha256', 43, CRYPT)}"
MD5_CRYPT = f"$1${rand('md5-salt', 8, CRYPT)}${rand('md5', 22, CRYPT)}"
SQL_BCRYPT = f"$2b$12${rand('sql-bcrypt', 53, CRYPT)}"
SQL_PLAIN = "Winter" + rand("sql-plain", 6) + "!"
COPY_HASH = f"$6${rand('copy-salt', 8, CRYPT)}${rand('copy', 86, CRYPT)}"
MASTER_KEY = rand("master-key", 32, "0123456789abcdef")
MAIL_PASSWORD = rand("esmtp", 16)
MUTT_PASSWORD = rand("mutt", 16)
FETCHMAIL_PASSWORD = rand("fetchmail", 14)
FILEZILLA_PASSWORD = base64.b64encode(rand("filezilla", 13).encode()).decode()
SFTP_PASSWORD = rand("sftp-config", 15)
FTPCONFIG_PASSWORD = rand("ftpconfig", 14)
REMOTE_SYNC_PASSWORD = rand("remote-sync", 14)
VSCODE_PASSPHRASE = rand("vscode-sftp", 18)
DEPLOY_PASSWORD = rand("deployment-config", 14)
WEBSERVERS_PASSWORD = rand("webservers", 14)
DBEAVER_PASSWORD = rand("dbeaver", 14)
ROBO3T_PASSWORD = rand("robo3t", 14)
STUDIO3T_PASSWORD = rand("studio3t", 14)
FIREFOX_PASSWORD = base64.b64encode(b"\x30\x4a\x04\x10" + random.Random("firefox").randbytes(60)).decode()
RC_TOKEN = rand("bashrc", 40)


def ppk(version: int = 3, private_lines: int = 2, encrypted: bool = False) -> str:
    rng = random.Random(f"ppk{version}{encrypted}")
    public = base64.b64encode(b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00 " + rng.randbytes(32)).decode()
    private = base64.b64encode(rng.randbytes(48 * private_lines)).decode()
    body = [private[i : i + 64] for i in range(0, len(private), 64)]
    lines = [
        f"PuTTY-User-Key-File-{version}: ssh-ed25519",
        *(
            ["Encryption: aes256-cbc", "Key-Derivation: Argon2id", "Argon2-Memory: 8192", "Argon2-Passes: 13",
             "Argon2-Parallelism: 1", f"Argon2-Salt: {rng.randbytes(16).hex()}"]  # fmt: skip
            if encrypted
            else ["Encryption: none"]
        ),
        "Comment: deploy@build-07",
        "Public-Lines: 1",
        public,
        f"Private-Lines: {len(body)}",
        *body,
        f"Private-MAC: {rng.randbytes(32).hex()}",
    ]
    return "\n".join(lines) + "\n"


PPK = ppk()

# kind -> (path, text, [(rule, category, value, certain)])
KINDS: dict[str, tuple[str, str, list[tuple[str, str, str, bool]]]] = {
    "netrc": (
        "home/.netrc",
        f"machine git.corp.example\n  login deploy-bot\n  password {NETRC_PASSWORD}\n",
        [("netrc-password", "password", NETRC_PASSWORD, False)],
    ),
    "netrc one line": (
        "home/_netrc",
        f"machine ftp.corp.example login alice password {NETRC_ONE_LINE}\n",
        [("netrc-password", "password", NETRC_ONE_LINE, False)],
    ),
    "git-credentials": (
        "home/.git-credentials",
        f"https://deploy-bot:{GIT_TOKEN}@git.corp.example\n",
        [("git-credentials", "connection-string", GIT_TOKEN, True)],
    ),
    "pgpass": (
        "home/.pgpass",
        f"# host:port:database:user:password\ndb7.corp.example:5432:billing:billing_app:{PGPASS_PASSWORD}\n",
        [("pgpass-password", "password", PGPASS_PASSWORD, False)],
    ),
    "htpasswd": (
        "site/.htpasswd",
        f"alice:{APR1}\nbob:{BCRYPT}\ncarol:{SHA1_LDAP}\n",
        [
            ("password-hash", "password-hash", APR1, True),
            ("password-hash", "password-hash", BCRYPT, True),
            ("password-hash", "password-hash", SHA1_LDAP, True),
        ],
    ),
    "shadow": (
        "backup/etc/shadow",
        f"root:{SHA512_CRYPT}:19500:0:99999:7:::\ndaemon:*:19500:0:99999:7:::\nops:{SHA256_CRYPT}:19500:0:99999:7:::\n",
        [
            ("password-hash", "password-hash", SHA512_CRYPT, True),
            ("password-hash", "password-hash", SHA256_CRYPT, True),
        ],
    ),
    "ftp passwd": (
        "etc/pure-ftpd/pureftpd.passwd",
        f"webupload:{MD5_CRYPT}:1001:1001::/srv/ftp/./::::::::::::\n",
        [("password-hash", "password-hash", MD5_CRYPT, True)],
    ),
    "sql dump": (
        "backup/site.sql",
        "INSERT INTO `users` (`id`, `email`, `password`, `created_at`) VALUES "
        f"(1,'ops@corp.example','{SQL_BCRYPT}','2024-01-02'),(2,'it@corp.example','{SQL_PLAIN}','2024-01-03');\n"
        "COPY public.accounts (id, login, encrypted_password) FROM stdin;\n"
        f"7\tbackup\t{COPY_HASH}\n\\.\n",
        [
            ("password-hash", "password-hash", SQL_BCRYPT, True),
            ("sql-dump-password", "password", SQL_PLAIN, False),
            ("password-hash", "password-hash", COPY_HASH, True),
        ],
    ),
    "putty": ("keys/deploy.ppk", PPK, [("putty-private-key", "private-key", PPK.split("\nPrivate-MAC")[0], True)]),
    "rails master.key": (
        "app/config/master.key",
        MASTER_KEY + "\n",
        [("rails-master-key", "secret", MASTER_KEY, True)],
    ),
    "esmtprc": (
        "home/.esmtprc",
        f'identity = ops@corp.example\n  hostname = smtp.corp.example:587\n  password = "{MAIL_PASSWORD}"\n',
        [("mail-client-password", "password", MAIL_PASSWORD, False)],
    ),
    "muttrc": (
        "home/.muttrc",
        f'set imap_user = "ops@corp.example"\nset imap_pass = "{MUTT_PASSWORD}"\n',
        [("mail-client-password", "password", MUTT_PASSWORD, False)],
    ),
    "fetchmailrc": (
        "home/.fetchmailrc",
        f'poll imap.corp.example protocol imap\n  user "ops" password "{FETCHMAIL_PASSWORD}" ssl\n',
        [("mail-client-password", "password", FETCHMAIL_PASSWORD, False)],
    ),
    "filezilla sitemanager.xml": (
        "home/.config/filezilla/sitemanager.xml",
        '<FileZilla3 version="3.66.4">\n<Servers>\n<Server>\n<Host>ftp.corp.example</Host>\n<Port>21</Port>\n'
        f'<User>deploy</User>\n<Pass encoding="base64">{FILEZILLA_PASSWORD}</Pass>\n'
        "</Server>\n</Servers>\n</FileZilla3>\n",
        [("filezilla-password", "password", FILEZILLA_PASSWORD, True)],
    ),
    "sublime sftp-config.json": (
        "site/sftp-config.json",
        f'{{\n    "type": "sftp",\n    "host": "web3.corp.example",\n    "user": "deploy",\n'
        f'    "password": "{SFTP_PASSWORD}",\n    "remote_path": "/var/www/"\n}}\n',
        [("ftp-client-password", "password", SFTP_PASSWORD, True)],
    ),
    "atom .ftpconfig": (
        "site/.ftpconfig",
        '{\n  "protocol": "ftp",\n  "host": "ftp.corp.example",\n  "user": "web",\n'
        f'  "pass": "{FTPCONFIG_PASSWORD}"\n}}\n',
        [("ftp-client-password", "password", FTPCONFIG_PASSWORD, True)],
    ),
    "atom .remote-sync.json": (
        "site/.remote-sync.json",
        f'{{\n  "transport": "ftp",\n  "hostname": "ftp.corp.example",\n  "username": "web",\n'
        f'  "password": "{REMOTE_SYNC_PASSWORD}"\n}}\n',
        [("ftp-client-password", "password", REMOTE_SYNC_PASSWORD, True)],
    ),
    "vscode sftp.json": (
        "site/.vscode/sftp.json",
        f'{{\n  "host": "web3.corp.example",\n  "username": "deploy",\n  "privateKeyPath": "~/.ssh/deploy",\n'
        f'  "passphrase": "{VSCODE_PASSPHRASE}"\n}}\n',
        [("ftp-client-password", "password", VSCODE_PASSPHRASE, True)],
    ),
    "deployment-config.json": (
        "site/deployment-config.json",
        '{\n  "ftp": {\n    "host": "ftp.corp.example",\n    "user": "web",\n'
        f'    "pass": "{DEPLOY_PASSWORD}"\n  }}\n}}\n',
        [("ftp-client-password", "password", DEPLOY_PASSWORD, True)],
    ),
    "jetbrains WebServers.xml": (
        "site/.idea/WebServers.xml",
        '<project version="4">\n  <component name="WebServers">\n    <option name="servers">\n'
        '      <webServer id="7" name="staging">\n'
        '        <fileTransfer host="ftp.corp.example" port="21" accessType="FTP">\n'
        f'          <option name="password" value="{WEBSERVERS_PASSWORD}" />\n'
        "        </fileTransfer>\n      </webServer>\n"
        "    </option>\n  </component>\n</project>\n",
        [("ftp-client-password", "password", WEBSERVERS_PASSWORD, True)],
    ),
    "dbeaver data-sources.json": (
        "workspace6/General/.dbeaver/data-sources.json",
        '{"folders": {}, "connections": {"postgres-jdbc-18c": {"provider": "postgresql", "configuration": '
        f'{{"host": "db7.corp.example", "port": "5432", "user": "report", "password": "{DBEAVER_PASSWORD}"}}}}}}}}\n',
        [("database-client-password", "password", DBEAVER_PASSWORD, True)],
    ),
    "robomongo robo3t.json": (
        "home/.3T/robo-3t/1.4.4/robo3t.json",
        '{"connections": [{"serverHost": "mongo.corp.example", "serverPort": 27017, "credentials": '
        f'[{{"databaseName": "admin", "userName": "ops", "userPassword": "{ROBO3T_PASSWORD}"}}]}}]}}\n',
        [("database-client-password", "password", ROBO3T_PASSWORD, True)],
    ),
    "studio 3t connections": (
        "home/.3T/studio-3t/connections.json",
        '{"connections": [{"host": "mongo.corp.example", "username": "ops", '
        f'"password": "{STUDIO3T_PASSWORD}"}}]}}\n',
        [("database-client-password", "password", STUDIO3T_PASSWORD, True)],
    ),
    "firefox logins.json": (
        "profile/logins.json",
        '{"nextId": 3, "logins": [{"id": 2, "hostname": "https://intranet.corp.example", '
        f'"encryptedUsername": "{base64.b64encode(bytes(40)).decode()}", '
        f'"encryptedPassword": "{FIREFOX_PASSWORD}"}}]}}\n',
        [("firefox-saved-login", "password", FIREFOX_PASSWORD, True)],
    ),
    "bashrc export": (
        "home/.bashrc",
        f'export PATH="$HOME/bin:$PATH"\nexport DEPLOY_API_TOKEN={RC_TOKEN}\nexport EDITOR=vim\n',
        [("shell-rc-secret", "secret", RC_TOKEN, True)],
    ),
}

# (path, text): templates, placeholders and look-alikes that must not be reported.
NEGATIVE: list[tuple[str, str]] = [
    ("docs/.netrc", "machine example.com\n  login your-user\n  password <your-password>\n"),
    ("README.md", "Add `machine example.com login you password <your-password>` to ~/.netrc.\n"),
    ("home/.pgpass", "*:*:*:postgres:*\nlocalhost:5432:*:postgres:<password>\n"),
    ("templates/.pgpass", "hostname:port:database:username:${PGPASSWORD}\n"),
    ("conf/.htpasswd", "admin:<hash>\nuser:$apr1$xxxxxxxx$xxxxxxxxxxxxxxxxxxxxxx\n"),
    ("etc/shadow", "daemon:*:19500:0:99999:7:::\nnobody:!:19500::::::\nops:!!:19500::::::\n"),
    ("home/.git-credentials", "https://user:<token>@github.com\n"),
    ("config/master.key", "# put the key here\n"),
    ("db/schema.sql", "INSERT INTO users (id, email, password) VALUES (1, 'a@corp.example', NULL);\n"),
    ("db/seed.sql", "INSERT INTO users (id, email, password) VALUES (1, 'a@corp.example', '<password>');\n"),
    ("db/other.sql", "INSERT INTO items (id, name, sku) VALUES (1, 'Winter coat', 'WC-2024');\n"),
    ("home/.muttrc", 'set smtp_pass = "$my_pass"\n'),
    ("home/.config/filezilla/sitemanager.xml", "<Server><Host>ftp.corp.example</Host><User>web</User></Server>\n"),
    ("site/sftp-config.json", '{"type": "sftp", "host": "example.com", "user": "you", "password": "<password>"}\n'),
    ("site/.vscode/sftp.json", '{"host": "example.com", "username": "deploy", "password": "${env:SFTP_PASSWORD}"}\n'),
    ("site/.idea/WebServers.xml", '<fileTransfer host="ftp.corp.example" port="21" accessType="FTP" />\n'),
    ("profile/logins.json", '{"nextId": 1, "logins": [], "disabledHosts": []}\n'),
    ("home/.bashrc", 'export GITHUB_TOKEN=$(pass show github/token)\nexport NPM_TOKEN="$NPM_CI_TOKEN"\n'),
]


def reported(path: str, text: str) -> list[Candidate]:
    """The candidates that reach a certain rule or the judge: certain ones skip the filters (engine.triage)."""
    return [
        c
        for c in find_candidates(ScanUnit(path, text))
        if c.certainty is Certainty.CERTAIN or harmless_reason(c) is None
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_found_with_its_rule_and_category(kind: str) -> None:
    path, text, expected = KINDS[kind]
    found = [(c.rule, c.category, c.secret, c.certainty is Certainty.CERTAIN) for c in reported(path, text)]
    assert found == expected


@pytest.mark.parametrize(("path", "text"), NEGATIVE)
def test_templates_and_placeholders_are_not_reported(path: str, text: str) -> None:
    assert reported(path, text) == []


def test_the_file_rules_are_registered() -> None:
    assert FILE_RULE_CATEGORIES.items() <= RULE_CATEGORIES.items()
    assert RULE_CATEGORIES["password-hash"] == "password-hash"


def test_a_netrc_password_counts_only_in_a_netrc_file_unless_the_entry_is_whole() -> None:
    assert all(c.rule != "netrc-password" for c in reported("notes.txt", f"password {NETRC_PASSWORD}\n"))
    (found,) = reported("notes.txt", f"machine ci.corp.example login bot password {NETRC_PASSWORD}\n")
    assert (found.rule, found.secret) == ("netrc-password", NETRC_PASSWORD)
    # A whole entry across lines, as a README or a docstring shows one.
    (found,) = reported("README.md", f"```\nmachine ci.corp.example\n  login bot\n  password {NETRC_PASSWORD}\n```\n")
    assert (found.rule, found.secret) == ("netrc-password", NETRC_PASSWORD)


def test_a_putty_key_is_one_finding_anywhere_and_certain_only_when_its_lines_decode() -> None:
    (found,) = reported("scripts/provision.sh", f"cat > key.ppk <<'EOF'\n{PPK}EOF\n")
    assert (found.rule, found.certainty) == ("putty-private-key", Certainty.CERTAIN)
    assert found.secret.startswith("PuTTY-User-Key-File-3:") and "Private-MAC" not in found.secret
    version_2 = ppk(version=2, private_lines=4)
    assert [c.certainty for c in reported("a.ppk", version_2)] == [Certainty.CERTAIN]
    # A key under a passphrase is still a private key: its header names the key derivation.
    encrypted = ppk(encrypted=True)
    assert [(c.rule, c.certainty) for c in reported("a.ppk", encrypted)] == [("putty-private-key", Certainty.CERTAIN)]
    # Private-Lines says 9, the file holds 2: a truncated paste is judged, not certain.
    truncated = PPK.replace("Private-Lines: 2", "Private-Lines: 9")
    assert [c.certainty for c in reported("a.ppk", truncated)] == [Certainty.POSSIBLE]


def test_rails_key_files_by_their_place_and_whole_content() -> None:
    assert [c.rule for c in reported("config/credentials/production.key", MASTER_KEY)] == ["rails-master-key"]
    # A 32-hex line in another file, or a key file holding more than the key, is not a master key.
    assert all(c.rule != "rails-master-key" for c in reported("config/app.key", MASTER_KEY))
    assert all(c.rule != "rails-master-key" for c in reported("config/master.key", f"{MASTER_KEY}\n{MASTER_KEY}\n"))


def test_password_hashes() -> None:
    for value in (APR1, BCRYPT, SHA1_LDAP, SHA512_CRYPT, SHA256_CRYPT, MD5_CRYPT):
        assert is_crackable_hash(value), value
    assert not is_crackable_hash("$1$abcdefgh$" + "a" * 22)  # filler, not hash output
    assert not is_crackable_hash(BCRYPT[:-1])  # one character short
    # A DES crypt (13 characters) counts in a passwd-style file, judged: it could as well be a word.
    (des,) = reported("site/.htpasswd", "legacy:aB3dE5gH7jK9m\n")
    assert (des.rule, des.certainty) == ("password-hash", Certainty.POSSIBLE)


def test_sql_without_a_password_column_or_outside_a_dump_is_left_to_the_other_rules() -> None:
    insert = f"INSERT INTO users (id, email, password) VALUES (1, 'a@corp.example', '{SQL_BCRYPT}');\n"
    # Outside a dump, a bcrypt hash is a seed's, as often as a leak: never the dump's certain finding, and not a
    # password-hash (that rule takes only Cisco and Kerberos hashes outside passwd-style files and dumps).
    found = reported("app/seed.py", insert)
    assert all(c.certainty is not Certainty.CERTAIN and c.rule != "password-hash" for c in found)
    assert all(c.rule != "sql-dump-password" for c in found)
    no_columns = f"INSERT INTO users VALUES (1, 'a@corp.example', '{SQL_PLAIN}');\n"
    assert all(c.rule != "sql-dump-password" for c in reported("dump.sql", no_columns))
    # A value holding a quote, a comma and a paren is read whole, and the next row still lines up.
    tricky = "INSERT INTO users (name, pwd) VALUES ('O''Brien, (ops)', 'Kx9#pL2vQ'), ('Ann', 'Zr4$mW8tN');\n"
    assert [c.secret for c in reported("dump.sql", tricky)] == ["Kx9#pL2vQ", "Zr4$mW8tN"]


def test_the_default_judge_reports_every_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each kind written to its own file and scanned with the default judge (shipped scorer and LLM), through the
    CLI: a kind that stops being reported fails here. The negatives beside them stay quiet."""
    kinds = list(KINDS)
    for i, (path, text, _) in enumerate(KINDS.values()):
        target = tmp_path / "found" / str(i) / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    for i, (path, text) in enumerate(NEGATIVE):
        target = tmp_path / "quiet" / str(i) / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    assert main(["scan", "--format", "json", str(tmp_path)]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    by_kind: dict[str, set[tuple[str, int]]] = {kind: set() for kind in KINDS}
    quiet = []
    for finding in findings:
        parts = Path(finding["path"]).relative_to(tmp_path).parts
        if parts[0] == "quiet":
            quiet.append(finding["path"])
            continue
        by_kind[kinds[int(parts[1])]].add((finding["rule"], finding["line"]))
    expected_rules = {kind: {rule for rule, *_ in expected} for kind, (_, _, expected) in KINDS.items()}
    missed = {kind for kind, found in by_kind.items() if {rule for rule, _ in found} != expected_rules[kind]}
    assert not missed, f"kinds no longer reported by the default judge: {sorted(missed)}"
    counts = {kind: len(found) for kind, found in by_kind.items()}
    assert counts == {kind: len({(r, v) for r, _, v, _ in expected}) for kind, (_, _, expected) in KINDS.items()}
    assert quiet == []


# Near misses of each format at 100 KB, under the file name that runs its rule: each scan stays linear
# (test_redos.py's limit, CPU time; its inputs are scanned as `adversarial.env`, which no file rule reads).
REDOS_SIZE = 100_000
bench = load_benchmark_script("bench_redos.py")


def _fill(unit: str) -> str:
    return unit * (REDOS_SIZE // len(unit))


NEAR_MISSES: dict[str, tuple[str, str]] = {
    "netrc passwords": ("x/.netrc", _fill("password ")),
    "netrc one-line entries": ("notes.txt", _fill("machine a login b password ")),
    "netrc machine runs": ("notes.txt", "machine " + _fill("a ") + "login b"),
    "git-credentials schemes": ("x/.git-credentials", _fill("https://a:b")),
    "git-credentials colons": ("x/.git-credentials", "https://" + _fill(":")),
    "pgpass colons": ("x/.pgpass", _fill(":")),
    "pgpass escapes": ("x/.pgpass", "a:b:c:d:" + _fill("\\")),
    "pgpass fields": ("x/.pgpass", _fill("a:b:c:d")),
    "htpasswd colons": ("x/.htpasswd", _fill("a:")),
    "htpasswd hashes": ("x/.htpasswd", "a:" + _fill("$1$abcdefgh$")),
    "shadow long hash": ("x/shadow", "root:$6$" + _fill("a")),
    "ppk headers": ("a.ppk", _fill("PuTTY-User-Key-File-3: ssh-ed25519\nKey: v\n")),
    "ppk body without private lines": ("a.ppk", "PuTTY-User-Key-File-3: x\n" + _fill("QUFB\n")),
    "ppk private lines repeated": ("a.ppk", "PuTTY-User-Key-File-2: x\n" + _fill("Private-Lines: 1\n")),
    "ppk long body": ("a.ppk", "PuTTY-User-Key-File-2: x\nPrivate-Lines: 1\n" + _fill("QUFB")),
    "sql tuples": ("a.sql", "INSERT INTO u (id, password) VALUES " + _fill("('a',")),
    "sql parens": ("a.sql", "INSERT INTO u (id, password) VALUES " + _fill("(")),
    "sql quotes": ("a.sql", "INSERT INTO u (id, password) VALUES ('" + _fill("''")),
    "sql statements": ("a.sql", _fill("insert into u (password) values ")),
    "copy rows": ("a.sql", "COPY u (id, password) FROM stdin;\n" + _fill("a\tb\n")),
    "master key hex": ("config/master.key", _fill("0123456789abcdef")),
    "mutt sets": ("x/.muttrc", _fill("set imap_pass = ")),
    "fetchmail passes": ("x/.fetchmailrc", _fill("pass ")),
    "filezilla passes": ("x/sitemanager.xml", '<Pass encoding="base64">' + _fill("QUFB ")),
    "sftp-config members": ("x/sftp-config.json", _fill('"password": "')),
    "webservers attributes": ("x/.idea/webservers.xml", _fill('name="password" value="')),
    "firefox logins": ("x/logins.json", '"encryptedPassword": "' + _fill("QUFB")),
    "shell rc exports": ("x/.bashrc", _fill("export A_TOKEN_")),
}


@pytest.mark.parametrize("name", NEAR_MISSES)
def test_near_misses_stay_linear(name: str) -> None:
    path, text = NEAR_MISSES[name]
    with bench.deadline(2.0):
        find_candidates(ScanUnit(path, text))


def test_docs_list_every_rule() -> None:
    """docs/detectors.md names every rule id, so the table users check grows with the rules."""
    docs = (Path(__file__).parents[2] / "docs" / "detectors.md").read_text()
    missing = [rule for rule in RULE_CATEGORIES if f"`{rule}`" not in docs]
    assert not missing, f"docs/detectors.md does not list {missing}"
