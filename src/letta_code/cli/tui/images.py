"""Images in a prompt: a pasted or dropped image path is sent as the image, `[Image #1]` in the text.

A terminal drops a file as its path, in one of several spellings: plain
(`/tmp/shot.png`), quoted (`'/tmp/my shot.png'`), with backslash-escaped spaces
(`/tmp/my\\ shot.png`) or as a URL (`file:///tmp/my%20shot.png`); a path from `~` counts
too. Each such word that names an existing PNG, JPEG, GIF or WebP file becomes
`[Image #n]` in the text, and the image (made fit for a model by `tools/images.py`: at
most 2000 px and 5 MB) goes with the message as an image part. The same file twice is
one image. A relative path (`fix assets/logo.png`) is left as text for the agent to
work with: a dropped or pasted file is always absolute. A word that names an image that
cannot be read stays as it was typed, with a line saying why. Text without image paths
is sent as it is. Every text a TUI turn sends is read this way (what the user typed, the
prompts of `#` and of slash commands), but not the notices of ended background commands
that `wrap` puts before it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias
from urllib.parse import unquote

from rich.console import Console
from rich.text import Text

from letta_code.schemas.chunks import ContentPart, ImagePart
from letta_code.tools.images import IMAGE_SUFFIXES

UserContent: TypeAlias = str | list[ContentPart]  # what a turn sends: text, or text and images

# A quoted string, a file:// URL, or a word in which a backslash escapes the next character.
_WORD = re.compile(r"""'[^'\n]+'|"[^"\n]+"|file://\S+|(?:\\.|[^\s\\])+""")
_TRAILING = ".,;:!?)]}"


@dataclass
class Attached:
    """The images found in one prompt so far, by resolved path."""

    cwd: Path  # paths under it are shown relative to it
    hidden: Callable[[str], bool]  # the user's Read deny rules cover this path
    parts: list[ImagePart] = field(default_factory=list)
    numbers: dict[Path, int] = field(default_factory=dict)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (line, style) to show


def _shown(path: Path, cwd: Path) -> str:
    return str(path.relative_to(cwd)) if path.is_relative_to(cwd) else str(path)


def _candidate(word: str) -> str:
    """The path a word spells, quotes, escapes and URL taken off."""
    if len(word) >= 2 and word[0] == word[-1] and word[0] in "'\"":
        return word[1:-1]
    if word.startswith("file://"):  # file:///path or file://localhost/path, %-escaped
        return unquote(word.removeprefix("file://").removeprefix("localhost"))
    return re.sub(r"\\(.)", r"\1", word)


def _image_path(text: str) -> Path | None:
    if not text.lower().endswith(IMAGE_SUFFIXES) or not text.startswith(("/", "~")):
        return None
    try:  # `~nosuchuser/a.png`, a name too long for the file system, a NUL: just text
        path = Path(text).expanduser()
        return path if path.is_absolute() and path.is_file() else None
    except (OSError, RuntimeError, ValueError):
        return None


def _attach(path: Path, found: Attached) -> int | None:
    """The image's number, attaching it on first sight; None (and a note) when it cannot be sent."""
    key = path.resolve()
    if key in found.numbers:
        return found.numbers[key]
    if found.hidden(str(path)) or found.hidden(str(key)):  # as Read would refuse it
        found.notes.append(
            (f"  Not attached: {_shown(path, found.cwd)}: a deny rule keeps it from the agent.", "yellow")
        )
        return None
    from letta_code.tools.images import ImageError, prepare_image  # Pillow, only now

    try:
        image = prepare_image(path, path.stat().st_size)
    except (ImageError, OSError) as exc:
        found.notes.append((f"  Cannot attach the image {_shown(path, found.cwd)}: {exc}.", "yellow"))
        return None
    found.parts.append(
        {"type": "image", "source": {"type": "base64", "media_type": image.media_type, "data": image.data}}
    )
    number = found.numbers[key] = len(found.parts)
    (w, h), (sw, sh) = image.original_size, image.sent_size
    size = f"{w}x{h}" + (f", sent as {sw}x{sh}" if image.resized else "")
    found.notes.append((f"  [Image #{number}] {_shown(path, found.cwd)} ({size})", "dim"))
    return number


def _replace(match: re.Match[str], found: Attached) -> str:
    word = match.group(0)
    tail = ""
    path = _image_path(_candidate(word))
    if path is None and word[-1] in _TRAILING:  # "look at shot.png?"
        stripped = word.rstrip(_TRAILING)
        tail = word[len(stripped) :]
        path = _image_path(_candidate(stripped)) if stripped else None
    if path is None:
        return word
    number = _attach(path, found)
    return word if number is None else f"[Image #{number}]{tail}"


def with_images(
    text: str,
    cwd: Path,
    console: Console | None = None,
    wrap: Callable[[str], str] | None = None,
    hidden: Callable[[str], bool] = lambda path: False,
) -> UserContent:
    """The prompt as it is sent: `text`, or its image paths as `[Image #n]` and the images after it.

    `wrap` turns the text into the message's text (notices put before it are not searched
    for paths); `cwd` is the working directory the TUI shows paths from. What was attached,
    or could not be, is printed on `console`, one dim line per image. An image `hidden` says
    the user's Read deny rules cover is not attached, as Read would not show it.
    """
    found = Attached(cwd, hidden)
    replaced = _WORD.sub(lambda m: _replace(m, found), text)
    if console is not None:
        for line, style in found.notes:
            console.print(Text(line, style=style))
    message = wrap(replaced) if wrap is not None else replaced
    if not found.parts:
        return message
    return [{"type": "text", "text": message}, *found.parts]
