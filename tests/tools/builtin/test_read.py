"""Read: numbering, windows, notices, encodings, odd files, big files."""

from __future__ import annotations

import base64
import io
import os
import time
import zlib
from pathlib import Path

from PIL import Image

from letta_code.tools.base import ToolResult, ToolSession
from letta_code.tools.filestate import ENCODINGS_KEY
from tests.tools.conftest import call


def image_bytes(size: tuple[int, int], fmt: str = "PNG", mode: str = "RGB", noise: bool = False) -> bytes:
    """An image made with Pillow; `noise` makes it incompressible (a photo's worst case)."""
    if noise:
        img = Image.frombytes(mode, size, os.urandom(size[0] * size[1] * len(mode)))
    else:
        img = Image.new(mode, size, (40, 120, 200, 128)[: len(mode)])
    out = io.BytesIO()
    img.save(out, format=fmt)
    return out.getvalue()


def sent_image(r: ToolResult) -> Image.Image:
    assert r.status == "success", r.output
    [image] = r.images
    return Image.open(io.BytesIO(base64.b64decode(image["data"])))


PNG = image_bytes((3, 2))


def test_numbers_lines_like_cat_n(session: ToolSession) -> None:
    (session.cwd / "a.txt").write_text("alpha\n\tbeta\n")
    r = call("Read", {"file_path": "a.txt"}, session)
    assert r.status == "success"
    assert r.output == "     1\talpha\n     2\t\tbeta"


def test_last_line_without_newline_and_wide_numbers(session: ToolSession) -> None:
    (session.cwd / "n.txt").write_text("".join(f"l{i}\n" for i in range(1, 1000)) + "end")
    r = call("Read", {"file_path": "n.txt", "offset": 999, "limit": 5}, session)
    assert r.output == "   999\tl999\n  1000\tend"


def test_offset_and_limit_with_note(session: ToolSession) -> None:
    (session.cwd / "ten.txt").write_text("".join(f"line {i}\n" for i in range(1, 11)))
    r = call("Read", {"file_path": "ten.txt", "offset": 3, "limit": 2}, session)
    assert r.output == ("     3\tline 3\n     4\tline 4\n\n(Showed lines 3-4 of 10. Use offset=5 to read more.)")


def test_default_limit_is_2000_lines(session: ToolSession) -> None:
    (session.cwd / "long.txt").write_text("".join(f"{i}\n" for i in range(1, 2501)))
    out = call("Read", {"file_path": "long.txt"}, session).output
    lines = out.split("\n")
    assert lines[1999] == "  2000\t2000"
    assert lines[-1] == "(Showed lines 1-2000 of 2500. Use offset=2001 to read more.)"


def test_output_is_capped_at_100k_chars_with_a_note(session: ToolSession) -> None:
    (session.cwd / "fat.txt").write_text("".join(f"{i:04d}" + "z" * 96 + "\n" for i in range(1, 1501)))
    lines = call("Read", {"file_path": "fat.txt"}, session).output.split("\n")
    # Each numbered line is 108 characters with its newline: 925 fit in 100,000.
    assert lines[924].startswith("   925\t0925z")
    assert lines[-1] == (
        "(Showed lines 1-925 of 1500; output is capped at 100,000 characters. Use offset=926 to read more.)"
    )


def test_long_lines_are_cut_with_a_note(session: ToolSession) -> None:
    (session.cwd / "wide.txt").write_text("x" * 2500 + "\nshort\n")
    out = call("Read", {"file_path": "wide.txt"}, session).output
    assert out == "     1\t" + "x" * 2000 + " [... line truncated]\n     2\tshort"


def test_offset_past_end(session: ToolSession) -> None:
    (session.cwd / "s.txt").write_text("one\ntwo\n")
    r = call("Read", {"file_path": "s.txt", "offset": 5}, session)
    assert r.output == f"The file {session.cwd / 's.txt'} has only 2 lines; offset 5 is past the end."


def test_missing_file_names_cwd_and_suggests(session: ToolSession) -> None:
    (session.cwd / "config.yaml").write_text("k: v\n")
    r = call("Read", {"file_path": "config.yml"}, session)
    assert r.status == "error"
    assert r.output == (
        f"Error: File does not exist: {session.cwd / 'config.yml'} (current working directory: "
        f"{session.cwd}). Did you mean {session.cwd / 'config.yaml'}?"
    )


def test_directory(session: ToolSession) -> None:
    (session.cwd / "d").mkdir()
    r = call("Read", {"file_path": "d"}, session)
    assert (r.status, r.output) == (
        "error",
        f"Error: {session.cwd / 'd'} is a directory, not a file. Use LS to list its contents.",
    )


def test_empty_file_is_reported_and_counts_as_read(session: ToolSession) -> None:
    p = session.cwd / "empty.txt"
    p.write_text("")
    r = call("Read", {"file_path": str(p)}, session)
    assert (r.status, r.output) == ("success", f"The file {p} exists but is empty.")
    assert str(p) in session.read_files


def test_binary_file(session: ToolSession) -> None:
    (session.cwd / "blob.bin").write_bytes(b"\x7fELF\x00\x01\x02" * 10)
    r = call("Read", {"file_path": "blob.bin"}, session)
    assert r.status == "error"
    assert r.output == (
        f"Error: {session.cwd / 'blob.bin'} appears to be a binary file (70 bytes); "
        "Read shows text files and images only."
    )


def test_symlink_loop(session: ToolSession) -> None:
    os.symlink("b", session.cwd / "a")
    os.symlink("a", session.cwd / "b")
    r = call("Read", {"file_path": "a"}, session)
    assert (r.status, r.output) == (
        "error",
        f"Error: Cannot read {session.cwd / 'a'}: symbolic link loop.",
    )


def test_broken_symlink(session: ToolSession) -> None:
    os.symlink("nowhere", session.cwd / "dangling")
    r = call("Read", {"file_path": "dangling"}, session)
    assert r.output == f"Error: {session.cwd / 'dangling'} is a broken symbolic link."


def test_fifo_is_refused_without_blocking(session: ToolSession) -> None:
    os.mkfifo(session.cwd / "pipe")
    r = call("Read", {"file_path": "pipe"}, session)
    assert r.output == f"Error: {session.cwd / 'pipe'} is not a regular file (a device, socket or pipe)."


def test_records_read_with_real_path_and_mtime(session: ToolSession) -> None:
    target = session.cwd / "real.txt"
    target.write_text("x\n")
    os.symlink("real.txt", session.cwd / "alias.txt")
    call("Read", {"file_path": "alias.txt"}, session)
    assert session.read_files == {str(target): target.stat().st_mtime}


def test_crlf_lines_shown_without_carriage_returns(session: ToolSession) -> None:
    (session.cwd / "w.txt").write_bytes(b"one\r\ntwo\r\n")
    assert call("Read", {"file_path": "w.txt"}, session).output == "     1\tone\n     2\ttwo"


def test_non_utf8_decoded_and_encoding_remembered(session: ToolSession) -> None:
    p = session.cwd / "legacy.txt"
    p.write_bytes("café “quoted”\n".encode("cp1252"))
    assert call("Read", {"file_path": "legacy.txt"}, session).output == "     1\tcafé “quoted”"
    assert session.state[ENCODINGS_KEY] == {str(p): "cp1252"}


def test_bytes_undefined_in_cp1252_fall_back_to_latin1(session: ToolSession) -> None:
    p = session.cwd / "odd.txt"
    p.write_bytes(b"a\x81b\xe9\n")
    assert call("Read", {"file_path": "odd.txt"}, session).output == "     1\ta\x81bé"
    assert session.state[ENCODINGS_KEY][str(p)] == "latin-1"


def test_utf16_with_bom(session: ToolSession) -> None:
    (session.cwd / "u16.txt").write_bytes("hi\nthere\n".encode("utf-16"))
    assert call("Read", {"file_path": "u16.txt"}, session).output == "     1\thi\n     2\tthere"


def test_image_returned_as_image(session: ToolSession) -> None:
    (session.cwd / "dot.png").write_bytes(PNG)
    r = call("Read", {"file_path": "dot.png"}, session)
    assert r.status == "success"
    assert r.output == f"Read image {session.cwd / 'dot.png'} (image/png, 3x2, {len(PNG)} bytes)."
    assert r.images == [{"media_type": "image/png", "data": base64.b64encode(PNG).decode()}]  # as it is


def test_image_type_follows_content_not_extension(session: ToolSession) -> None:
    (session.cwd / "really_png.jpg").write_bytes(PNG)
    r = call("Read", {"file_path": "really_png.jpg"}, session)
    assert r.images[0]["media_type"] == "image/png"


def test_a_big_png_is_downscaled_to_2000_px_and_stays_png(session: ToolSession) -> None:
    (session.cwd / "big.png").write_bytes(image_bytes((4000, 3000)))
    r = call("Read", {"file_path": "big.png"}, session)
    with sent_image(r) as sent:
        assert (sent.format, sent.size) == ("PNG", (2000, 1500))
    assert r.images[0]["media_type"] == "image/png"
    assert "(image/png, 4000x3000, " in r.output and "; sent downscaled to 2000x1500 (image/png, " in r.output


def test_a_tall_jpeg_is_downscaled_on_its_longest_side(session: ToolSession) -> None:
    (session.cwd / "tall.jpg").write_bytes(image_bytes((900, 4500), "JPEG"))
    r = call("Read", {"file_path": "tall.jpg"}, session)
    with sent_image(r) as sent:
        assert sent.format == "JPEG" and max(sent.size) == 2000 and sent.size[0] in (399, 400, 401)
    assert r.images[0]["media_type"] == "image/jpeg"


def test_a_png_too_big_for_5_mb_goes_out_as_jpeg(session: ToolSession) -> None:
    # 2000x1500 of noise is about 9 MB as PNG: within the side limit, over the size limit.
    (session.cwd / "noise.png").write_bytes(image_bytes((2000, 1500), noise=True))
    r = call("Read", {"file_path": "noise.png"}, session)
    assert len(r.images[0]["data"]) <= 5 * 1024 * 1024
    with sent_image(r) as sent:
        assert sent.format == "JPEG" and max(sent.size) <= 2000
    assert "; sent downscaled to " in r.output and "(image/jpeg, " in r.output


def test_transparency_and_other_formats_are_kept_readable(session: ToolSession) -> None:
    (session.cwd / "alpha.webp").write_bytes(image_bytes((3000, 100), "WEBP", mode="RGBA"))
    (session.cwd / "anim.gif").write_bytes(image_bytes((2500, 50), "GIF"))
    with sent_image(call("Read", {"file_path": "alpha.webp"}, session)) as sent:
        assert (sent.format, sent.mode, sent.size) == ("PNG", "RGBA", (2000, 67))
    with sent_image(call("Read", {"file_path": "anim.gif"}, session)) as sent:
        assert (sent.format, sent.size) == ("PNG", (2000, 40))
    small = image_bytes((10, 10), "WEBP")
    (session.cwd / "small.webp").write_bytes(small)
    assert call("Read", {"file_path": "small.webp"}, session).images[0]["media_type"] == "image/webp"


def test_a_corrupt_image_is_a_clear_error(session: ToolSession) -> None:
    (session.cwd / "junk.png").write_bytes(b"this is not an image at all")
    r = call("Read", {"file_path": "junk.png"}, session)
    assert (r.status, r.images) == ("error", [])
    assert r.output == (
        f"Error: Cannot read the image {session.cwd / 'junk.png'}: it is not a PNG, JPEG, GIF or WebP image "
        "Pillow can read (the file may be damaged)."
    )
    (session.cwd / "cut.png").write_bytes(image_bytes((300, 300), noise=True)[:5000])
    r = call("Read", {"file_path": "cut.png"}, session)
    assert r.status == "error" and "the PNG data is damaged or truncated" in r.output


def test_an_image_of_another_format_is_refused(session: ToolSession) -> None:
    (session.cwd / "pic.png").write_bytes(image_bytes((4, 4), "BMP"))
    r = call("Read", {"file_path": "pic.png"}, session)
    assert r.output.endswith("it is a BMP image; only PNG, JPEG, GIF and WebP images are sent.")


def test_huge_image_files_are_refused_before_decoding(session: ToolSession) -> None:
    big = session.cwd / "huge.png"
    with open(big, "wb") as f:
        f.write(PNG)
        f.truncate(51 * 1024 * 1024)
    r = call("Read", {"file_path": "huge.png"}, session)
    assert r.status == "error" and r.output.endswith("it is 51.0 MB; image files over 50 MB are not read.")
    # A small file that claims 100,000 x 100,000 pixels (a decompression bomb) is not decoded.
    header = bytearray(image_bytes((1, 1)))
    header[16:24] = (100_000).to_bytes(4, "big") * 2  # IHDR's width and height
    header[29:33] = zlib.crc32(header[12:29]).to_bytes(4, "big")
    (session.cwd / "bomb.png").write_bytes(bytes(header))
    r = call("Read", {"file_path": "bomb.png"}, session)
    assert r.status == "error" and "it is 100000x100000 pixels; images over 80 megapixels are not read" in r.output


def test_wrong_argument_types(session: ToolSession) -> None:
    assert call("Read", {"file_path": 3}, session).output == "Error: 'file_path' must be a string, got int"
    r = call("Read", {"file_path": "x", "offset": "abc"}, session)
    assert (r.status, r.output) == ("error", "Error: 'offset' must be an integer, got 'abc'")
    r = call("Read", {"file_path": "x", "limit": 0}, session)
    assert r.output == "Error: 'limit' must be at least 1, got 0"


def _big_file(path: Path, mb: int) -> int:
    line = b"%08d the quick brown fox jumps over\n"
    n = mb * 1024 * 1024 // len(line % 0)
    with open(path, "wb") as f:
        f.write(b"".join(line % i for i in range(n)))
    return n


def test_50mb_file_is_read_quickly(session: ToolSession) -> None:
    p = session.cwd / "big.log"
    n = _big_file(p, 50)
    start = time.perf_counter()
    out = call("Read", {"file_path": "big.log"}, session).output
    first = time.perf_counter() - start
    lines = out.split("\n")
    assert lines[0] == "     1\t00000000 the quick brown fox jumps over"
    assert lines[1999] == "  2000\t00001999 the quick brown fox jumps over"
    assert lines[-1] == f"(Showed lines 1-2000 of {n}. Use offset=2001 to read more.)"
    start = time.perf_counter()
    out = call("Read", {"file_path": "big.log", "offset": n - 1, "limit": 5}, session).output
    deep = time.perf_counter() - start
    assert out.split("\n") == [
        f"{n - 1:>6}\t{n - 2:08d} the quick brown fox jumps over",
        f"{n:>6}\t{n - 1:08d} the quick brown fox jumps over",
    ]
    # Generous bounds (loaded CI, two workers); reading the whole file as text takes longer.
    assert first < 1.5, first
    assert deep < 4.0, deep


def test_big_single_line_file_is_cut_not_loaded(session: ToolSession) -> None:
    (session.cwd / "min.js").write_bytes(b"y" * (5 * 1024 * 1024) + b"\nlast\n")
    out = call("Read", {"file_path": "min.js"}, session).output
    assert out == "     1\t" + "y" * 2000 + " [... line truncated]\n     2\tlast"


def test_big_file_with_late_non_utf8_line(session: ToolSession) -> None:
    body = b"ok\n" * 1_000_000 + b"caf\xe9\n"
    (session.cwd / "late.txt").write_bytes(body)
    out = call("Read", {"file_path": "late.txt", "offset": 1_000_001}, session).output
    assert out == "1000001\tcafé"
