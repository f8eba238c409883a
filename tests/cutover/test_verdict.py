"""A step's judgement from two arms' figures (pure)."""

from __future__ import annotations

import math

import pytest

from cutover.figures import ArmFigures
from cutover.verdict import judge, two_proportion_test


def arm(requests: int, errors: int = 0, ms: float = 5.0) -> ArmFigures:
    figures = ArmFigures()
    for index in range(requests):
        figures.add(ms / 1000, 500 if index < errors else 200)
    return figures


def test_two_proportion_z_test_matches_the_textbook_formula() -> None:
    z, p = two_proportion_test(10, 1000, 30, 1000)
    pooled = 40 / 2000
    expected_z = (0.03 - 0.01) / math.sqrt(pooled * (1 - pooled) * 2 / 1000)
    assert z == pytest.approx(expected_z) and round(z, 2) == 3.19
    assert p == pytest.approx(0.0014, abs=5e-5)  # two-sided: 2 * (1 - Phi(3.194))
    assert two_proportion_test(30, 1000, 10, 1000)[0] == pytest.approx(-expected_z)
    assert two_proportion_test(0, 500, 0, 500) == (0.0, 1.0)


def test_healthy_arms_pass_only_after_the_hold() -> None:
    assert judge(arm(600), arm(600), min_requests=500, held=False).kind == "wait"
    verdict = judge(arm(600), arm(600), min_requests=500, held=True)
    assert verdict.kind == "pass"
    assert verdict.figures["legacy"]["requests"] == 600 and verdict.figures["p99_ratio"] == 1.0


def test_too_little_data_waits_even_when_it_looks_bad() -> None:
    verdict = judge(arm(600), arm(499, errors=499), min_requests=500, held=True)
    assert verdict.kind == "wait" and "too little data" in verdict.reason


def test_a_significantly_higher_5xx_rate_fails_before_the_hold_is_over() -> None:
    verdict = judge(arm(1000, errors=10), arm(1000, errors=30), min_requests=500, held=False)
    assert verdict.kind == "fail" and "5xx rate" in verdict.reason
    assert verdict.figures["p_value"] < 0.01


def test_a_higher_rate_within_noise_passes_and_a_lower_one_always_does() -> None:
    assert judge(arm(1000, errors=10), arm(1000, errors=14), min_requests=500, held=True).kind == "pass"
    assert judge(arm(1000, errors=30), arm(1000, errors=0), min_requests=500, held=True).kind == "pass"


def test_too_few_errors_for_the_z_test_is_inconclusive() -> None:
    verdict = judge(arm(600), arm(600, errors=3), min_requests=500, held=True)
    assert verdict.kind == "wait" and "inconclusive" in verdict.reason


def test_a_slow_fastapi_arm_fails_on_p99() -> None:
    verdict = judge(arm(600, ms=10), arm(600, ms=14), min_requests=500, held=False)
    assert verdict.kind == "fail" and "p99" in verdict.reason and verdict.figures["p99_ratio"] > 1.2
    assert judge(arm(600, ms=10), arm(600, ms=11), min_requests=500, held=True).kind == "pass"


def test_any_shadow_or_parity_mismatch_fails_whatever_the_counts() -> None:
    assert judge(arm(0), arm(0), min_requests=500, held=False, shadow_mismatches=1).kind == "fail"
    verdict = judge(arm(600), arm(600), min_requests=500, held=True, parity_mismatches=2)
    assert verdict.kind == "fail" and "2 parity" in verdict.reason
