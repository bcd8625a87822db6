"""Cutting a long page to the parts that match the prompt, with a note on the rest."""

from __future__ import annotations

from letta_code.tools.web.excerpt import GAP, fit, keywords, split_parts


def test_keywords_drop_short_and_common_words() -> None:
    assert keywords("How do I configure the Flux capacitor's flux?") == ["configure", "flux", "capacitor"]


def test_sections_split_at_headings_and_long_ones_at_blank_lines() -> None:
    text = "intro\n\n# One\n" + "\n\n".join(["p" * 300] * 5) + "\n## Two\nshort"
    parts = split_parts(text, part_chars=700)
    assert [p.heading for p in parts] == [None, "One", "One", "One", "Two"]
    assert all(len(p.text) <= 700 for p in parts)


def test_a_short_text_is_whole() -> None:
    assert fit("small page", "anything", limit=100) == ("small page", None)


def test_matching_parts_are_kept_in_page_order_with_gaps() -> None:
    filler = "nothing to see here. " * 40
    sections = [f"## S{i}\n{filler}" for i in range(30)]
    sections[10] = "## Alpha\nthe alpha part"
    sections[20] = "## Beta\nalpha and beta"
    text, note = fit("# Top\nintro\n\n" + "\n\n".join(sections), "alpha beta", limit=3000)
    assert text.startswith("# Top\nintro")
    assert text.index("the alpha part") < text.index("alpha and beta")
    assert GAP in text
    assert note is not None and "words: alpha, beta" in note and "Left out: 28 parts" in note
