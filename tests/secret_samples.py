"""Realistic secrets and look-alikes for the CLI and hook tests, built at run time.

Nothing here is a literal secret, so this repository's own files never trip a scanner (ours, gitleaks or
detect-secrets); the values are assembled from pieces and a seeded random generator.
"""

from __future__ import annotations

import base64
import random
import string

from secretscan.scanner.rules.checksums import BASE62, make_github_token


def _rng(seed: str) -> random.Random:
    return random.Random(seed)


def aws_access_key_id(seed: str = "aws") -> str:
    rng = _rng(seed)
    return "AK" + "IA" + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in range(16))


def aws_secret_access_key(seed: str = "aws-secret") -> str:
    rng = _rng(seed)
    return "".join(rng.choice(string.ascii_letters + string.digits + "+/") for _ in range(40))


def github_token(seed: str = "gh") -> str:
    """A `ghp_` token whose last 6 characters are the base62 CRC32 of its body, as GitHub issues them."""
    rng = _rng(seed)
    return make_github_token("ghp", "".join(rng.choice(BASE62) for _ in range(30)))


def database_password(seed: str = "db") -> str:
    rng = _rng(seed)
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(14)) + "!9"


def database_url(seed: str = "db") -> str:
    return "postgres" + "ql://app_admin:" + database_password(seed) + "@db.internal.example:5432/orders"


def private_key_block(seed: str = "key") -> str:
    """A PEM block whose body decodes to DER (a SEQUENCE), like a real PKCS#1 RSA key."""
    rng = _rng(seed)
    der = b"\x30\x82\x04\xa4\x02\x01\x00\x02\x82\x01\x01\x00" + bytes(rng.getrandbits(8) for _ in range(1180))
    body = base64.b64encode(der).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    kind = "RSA " + "PRIVATE KEY"
    return "\n".join([f"-----BEGIN {kind}-----", *lines, f"-----END {kind}-----"])


def leaky_files() -> dict[str, str]:
    """Four files, each with one real-looking secret of a different kind."""
    return {
        "deploy/aws.py": (
            "import boto3\n\n"
            f'AWS_ACCESS_KEY_ID = "{aws_access_key_id()}"\n'
            f'AWS_SECRET_ACCESS_KEY = "{aws_secret_access_key()}"\n'
            'client = boto3.client("s3", aws_access_key_id=AWS_ACCESS_KEY_ID)\n'
        ),
        "scripts/release.sh": f'#!/bin/sh\nexport GITHUB_TOKEN={github_token()}\ngh release create "$1"\n',
        "app/settings.py": f'DEBUG = False\nDATABASE_URL = "{database_url()}"\n',
        "certs/server.key": private_key_block() + "\n",
    }


def harmless_files() -> dict[str, str]:
    """Placeholders, environment lookups, a lockfile with integrity hashes and a UUID: nothing to report."""
    integrity = "sha512-" + base64.b64encode(bytes(_rng("lock").getrandbits(8) for _ in range(64))).decode()
    return {
        "app/config.py": (
            "import os\n\n"
            'DATABASE_PASSWORD = os.environ["DATABASE_PASSWORD"]\n'
            'GITHUB_TOKEN = os.getenv("GITHUB_TOKEN")\n'
            'API_KEY = "your-api-key-here"\n'
        ),
        "config/example.env": "SECRET_KEY=${SECRET_KEY}\nDB_PASSWORD=<your-password>\nAPI_TOKEN=changeme\n",
        "package-lock.json": (
            '{\n  "name": "web",\n  "lockfileVersion": 3,\n  "packages": {\n    "node_modules/left-pad": {\n'
            '      "version": "1.3.0",\n'
            '      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",\n'
            f'      "integrity": "{integrity}"\n'
            "    }\n  }\n}\n"
        ),
        "app/ids.py": 'DEFAULT_TENANT_ID = "3f2b8c1e-9a4d-4e6f-b2c7-1d8e5f9a0b3c"\n',
    }
