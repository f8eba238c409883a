"""The APScheduler trigger fires exactly at the cron engine's slots (D3)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.trigger import EngineCronTrigger
from shared_models import clock, cron

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
TWO_YEARS = timedelta(days=731)


def fired(trigger: EngineCronTrigger, start: datetime, until: datetime, limit: int) -> list[datetime]:
    """Drive the trigger the way APScheduler does: first from `now`, then from each fire."""
    times: list[datetime] = []
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and fire <= until and len(times) < limit:
        times.append(fire)
        fire = trigger.get_next_fire_time(fire, fire)
    return times


def test_sunday_is_zero() -> None:
    trigger = EngineCronTrigger("0 9 * * 0", TOKYO)
    times = fired(trigger, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC), 20)
    assert times, "never fired"
    assert all(t.astimezone(TOKYO).weekday() == 6 for t in times)  # Python: Sunday = 6
    assert all((t.astimezone(TOKYO).hour, t.minute) == (9, 0) for t in times)
    assert times[0] == datetime(2026, 1, 4, 9, 0, tzinfo=TOKYO)


def test_day_of_month_or_day_of_week() -> None:
    trigger = EngineCronTrigger("0 9 13 * 5", TOKYO)
    times = [t.astimezone(TOKYO) for t in fired(
        trigger, datetime(2026, 1, 1, tzinfo=TOKYO), datetime(2026, 12, 31, 23, 59, tzinfo=TOKYO), 500
    )]
    days = {t.date() for t in times}
    assert all(t.weekday() == 4 or t.day == 13 for t in times)
    assert datetime(2026, 1, 13).date() in days  # a Tuesday, the 13th
    assert datetime(2026, 1, 2).date() in days  # a Friday, not the 13th
    assert datetime(2026, 2, 13).date() in days  # Friday the 13th, once
    assert len(times) == len(days) == 52 + 12 - 3  # 2026 has 3 Fridays the 13th


def test_never_firing_expression_is_rejected() -> None:
    with pytest.raises(cron.CronError, match="Cron expression never fires."):
        EngineCronTrigger("0 0 31 2 *", TOKYO)


def _random_field(rng: random.Random, low: int, high: int, names: list[str] | None) -> str:
    kind = rng.choice(["*", "value", "range", "step", "list", "star-step", "name"])
    a, b = sorted(rng.sample(range(low, high + 1), 2))
    if kind == "*":
        return "*"
    if kind == "value":
        return str(a)
    if kind == "range":
        return f"{a}-{b}"
    if kind == "step":
        return f"{a}-{b}/{rng.randint(1, 5)}"
    if kind == "star-step":
        return f"*/{rng.randint(2, max(2, (high - low) // 2))}"
    if kind == "name" and names:
        return rng.choice(names)
    return ",".join(str(v) for v in sorted(rng.sample(range(low, high + 1), rng.randint(2, 4))))


def random_expressions(count: int, seed: int = 20260101) -> list[str]:
    rng = random.Random(seed)
    months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
    found: list[str] = []
    while len(found) < count:
        expression = " ".join([
            _random_field(rng, 0, 59, None), _random_field(rng, 0, 23, None),
            _random_field(rng, 1, 31, None), _random_field(rng, 1, 12, months),
            _random_field(rng, 0, 6, days),
        ])
        try:
            cron.parse(expression)
        except cron.CronError:
            continue
        found.append(expression)
    return found


FULL_WALK_CAP = 60
"""Fires walked from the start per expression (all of the two years for the rare ones).
Walking every fire of the 600 expressions (~4.6M; croniter costs ~0.1-0.4 ms a step)
took ~26 min, so the rest of the two years is walked where calendars bite (EDGE_WALK_CAP
fires after each DST change, the leap day and each new year) and at random points."""
EDGE_WALK_CAP = 30


def in_utc(times: list[datetime]) -> list[datetime]:
    """Compared as instants: a time of a repeated hour never equals one of another zone (PEP 495)."""
    return [time.astimezone(UTC) for time in times]


def offset_changes(tz: ZoneInfo, start: datetime, until: datetime) -> list[datetime]:
    """The instants (to the minute) at which `tz` changes its UTC offset in [start, until)."""
    changes: list[datetime] = []
    day = start
    while day < until:
        following = day + timedelta(days=1)
        if day.astimezone(tz).utcoffset() != following.astimezone(tz).utcoffset():
            low, high = day, following
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(tz).utcoffset() == low.astimezone(tz).utcoffset():
                    low = middle
                else:
                    high = middle
            changes.append(high)
        day = following
    return changes


def edge_points(tz: ZoneInfo, start: datetime) -> list[datetime]:
    """Where calendars bite within the two years: an hour before each DST change, and
    before the leap day and each new year (local time)."""
    local = [datetime(2028, 2, 28, 23, 0, tzinfo=tz), datetime(2027, 12, 31, 23, 0, tzinfo=tz),
             datetime(2028, 12, 31, 23, 0, tzinfo=tz)]
    points = [change - timedelta(hours=1) for change in offset_changes(tz, start, start + TWO_YEARS)]
    points += [point.astimezone(UTC) for point in local]
    # Off the minute: on a slot, the trigger's first fire is that slot (APScheduler asks
    # for the first fire at or after now) and the preview's the next one.
    return [point + timedelta(seconds=30) for point in points]


@pytest.mark.parametrize("tz", [TOKYO, NEW_YORK], ids=["Asia/Tokyo", "America/New_York"])
def test_fired_times_equal_preview_over_two_years(tz: ZoneInfo) -> None:
    """500 random expressions: the trigger's fire times == cron.parse(expr).runs_after
    (the preview's croniter iterator), over two simulated years on a frozen clock.

    Per expression: the fires from the start (all of the two years when there are at
    most FULL_WALK_CAP), the fires after each DST change, the leap day and each new year,
    and after three random points of the two years. The DST walks found the trigger
    stepping back in a repeated hour (scheduler/trigger.py, `_next_slot`).
    """
    rng = random.Random(7)
    start = datetime(2026, 11, 26, 3, 17, 41, tzinfo=UTC)
    edges = edge_points(tz, start)
    assert len(edges) == (7 if tz is NEW_YORK else 3)  # New York: 4 DST changes in the two years
    with clock.frozen(start):
        expressions = random_expressions(100 if tz is NEW_YORK else 500)
        for expression in expressions:
            trigger = EngineCronTrigger(expression, tz)
            schedule = cron.parse(expression)
            times = fired(trigger, start, start + TWO_YEARS, FULL_WALK_CAP + 1)
            assert in_utc(times) == in_utc(schedule.runs_after(start, tz, len(times))), expression
            randoms = [start + timedelta(seconds=rng.randint(0, int(TWO_YEARS.total_seconds()))) for _ in range(3)]
            for point in edges + [point.replace(second=rng.randint(1, 59)) for point in randoms]:
                times = fired(trigger, point, point + TWO_YEARS, EDGE_WALK_CAP if point in edges else 3)
                assert in_utc(times) == in_utc(schedule.runs_after(point, tz, len(times))), (expression, point)


def test_a_repeated_hour_fires_each_slot_once_in_order() -> None:
    """New York's fall-back (01:00-02:00 twice): both hours' slots fire, in order, and a
    slot of the second hour is not due during the first (APScheduler's `fire <= now`)."""
    start = datetime(2027, 11, 7, 5, 0, 30, tzinfo=UTC)  # 01:00:30 EDT
    with clock.frozen(start):
        times = fired(EngineCronTrigger("12,44 * * * *", NEW_YORK), start, start + timedelta(hours=3), 6)
    assert [time.astimezone(NEW_YORK).strftime("%H:%M %Z") for time in times] == [
        "01:12 EDT", "01:44 EDT", "01:12 EST", "01:44 EST", "02:12 EST", "02:44 EST",
    ]
    now = datetime(2027, 11, 7, 1, 44, 0, 500000, tzinfo=NEW_YORK)  # the first 01:44 (EDT)
    assert in_utc([time for time in times if time <= now]) == in_utc(times[:2])


def test_scaled_clock_maps_slots_to_real_waits(scaled_clock) -> None:  # noqa: ANN001
    """On a clock 60x faster, a slot a virtual minute away is due a real second away."""
    scale = scaled_clock(datetime(2030, 1, 7, 0, 0, 30, tzinfo=UTC), 60.0)
    trigger = EngineCronTrigger("* * * * *", TOKYO)
    real_now = scale.real(datetime(2030, 1, 7, 0, 0, 30, tzinfo=UTC))
    first = trigger.get_next_fire_time(None, real_now)
    assert trigger.slot_for(first) == datetime(2030, 1, 7, 0, 1, tzinfo=UTC)
    assert (first - real_now).total_seconds() == pytest.approx(0.5, abs=0.001)
    second = trigger.get_next_fire_time(first, first)
    assert (second - first).total_seconds() == pytest.approx(1.0, abs=0.001)
    assert trigger.slot_for(second) == datetime(2030, 1, 7, 0, 2, tzinfo=UTC)
