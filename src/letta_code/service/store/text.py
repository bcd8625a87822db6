"""Refuse text the store could keep but never send on: strings that do not encode as UTF-8.

Python decodes bytes that are not UTF-8 (with `surrogateescape`, as it does for stdin
and file names) into lone surrogates, U+D800 to U+DFFF. SQLite's JSON columns keep them
as `\\udce9` escapes, so such a message is stored without complaint, and then every
later request of its conversation fails when it is encoded for the model server. So
text is checked before it is stored: by the service on the way in (a clear 400 before
anything is written), by the store's one flush hook for every ORM write
(`refuse_bad_text`, installed by `db.open_database`) and by the statements that bypass
the flush (`AgentStore.write_block`). A string that still reaches SQLite is refused by
its driver, and `db.py` turns that into a `BadRequestError` too.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from letta_code.service.errors import BadRequestError


def check_text(value: Any, where: str) -> None:
    """Raise `BadRequestError` naming `where` if a string in `value` does not encode as UTF-8.

    `value` is a string or JSON-like data (dicts, lists, tuples of them); other values pass.
    """
    if isinstance(value, str):
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise BadRequestError(_refusal(where, value, exc.start)) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, f"a key of {where}")
            check_text(item, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            check_text(item, f"{where}[{index}]")


NOT_UTF8 = "which cannot be stored or sent to a model; send UTF-8 text"


def _refusal(where: str, value: str, index: int) -> str:
    return (
        f"{where} is not valid Unicode text: character {index + 1} is the lone surrogate "
        f"U+{ord(value[index]):04X} (bytes that were not UTF-8?), {NOT_UTF8}"
    )


def refuse_bad_text(session: Session, _context: Any, _instances: Any) -> None:
    """`before_flush` hook: check every column value a flush is about to write."""
    for row in (*session.new, *session.dirty):
        state = inspect(row)
        name = type(row).__name__.lower()
        for column in state.mapper.column_attrs:
            for value in state.attrs[column.key].history.added:
                check_text(value, f"{name}.{column.key.rstrip('_')}")
