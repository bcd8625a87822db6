"""Read: show a file as numbered lines (like `cat -n`), or an image as an image.

Small files are decoded whole; big ones are streamed, so showing 2,000 lines of a
50 MB log reads little more than those lines (plus one fast pass counting newlines).
An image (by its extension) goes to the model as an image, made to fit by
`tools/images.py`: at most 2000 px and 5 MB, the sizes said in the result's text.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any, BinaryIO

from letta_code.tools.base import ToolError, ToolResult, ToolSession
from letta_code.tools.core import Tool, resolve_path
from letta_code.tools.filestate import (
    SNIFF_BYTES,
    bom_encoding,
    decode_bytes,
    detect_encoding,
    looks_binary,
    remember_read,
)
from letta_code.tools.images import IMAGE_SUFFIXES
from letta_code.tools.truncate import MAX_LINE_CHARS, format_line

DEFAULT_LIMIT = 2000
MAX_OUTPUT_CHARS = 100_000
WHOLE_FILE_BYTES = 2 * 1024 * 1024  # decode files up to this size in one go
COUNT_LINES_MAX_BYTES = 1024**3  # beyond this, don't count the lines of the rest


def _strip_eol(line: str) -> str:
    return line[:-1] if line.endswith("\r") else line


def _count_lines(f: BinaryIO, size: int) -> int | None:
    """Lines in the file (a last line without newline counts), or None when too big to count."""
    if size > COUNT_LINES_MAX_BYTES:
        return None
    f.seek(0)
    count, last = 0, b"\n"
    while chunk := f.read(1 << 20):
        count += chunk.count(b"\n")
        last = chunk[-1:]
    return count + (0 if last == b"\n" else 1)


def _stream_lines(f: BinaryIO, encoding: str, offset: int, limit: int) -> list[str]:
    """Lines offset..offset+limit-1 (1-based) of a big file, reading no more than needed."""
    max_bytes = MAX_LINE_CHARS * 4 + 8
    out: list[str] = []
    number = 0
    while len(out) < limit:
        raw = f.readline(max_bytes)
        if not raw:
            break
        number += 1
        cut = False
        if not raw.endswith(b"\n") and len(raw) == max_bytes:
            cut = True
            while (more := f.readline(1 << 20)) and not more.endswith(b"\n"):
                pass
        if number < offset:
            continue
        if cut:  # longer than MAX_LINE_CHARS whatever the encoding: format_line cuts it
            text = raw.decode(encoding, errors="ignore")
        else:
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                text = raw.decode("latin-1")
            text = _strip_eol(text.rstrip("\n"))
        out.append(text)
    return out


def _image_result(path: Path, size: int) -> ToolResult:
    from letta_code.tools.images import ImageError, prepare_image  # Pillow, only once an image is read

    try:
        image = prepare_image(path, size)
    except ImageError as exc:
        raise ToolError(f"Cannot read the image {path}: {exc}.") from None
    (w, h), (sw, sh) = image.original_size, image.sent_size
    text = f"Read image {path} ({image.original_media_type}, {w}x{h}, {size:,} bytes)"
    if image.resized:
        text += f"; sent downscaled to {sw}x{sh} ({image.media_type}, {image.sent_bytes:,} bytes)"
    return ToolResult(text + ".", images=[{"media_type": image.media_type, "data": image.data}])


def _missing_message(path: Path, session: ToolSession) -> str:
    msg = f"File does not exist: {path} (current working directory: {session.cwd})."
    parent = path.parent
    if parent.is_dir():
        want = path.name.lower()
        stem = path.stem.lower()
        try:
            names = sorted(os.listdir(parent))
        except OSError:
            names = []
        close = [n for n in names if n.lower() == want or Path(n).stem.lower() == stem]
        if close:
            msg += " Did you mean " + " or ".join(str(parent / n) for n in close[:3]) + "?"
    return msg


class ReadTool(Tool):
    name = "Read"
    description = (
        "Read a file from the local filesystem. Returns lines numbered like `cat -n` "
        f"(up to {DEFAULT_LIMIT} from `offset`; lines over {MAX_LINE_CHARS} chars are cut). "
        "Images (png, jpg, gif, webp) are returned as images (downscaled to at most 2000 px). "
        "Read a file before you "
        "Edit or overwrite it."
    )
    parameters = {
        "type": "object",
        "properties": {
            "file_path": {
                "type": "string",
                "description": "Path of the file (absolute or relative to the working directory)",
            },
            "offset": {"type": "integer", "description": "1-based line to start at"},
            "limit": {
                "type": "integer",
                "description": f"Number of lines to read (default {DEFAULT_LIMIT})",
            },
        },
        "required": ["file_path"],
    }
    read_only = True

    def execute(self, args: dict[str, Any], session: ToolSession) -> ToolResult:
        path = resolve_path(session, args["file_path"])
        offset = max(1, args.get("offset", 1))
        limit = args.get("limit", DEFAULT_LIMIT)
        if limit < 1:
            raise ToolError(f"'limit' must be at least 1, got {limit}")
        try:
            st = os.stat(path)
        except FileNotFoundError:
            if os.path.islink(path):
                raise ToolError(f"{path} is a broken symbolic link.") from None
            raise ToolError(_missing_message(path, session)) from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise ToolError(f"Cannot read {path}: symbolic link loop.") from None
            raise
        if stat.S_ISDIR(st.st_mode):
            raise ToolError(f"{path} is a directory, not a file. Use LS to list its contents.")
        if not stat.S_ISREG(st.st_mode):
            raise ToolError(f"{path} is not a regular file (a device, socket or pipe).")
        if st.st_size == 0:
            remember_read(session, path, "utf-8")
            return ToolResult(f"The file {path} exists but is empty.")
        if path.suffix.lower() in IMAGE_SUFFIXES:  # seen even when it cannot be sent: it may be overwritten
            remember_read(session, path)
            return _image_result(path, st.st_size)
        with open(path, "rb") as f:
            head = f.read(max(SNIFF_BYTES, 64 * 1024))
            if looks_binary(head):
                raise ToolError(
                    f"{path} appears to be a binary file ({st.st_size:,} bytes); Read shows text files and images only."
                )
            whole = st.st_size <= WHOLE_FILE_BYTES or bom_encoding(head) is not None
            if whole:
                f.seek(0)
                text, encoding = decode_bytes(f.read())
                lines = text.split("\n")
                if lines[-1] == "":
                    lines.pop()
                total: int | None = len(lines)
                shown = [_strip_eol(ln) for ln in lines[offset - 1 : offset - 1 + limit]]
            else:
                encoding = detect_encoding(head, complete=False)
                f.seek(0)
                shown = _stream_lines(f, encoding, offset, limit)
                total = _count_lines(f, st.st_size)
        remember_read(session, path, encoding)
        return ToolResult(self._render(path, shown, offset, total))

    @staticmethod
    def _render(path: Path, shown: list[str], offset: int, total: int | None) -> str:
        if not shown:
            return f"The file {path} has only {total} lines; offset {offset} is past the end."
        out: list[str] = []
        size = 0
        last = offset - 1
        capped = False
        for i, text in enumerate(shown):
            line = format_line(offset + i, text)
            size += len(line) + 1
            if size > MAX_OUTPUT_CHARS and out:
                capped = True
                break
            out.append(line)
            last = offset + i
        body = "\n".join(out)
        cap = f"; output is capped at {MAX_OUTPUT_CHARS:,} characters" if capped else ""
        if total is None:
            return body + (
                f"\n\n(Showed lines {offset}-{last}{cap}; the file is too big to count its "
                f"lines. Use offset={last + 1} to read more.)"
            )
        if last < total:
            return body + (f"\n\n(Showed lines {offset}-{last} of {total}{cap}. Use offset={last + 1} to read more.)")
        return body
