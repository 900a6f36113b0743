"""SLA arithmetic with fixed times: weekends, Norwegian public holidays, summer time."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from vftops.support.sla import Calendar, add_minutes, is_working_day, minutes_between, parse_hours

OSLO = ZoneInfo("Europe/Oslo")
B = Calendar.BUSINESS


def oslo(*args) -> datetime:
    return datetime(*args, tzinfo=OSLO).astimezone(UTC)


def test_friday_afternoon_runs_into_monday_morning():
    # Friday 20 November 2026, 15:00: one hour left of the day, then the weekend.
    assert add_minutes(oslo(2026, 11, 20, 15, 0), 120, B) == oslo(2026, 11, 23, 9, 0)
    assert minutes_between(oslo(2026, 11, 20, 15, 0), oslo(2026, 11, 23, 9, 0), B) == 120


def test_easter_is_skipped():
    # Wednesday 1 April 2026: Maundy Thursday, Good Friday, the weekend and Easter Monday
    # are all closed; the clock runs on on Tuesday 7 April.
    assert add_minutes(oslo(2026, 4, 1, 15, 0), 120, B) == oslo(2026, 4, 7, 9, 0)
    assert not is_working_day(date(2026, 4, 2))
    assert not is_working_day(date(2026, 4, 6))
    assert is_working_day(date(2026, 4, 7))


def test_constitution_day_and_ascension():
    # 14 May 2026 is Ascension Day, 17 May a Sunday; Friday 15 May is a working day.
    assert add_minutes(oslo(2026, 5, 13, 15, 30), 60, B) == oslo(2026, 5, 15, 8, 30)


def test_before_opening_starts_at_opening():
    assert add_minutes(oslo(2026, 11, 23, 6, 0), 30, B) == oslo(2026, 11, 23, 8, 30)
    # Nothing of the night counts.
    assert minutes_between(oslo(2026, 11, 23, 20, 0), oslo(2026, 11, 24, 7, 0), B) == 0


def test_summer_time_change():
    # Opening hours are Norwegian: 08:00 is 07:00 UTC in winter and 06:00 UTC in summer.
    friday = oslo(2026, 3, 27, 15, 0)  # CET
    monday = add_minutes(friday, 120, B)
    assert monday == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # 09:00 CEST
    # Round the clock, the night of the change has one hour less.
    night = oslo(2026, 3, 29, 1, 30)
    later = add_minutes(night, 60, Calendar.ALWAYS)
    assert later.astimezone(OSLO).hour == 3
    assert minutes_between(night, later, Calendar.ALWAYS) == 60


def test_a_waiting_period_moves_the_deadline_by_working_time_only():
    """Created Monday 10:00 with 3 working days to resolve; waiting Monday 12:00 to
    Wednesday 12:00 is 16 working hours, so the deadline moves from Thursday 10:00
    over Friday to Monday 10:00."""
    created = oslo(2026, 11, 23, 10, 0)
    due = add_minutes(created, 3 * 8 * 60, B)
    assert due == oslo(2026, 11, 26, 10, 0)
    paused = minutes_between(oslo(2026, 11, 23, 12, 0), oslo(2026, 11, 25, 12, 0), B)
    assert paused == 16 * 60
    assert add_minutes(due, paused, B) == oslo(2026, 11, 30, 10, 0)


def test_own_opening_hours():
    hours = parse_hours("07:30-15:30")
    assert hours == (time(7, 30), time(15, 30))
    assert add_minutes(oslo(2026, 11, 23, 15, 0), 60, B, hours) == oslo(2026, 11, 24, 8, 0)
    with pytest.raises(ValueError, match="open before they close"):
        parse_hours("16:00-08:00")
    with pytest.raises(ValueError, match="must look like"):
        parse_hours("all day")


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="naive"):
        add_minutes(datetime(2026, 11, 23, 10, 0), 10, B)  # noqa: DTZ001
