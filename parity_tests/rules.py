"""The normalisation rules of the harness: each names what it ignores and why.

Body rules go to `cutover.compare.compare`; runner rules change what the runner
observes (they have no `normalise`, the runner applies them and reports them).
Everything not named here is compared exactly.
"""

from __future__ import annotations

from typing import Any

from cutover.compare import DEFAULT_RULES, Rule

EXECUTE_ROUTE = "POST /api/jobs/<job_id>/execute"

SYNC_EFFECT_ONLY = Rule(
    name="execute-sync-effect-only",
    ignores="the background run that execute-now starts after answering (its outbound call, the later "
    "update of the execution row, its notifications and e-mail)",
    reason="D7 makes the run asynchronous, so its end races the comparison; the harness replaces the "
    "start of the run on both stacks by a recorder, compares the synchronous effect (the `running` "
    "execution row) and compares the recorded run requests (execution id + per-run overrides) instead. "
    "The run itself is one shared function (shared_models.executor.run_execution) for both stacks.",
    routes=frozenset({EXECUTE_ROUTE}),
)



def _mask_password_hashes(value: Any, _route: str | None = None) -> Any:
    """`$pbkdf2-sha256$29000$<salt>$<digest>` → `$pbkdf2-sha256$29000$<salt>$<digest>` literally."""
    if isinstance(value, dict):
        return {k: (_mask_strings(v) if k == "password_hash" else _mask_password_hashes(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_password_hashes(v) for v in value]
    return value


def _mask_strings(value: Any) -> Any:
    if isinstance(value, str):
        parts = value.split("$")
        return "$".join(parts[:3] + ["<salt>", "<digest>"]) if len(parts) == 5 else value
    if isinstance(value, dict):
        return {k: _mask_strings(v) for k, v in value.items()}
    return value


PASSWORD_SALT = Rule(
    name="password-hash-salt",
    ignores="the salt and digest of `users.password_hash` in the database effect (the scheme and "
    "rounds, and whether the column was written at all, are still compared)",
    reason="passlib draws a fresh random salt for every hash (by design, not from the seeded id "
    "source), so two correct hashes of one password never have equal bytes.",
    normalise=_mask_password_hashes,
)

BODY_RULES: tuple[Rule, ...] = DEFAULT_RULES
EFFECT_RULES: tuple[Rule, ...] = (PASSWORD_SALT,)
RUNNER_RULES: tuple[Rule, ...] = (SYNC_EFFECT_ONLY,)
ALL_RULES: tuple[Rule, ...] = BODY_RULES + EFFECT_RULES + RUNNER_RULES
