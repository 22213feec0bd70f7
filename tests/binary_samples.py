"""Real binary files for the tests, built at run time: a PNG and a deflated zip, as their libraries write them."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bytes(size: int = 64) -> bytes:
    """A `size`x`size` RGB PNG of random pixels."""
    rng = random.Random("png")
    rows = b"".join(b"\x00" + bytes(rng.getrandbits(8) for _ in range(size * 3)) for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows)) + _chunk(b"IEND", b"")


def zip_bytes(inner: str = "notes.txt", text: str = "GITHUB_TOKEN=see the vault\n" * 200) -> bytes:
    """A zip archive holding one deflated text file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(inner, text)
    return buffer.getvalue()
