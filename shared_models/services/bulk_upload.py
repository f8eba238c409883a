"""POST /jobs/bulk-upload (API_CONTRACT.md §3.5.6 with D8, D10, D11, D13).

Reading the file (`read_csv`) is separate from judging its rows (`_RowJudge`), and the
row rules reuse `job_rules`, `catalog` and `ownership` rather than restating them.

Large files stay fast: category/team lookups and target URL checks are cached per
distinct value, existing names are fetched in chunks with one query each, and new jobs
are inserted in batches (one flush per batch), not one round trip per row.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from shared_models.clock import utcnow
from shared_models.errors import ApiError, bad_request
from shared_models.ids import new_id
from shared_models.models import Job, User
from shared_models.requests import is_truthy_flag
from shared_models.serializers import metadata_to_text
from shared_models.services import job_rules as rules
from shared_models.services.catalog import resolve_category, resolve_pic_team
from shared_models.services.ownership import can_modify_job
from shared_models.settings import Settings

ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("job name", "name"),
    "cron": ("cron schedule (jst)", "cron expression", "cron", "cron_expression"),
    "status": ("status", "is_active", "active"),
    "target_url": ("target url", "target_url", "url"),
    "github_owner": ("github owner", "owner", "github_owner"),
    "github_repo": ("repo", "github repo", "github_repo"),
    "workflow": ("workflow name", "github workflow name", "github_workflow_name"),
    "category": ("category", "job category", "job_category"),
    "end_date": ("end date", "end_date"),
    "pic_team": ("pic team", "pic_team", "pic team slug", "pic_team_slug"),
    "branch": ("branch", "ref"),
    "request_body": ("request body", "request_body", "metadata"),
}
INACTIVE_STATUSES = frozenset({"disable", "disabled", "inactive", "false", "0", "no", "n", "off"})
MODES = ("create", "upsert")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f]")
INSERT_BATCH = 1000
NAME_CHUNK = 500
MISSING_TARGET = "Provide target_url or GitHub config (github_owner, github_repo, github_workflow_name)."


# --------------------------------------------------------------------------------------
# Reading the file


@dataclass
class CsvFile:
    """The kept data rows as (physical line, {lower-cased header: trimmed cell})."""

    rows: list[tuple[int, dict[str, str]]]
    stats: dict[str, int]


def _invalid_csv(message: str, settings: Settings) -> ApiError:
    return bad_request("Invalid CSV", message if settings.EXPOSE_ERROR_DETAILS else "Invalid CSV")


def decode_text(content: bytes, settings: Settings) -> str:
    """UTF-8 (BOM stripped; undecodable bytes replaced, as the legacy did). A file with
    NUL or other control bytes is binary, not a CSV → 400."""
    not_text = bad_request("Invalid CSV", "The file is not a text CSV.")
    if b"\x00" in content:
        raise not_text
    text = content.decode("utf-8-sig", errors="replace")
    if CONTROL_CHARS.search(text):
        raise not_text
    return text


def _records(text: str, settings: Settings) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the 1-based file line it starts on (D8: blank lines count)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _invalid_csv(f"Line {line}: {exc}", settings) from None
        yield line, record


def read_csv(content: bytes, settings: Settings) -> CsvFile:
    """Header = the first non-empty record (a file that starts with blank lines still
    works; rows keep their physical line numbers). Blank-header columns are dropped,
    repeated headers: the last one wins, all-blank rows are removed and counted."""
    records = _records(decode_text(content, settings), settings)
    header: list[str] | None = None
    for _line, record in records:
        if record:
            header = [name.strip() for name in record]
            break
    if header is None:
        raise _invalid_csv("CSV is empty.", settings)
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        if name:
            columns[name.lower()] = index
    if not columns:
        raise _invalid_csv("CSV header row has no usable column names.", settings)
    kept = sorted(set(columns.values()))
    width = len(header)
    rows: list[tuple[int, dict[str, str]]] = []
    total = removed = 0
    for line, record in records:
        total += 1
        cells = [cell.strip() for cell in record[:width]] + [""] * max(0, width - len(record))
        if not any(cells[index] for index in kept):
            removed += 1
            continue
        rows.append((line, {key: cells[index] for key, index in columns.items()}))
    stats = {
        "original_column_count": width,
        "original_row_count": total,
        "removed_column_count": sum(1 for name in header if not name),
        "removed_empty_row_count": removed,
    }
    return CsvFile(rows, stats)


def cell(row: Mapping[str, str], logical: str) -> str:
    """The first non-empty alias of a logical field, or ""."""
    for alias in ALIASES[logical]:
        value = row.get(alias)
        if value:
            return value
    return ""


# --------------------------------------------------------------------------------------
# Judging rows


class RowError(Exception):
    """One `errors` entry; the row is skipped."""

    def __init__(self, entry: dict[str, Any]) -> None:
        super().__init__(entry.get("error"))
        self.entry = entry


@dataclass
class Plan:
    """A valid row: the job columns it sets, and the existing job it updates (upsert)."""

    row: int
    values: dict[str, Any]
    end_date_text: str
    existing: Job | None = None


def _cached(cache: dict[str, Any], key: str, compute: Callable[[], Any]) -> Any:
    """Memoise a value *or* the ApiError computing it raised, per distinct key."""
    if key not in cache:
        try:
            cache[key] = compute()
        except ApiError as exc:
            cache[key] = exc
    found = cache[key]
    if isinstance(found, ApiError):
        raise found
    return found


@dataclass
class _RowJudge:
    session: Session
    settings: Settings
    actor: User
    upsert: bool
    default_owner: str | None
    existing: dict[str, Job]
    seen: set[str] = field(default_factory=set)
    categories: dict[str, Any] = field(default_factory=dict)
    teams: dict[str, Any] = field(default_factory=dict)
    urls: dict[str, Any] = field(default_factory=dict)

    def judge(self, line: int, row: Mapping[str, str]) -> Plan:
        name = cell(row, "name")
        job_name = name or None

        def fail(error: ApiError) -> RowError:
            entry = {"row": line, "job_name": job_name, "error": error.body["error"]}
            if "message" in error.body:
                entry["message"] = error.body["message"]
            return RowError(entry)

        try:
            category_raw = cell(row, "category")
            category = _cached(self.categories, category_raw, lambda: resolve_category(self.session, category_raw))
            end_date_text = cell(row, "end_date")
            end_date = rules.parse_end_date(
                end_date_text,
                self.settings,
                missing=bad_request("Missing required fields", "end_date (YYYY-MM-DD) is required."),
            )
            team_raw = cell(row, "pic_team")
            pic_team = _cached(self.teams, team_raw, lambda: resolve_pic_team(self.session, team_raw))
        except ApiError as exc:
            raise fail(exc) from None

        cron_text = cell(row, "cron")
        if not name or not cron_text:
            raise RowError(
                {"row": line, "error": "Missing required fields", "message": "name and cron_expression are required."}
            )
        if name in self.seen:
            raise RowError({"row": line, "job_name": name, "error": "Duplicate job name in CSV"})
        self.seen.add(name)

        try:
            existing = self.existing.get(name)
            if existing is not None and not (self.upsert and can_modify_job(self.actor, existing)):
                raise rules.duplicate_name(name)
            cron_expression = rules.clean_cron(cron_text)
            metadata = self._metadata(row)
            target = self._target(row)
            rules.require_name(name)
        except ApiError as exc:
            raise fail(exc) from None

        status = cell(row, "status").lower()
        values = {
            "name": name,
            "cron_expression": cron_expression,
            "target_url": target.target_url,
            "github_owner": target.github_owner,
            "github_repo": target.github_repo,
            "github_workflow_name": target.github_workflow_name,
            "job_metadata": metadata_to_text(metadata),
            "category": category,
            "end_date": end_date,
            "pic_team": pic_team,
            "is_active": status not in INACTIVE_STATUSES,
        }
        return Plan(line, values, end_date_text, existing)

    def _metadata(self, row: Mapping[str, str]) -> dict[str, Any]:
        """Steps 8-9: the Request Body cell as a JSON object, plus `branchDetails`."""
        text = cell(row, "request_body")
        metadata: Any = {}
        if text:
            try:
                metadata = json.loads(text)
            except (ValueError, RecursionError) as exc:
                message = str(exc) if self.settings.EXPOSE_ERROR_DETAILS else "Invalid JSON in Request Body"
                raise bad_request("Invalid JSON in Request Body", message) from None
            if not isinstance(metadata, dict):
                raise bad_request("Invalid Request Body", "Request Body must be a JSON object.")
        branch = cell(row, "branch")
        if branch and "branchDetails" not in metadata:
            metadata["branchDetails"] = branch
        return metadata

    def _target(self, row: Mapping[str, str]) -> rules.Target:
        """Steps 10-12 and the D10/D11 format rules: a webhook row drops GitHub columns."""
        target_url = cell(row, "target_url")
        if target_url:
            _cached(self.urls, target_url, lambda: rules.check_target_field("target_url", target_url, self.settings))
            return rules.Target(target_url=target_url)
        owner, repo = cell(row, "github_owner"), cell(row, "github_repo")
        parts = repo.split("/")
        if len(parts) == 2 and parts[0].strip() and parts[1].strip():
            owner, repo = parts[0].strip(), parts[1].strip()
        target = rules.Target(
            github_owner=owner or self.default_owner,
            github_repo=repo or None,
            github_workflow_name=cell(row, "workflow") or None,
        )
        if not target.complete:
            raise bad_request("Missing target configuration", MISSING_TARGET)
        rules.check_target(target, self.settings)
        return target


def _existing_jobs(session: Session, rows: list[tuple[int, dict[str, str]]]) -> dict[str, Job]:
    """Jobs whose names appear in the file, a chunk of names per query."""
    names = sorted({name for _line, row in rows if (name := cell(row, "name"))})
    found: dict[str, Job] = {}
    for start in range(0, len(names), NAME_CHUNK):
        chunk = names[start : start + NAME_CHUNK]
        found.update((job.name, job) for job in session.scalars(select(Job).where(Job.name.in_(chunk))))
    return found


# --------------------------------------------------------------------------------------
# The use case


def bulk_upload(
    *,
    session: Session,
    settings: Settings,
    actor: User,
    filename: str | None,
    content: bytes | None,
    form: Mapping[str, str],
) -> dict[str, Any]:
    """Validate every row, create (or, with `mode=upsert`, update) the valid ones.

    `content` None means the request had no `file` part. Returns the 200 body; the
    stack commits. Bulk upload broadcasts no notifications (§5.6).
    """
    if content is None:
        raise bad_request("Missing file", 'Upload a CSV file using form field "file".')
    if not filename:
        raise bad_request("Missing file", "No file selected.")
    if len(content) > settings.MAX_UPLOAD_BYTES:
        raise ApiError(
            413, "Payload too large", f"Request body exceeds the limit of {settings.MAX_UPLOAD_BYTES} bytes."
        )
    mode = (form.get("mode") or "create").strip().lower()
    if mode not in MODES:
        raise bad_request("Invalid mode", 'mode must be "create" or "upsert".')
    dry_run = is_truthy_flag(form.get("dry_run"))
    default_owner = (form.get("default_github_owner") or "").strip() or settings.DEFAULT_GITHUB_OWNER.strip() or None

    parsed = read_csv(content, settings)
    judge = _RowJudge(
        session=session,
        settings=settings,
        actor=actor,
        upsert=mode == "upsert",
        default_owner=default_owner,
        existing=_existing_jobs(session, parsed.rows),
    )
    errors: list[dict[str, Any]] = []
    plans: list[Plan] = []
    for line, row in parsed.rows:
        try:
            plans.append(judge.judge(line, row))
        except RowError as exc:
            errors.append(exc.entry)

    created = [plan for plan in plans if plan.existing is None]
    updated = [plan for plan in plans if plan.existing is not None]
    if dry_run:
        jobs = [
            {
                "name": plan.values["name"],
                "is_active": plan.values["is_active"],
                "cron_expression": plan.values["cron_expression"],
                "end_date": plan.end_date_text,
                "pic_team": plan.values["pic_team"],
            }
            for plan in plans
        ]
    else:
        jobs = _write(session, actor, plans)
    return {
        "message": "CSV validated successfully" if dry_run else "Bulk upload processed",
        "dry_run": dry_run,
        "stats": parsed.stats,
        "created_count": len(created),
        "updated_count": len(updated),
        "error_count": len(errors),
        "errors": errors,
        "jobs": jobs,
    }


def _write(session: Session, actor: User, plans: list[Plan]) -> list[dict[str, Any]]:
    """Insert new jobs in batches and update upserted ones; `jobs` in file order."""
    now = utcnow()
    jobs: list[dict[str, Any]] = []
    batch: list[dict[str, Any]] = []
    for plan in plans:
        if plan.existing is not None:
            for column, value in plan.values.items():
                setattr(plan.existing, column, value)
            jobs.append({"id": plan.existing.id, "name": plan.existing.name, "is_active": plan.existing.is_active})
            continue
        values = plan.values | {
            "id": new_id(),
            "enable_email_notifications": False,
            "notify_on_success": False,
            "notification_emails": None,
            "created_by": actor.id,
            "created_at": now,
            "updated_at": now,
        }
        batch.append(values)
        jobs.append({"id": values["id"], "name": values["name"], "is_active": values["is_active"]})
        if len(batch) >= INSERT_BATCH:
            session.execute(insert(Job), batch)
            batch = []
    if batch:
        session.execute(insert(Job), batch)
    session.flush()
    return jobs
