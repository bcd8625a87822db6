"""An image file made fit for a model: at most 2000 px on its longest side and 5 MB encoded.

`prepare_image(path)` decodes the file with Pillow (imported here, on the first image
read, never at start-up) and returns what to send. An image already within both limits
goes out byte for byte as it is; a bigger one is downscaled (its first frame, for an
animation) and re-encoded: a PNG, a GIF or an image with transparency as PNG while that
fits, anything else (or a PNG that stays too big) as JPEG at a falling quality, and
smaller again if even that is over. The 5 MB are counted on the base64 text, which is what
providers measure. Files over `MAX_IMAGE_FILE_BYTES` or `MAX_PIXELS` are refused before
they are decoded, so a huge or hostile file is never loaded whole.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image

MAX_SIDE = 2000
MAX_ENCODED_BYTES = 5 * 1024 * 1024  # of the base64 text
MAX_IMAGE_FILE_BYTES = 50 * 1024 * 1024
MAX_PIXELS = 80_000_000  # 80 megapixels (Pillow's own bomb limit is 89)
JPEG_QUALITIES = (85, 70, 55, 40)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")  # the file names Read and the TUI send as images
MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}


class ImageError(Exception):
    """The file cannot be sent as an image; `str(exc)` says why, in one line."""


@dataclass(frozen=True)
class PreparedImage:
    media_type: str  # of what is sent
    data: str  # base64
    original_size: tuple[int, int]
    sent_size: tuple[int, int]
    original_media_type: str
    sent_bytes: int  # before base64

    @property
    def resized(self) -> bool:
        return self.sent_size != self.original_size or self.media_type != self.original_media_type


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _fits(data: bytes) -> bool:
    return 4 * ((len(data) + 2) // 3) <= MAX_ENCODED_BYTES  # the length of its base64 text


def _encode(img: Image, fmt: str, quality: int) -> bytes:
    out = io.BytesIO()
    if fmt == "PNG":
        img.save(out, format="PNG", optimize=True)
    else:
        img.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()


def _has_alpha(img: Image) -> bool:
    return img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)


def _flatten(img: Image) -> Image:
    """The image as RGB, transparent parts on white (JPEG has no alpha)."""
    from PIL import Image as PILImage

    if not _has_alpha(img):
        return img.convert("RGB")
    rgba = img.convert("RGBA")
    white = PILImage.new("RGB", rgba.size, (255, 255, 255))
    white.paste(rgba, mask=rgba.getchannel("A"))
    return white


def _scaled(img: Image, side: int) -> Image:
    from PIL import Image as PILImage

    w, h = img.size
    if max(w, h) <= side:
        return img
    scale = side / max(w, h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return img.resize(size, PILImage.Resampling.LANCZOS)


def _shrink(img: Image, keep_png: bool) -> tuple[str, bytes, tuple[int, int]]:
    """Encode within MAX_ENCODED_BYTES: PNG if wanted and small enough, else JPEG; smaller if need be."""
    side = MAX_SIDE
    while True:
        current = _scaled(img, side)
        if keep_png:
            data = _encode(current, "PNG", 0)
            if _fits(data):
                return "image/png", data, current.size
        flat = _flatten(current)
        for quality in JPEG_QUALITIES:
            data = _encode(flat, "JPEG", quality)
            if _fits(data):
                return "image/jpeg", data, current.size
        side = int(max(current.size) * 0.7)
        if side < 16:
            raise ImageError("it cannot be made small enough to send")


def prepare_image(path: Path, file_size: int) -> PreparedImage:
    """The image at `path` as the model gets it; ImageError when it is not one or is too big."""
    if file_size > MAX_IMAGE_FILE_BYTES:
        raise ImageError(
            f"it is {file_size / 1024 / 1024:.1f} MB; image files over "
            f"{MAX_IMAGE_FILE_BYTES // 1024 // 1024} MB are not read"
        )
    from PIL import Image as PILImage
    from PIL import ImageOps, UnidentifiedImageError

    PILImage.MAX_IMAGE_PIXELS = None  # our own MAX_PIXELS check below runs before any decoding
    raw = path.read_bytes()
    try:
        img = PILImage.open(io.BytesIO(raw))
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ImageError("it is not a PNG, JPEG, GIF or WebP image Pillow can read (the file may be damaged)") from exc
    with img:
        fmt = img.format or ""
        if fmt not in MEDIA_TYPES:
            raise ImageError(f"it is a {fmt or 'unknown'} image; only PNG, JPEG, GIF and WebP images are sent")
        original = img.size
        if original[0] * original[1] > MAX_PIXELS:
            raise ImageError(
                f"it is {original[0]}x{original[1]} pixels; images over {MAX_PIXELS // 1_000_000} megapixels are not read"
            )
        media = MEDIA_TYPES[fmt]
        # An animated GIF or WebP is sent as its first frame (a PNG): not every API takes animations,
        # and one it refuses would stay in the conversation and fail every later request.
        fits = max(original) <= MAX_SIDE and _fits(raw) and not getattr(img, "is_animated", False)
        try:
            if fmt == "JPEG" and not fits:
                img.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode at a reduced scale: cheap for big photos
            img.load()
        except (OSError, ValueError, SyntaxError) as exc:
            raise ImageError(f"the {fmt} data is damaged or truncated ({exc})") from exc
        if fits:
            return PreparedImage(media, _b64(raw), original, original, media, len(raw))
        keep_png = fmt in ("PNG", "GIF") or _has_alpha(img) or getattr(img, "is_animated", False)
        work = ImageOps.exif_transpose(img)  # a copy, turned upright as a camera's EXIF says
        if work.mode not in ("RGB", "RGBA", "L", "LA"):  # a palette image would be scaled by nearest pixels
            work = work.convert("RGBA" if _has_alpha(work) else "RGB")
        sent_media, data, sent = _shrink(work, keep_png)
    return PreparedImage(sent_media, _b64(data), original, sent, media, len(data))
