"""SOQL date literals (TODAY, LAST_N_DAYS:n, THIS_QUARTER…) as half-open date ranges [start, end).

The emulated org's time zone is GMT, weeks start on Sunday (the en_US locale) and the fiscal year is the calendar
year (the org default), so ranges are plain UTC dates and the FISCAL literals equal their calendar twins.
"""

from __future__ import annotations

from datetime import date, timedelta

# Literals that take ``:n`` and those that must not.
WITH_N = frozenset(
    {
        "LAST_N_DAYS",
        "NEXT_N_DAYS",
        "N_DAYS_AGO",
        "LAST_N_WEEKS",
        "NEXT_N_WEEKS",
        "N_WEEKS_AGO",
        "LAST_N_MONTHS",
        "NEXT_N_MONTHS",
        "N_MONTHS_AGO",
        "LAST_N_QUARTERS",
        "NEXT_N_QUARTERS",
        "N_QUARTERS_AGO",
        "LAST_N_YEARS",
        "NEXT_N_YEARS",
        "N_YEARS_AGO",
        "LAST_N_FISCAL_QUARTERS",
        "NEXT_N_FISCAL_QUARTERS",
        "N_FISCAL_QUARTERS_AGO",
        "LAST_N_FISCAL_YEARS",
        "NEXT_N_FISCAL_YEARS",
        "N_FISCAL_YEARS_AGO",
    }
)
WITHOUT_N = frozenset(
    {
        "YESTERDAY",
        "TODAY",
        "TOMORROW",
        "LAST_WEEK",
        "THIS_WEEK",
        "NEXT_WEEK",
        "LAST_MONTH",
        "THIS_MONTH",
        "NEXT_MONTH",
        "LAST_90_DAYS",
        "NEXT_90_DAYS",
        "LAST_QUARTER",
        "THIS_QUARTER",
        "NEXT_QUARTER",
        "LAST_YEAR",
        "THIS_YEAR",
        "NEXT_YEAR",
        "LAST_FISCAL_QUARTER",
        "THIS_FISCAL_QUARTER",
        "NEXT_FISCAL_QUARTER",
        "LAST_FISCAL_YEAR",
        "THIS_FISCAL_YEAR",
        "NEXT_FISCAL_YEAR",
    }
)


def _add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _week_start(day: date) -> date:
    return day - timedelta(days=(day.weekday() + 1) % 7)


def _quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def date_range(name: str, n: int | None, today: date) -> tuple[date, date]:
    """The range [start, end) a literal covers; ``name`` upper-case and known (see WITH_N/WITHOUT_N)."""
    name = name.replace("_FISCAL", "")
    one_day = timedelta(days=1)
    tomorrow = today + one_day
    week = _week_start(today)
    month = today.replace(day=1)
    quarter = _quarter_start(today)
    year = date(today.year, 1, 1)
    simple: dict[str, tuple[date, date]] = {
        "YESTERDAY": (today - one_day, today),
        "TODAY": (today, tomorrow),
        "TOMORROW": (tomorrow, tomorrow + one_day),
        "LAST_WEEK": (week - timedelta(days=7), week),
        "THIS_WEEK": (week, week + timedelta(days=7)),
        "NEXT_WEEK": (week + timedelta(days=7), week + timedelta(days=14)),
        "LAST_MONTH": (_add_months(month, -1), month),
        "THIS_MONTH": (month, _add_months(month, 1)),
        "NEXT_MONTH": (_add_months(month, 1), _add_months(month, 2)),
        "LAST_90_DAYS": (today - timedelta(days=90), tomorrow),
        "NEXT_90_DAYS": (tomorrow, tomorrow + timedelta(days=90)),
        "LAST_QUARTER": (_add_months(quarter, -3), quarter),
        "THIS_QUARTER": (quarter, _add_months(quarter, 3)),
        "NEXT_QUARTER": (_add_months(quarter, 3), _add_months(quarter, 6)),
        "LAST_YEAR": (date(today.year - 1, 1, 1), year),
        "THIS_YEAR": (year, date(today.year + 1, 1, 1)),
        "NEXT_YEAR": (date(today.year + 1, 1, 1), date(today.year + 2, 1, 1)),
    }
    if name in simple:
        return simple[name]
    count = n or 0
    # LAST_N_* run up to the end of today (or of the current period's predecessor) and include today, as in
    # Salesforce; NEXT_N_* start tomorrow (or with the next period).
    ranges: dict[str, tuple[date, date]] = {
        "LAST_N_DAYS": (today - timedelta(days=count), tomorrow),
        "NEXT_N_DAYS": (tomorrow, tomorrow + timedelta(days=count)),
        "N_DAYS_AGO": (today - timedelta(days=count), today - timedelta(days=count) + one_day),
        "LAST_N_WEEKS": (week - timedelta(days=7 * count), week),
        "NEXT_N_WEEKS": (week + timedelta(days=7), week + timedelta(days=7 * (count + 1))),
        "N_WEEKS_AGO": (week - timedelta(days=7 * count), week - timedelta(days=7 * (count - 1))),
        "LAST_N_MONTHS": (_add_months(month, -count), month),
        "NEXT_N_MONTHS": (_add_months(month, 1), _add_months(month, count + 1)),
        "N_MONTHS_AGO": (_add_months(month, -count), _add_months(month, -count + 1)),
        "LAST_N_QUARTERS": (_add_months(quarter, -3 * count), quarter),
        "NEXT_N_QUARTERS": (_add_months(quarter, 3), _add_months(quarter, 3 * (count + 1))),
        "N_QUARTERS_AGO": (_add_months(quarter, -3 * count), _add_months(quarter, -3 * count + 3)),
        "LAST_N_YEARS": (date(today.year - count, 1, 1), year),
        "NEXT_N_YEARS": (date(today.year + 1, 1, 1), date(today.year + count + 1, 1, 1)),
        "N_YEARS_AGO": (date(today.year - count, 1, 1), date(today.year - count + 1, 1, 1)),
    }
    return ranges[name]
