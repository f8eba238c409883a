"""The one cron engine (D3): standard five-field cron, Sunday = 0, day fields ORed."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from shared_models import cron

TOKYO = ZoneInfo("Asia/Tokyo")


def _runs(expression: str, after: datetime, count: int, tz=TOKYO) -> list[str]:
    return [run.isoformat() for run in cron.parse(expression).runs_after(after, tz, count)]


def test_day_of_week_zero_is_sunday() -> None:
    # 2026-11-26 is a Thursday; the next Sundays are the 29th and 6 December.
    runs = _runs("0 9 * * 0", datetime(2026, 11, 26, tzinfo=UTC), 2)
    assert runs == ["2026-11-29T09:00:00+09:00", "2026-12-06T09:00:00+09:00"]
    assert all(datetime.fromisoformat(run).weekday() == 6 for run in runs)


def test_seven_is_also_sunday_and_names_work() -> None:
    after = datetime(2026, 11, 26, tzinfo=UTC)
    assert _runs("0 9 * * 7", after, 3) == _runs("0 9 * * sun", after, 3) == _runs("0 9 * * 0", after, 3)


def test_restricted_day_of_month_and_week_match_either() -> None:
    # Fridays (27 Nov, 4 Dec, 11 Dec) AND the 13th (Sunday 13 Dec), in order.
    runs = _runs("0 9 13 * 5", datetime(2026, 11, 26, tzinfo=UTC), 5)
    assert runs == [
        "2026-11-27T09:00:00+09:00",
        "2026-12-04T09:00:00+09:00",
        "2026-12-11T09:00:00+09:00",
        "2026-12-13T09:00:00+09:00",
        "2026-12-18T09:00:00+09:00",
    ]


def test_runs_are_strictly_after_the_start_and_each_other() -> None:
    start = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo exactly
    runs = _runs("0 9 * * *", start, 2)
    assert runs == ["2026-11-27T09:00:00+09:00", "2026-11-28T09:00:00+09:00"]


def test_runs_are_in_the_given_zone() -> None:
    runs = _runs("30 1 * * *", datetime(2026, 11, 26, tzinfo=UTC), 1, tz=ZoneInfo("UTC"))
    assert runs == ["2026-11-26T01:30:00+00:00"]


def test_next_run_and_invalid_expression() -> None:
    after = datetime(2026, 11, 26, tzinfo=UTC)
    assert cron.next_run("0 9 * * 0", after, TOKYO) == datetime(2026, 11, 29, 9, tzinfo=TOKYO)
    assert cron.next_run("61 * * * *", after, TOKYO) is None


def test_validate_trims_and_single_spaces() -> None:
    assert cron.validate("  0   9 *  * 1-5 ") == "0 9 * * 1-5"


@pytest.mark.parametrize(
    "expression",
    ["*/15 * * * *", "0 9 * jan-mar mon-fri", "0 0 29 2 *", "0 0 31 2 mon", "0,30 8-18/2 1,15 * *", "* * * * 7"],
)
def test_valid_expressions(expression: str) -> None:
    assert cron.validate(expression) == expression


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("", "Cron expression is required."),
        ("   ", "Cron expression is required."),
        ("0 0 31 2 *", "Cron expression never fires."),
        ("0 0 30 2 *", "Cron expression never fires."),
        ("0 0 31 4,6,9,11 *", "Cron expression never fires."),
        ("61 * * * *", "Invalid value for minute: 61 (allowed 0-59)."),
        ("* 24 * * *", "Invalid value for hour: 24 (allowed 0-23)."),
        ("* * 0 * *", "Invalid value for day of month: 0 (allowed 1-31)."),
        ("* * * 13 *", "Invalid value for month: 13 (allowed 1-12)."),
        ("* * * * 8", "Invalid value for day of week: 8 (allowed 0-6)."),
        ("0 0 * * xyz", "Invalid value for day of week: xyz (allowed 0-6)."),
        ("*/0 * * * *", "Invalid value for minute: */0 (allowed 0-59)."),
        ("5-1 * * * *", "Invalid value for minute: 5-1 (allowed 0-59)."),
        ("0 0 L * *", "Invalid value for day of month: L (allowed 1-31)."),
        ("0 0 * * 1#2", "Invalid value for day of week: 1#2 (allowed 0-6)."),
        ("0 0 ? * *", "Invalid value for day of month: ? (allowed 1-31)."),
        ("0 0 * * 5L", "Invalid value for day of week: 5L (allowed 0-6)."),
    ],
)
def test_invalid_expressions_name_the_problem(expression: str, message: str) -> None:
    with pytest.raises(cron.CronError) as caught:
        cron.validate(expression)
    assert str(caught.value) == message


@pytest.mark.parametrize("expression", ["@daily", "@hourly", "0 0 1 1 * 2030", "0 0 0 1 1 * 2030", "0 0 1 1"])
def test_only_five_fields(expression: str) -> None:
    with pytest.raises(cron.CronError) as caught:
        cron.validate(expression)
    assert str(caught.value) == (
        "Cron expression must have exactly 5 fields (minute hour day month day-of-week)."
    )


def test_describe_counts_from_sunday() -> None:
    assert cron.describe("0 9 * * 0") == "At 09:00 AM, only on Sunday"
    assert "Friday" in cron.describe("0 9 13 * 5")


ZONES = [TOKYO, ZoneInfo("UTC"), ZoneInfo("America/New_York"), ZoneInfo("Europe/London"),
         ZoneInfo("Australia/Lord_Howe"), ZoneInfo("America/Sao_Paulo")]
EXPRESSIONS = ["0 9 * * 0", "*/7 * * * *", "30 2 * * *", "0 1-3 * * *", "15 * * * *", "0 0 29 2 *",
               "45 23 L * *", "5 5 5 5 *", "0,30 8-18/2 1,15 * mon-fri", "59 23 31 12 *"]


def test_next_run_text_is_the_zoned_next_run_everywhere() -> None:
    # Instants around DST changes (March, April, October, November) and ordinary days,
    # asked twice (the second answer comes from the cache) and in shuffled order.
    rng = random.Random(13)
    instants = [datetime(2026, month, day, hour, minute, second, tzinfo=UTC)
                for month, day in ((3, 8), (3, 29), (4, 5), (10, 4), (10, 25), (11, 1), (6, 15))
                for hour in range(0, 24, 5) for minute, second in ((0, 0), (59, 59), (30, 1))]
    cases = [(e, i, z) for e in EXPRESSIONS for i in instants for z in ZONES]
    rng.shuffle(cases)
    for expression, after, zone in cases + cases[: len(cases) // 2]:
        expected = cron.next_run(expression, after, zone)
        assert cron.next_run_text(expression, after, zone) == (
            None if expected is None else expected.replace(microsecond=0).isoformat())
    assert cron.next_run_text("45 23 L * *", instants[0], TOKYO) is None  # invalid: no `L`


def test_next_run_texts_answer_as_next_run_text() -> None:
    """The per-page form (one `after`, many expressions) gives the same texts."""
    for after in (datetime(2026, 3, 8, 6, 59, 59, 999_999, tzinfo=UTC), datetime(2026, 11, 1, 5, 0, tzinfo=UTC)):
        for zone in ZONES:
            texts = cron.next_run_texts(after, zone)
            for expression in EXPRESSIONS:
                assert texts(expression) == cron.next_run_text(expression, after, zone)
    assert cron.next_run_texts(datetime(2025, 12, 31, 23, tzinfo=UTC), TOKYO)("0 9 * * *") == "2026-01-01T09:00:00+09:00"
