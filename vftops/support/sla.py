"""SLA clocks: a 24/7 calendar, or business hours on Norwegian working days.

Targets are minutes on a calendar. On the business calendar only the opening hours
of Monday to Friday count, and not Norwegian public holidays (the `holidays`
package). Times are stored in UTC and the opening hours are read in Europe/Oslo,
so the clock follows the change to and from summer time.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import holidays

from vftops.core.models import OSLO


class Calendar(enum.StrEnum):
    ALWAYS = "24x7"
    BUSINESS = "business"


DEFAULT_HOURS = (time(8, 0), time(16, 0))


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.Norway(years=year, include_sundays=False))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def _open_interval(day: date, hours: tuple[time, time]) -> tuple[datetime, datetime] | None:
    """The day's opening hours as UTC datetimes, or None on a day off."""
    if not is_working_day(day):
        return None
    start = datetime.combine(day, hours[0], OSLO).astimezone(UTC)
    end = datetime.combine(day, hours[1], OSLO).astimezone(UTC)
    return start, end


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetime given where UTC is required")
    return at.astimezone(UTC)


def add_minutes(
    start: datetime, minutes: int, calendar: str, hours: tuple[time, time] = DEFAULT_HOURS
) -> datetime:
    """The moment `minutes` of the calendar's time have passed after `start`."""
    start = _aware(start)
    if calendar == Calendar.ALWAYS:
        return start + timedelta(minutes=minutes)
    remaining = timedelta(minutes=minutes)
    day = start.astimezone(OSLO).date()
    # A year of closed days is far more than any holiday run; a guard, not a limit.
    for _ in range(3700):
        interval = _open_interval(day, hours)
        if interval is not None:
            opens, closes = interval
            begin = max(opens, start)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    # Zero minutes at a closed moment is the next opening, not now.
                    return begin + remaining
                remaining -= available
        day += timedelta(days=1)
    raise ValueError("no working hours found within ten years")


def minutes_between(
    start: datetime, end: datetime, calendar: str, hours: tuple[time, time] = DEFAULT_HOURS
) -> int:
    """Whole minutes of the calendar's time from `start` to `end` (0 if end is earlier)."""
    start, end = _aware(start), _aware(end)
    if end <= start:
        return 0
    if calendar == Calendar.ALWAYS:
        return int((end - start).total_seconds() // 60)
    total = timedelta()
    day = start.astimezone(OSLO).date()
    last = end.astimezone(OSLO).date()
    while day <= last:
        interval = _open_interval(day, hours)
        if interval is not None:
            begin, finish = max(interval[0], start), min(interval[1], end)
            if begin < finish:
                total += finish - begin
        day += timedelta(days=1)
    return int(total.total_seconds() // 60)


def parse_hours(value: str) -> tuple[time, time]:
    """«08:00-16:00» → (08:00, 16:00); the configuration's opening hours."""
    try:
        first, second = (part.strip() for part in value.split("-"))
        opens, closes = time.fromisoformat(first), time.fromisoformat(second)
    except ValueError:
        raise ValueError(f"opening hours must look like 08:00-16:00, not {value!r}") from None
    if opens >= closes:
        raise ValueError(f"opening hours must open before they close: {value!r}")
    return opens, closes
