"""Times a caller gives: UTC, a 400 naming the field instead of an overflow, inclusive end dates."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from letta_code.service.errors import BadRequestError
from letta_code.service.store.times import db_time, end_of_day, in_utc, parse_when


def test_a_time_is_normalised_to_utc_and_a_naive_one_is_utc() -> None:
    assert in_utc(datetime.fromisoformat("2024-05-01T14:00:00+02:00"), "t") == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert in_utc(datetime(2024, 5, 1, 12), "t") == datetime(2024, 5, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
def test_a_time_outside_the_calendar_in_utc_is_a_bad_request_naming_the_field(value: str) -> None:
    with pytest.raises(BadRequestError, match=f"^created_at {re.escape(value)} is out of range"):
        in_utc(datetime.fromisoformat(value), "created_at")
    with pytest.raises(BadRequestError, match="^end_date "):
        parse_when(value, "end_date", end=True)


def test_a_bare_date_as_an_end_is_the_whole_day() -> None:
    assert parse_when("2025-01-31", "end_date", end=True) == datetime(2025, 1, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert parse_when("9999-12-31", "end_date", end=True) is not None  # no day after it is needed
    assert end_of_day("2025-01-31") == datetime(2025, 1, 31, 23, 59, 59, 999999)
    assert end_of_day("2025-01-31T10:00") == "2025-01-31T10:00"  # left to pydantic
    with pytest.raises(BadRequestError, match="is not an ISO date"):
        parse_when("2025-02-30", "start_date")


def test_stored_form_sorts_as_text_in_every_year() -> None:
    early, late = db_time(datetime(5, 1, 1)), db_time(datetime(2024, 1, 1))
    assert early == "0005-01-01 00:00:00.000000" and early < late
