"""Differences the harness found that are not fixed yet (case id → finding).

They stay mismatches in every report and in `parity_results` (the cutover gate sees the
route red). Only the pytest entry marks them `xfail(strict=True)`, so the suite stays
green while the fix is pending and turns red the moment the fix lands (remove the entry then).
"""

from __future__ import annotations

KNOWN_DIFFERENCES: dict[str, str] = {}
