"""HTML to Markdown: what is kept, what is dropped, charsets, and no warning escaping."""

from __future__ import annotations

from letta_code.tools.web.markdown import decode, html_to_markdown, squeeze


def test_invisible_parts_are_dropped_and_structure_kept() -> None:
    html = (
        "<html><head><title> A  page </title><script>evil()</script></head><body>"
        "<h2>Usage</h2><p>Run <code>frob --fast</code>.</p><noscript>enable js</noscript>"
        "<form><p>Form text stays</p><input value='x'><button>Go</button></form>"
        "<table><tr><th>flag</th><th>meaning</th></tr><tr><td>-f</td><td>fast</td></tr></table>"
        "<pre>line 1\nline 2</pre><img src='x.png' alt='logo'></body></html>"
    )
    text, title = html_to_markdown(html)
    assert title == "A page"
    assert text.startswith("## Usage\n\nRun `frob --fast`.")
    assert "Form text stays" in text and "Go" not in text
    assert "| flag | meaning |" in text and "| -f | fast |" in text
    assert "```\nline 1\nline 2\n```" in text
    for gone in ("evil()", "enable js", "x.png"):
        assert gone not in text


def test_the_charset_comes_from_the_header_or_the_page() -> None:
    latin = "<p>caf\xe9</p>".encode("latin-1")
    assert html_to_markdown(latin, "iso-8859-1")[0] == "café"
    meta = b'<html><head><meta charset="windows-1252"></head><body><p>na\xefve</p></body></html>'
    assert html_to_markdown(meta)[0] == "naïve"
    assert decode("größe".encode(), None) == "größe"
    assert decode(b"\xff ok", "no-such-charset") == "\ufffd ok"


def test_xhtml_that_looks_like_xml_raises_no_warning() -> None:
    # pytest turns warnings into errors: BeautifulSoup's XML-parsed-as-HTML warning must not escape.
    xhtml = b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body><p>ok</p></body></html>'
    assert html_to_markdown(xhtml)[0] == "ok"


def test_squeeze_keeps_one_blank_line() -> None:
    assert squeeze("a  \n\n\n\n  \nb\r\nc\n\n") == "a\n\nb\nc"
