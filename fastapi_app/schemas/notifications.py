"""The caller's notifications (API_CONTRACT.md §1.4, §3.7, D4, D9, D18)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from fastapi_app.schemas.executions import RangeRead


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(examples)})


_NOTIFICATION: dict[str, Any] = {
    "id": "5b4a3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d",
    "user_id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    "title": "Job failed",
    "message": 'Job "Nightly regression" failed: HTTP 500',
    "type": "error",
    "related_job_id": "1c9e6f2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
    "related_execution_id": "7d6c5b4a-3e2f-4a1b-9c8d-7e6f5a4b3c2d",
    "is_read": False,
    "read_at": None,
    "created_at": "2026-11-26T12:51:04.775Z",
}
_NO_RANGE = {"from": None, "to": None}


class NotificationRead(BaseModel):
    """A notification as `notification_to_dict` renders it (`type`: info, success,
    warning or error; the related ids become null when the job/execution is deleted)."""

    model_config = _examples(_NOTIFICATION)

    id: str
    user_id: str
    title: str
    message: str
    type: str
    related_job_id: str | None
    related_execution_id: str | None
    is_read: bool
    read_at: str | None
    created_at: str


class NotificationPage(BaseModel):
    """Newest first (ties by id). `page` (≥ 1) and `per_page` (1..100, default 20) are the
    values used (D9); a page past the end is an empty list."""

    model_config = _examples(
        {"notifications": [_NOTIFICATION], "total": 1, "page": 1, "per_page": 20, "total_pages": 1,
         "range": _NO_RANGE}
    )

    notifications: list[NotificationRead]
    total: int
    page: int
    per_page: int
    total_pages: int
    range: RangeRead


class UnreadCount(BaseModel):
    model_config = _examples({"unread_count": 3, "range": _NO_RANGE})

    unread_count: int
    range: RangeRead


class NotificationMarkedRead(BaseModel):
    """Idempotent: `read_at` is stamped by the first call only."""

    model_config = _examples(
        {"message": "Notification marked as read",
         "notification": {**_NOTIFICATION, "is_read": True, "read_at": "2026-11-26T13:00:00.000Z"}}
    )

    message: Literal["Notification marked as read"]
    notification: NotificationRead


class AllMarkedRead(BaseModel):
    model_config = _examples({"message": "All notifications marked as read", "updated_count": 2})

    message: Literal["All notifications marked as read"]
    updated_count: int


class NotificationDeleted(BaseModel):
    model_config = _examples({"message": "Notification deleted successfully"})

    message: Literal["Notification deleted successfully"]


class ReadDeleted(BaseModel):
    model_config = _examples({"deleted_count": 4})

    deleted_count: int
