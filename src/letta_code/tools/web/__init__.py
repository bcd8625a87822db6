"""What the web tools (WebFetch, WebSearch in `tools/builtin/`) stand on: checking a URL and
fetching it over httpx with redirects, a size cap and clear errors (`fetch.py`, `net.py`),
HTML to Markdown (`markdown.py`), the parts of a long page that match the prompt
(`excerpt.py`), and the search providers (`search.py`).

httpx, BeautifulSoup and markdownify are imported inside the functions that use them.
Part of `tools`: imports nothing of ours but `config` (the provider settings, the URL
host the permission rules match) and must not import `builtin/`.
"""
