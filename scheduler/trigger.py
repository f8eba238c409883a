"""The APScheduler trigger that fires on the one cron engine (shared_models.cron).

APScheduler's own `CronTrigger.from_crontab` numbers weekdays from Monday and ANDs the
day fields (DESIGN.md pitfalls), so user expressions never reach it. This trigger asks
`CronSchedule.next_after` for the next *slot* (a virtual instant of `clock.utcnow()`)
and hands APScheduler the *real* instant at which that slot comes due, so the same code
runs on the real clock and on a scaled test clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache

from apscheduler.triggers.base import BaseTrigger

from shared_models import clock, cron

_TICK = timedelta(microseconds=1)


def _next_slot(expression: str, after: datetime, tz: tzinfo) -> datetime:
    """The first slot strictly after `after`, through a cache keyed by the UTC instant.

    Keyed in UTC because two aware datetimes of one zone compare by wall time, `fold`
    ignored: in a repeated hour (a DST fall-back) 01:12 EST would find the answer cached
    for 01:12 EDT, an earlier slot, and the trigger would walk back in time.
    """
    return _next_slot_after_instant(expression, after.astimezone(UTC), tz)


@lru_cache(maxsize=8192)
def _next_slot_after_instant(expression: str, after: datetime, tz: tzinfo) -> datetime:
    """Shared by every trigger: when a burst of jobs with one expression comes due, APScheduler
    asks each job's trigger for the same next slot, and croniter costs ~0.1-0.2 ms a call."""
    return cron.parse(expression).next_after(after, tz)


def round_to_second(at: datetime) -> datetime:
    """Slots are whole minutes; real→virtual conversion is exact only to a few µs."""
    base = at.replace(microsecond=0)
    return base + timedelta(seconds=1) if at.microsecond >= 500_000 else base


class EngineCronTrigger(BaseTrigger):
    """Fires at the slots of a validated cron expression, in `tz`."""

    __slots__ = ("_memo", "expression", "schedule", "tz")

    def __init__(self, expression: str, tz: tzinfo) -> None:
        self.schedule = cron.parse(expression)  # raises CronError for invalid input
        self.expression = self.schedule.expression
        self.tz = tz
        self._memo: tuple[object, datetime, datetime, datetime] | None = None
        """(clock scale, previous fire time, its virtual time, next fire time): APScheduler asks for the
        same next fire time twice per run (once in `_get_run_times`, once to reschedule),
        and a cron computation is ~0.2 ms, a tenth of a 1,000-job burst's hand-over."""

    def first_slot_at_or_after(self, at: datetime) -> datetime:
        """The first slot >= `at` (virtual time)."""
        return _next_slot(self.expression, at - _TICK, self.tz)

    def next_slot(self, after: datetime) -> datetime:
        """The first slot strictly after `after` (virtual time)."""
        return _next_slot(self.expression, after, self.tz)

    def slot_for(self, fire_time: datetime) -> datetime:
        """The slot (virtual) that a fire time produced by this trigger stands for."""
        return round_to_second(clock.to_virtual(fire_time)).astimezone(self.tz)

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        """The next fire time, in UTC: APScheduler compares it with `now` in its own zone,
        and two times of one zone compare by wall time, so in a repeated hour a later
        slot would look due an hour early."""
        if previous_fire_time is None:
            slot = self.first_slot_at_or_after(clock.to_virtual(now))
            return clock.to_real(slot).astimezone(UTC)
        # UTC instants, not wall times: see `_next_slot` (a repeated hour's times compare equal).
        key = (clock.current_scale(), previous_fire_time.astimezone(UTC),
               clock.to_virtual(previous_fire_time).astimezone(UTC))
        memo = self._memo
        if memo is not None and memo[0] is key[0] and memo[1:3] == key[1:]:
            return memo[3]
        slot = self.next_slot(self.slot_for(previous_fire_time))
        fire_time = clock.to_real(slot).astimezone(UTC)
        self._memo = (*key, fire_time)
        return fire_time

    def __getstate__(self) -> dict[str, object]:
        return {"version": 1, "expression": self.expression, "tz": self.tz}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(state["expression"], state["tz"])  # type: ignore[misc, arg-type]

    def __str__(self) -> str:
        return f"cron[{self.expression}]"

    def __repr__(self) -> str:
        return f"<EngineCronTrigger ({self.expression!r}, tz={self.tz!s})>"
