"""What the file tools share: text decoding, binary sniffing, and read-before-write.

Read records each file it shows (`session.read_files`: real path -> mtime) and the
encoding it decoded the file with (`session.state["file_encodings"]`). Write and
Edit refuse to touch an existing file the agent has not Read, or one that changed
on disk since, and write text back in the encoding the file had.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path

from letta_code.tools.base import ToolError, ToolSession
from letta_code.tools.core import real_key

ENCODINGS_KEY = "file_encodings"
SNIFF_BYTES = 8192

_BOMS: list[tuple[bytes, str]] = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


def bom_encoding(head: bytes) -> str | None:
    """The encoding announced by a byte-order mark at the start of `head`, if any."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    return None


def looks_binary(head: bytes) -> bool:
    """True for data that is not text: a NUL byte in the first block (BOM files excepted)."""
    if bom_encoding(head) in ("utf-16", "utf-32"):
        return False
    return b"\0" in head[:SNIFF_BYTES]


def detect_encoding(sample: bytes, complete: bool = True) -> str:
    """The encoding to decode `sample` with: a BOM's, else UTF-8 if valid, else cp1252/latin-1.

    With `complete=False` the sample is a prefix of the file, so a multi-byte
    character cut at its end does not count against UTF-8.
    """
    bom = bom_encoding(sample)
    if bom:
        return bom
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def decode_bytes(data: bytes, preferred: str | None = None) -> tuple[str, str]:
    """Decode a whole file: (text, encoding). `preferred` (a remembered encoding) goes first."""
    if preferred:
        try:
            return data.decode(preferred), preferred
        except (UnicodeDecodeError, LookupError):
            pass
    enc = detect_encoding(data)
    return data.decode(enc), enc


def encode_text(text: str, encoding: str, path: Path) -> bytes:
    """Encode for writing back, with a clear error when the new text does not fit the encoding."""
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.end]
        raise ToolError(
            f"{path} is encoded as {encoding} and the new text contains {bad!r}, "
            f"which {encoding} cannot represent. Use characters that exist in {encoding}."
        ) from None


def remember_read(session: ToolSession, path: Path, encoding: str | None = None) -> None:
    """Record that the agent has seen `path` as it is now."""
    key = real_key(path)
    session.read_files[key] = os.stat(key).st_mtime
    if encoding:
        encodings: dict[str, str] = session.state.setdefault(ENCODINGS_KEY, {})
        encodings[key] = encoding


def remembered_encoding(session: ToolSession, path: Path) -> str | None:
    encodings: dict[str, str] = session.state.get(ENCODINGS_KEY, {})
    return encodings.get(real_key(path))


def check_can_modify(session: ToolSession, path: Path, verb: str) -> None:
    """Raise unless the existing file `path` was Read in this session and is unchanged since."""
    key = real_key(path)
    seen = session.read_files.get(key)
    if seen is None:
        raise ToolError(f"{path} has not been read in this session. Read it first before {verb} it.")
    try:
        now = os.stat(key).st_mtime
    except FileNotFoundError:
        raise ToolError(
            f"{path} no longer exists: it was deleted after you read it. "
            "Use Write to create it again if that is what you want."
        ) from None
    if now != seen:
        raise ToolError(
            f"{path} has been modified on disk since you read it (by the user or another "
            f"program). Read it again before {verb} it."
        )


def line_ending(text: str) -> str:
    """'\\r\\n' when every line break in `text` is CRLF, else '\\n'."""
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf == text.count("\n") else "\n"
