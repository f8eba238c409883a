"""All tables, importable from one place."""

from shared_models.models.base import Base, UTCDateTime
from shared_models.models.captures import CutoverCapture
from shared_models.models.catalog import JobCategory, PicTeam, SlackSettings
from shared_models.models.execution_stats import ExecutionStatDelta
from shared_models.models.jobs import Job, JobExecution
from shared_models.models.maintenance import MaintenanceRun
from shared_models.models.notifications import Notification
from shared_models.models.ops import (
    CUTOVER_STATES,
    CutoverAudit,
    CutoverFlag,
    CutoverSwitch,
    LoginAttempt,
    ParityResult,
    ShadowMismatch,
    ShadowStat,
)
from shared_models.models.rollouts import (
    ACTIVE_ROLLOUT_STATES,
    ROLLOUT_STATES,
    CutoverLease,
    Rollout,
    RolloutDecision,
    RouteWindow,
    RouteWindowLatency,
)
from shared_models.models.users import (
    ROLES,
    RefreshTokenUse,
    RevokedToken,
    User,
    UserNotificationPreferences,
    UserUiPreferences,
)

__all__ = [
    "ACTIVE_ROLLOUT_STATES",
    "CUTOVER_STATES",
    "ROLLOUT_STATES",
    "CutoverLease",
    "RefreshTokenUse",
    "Rollout",
    "RolloutDecision",
    "RouteWindow",
    "RouteWindowLatency",
    "ROLES",
    "CutoverAudit",
    "CutoverCapture",
    "CutoverFlag",
    "CutoverSwitch",
    "LoginAttempt",
    "ParityResult",
    "ShadowMismatch",
    "ShadowStat",
    "Base",
    "ExecutionStatDelta",
    "Job",
    "JobCategory",
    "JobExecution",
    "MaintenanceRun",
    "Notification",
    "PicTeam",
    "RevokedToken",
    "SlackSettings",
    "User",
    "UserNotificationPreferences",
    "UserUiPreferences",
    "UTCDateTime",
]
