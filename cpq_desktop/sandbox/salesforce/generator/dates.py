"""Calendar arithmetic for generated data, pinned to a fixed anchor so that output never depends on today.

CPQ conventions reproduced here: end dates are inclusive (a 12-month term from 2023-06-01 ends on
2024-05-31), terms are counted in months, and datetimes are UTC with milliseconds.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

# "Now" of the generated org: every created/activated timestamp is on or before it; effective dates of
# some amendments and renewals fall after it, as scheduled changes do in a live org.
ANCHOR_DATE = date(2026, 1, 1)
ANCHOR_DATETIME = datetime.combine(ANCHOR_DATE, time(0, 0), tzinfo=UTC)


@lru_cache(maxsize=65536)
def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's last day (Jan 31 + 1 month = Feb 28/29)."""
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def term_end(start: date, months: int) -> date:
    """Inclusive end date of a term of ``months`` starting on ``start``."""
    return add_months(start, months) - timedelta(days=1)


@lru_cache(maxsize=65536)
def months_between(start: date, end_inclusive: date) -> float:
    """Length of ``start..end_inclusive`` in months, with a partial last month as a fraction of its days.

    This is CPQ's "Monthly + Daily" proration: whole calendar months first, then the leftover days
    divided by the days of the month they fall in.
    """
    stop = end_inclusive + timedelta(days=1)
    whole = (stop.year - start.year) * 12 + stop.month - start.month
    while whole > 0 and add_months(start, whole) > stop:
        whole -= 1
    rest_start = add_months(start, whole)
    leftover_days = (stop - rest_start).days
    if leftover_days <= 0:
        return float(whole)
    days_in_month = calendar.monthrange(rest_start.year, rest_start.month)[1]
    return round(whole + leftover_days / days_in_month, 4)


def at_time(day: date, hour: int, minute: int, second: int = 0) -> datetime:
    """A UTC datetime on ``day``, never later than the anchor."""
    moment = datetime.combine(day, time(hour, minute, second), tzinfo=UTC)
    return min(moment, ANCHOR_DATETIME - timedelta(minutes=1))


def iso_date(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def iso_datetime(moment: datetime) -> str:
    """Salesforce's wire format: ``2024-01-31T17:05:09.000+0000``."""
    # isoformat is several times faster than strftime, and the generator formats a few hundred thousand.
    return moment.astimezone(UTC).isoformat(timespec="seconds")[:19] + ".000+0000"
