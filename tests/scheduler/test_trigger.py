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


@pytest.mark.parametrize("tz", [TOKYO, NEW_YORK], ids=["Asia/Tokyo", "America/New_York"])
def test_fired_times_equal_preview_over_two_years(tz: ZoneInfo) -> None:
    """500 random expressions: the trigger's fire times == cron.parse(expr).runs_after.

    Over two simulated years on a frozen clock: the first fires after the start, plus
    fires after random points across the two years (croniter costs ~0.4 ms a step, so
    walking every minute of two years for 500 expressions would take hours).
    """
    rng = random.Random(7)
    start = datetime(2026, 11, 26, 3, 17, 41, tzinfo=UTC)
    with clock.frozen(start):
        for expression in random_expressions(100 if tz is NEW_YORK else 500):
            trigger = EngineCronTrigger(expression, tz)
            schedule = cron.parse(expression)
            times = fired(trigger, start, start + TWO_YEARS, 10)
            assert times == schedule.runs_after(start, tz, len(times)), expression
            for _ in range(3):
                point = start + timedelta(seconds=rng.randint(0, int(TWO_YEARS.total_seconds())))
                point = point.replace(second=rng.randint(1, 59))
                assert fired(trigger, point, point + TWO_YEARS, 3) == schedule.runs_after(point, tz, 3), (
                    expression, point,
                )


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
