"""A fetched page as text for the model: HTML converted to Markdown (markdownify over
BeautifulSoup, both MIT), everything else decoded as it is.

Scripts, styles, forms and other parts a reader never sees are dropped before the
conversion; runs of blank lines are squeezed. Both libraries are imported on first use.
"""

from __future__ import annotations

import re
import threading
import warnings
from urllib.parse import urljoin

from letta_code.tools.web.fetch import HTML_TYPES, Page

_INVISIBLE = ("script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed", "head")
_BLANK_RUNS = re.compile(r"\n[ \t]*(?:\n[ \t]*){2,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
# BeautifulSoup warns about markup it thinks odd; the warning filters are process-wide, so
# conversions that silence them take turns.
_WARNINGS_LOCK = threading.Lock()


def page_text(page: Page) -> tuple[str, str | None]:
    """The page as text and its title (None when it has none): Markdown for HTML."""
    if page.content_type in HTML_TYPES:
        return html_to_markdown(page.body, page.charset, base_url=page.url)
    return decode(page.body, page.charset), None


def decode(body: bytes, charset: str | None) -> str:
    """`body` in its declared charset (UTF-8 when none or an unknown one), bad bytes replaced."""
    if charset:
        try:
            return body.decode(charset, errors="replace")
        except LookupError:  # a charset Python does not know
            pass
    return body.decode("utf-8", errors="replace")


def squeeze(text: str) -> str:
    """No trailing spaces, at most one blank line in a row, no blank start or end."""
    text = _TRAILING_SPACE.sub("\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _BLANK_RUNS.sub("\n\n", text).strip()


def html_to_markdown(
    body: bytes | str, charset: str | None = None, *, base_url: str | None = None
) -> tuple[str, str | None]:
    """HTML as Markdown (ATX headings, `-` bullets, links kept and made absolute against
    `base_url`, images dropped) and its title."""
    import bs4
    from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction
    from markdownify import MarkdownConverter

    not_text = (Comment, Declaration, Doctype, ProcessingInstruction)

    with _WARNINGS_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore", bs4.XMLParsedAsHTMLWarning)
        warnings.simplefilter("ignore", bs4.MarkupResemblesLocatorWarning)
        if isinstance(body, bytes):
            soup = bs4.BeautifulSoup(body, "html.parser", from_encoding=charset)
        else:
            soup = bs4.BeautifulSoup(body, "html.parser")
        title_tag = soup.find("title")
        title = " ".join(title_tag.get_text(" ").split()) if title_tag is not None else ""
        for node in soup.find_all(string=lambda s: isinstance(s, not_text)):
            node.extract()  # comments, <?xml ...?>, <!DOCTYPE>
        for tag in soup.find_all(_INVISIBLE):
            tag.decompose()
        for tag in soup.find_all(["button", "input", "select", "textarea"]):  # not <form>: ASP.NET wraps pages in one
            tag.decompose()
        for link in soup.find_all("a"):
            href = str(link.get("href") or "").strip()
            if not href or href.lower().startswith(("javascript:", "data:")):
                link.unwrap()  # its text stays
            elif base_url and not href.startswith("#"):
                link["href"] = urljoin(base_url, href)
        converter = MarkdownConverter(heading_style="ATX", bullets="-", strip=["img"], escape_underscores=False)
        text = converter.convert_soup(soup)
    return squeeze(text), (title or None)
