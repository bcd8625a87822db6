"""prepare_image: what a model gets for an image file (as it is, or downscaled and re-encoded)."""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from letta_code.tools.images import MAX_ENCODED_BYTES, ImageError, prepare_image


def save(path: Path, img: Image.Image, fmt: str, **options: object) -> Path:
    img.save(path, format=fmt, **options)
    return path


def decoded(data: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(data)))


def test_an_image_within_the_limits_is_sent_as_it_is(tmp_path: Path) -> None:
    path = save(tmp_path / "a.jpg", Image.new("RGB", (2000, 800), (9, 9, 9)), "JPEG")
    image = prepare_image(path, path.stat().st_size)
    assert base64.b64decode(image.data) == path.read_bytes()
    assert (image.media_type, image.sent_size, image.resized) == ("image/jpeg", (2000, 800), False)


def test_a_big_noisy_photo_fits_in_5_mb(tmp_path: Path) -> None:
    noise = Image.frombytes("RGB", (6000, 4000), os.urandom(6000 * 4000 * 3))
    path = save(tmp_path / "photo.jpg", noise, "JPEG", quality=98)
    image = prepare_image(path, path.stat().st_size)
    assert len(image.data) <= MAX_ENCODED_BYTES
    assert image.original_size == (6000, 4000) and max(image.sent_size) <= 2000 and image.resized
    with decoded(image.data) as sent:
        assert sent.size == image.sent_size and sent.format == "JPEG"


def test_a_palette_image_is_scaled_in_full_colour(tmp_path: Path) -> None:
    img = Image.new("RGB", (4000, 10), (255, 0, 0))
    img.paste((0, 0, 255), (0, 0, 2000, 10))
    path = save(tmp_path / "p.png", img.convert("P", palette=Image.Palette.ADAPTIVE), "PNG")
    image = prepare_image(path, path.stat().st_size)
    with decoded(image.data) as sent:
        assert sent.size == (2000, 5) and sent.mode == "RGB"
        assert sent.getpixel((999, 2)) != sent.getpixel((0, 2))  # a blend at the seam, as LANCZOS makes
        assert sent.getpixel((1999, 2)) == (255, 0, 0)


def test_a_camera_photo_is_sent_upright(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was turned, the picture must be rotated to show upright
    path = save(tmp_path / "phone.jpg", Image.new("RGB", (4000, 3000), (5, 5, 5)), "JPEG", exif=exif)
    image = prepare_image(path, path.stat().st_size)
    assert image.original_size == (4000, 3000) and image.sent_size == (1500, 2000)


def test_not_an_image_is_an_image_error(tmp_path: Path) -> None:
    path = tmp_path / "x.gif"
    path.write_bytes(b"GIF89a" + b"\0" * 3)
    with pytest.raises(ImageError, match="not a PNG, JPEG, GIF or WebP image"):
        prepare_image(path, path.stat().st_size)


def test_importing_read_does_not_import_pillow() -> None:
    code = "import sys, letta_code.tools.registry; print('PIL' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_an_animated_image_is_sent_as_its_first_frame(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"anim.{fmt.lower()}"
    frames = [Image.new("RGB", (20, 10), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    frames[0].save(path, format=fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    image = prepare_image(path, path.stat().st_size)
    assert image.media_type == "image/png"
    sent = decoded(image.data)
    assert getattr(sent, "n_frames", 1) == 1 and sent.size == (20, 10)
    pixel = sent.convert("RGB").getpixel((0, 0))  # the first frame's red (WebP is lossy)
    assert isinstance(pixel, tuple) and pixel[0] > 200 and pixel[1] < 50 and pixel[2] < 50
