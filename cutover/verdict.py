"""One rollout step's judgement: the FastAPI arm against the legacy arm of one window.

    verdict = judge(legacy, fastapi, min_requests=500, held=True, shadow_mismatches=0,
                    parity_mismatches=0)
    verdict.kind      # "pass" (next step), "fail" (back to legacy) or "wait"
    verdict.reason    # one readable line
    verdict.figures   # the numbers behind it (audited with the decision)

Pure: no database, no clock. The rules, in order:
- a shadow or parity mismatch in the window fails the step, whatever the counts;
- either arm below `min_requests` waits (never promote, nor condemn, on too little data);
- 5xx: a two-proportion z-test (pooled, two-sided, α = 0.01). FastAPI fails when its
  rate is the higher one and the difference is significant. When its rate is higher
  but the test's normal approximation is not yet valid (fewer than 5 expected 5xx in
  an arm) the result is inconclusive and the step waits;
- latency: FastAPI's p99 (from the merged histogram) must be at most 1.2x legacy's;
- a failure is acted on as soon as it shows; a pass only once the step's hold is over.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from cutover.figures import ArmFigures

ALPHA = 0.01
P99_RATIO_LIMIT = 1.2
MIN_EXPECTED_ERRORS = 5.0
"""The usual validity rule of the z-test's normal approximation (n·p ≥ 5 per arm)."""


@dataclass(frozen=True)
class Verdict:
    kind: str  # "pass" | "fail" | "wait"
    reason: str
    figures: dict[str, Any]


def two_proportion_test(errors_a: int, n_a: int, errors_b: int, n_b: int) -> tuple[float, float]:
    """(z, two-sided p) for "b's rate differs from a's"; z > 0 when b's rate is higher.

    Pooled standard error; the normal CDF comes from `math.erfc`. Equal all-zero or
    all-error arms give (0.0, 1.0): nothing to tell apart.
    """
    pooled = (errors_a + errors_b) / (n_a + n_b)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if spread == 0:
        return 0.0, 1.0
    z = (errors_b / n_b - errors_a / n_a) / spread
    return z, math.erfc(abs(z) / math.sqrt(2))


def judge(legacy: ArmFigures, fastapi: ArmFigures, *, min_requests: int, held: bool,
          shadow_mismatches: int = 0, parity_mismatches: int = 0) -> Verdict:
    """The step's verdict; `held` tells whether the step's hold time is over."""
    figures: dict[str, Any] = {
        "legacy": legacy.summary(), "fastapi": fastapi.summary(), "min_requests": min_requests,
        "shadow_mismatches": shadow_mismatches, "parity_mismatches": parity_mismatches,
        "z": None, "p_value": None, "p99_ratio": None,
    }
    if shadow_mismatches or parity_mismatches:
        return Verdict("fail", f"{shadow_mismatches} shadow and {parity_mismatches} parity mismatch(es) "
                               "in the window", figures)
    if legacy.requests < min_requests or fastapi.requests < min_requests:
        return Verdict("wait", f"too little data: legacy {legacy.requests}, fastapi {fastapi.requests} "
                               f"requests (need {min_requests} each)", figures)
    failures: list[str] = []
    waits: list[str] = []
    z, p_value = two_proportion_test(legacy.errors_5xx, legacy.requests, fastapi.errors_5xx, fastapi.requests)
    figures["z"], figures["p_value"] = round(z, 4), round(p_value, 6)
    rates = f"5xx rate fastapi {fastapi.error_rate:.4f} vs legacy {legacy.error_rate:.4f}"
    if fastapi.error_rate > legacy.error_rate:  # type: ignore[operator]
        pooled = (legacy.errors_5xx + fastapi.errors_5xx) / (legacy.requests + fastapi.requests)
        if min(legacy.requests, fastapi.requests) * pooled < MIN_EXPECTED_ERRORS:
            waits.append(f"{rates}: too few 5xx for the z-test yet (inconclusive)")
        elif p_value < ALPHA:
            failures.append(f"{rates} (z {z:.2f}, p {p_value:.2g} < {ALPHA})")
    p99_legacy, p99_fastapi = legacy.quantile_ms(0.99), fastapi.quantile_ms(0.99)
    if p99_legacy and p99_fastapi is not None:
        ratio = p99_fastapi / p99_legacy
        figures["p99_ratio"] = round(ratio, 3)
        if ratio > P99_RATIO_LIMIT:
            failures.append(f"p99 fastapi {p99_fastapi:.1f} ms > {P99_RATIO_LIMIT}x legacy {p99_legacy:.1f} ms")
    if failures:
        return Verdict("fail", "; ".join(failures), figures)
    if waits:
        return Verdict("wait", "; ".join(waits), figures)
    if not held:
        return Verdict("wait", "figures fine; holding the step until its hold time is over", figures)
    return Verdict("pass", f"{rates}; p99 ratio {figures['p99_ratio']}", figures)
