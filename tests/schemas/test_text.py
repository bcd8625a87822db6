"""scrub: lone surrogates become U+FFFD, everything else is kept as it is."""

from __future__ import annotations

from letta_code.schemas.text import REPLACEMENT, scrub


def test_lone_surrogates_are_replaced_in_nested_data_and_keys() -> None:
    bad = "caf\udce9"
    out = scrub({"text": bad, bad: [bad, 1, None, {"x": "\ud800"}]})
    assert out == {"text": "caf" + REPLACEMENT, "caf" + REPLACEMENT: ["caf" + REPLACEMENT, 1, None, {"x": REPLACEMENT}]}
    assert str(out).encode("utf-8")  # encodable now


def test_valid_text_is_returned_unchanged() -> None:
    text = "café 😀 naïve"
    assert scrub(text) is text
    assert scrub(["plain", 3.5]) == ["plain", 3.5]
