"""Private key blocks: `-----BEGIN … PRIVATE KEY-----` … `-----END … PRIVATE KEY-----`.

The block is the secret. It is CERTAIN when its body is a real key: base64 that decodes to the structure the
header promises (DER for RSA/EC/DSA/PKCS#8, `openssh-key-v1` for OpenSSH or under any other header, an OpenPGP
packet with a matching CRC-24 for PGP), with the entropy of random key material. Truncated ("MIIE…"), elided or
placeholder bodies stay POSSIBLE. Blocks inside JSON strings (`\\n` escapes, as in a GCP service-account file)
count too, and the scan ignores the line-length limit, so a key pasted into a minified bundle is still found.
"""

from __future__ import annotations

import base64
import binascii
import re
from bisect import bisect_left

from secretscan.scanner.rules.base import Hit, Specificity
from secretscan.scanner.rules.entropy import shannon_entropy
from secretscan.scanner.types import Certainty

KEYWORD = "private key"
_BEGIN = re.compile(r"-----BEGIN ?(?P<kind>[A-Z0-9 _-]{0,40}?) ?PRIVATE KEY(?: BLOCK)?-----")
_END = re.compile(r"-----END[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----")
# Without an END line (a diff hunk, a truncated paste), the block is the base64 that follows the header.
_OPEN_BODY = re.compile(r"(?:[A-Za-z0-9+/=]|[ \t\r\n]|\\[nr])*")
MAX_BLOCK_CHARS = 20_000
MIN_BODY_CHARS = 32
# Random key material in base64 has about 6 bits per character; "AAAA…" filler or a repeated line has far less.
MIN_BODY_ENTROPY = 4.5
_ESCAPED_NEWLINE = re.compile(r"\\[nr]")
# What code wraps around each line of an embedded key: `"…" +`, `'…',`. Only next to a quote: a bare base64
# line may itself start or end with "+".
_LINE_WRAPPING = re.compile(r"^\s*(?:\+\s*)?[\"']|[\"']\s*(?:[+,]\s*)?$")
_PRIOR = 0.9


def _body_lines(body: str) -> list[str]:
    lines = []
    for raw in _ESCAPED_NEWLINE.sub("\n", body).splitlines():
        line = _LINE_WRAPPING.sub("", raw).strip()
        # Armor headers: "Proc-Type: 4,ENCRYPTED", "DEK-Info: …", "Version: …", "Comment: …".
        if line and ":" not in line:
            lines.append(line)
    return lines


def _crc24(data: bytes) -> int:
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def _decode(b64: str) -> bytes | None:
    try:
        return base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        return None


def body_is_real_key(kind: str, body: str) -> bool:
    """True if `body` (between the BEGIN and END lines) is a complete key of that `kind`."""
    lines = _body_lines(body)
    crc_line = None
    if "PGP" in kind and lines and lines[-1].startswith("=") and len(lines[-1]) == 5:
        crc_line = lines.pop()
    encoded = "".join(lines)
    if len(encoded) < 64 or shannon_entropy(encoded) < MIN_BODY_ENTROPY:
        return False
    data = _decode(encoded)
    if data is None or len(data) < 48:
        return False
    if data.startswith(b"openssh-key-v1\x00"):
        # Under any header: an OpenSSH key pasted under `BEGIN RSA PRIVATE KEY` is still a whole key.
        return True
    if "OPENSSH" in kind:
        return False
    if "PGP" in kind:
        if crc_line is not None:
            expected = _decode(crc_line[1:])
            return expected is not None and int.from_bytes(expected, "big") == _crc24(data)
        return bool(data[0] & 0x80)
    # PKCS#1, SEC1, PKCS#8 (plain or encrypted), DSA: a DER SEQUENCE.
    return data[0] == 0x30


def _rule_for(text: str, start: int) -> tuple[str, str, Specificity]:
    line_start = text.rfind("\n", max(0, start - 200), start) + 1
    if '"private_key"' in text[line_start:start] and "service_account" in text:
        return "gcp-service-account-key", "cloud", Specificity.TOKEN
    return "private-key", "private-key", Specificity.PRIVATE_KEY


def find_private_key_hits(text: str, lowered: str) -> list[Hit]:
    if KEYWORD not in lowered:
        return []
    hits = []
    # Every END line once, then the first one after each BEGIN: a text full of BEGIN lines stays linear.
    ends = list(_END.finditer(text))
    end_starts = [end.start() for end in ends]
    position = 0
    while (begin := _BEGIN.search(text, position)) is not None:
        i = bisect_left(end_starts, begin.end())
        end = ends[i] if i < len(ends) and end_starts[i] <= begin.end() + MAX_BLOCK_CHARS else None
        if end is not None:
            body = text[begin.end() : end.start()]
            block_end = end.end()
        else:
            # The pattern matches the empty string, so there is always a match.
            body_match = _OPEN_BODY.match(text, begin.end(), begin.end() + MAX_BLOCK_CHARS)
            assert body_match is not None
            body = body_match.group(0).rstrip("\\ \t\r\n")
            block_end = begin.end() + len(body)
        position = max(block_end, begin.end())
        if sum(c.isalnum() for c in body) < MIN_BODY_CHARS:
            # A header alone (a PEM parser, a docstring) is not a key.
            continue
        certain = end is not None and body_is_real_key(begin.group("kind"), body)
        rule, category, specificity = _rule_for(text, begin.start())
        hits.append(
            Hit(
                begin.start(),
                block_end,
                rule,
                category,
                1.0 if certain else _PRIOR,
                specificity,
                Certainty.CERTAIN if certain else Certainty.POSSIBLE,
                skip_long_lines=False,
            )
        )
    return hits
