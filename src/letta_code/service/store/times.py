"""Times given by a caller: normalised to UTC, end dates read as inclusive, stored as SQLite compares them.

One copy for the REST routes (archival memory's `created_at` and date filters, message
search's `start_date`/`end_date`) and the search tools (`start_date`/`end_date` of
`conversation_search`). A time whose UTC equivalent falls outside years 1 to 9999 (say
`9999-12-31T23:59:59-05:00`) is a `BadRequestError` naming the field, never an
`OverflowError`. An end bound is inclusive ("on or before"); a bare date as an end bound
means the whole of that day.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from letta_code.service.errors import BadRequestError

_BARE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def in_utc(moment: datetime, name: str, *, naive_is_local: bool = False) -> datetime:
    """`moment` as an aware UTC datetime; a naive one is read as UTC (or local time)."""
    if moment.tzinfo is None:
        moment = _local(moment) if naive_is_local else moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError, OSError) as exc:
        raise BadRequestError(
            f"{name} {moment.isoformat()} is out of range: in UTC it is before 0001 or after 9999"
        ) from exc


def _local(moment: datetime) -> datetime:
    """A naive local time made aware (at the edges of the calendar, with today's offset)."""
    try:
        return moment.astimezone()
    except (OverflowError, ValueError, OSError):
        return moment.replace(tzinfo=datetime.now().astimezone().tzinfo)


def in_utc_or_none(moment: datetime | None, name: str) -> datetime | None:
    return None if moment is None else in_utc(moment, name)


def end_of_day(value: object) -> object:
    """A bare ISO date (`2025-01-31`) as the last moment of that day; anything else unchanged.

    The reading of an end bound shared by `parse_when(end=True)` and the REST fields that
    take one (a pydantic `BeforeValidator`: what it leaves unchanged, pydantic parses).
    """
    if isinstance(value, str) and _BARE_DATE.fullmatch(value.strip()):
        try:
            return datetime.combine(date.fromisoformat(value.strip()), time.max)
        except ValueError:
            return value  # not a real date: the caller's parser says so
    return value


def parse_when(value: object, name: str, *, end: bool = False) -> datetime | None:
    """An ISO date or date-time as an aware UTC datetime (read in local time when naive).

    A bare date means its start, or as an end bound (`end=True`) its last moment.
    Anything else is a `BadRequestError` naming the field.
    """
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise BadRequestError(f"{name} must be a string such as 2025-01-31")
    raw = value.strip()
    try:
        if _BARE_DATE.fullmatch(raw):
            moment = datetime.combine(date.fromisoformat(raw), time.max if end else time())
        else:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadRequestError(f"{name} {value!r} is not an ISO date (2025-01-31) or date-time") from exc
    return in_utc(moment, name, naive_is_local=True)


def db_time(value: datetime, name: str = "time") -> str:
    """A datetime in the form SQLAlchemy stores DateTime columns in SQLite (naive UTC, so they compare)."""
    return in_utc(value, name).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def aware(stored: datetime) -> datetime:
    """A time read back from the database (naive UTC) as an aware one."""
    return stored if stored.tzinfo is not None else stored.replace(tzinfo=UTC)
