"""Credential files of a home directory: .netrc, .pgpass, mail clients' rc files and shell startup files.

The scanner's file rules find their values (rules/credential_files.py) and leave most of them to the judge, which
learns here where the line between a weak credential and a template runs in each format: `password hunter2` in a
.netrc is a credential, `password <your-password>` in one shipped as an example is not. Only the password, token
and key roles fit these formats; a file holds one to four of them, like a real one.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from secretscan.training.data.kinds.base import Kind, Out, Rendered, Slot
from secretscan.training.data.rand import pick

_HOSTS = ("github.com", "gitlab.example-corp.net", "api.heroku.com", "ftp.example-corp.net", "nexus.internal",
          "pypi.internal", "db.internal", "10.0.4.17", "bitbucket.org", "registry.example-corp.net")
_USERS = ("deploy", "ci-bot", "alice", "bob", "admin", "jenkins", "svc_backup", "postgres", "reporting")
_HOMES = ("", "", "home/alice/", "home/deploy/", "dotfiles/", "ansible/files/", "docker/ci/", "root/")
_SECRET_COMMANDS = ("pass show", "gopass show", "security find-generic-password -w -s", "cat /run/secrets/")


def _lookup(rng: random.Random, env_name: str) -> str:
    """A value looked up when the file is used (a template rendered by envsubst, a shell command): not a secret."""
    command = pick(rng, _SECRET_COMMANDS)
    joined = f"{command}{env_name.lower()}" if command.endswith("/") else f"{command} {env_name.lower()}"
    style = pick(rng, ("${{{N}}}", "$({c})", "`{c}`"))
    return style.format(N=env_name, c=joined)


def _text(rng: random.Random, slot: Slot) -> str:
    return _lookup(rng, slot.value.reference) if slot.value.reference else slot.value.text


def render_netrc(rng: random.Random, slots: Sequence[Slot]) -> Rendered:
    out = Out()
    path = f"{pick(rng, _HOMES)}{pick(rng, ('.netrc', '.netrc', '_netrc', 'netrc.example', 'config/netrc'))}"
    if rng.random() < 0.3:
        out.add(f"# {pick(rng, ('credentials for the CI mirror', 'copy to ~/.netrc and chmod 600', 'deploy hosts'))}")
    one_line = rng.random() < 0.5
    for slot in slots:
        text = _text(rng, slot)
        host, user = pick(rng, _HOSTS), pick(rng, _USERS)
        if one_line:
            out.plant(f"machine {host} login {user} password {text}", slot.value, text)
        else:
            out.add(f"machine {host}", f"  login {user}")
            out.plant(f"  password {text}", slot.value, text)
    return out.rendered(path)


def render_pgpass(rng: random.Random, slots: Sequence[Slot]) -> Rendered:
    out = Out()
    path = f"{pick(rng, _HOMES)}{pick(rng, ('.pgpass', '.pgpass', 'pgpass.conf', 'postgres/.pgpass'))}"
    if rng.random() < 0.4:
        out.add("# hostname:port:database:username:password")
    for slot in slots:
        text = _text(rng, slot).replace(":", "\\:")
        host = pick(rng, ("localhost", "db.internal", "*", "10.0.4.17", "replica.db.internal"))
        database = pick(rng, ("*", "app", "orders", "analytics", "postgres"))
        out.plant(f"{host}:{pick(rng, ('5432', '*', '6432'))}:{database}:{pick(rng, _USERS)}:{text}", slot.value, text)
    return out.rendered(path)


def render_mail_rc(rng: random.Random, slots: Sequence[Slot]) -> Rendered:
    out = Out()
    client = pick(rng, ("msmtp", "mutt", "fetchmail", "esmtp"))
    name = {"msmtp": ".msmtprc", "mutt": ".muttrc", "fetchmail": ".fetchmailrc", "esmtp": ".esmtprc"}[client]
    path = f"{pick(rng, _HOMES)}{name}"
    for index, slot in enumerate(slots):
        text = _text(rng, slot)
        user = f"{pick(rng, _USERS)}@example-corp.net"
        if client == "msmtp":
            out.add(f"account {pick(rng, ('work', 'personal', 'alerts'))}{index}", "host smtp.example-corp.net",
                    "port 587", "auth on", f"user {user}")
            out.plant(f"password {text}", slot.value, text)
        elif client == "mutt":
            setting = pick(rng, ("smtp_pass", "imap_pass", "pop_pass"))
            out.add(f'set {setting.replace("pass", "url")} = "smtps://{user}@smtp.example-corp.net"')
            out.plant(f'set {setting} = "{text}"', slot.value, text)
        elif client == "fetchmail":
            out.plant(f'poll imap.example-corp.net protocol imap user "{user}" password "{text}"', slot.value, text)
        else:
            out.add("identity", "  hostname = smtp.example-corp.net:587", f"  username = {user}")
            out.plant(f"  password = {text}", slot.value, text)
    return out.rendered(path)


def render_shell_rc(rng: random.Random, slots: Sequence[Slot]) -> Rendered:
    out = Out()
    path = f"{pick(rng, _HOMES)}{pick(rng, ('.bashrc', '.zshrc', '.bash_profile', '.profile', '.zshenv'))}"
    out.add(
        'export PATH="$HOME/.local/bin:$PATH"',
        pick(rng, ("alias ll='ls -alF'", "alias gs='git status'", "set -o vi", "HISTSIZE=10000")),
    )
    for slot in slots:
        text = _text(rng, slot)
        quote = '"' if slot.value.reference or rng.random() < 0.4 else ""
        out.plant(f"export {slot.name}={quote}{text}{quote}", slot.value, text)
    out.add(pick(rng, ('eval "$(direnv hook bash)"', "[ -f ~/.fzf.bash ] && source ~/.fzf.bash", "")))
    return out.rendered(path)


_FITTING_ROLES = ("password", "token", "key")
# A twentieth of the generated files between them: they are a small part of what scans see.
_WEIGHT = 0.25

KINDS = tuple(
    Kind(name, render, extra_roles=(), secret_roles=_FITTING_ROLES, weight=_WEIGHT)
    for name, render in (
        ("netrc", render_netrc),
        ("pgpass", render_pgpass),
        ("mail-rc", render_mail_rc),
        ("shell-rc", render_shell_rc),
    )
)
