"""POST /api/jobs/bulk-upload (§3.5.6 with D8, D10, D11, D13)."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared_models.clock import utcnow
from shared_models.models import Job, Notification, User
from shared_models.serializers import job_to_dict
from shared_models.settings import Settings
from tests.helpers import bearer, make_job, make_team, make_user

URL = "/api/jobs/bulk-upload"
HEADER = "Job Name,Cron Schedule (JST),Status,Target URL,Repo,Workflow Name,Category,End Date,PIC Team,Branch,Request Body"


@pytest.fixture
def future(settings: Settings) -> str:
    return (utcnow().astimezone(settings.timezone).date() + timedelta(days=30)).isoformat()


@pytest.fixture
def people(db: Session) -> dict[str, User]:
    make_team(db)
    make_team(db, "sleepy", is_active=False)
    return {
        "admin": make_user(db, "admin"),
        "owner": make_user(db, "user"),
        "other": make_user(db, "user"),
        "viewer": make_user(db, "viewer"),
    }


BOUNDARY = "----cronjob-test-boundary"


def multipart(fields: dict[str, str], files: dict[str, tuple[bytes, str]]) -> bytes:
    """A multipart/form-data body written by hand, so both stacks get the same bytes (a
    browser's `filename=""` for "no file chosen" included, which httpx would drop)."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value.encode() + b"\r\n"
        for name, value in fields.items()
    ]
    parts += [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode() + raw + b"\r\n"
        for name, (raw, filename) in files.items()
    ]
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def post_form(client: Any, headers: dict[str, str], body: bytes, boundary: str = BOUNDARY) -> Any:
    return client.post(URL, data=body, headers=headers, content_type=f"multipart/form-data; boundary={boundary}")


def upload(
    client: Any, settings: Settings, user: User | None, content: bytes | str | None,
    filename: str = "jobs.csv", **form: str,
) -> Any:
    files = {}
    if content is not None:
        files["file"] = (content.encode() if isinstance(content, str) else content, filename)
    headers = bearer(settings, user) if user else {}
    return post_form(client, headers, multipart(form, files))


def jobs_in_db(db: Session) -> list[dict[str, Any]]:
    db.rollback()
    db.expire_all()
    return [job_to_dict(job) for job in db.scalars(select(Job).order_by(Job.name))]


def test_valid_rows_are_created_and_rows_are_file_lines(
    client: Any, db: Session, settings: Settings, people: dict[str, User], future: str
) -> None:
    csv_text = (
        "\ufeff" + HEADER + "\r\n"
        f"hook,0 9 * * *,,https://hooks.example.com/a,acme/ignored,x.yml,Regression,{future},QA Team,,\"{{\"\"k\"\": 1}}\"\r\n"
        "\r\n"  # blank line 3: removed, still counted as a file line (D8)
        f"gh,*/10 * * * *,disabled,,acme/tools,deploy.yml,,{future},qa-team,release,\r\n"
        ",,,,,,,,,,\r\n"  # all-blank cells: removed
        f"bad-cron,61 * * * *,,https://hooks.example.com/b,,,,{future},qa-team,,\r\n"
    )
    response = upload(client, settings, people["owner"], csv_text)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    db_jobs = {job["name"]: job for job in jobs_in_db(db)}
    assert set(db_jobs) == {"hook", "gh"}
    assert body == {
        "message": "Bulk upload processed",
        "dry_run": False,
        "stats": {
            "original_column_count": 11,
            "original_row_count": 5,
            "removed_column_count": 0,
            "removed_empty_row_count": 2,
        },
        "created_count": 2,
        "updated_count": 0,
        "error_count": 1,
        "errors": [
            {"row": 6, "job_name": "bad-cron", "error": "Invalid cron expression",
             "message": "Invalid value for minute: 61 (allowed 0-59)."},
        ],
        "jobs": [
            {"id": db_jobs["hook"]["id"], "name": "hook", "is_active": True},
            {"id": db_jobs["gh"]["id"], "name": "gh", "is_active": False},
        ],
    }
    hook, gh = db_jobs["hook"], db_jobs["gh"]
    assert (hook["target_url"], hook["github_owner"], hook["github_repo"], hook["github_workflow_name"]) == (
        "https://hooks.example.com/a", None, None, None,
    )
    assert (hook["category"], hook["pic_team"], hook["metadata"], hook["end_date"]) == ("regression", "qa-team", {"k": 1}, future)
    assert (gh["github_owner"], gh["github_repo"], gh["github_workflow_name"]) == ("acme", "tools", "deploy.yml")
    assert (gh["category"], gh["metadata"], gh["is_active"]) == ("general", {"branchDetails": "release"}, False)
    for job in (hook, gh):
        assert job["created_by"] == people["owner"].id
        assert (job["enable_email_notifications"], job["notify_on_success"], job["notification_emails"]) == (False, False, [])
    assert db.scalar(select(func.count()).select_from(Notification)) == 0  # no broadcast


def row(name: str, future: str, **cells: str) -> dict[str, str]:
    values = {"name": name, "cron": "0 9 * * *", "status": "", "target_url": "https://hooks.example.com/x",
              "owner": "", "repo": "", "workflow": "", "category": "", "end_date": future, "pic_team": "qa-team",
              "body": ""}
    values.update(cells)
    return values


def csv_of(rows: list[dict[str, str]]) -> str:
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "cron", "status", "target_url", "owner", "repo", "github_workflow_name", "category", "end_date",
                     "pic_team", "request_body"])
    for values in rows:
        writer.writerow(values.values())
    return out.getvalue()


def test_every_row_rule_in_order(
    client: Any, db: Session, settings: Settings, people: dict[str, User], future: str
) -> None:
    make_job(db, name="exists")
    rows = [
        row("cat", future, category="nope", end_date="bad"),  # category first
        row("date-bad", future, end_date="31/12/2030"),
        row("date-missing", future, end_date=""),
        row("date-past", future, end_date="2001-01-01"),
        row("team-missing", future, pic_team=""),
        row("team-unknown", future, pic_team="ghosts"),
        row("team-off", future, pic_team="sleepy"),
        row("", future),
        row("no-cron", future, cron=""),
        row("twice", future),
        row("twice", future),
        row("exists", future),
        row("cron", future, cron="0 0 31 2 *"),
        row("json", future, body="{oops"),
        row("list", future, body="[1]"),
        row("no-target", future, target_url="", repo="tools", workflow="a.yml"),
        row("http", future, target_url="http://hooks.example.com/x"),
        row("private", future, target_url="https://192.168.1.10/x"),
        row("workflow", future, target_url="", owner="acme", repo="tools", workflow="deploy"),
        row("n" * 256, future),
        row("ok", future, status="Enabled"),
    ]
    before = jobs_in_db(db)
    body = upload(client, settings, people["admin"], csv_of(rows)).get_json()
    team_msg = "\u2192 PIC Teams"
    assert body["errors"] == [
        {"row": 2, "job_name": "cat", "error": "Invalid category",
         "message": "Unknown category. Create it in Settings \u2192 Categories first, or choose General."},
        {"row": 3, "job_name": "date-bad", "error": "Invalid end_date", "message": "Invalid end_date. Use YYYY-MM-DD."},
        {"row": 4, "job_name": "date-missing", "error": "Missing required fields", "message": "end_date (YYYY-MM-DD) is required."},
        {"row": 5, "job_name": "date-past", "error": "Invalid end_date", "message": "end_date must be today or in the future (JST)."},
        {"row": 6, "job_name": "team-missing", "error": "Invalid PIC team", "message": f"PIC team is required. Create one in Settings {team_msg}."},
        {"row": 7, "job_name": "team-unknown", "error": "Invalid PIC team", "message": f"Unknown PIC team. Create it in Settings {team_msg} first."},
        {"row": 8, "job_name": "team-off", "error": "Invalid PIC team",
         "message": f"PIC team is disabled. Enable it in Settings {team_msg} or choose another."},
        {"row": 9, "error": "Missing required fields", "message": "name and cron_expression are required."},
        {"row": 10, "error": "Missing required fields", "message": "name and cron_expression are required."},
        {"row": 12, "job_name": "twice", "error": "Duplicate job name in CSV"},
        {"row": 13, "job_name": "exists", "error": "Duplicate job name", "message": 'A job with the name "exists" already exists.'},
        {"row": 14, "job_name": "cron", "error": "Invalid cron expression", "message": "Cron expression never fires."},
        {"row": 15, "job_name": "json", "error": "Invalid JSON in Request Body",
         "message": "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"},
        {"row": 16, "job_name": "list", "error": "Invalid Request Body", "message": "Request Body must be a JSON object."},
        {"row": 17, "job_name": "no-target", "error": "Missing target configuration",
         "message": "Provide target_url or GitHub config (github_owner, github_repo, github_workflow_name)."},
        {"row": 18, "job_name": "http", "error": "Invalid target_url", "message": "Webhook URL must be an https:// URL with a host."},
        {"row": 19, "job_name": "private", "error": "Invalid target_url",
         "message": "Webhook URL must not point to a loopback, private, link-local or multicast address."},
        {"row": 20, "job_name": "workflow", "error": "Invalid GitHub configuration",
         "message": '"github_workflow_name" must be a workflow file name ending in .yml or .yaml, or a numeric workflow id.'},
        {"row": 21, "job_name": "n" * 256, "error": "Invalid name", "message": "Job name must be at most 255 characters."},
    ]
    assert (body["created_count"], body["error_count"]) == (2, 19)  # "twice" (row 11) and "ok"
    assert [job["name"] for job in body["jobs"]] == ["twice", "ok"]
    assert len(jobs_in_db(db)) == len(before) + 2


def test_default_owner_from_form_then_setting(
    client: Any, client_for: Any, db: Session, settings: Settings, people: dict[str, User], future: str
) -> None:
    rows = [row("gh", future, target_url="", repo="tools", workflow="123")]
    body = upload(client, settings, people["owner"], csv_of(rows), dry_run="yes").get_json()
    assert body["errors"][0]["error"] == "Missing target configuration"  # D13: no baked-in owner
    body = upload(client, settings, people["owner"], csv_of(rows), default_github_owner=" form-owner ").get_json()
    assert body["created_count"] == 1
    assert jobs_in_db(db)[0]["github_owner"] == "form-owner"
    rows = [row("gh2", future, target_url="", repo="tools", workflow="123")]
    with client_for(settings.model_copy(update={"DEFAULT_GITHUB_OWNER": "env-owner"})) as other:
        assert upload(other, settings, people["owner"], csv_of(rows)).get_json()["created_count"] == 1
    assert {job["name"]: job["github_owner"] for job in jobs_in_db(db)}["gh2"] == "env-owner"


def test_dry_run_creates_nothing(
    client: Any, db: Session, settings: Settings, people: dict[str, User], future: str
) -> None:
    rows = [row("a", future, status="off", end_date=f" {future} "), row("b", future, cron="bad")]
    response = upload(client, settings, people["owner"], csv_of(rows), dry_run="TRUE")
    assert response.status_code == 200
    body = response.get_json()
    assert body["message"] == "CSV validated successfully"
    assert body["dry_run"] is True
    assert body["jobs"] == [
        {"name": "a", "is_active": False, "cron_expression": "0 9 * * *", "end_date": future, "pic_team": "qa-team"}
    ]
    assert (body["created_count"], body["updated_count"], body["error_count"]) == (1, 0, 1)
    assert jobs_in_db(db) == []


def test_upsert_updates_jobs_the_caller_may_modify(
    client: Any, db: Session, settings: Settings, people: dict[str, User], future: str
) -> None:
    mine = make_job(db, people["owner"], name="mine")
    make_job(db, people["other"], name="theirs")
    make_job(db, None, name="orphan")
    rows = [
        row("mine", future, cron="*/5 * * * *", status="inactive", target_url="https://hooks.example.com/new"),
        row("theirs", future),
        row("orphan", future),
        row("fresh", future),
    ]
    body = upload(client, settings, people["owner"], csv_of(rows), mode="upsert").get_json()
    assert (body["created_count"], body["updated_count"]) == (1, 1)
    assert body["errors"] == [
        {"row": 3, "job_name": "theirs", "error": "Duplicate job name", "message": 'A job with the name "theirs" already exists.'},
        {"row": 4, "job_name": "orphan", "error": "Duplicate job name", "message": 'A job with the name "orphan" already exists.'},
    ]
    assert body["jobs"][0] == {"id": mine.id, "name": "mine", "is_active": False}
    updated = {job["name"]: job for job in jobs_in_db(db)}["mine"]
    assert (updated["cron_expression"], updated["target_url"], updated["is_active"]) == (
        "*/5 * * * *", "https://hooks.example.com/new", False,
    )
    # An admin may upsert any job; the default mode still reports duplicates.
    body = upload(client, settings, people["admin"], csv_of([row("theirs", future)]), mode="upsert").get_json()
    assert body["updated_count"] == 1
    body = upload(client, settings, people["admin"], csv_of([row("theirs", future)])).get_json()
    assert body["errors"][0]["error"] == "Duplicate job name"


@pytest.mark.parametrize(
    ("content", "filename", "form", "expected"),
    [
        (None, "x.csv", {}, {"error": "Missing file", "message": 'Upload a CSV file using form field "file".'}),
        ("a,b\n", "", {}, {"error": "Missing file", "message": "No file selected."}),
        ("", "x.csv", {}, {"error": "Invalid CSV", "message": "CSV is empty."}),
        ("\n\r\n\n", "x.csv", {}, {"error": "Invalid CSV", "message": "CSV is empty."}),
        (" , ,\nx,y,z\n", "x.csv", {}, {"error": "Invalid CSV", "message": "CSV header row has no usable column names."}),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "x.png", {}, {"error": "Invalid CSV", "message": "The file is not a text CSV."}),
        (b"name\x01,cron\n", "x.csv", {}, {"error": "Invalid CSV", "message": "The file is not a text CSV."}),
        ("name\n" + '"' + "x" * 200_000 + '"\n', "x.csv", {},
         {"error": "Invalid CSV", "message": "Line 2: field larger than field limit (131072)"}),
        ("name\n", "x.csv", {"mode": "replace"}, {"error": "Invalid mode", "message": 'mode must be "create" or "upsert".'}),
    ],
)
def test_file_level_errors(
    client: Any, db: Session, settings: Settings, people: dict[str, User],
    content: Any, filename: str, form: dict[str, str], expected: dict[str, str],
) -> None:
    response = upload(client, settings, people["owner"], content, filename, **form)
    assert response.status_code == 400
    assert response.get_json() == expected
    assert jobs_in_db(db) == []


def test_json_request_is_missing_file(client: Any, settings: Settings, people: dict[str, User]) -> None:
    response = client.post(URL, json={"file": "name\n"}, headers=bearer(settings, people["owner"]))
    assert response.status_code == 400
    assert response.get_json() == {"error": "Missing file", "message": 'Upload a CSV file using form field "file".'}


def test_header_only_and_latin1_files(
    client: Any, db: Session, settings: Settings, people: dict[str, User], future: str
) -> None:
    body = upload(client, settings, people["owner"], "name,cron\n").get_json()
    assert (body["created_count"], body["errors"], body["stats"]["original_row_count"]) == (0, [], 0)
    latin1 = f"name,cron,target_url,end_date,pic_team\ncaf\xe9,0 9 * * *,https://hooks.example.com/x,{future},qa-team\n"
    body = upload(client, settings, people["owner"], latin1.encode("latin-1")).get_json()
    assert body["created_count"] == 1
    assert body["jobs"][0]["name"] == "caf\ufffd"  # undecodable bytes are replaced (§3.5.6)


def test_leading_blank_lines_and_duplicate_headers(
    client: Any, db: Session, settings: Settings, people: dict[str, User], future: str
) -> None:
    text = f"\n\nname,NAME,,cron,target_url,end_date,pic_team\nfirst,second,junk,0 9 * * *,https://hooks.example.com/x,{future},qa-team\n"
    body = upload(client, settings, people["owner"], text).get_json()
    assert body["jobs"][0]["name"] == "second"  # the last repeated header wins
    assert body["stats"] == {
        "original_column_count": 7, "original_row_count": 1, "removed_column_count": 1, "removed_empty_row_count": 0,
    }
    bad = f"\nname,cron,end_date,pic_team\nx,0 9 * * *,{future},qa-team\n"
    assert upload(client, settings, people["owner"], bad).get_json()["errors"][0]["row"] == 3


def test_role_matrix(client: Any, db: Session, settings: Settings, people: dict[str, User], future: str) -> None:
    text = csv_of([row("r", future)])
    assert upload(client, settings, None, text).status_code == 401
    response = upload(client, settings, people["viewer"], text)
    assert response.status_code == 403
    assert response.get_json() == {
        "error": "Insufficient permissions",
        "message": "This endpoint requires one of the following roles: admin, user",
    }
    assert jobs_in_db(db) == []
    assert upload(client, settings, people["owner"], text).status_code == 200
    assert upload(client, settings, people["admin"], csv_of([row("s", future)])).status_code == 200
    assert len(jobs_in_db(db)) == 2


def test_oversized_body_is_413_json(
    client: Any, db: Session, settings: Settings, people: dict[str, User]
) -> None:
    content = b"name\n" + b"x" * (settings.MAX_UPLOAD_BYTES + 10)
    response = upload(client, settings, people["owner"], content)
    assert response.status_code == 413
    assert response.get_json() == {
        "error": "Payload too large",
        "message": f"Request body exceeds the limit of {settings.MAX_UPLOAD_BYTES} bytes.",
    }
    assert jobs_in_db(db) == []


def test_service_refuses_oversized_content_itself(db: Session, settings: Settings, people: dict[str, User]) -> None:
    from shared_models.errors import ApiError
    from shared_models.services.bulk_upload import bulk_upload

    with pytest.raises(ApiError) as caught:
        bulk_upload(session=db, settings=settings, actor=people["owner"], filename="x.csv",
                    content=b"x" * (settings.MAX_UPLOAD_BYTES + 1), form={})
    assert caught.value.status == 413


def test_five_megabyte_csv_is_processed(
    client: Any, db: Session, settings: Settings, people: dict[str, User], future: str
) -> None:
    lines = ["name,cron,status,target_url,repo,workflow name,end_date,pic_team,request_body"]
    size = len(lines[0])
    n = 0
    padding = "p" * 120
    while size < 5_000_000:
        if n % 2:
            line = f'job-{n:06d},*/{n % 59 + 1} * * * *,on,,acme/tools,ci.yml,{future},qa-team,"{{""pad"": ""{padding}""}}"'
        else:
            line = f"job-{n:06d},0 {n % 24} * * *,off,https://localhost/hook/{n},,,{future},qa-team,"
        if n % 1000 == 999:
            line = f"job-{n:06d},bad cron,,https://localhost/x,,,{future},qa-team,"
        lines.append(line)
        size += len(line) + 1
        n += 1
    content = ("\n".join(lines) + "\n").encode()
    assert 4_900_000 < len(content) < settings.MAX_UPLOAD_BYTES - 10_000
    response = upload(client, settings, people["owner"], content)
    assert response.status_code == 200, response.get_data()[:300]
    body = response.get_json()
    bad = n // 1000
    assert (body["created_count"], body["error_count"]) == (n - bad, bad)
    assert body["errors"][0] == {"row": 1001, "job_name": "job-000999", "error": "Invalid cron expression",
                                 "message": "Cron expression must have exactly 5 fields (minute hour day month day-of-week)."}
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Job)) == n - bad


def test_rows_follow_file_lines_across_quoted_line_breaks(
    client: Any, db: Session, settings: Settings, people: dict[str, User], future: str
) -> None:
    text = (
        "name,cron,target_url,end_date,pic_team,request_body\n"
        f'multi,0 9 * * *,https://hooks.example.com/x,{future},qa-team,"{{\n""a"": 1\n}}"\n'
        "\n"
        f"late,bad,https://hooks.example.com/x,{future},qa-team,\n"
    )
    body = upload(client, settings, people["owner"], text).get_json()
    assert body["created_count"] == 1
    assert [(error["row"], error["job_name"]) for error in body["errors"]] == [(6, "late")]
    assert jobs_in_db(db)[0]["metadata"] == {"a": 1}


def _part(name: str, value: bytes, filename: bytes | None = None) -> bytes:
    disposition = f'form-data; name="{name}"'.encode()
    if filename is not None:
        disposition += b'; filename="' + filename + b'"'
    return f"--{BOUNDARY}\r\n".encode() + b"Content-Disposition: " + disposition + b"\r\n\r\n" + value + b"\r\n"


END = f"--{BOUNDARY}--\r\n".encode()
FORM = f"multipart/form-data; boundary={BOUNDARY}"
MISSING_FILE = (400, {"error": "Missing file", "message": 'Upload a CSV file using form field "file".'})


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        pytest.param("multipart/form-data", b"garbage", MISSING_FILE, id="no-boundary"),
        pytest.param(FORM, b"garbage", MISSING_FILE, id="no-framing"),
        pytest.param(FORM, b"", MISSING_FILE, id="empty-body"),
        pytest.param(FORM, _part("file", b"name\n", b"a.csv")[:-2], MISSING_FILE, id="unterminated"),
        pytest.param(FORM, b"--" + BOUNDARY.encode() + b'\r\nContent-Disposition: form-data; filename="a.csv"\r\n\r\n'
                     b"name\n\r\n" + END, MISSING_FILE, id="part-without-name"),
        pytest.param(FORM, _part("file", b"name\n") + END, MISSING_FILE, id="file-as-text-field"),
        pytest.param(FORM, _part("file", b"name\n", b"\xff.csv") + END, MISSING_FILE, id="non-utf8-filename"),
        pytest.param("application/x-www-form-urlencoded", b"file=name&mode=create", MISSING_FILE, id="urlencoded"),
        pytest.param("text/plain", b"name\n", MISSING_FILE, id="text-plain"),
        pytest.param(f"multipart/mixed; boundary={BOUNDARY}", _part("file", b"name\n", b"a.csv") + END,
                     MISSING_FILE, id="multipart-mixed"),
        pytest.param(FORM, _part("mode", b"\xff\xfe") + _part("file", b"name\n", b"a.csv") + END,
                     (400, {"error": "Invalid mode", "message": 'mode must be "create" or "upsert".'}), id="non-utf8-mode"),
    ],
)
def test_malformed_forms_answer_like_werkzeug(
    client: Any, db: Session, settings: Settings, people: dict[str, User],
    content_type: str, body: bytes, expected: tuple[int, dict[str, str]],
) -> None:
    """Whatever the framing, a form Werkzeug cannot read is an empty form: "Missing file",
    never a 422 or a 500 (the expected answers are the legacy stack's)."""
    response = client.post(URL, data=body, headers=bearer(settings, people["owner"]), content_type=content_type)
    assert (response.status_code, response.get_json()) == expected
    assert jobs_in_db(db) == []


def test_form_limits_are_413(client: Any, db: Session, settings: Settings, people: dict[str, User]) -> None:
    """Flask's MAX_FORM_MEMORY_SIZE (a text field over 500,000 bytes) and MAX_FORM_PARTS
    (over 1,000 parts, files and fields together) answer the body-limit 413."""
    too_large = {"error": "Payload too large",
                 "message": f"Request body exceeds the limit of {max(settings.MAX_UPLOAD_BYTES, settings.MAX_JSON_BODY_BYTES)} bytes."}
    headers = bearer(settings, people["owner"])
    csv_part = _part("file", b"name\n", b"a.csv")
    big_field = _part("default_github_owner", b"o" * 500_001) + csv_part + END
    many_fields = b"".join(_part(f"f{k}", b"v") for k in range(1001)) + csv_part + END
    mixed = b"".join(_part(f"f{k}", b"v") for k in range(600)) + b"".join(
        _part(f"g{k}", b"v", b"x.csv") for k in range(400)) + csv_part + END  # 1,001 parts
    for body in (big_field, many_fields, mixed):
        response = client.post(URL, data=body, headers=headers, content_type=FORM)
        assert (response.status_code, response.get_json()) == (413, too_large)
    # At the limits exactly, the upload goes through.
    at_limits = _part("dry_run", b"1" + b" " * 499_999) + b"".join(_part(f"f{k}", b"v") for k in range(998)) + csv_part + END
    response = client.post(URL, data=at_limits, headers=headers, content_type=FORM)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["dry_run"] is True
    assert jobs_in_db(db) == []


def test_first_value_of_a_repeated_field_wins_and_files_are_not_fields(
    client: Any, db: Session, settings: Settings, people: dict[str, User], future: str
) -> None:
    """`request.form.get` semantics: the first text value of a name; a file part named
    like a field is not that field; the first file part named `file` is the upload."""
    text = f"name,cron,target_url,end_date,pic_team\nhook,0 9 * * *,https://hooks.example.com/x,{future},qa-team\n"
    body = (
        _part("dry_run", b"yes") + _part("dry_run", b"no") + _part("mode", b"x", b"mode.txt")
        + _part("file", text.encode(), b"first.csv") + _part("file", b"garbage\x00", b"second.csv") + END
    )
    response = client.post(URL, data=body, headers=bearer(settings, people["owner"]), content_type=FORM)
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert (result["dry_run"], result["created_count"], result["jobs"][0]["name"]) == (True, 1, "hook")
    assert jobs_in_db(db) == []


def test_non_ascii_file_name_is_accepted(
    client: Any, db: Session, settings: Settings, people: dict[str, User], future: str
) -> None:
    text = f"name,cron,target_url,end_date,pic_team\nhook,0 9 * * *,https://hooks.example.com/x,{future},qa-team\n"
    body = _part("file", text.encode(), "ジョブ.csv".encode()) + END
    response = client.post(URL, data=body, headers=bearer(settings, people["owner"]), content_type=FORM)
    assert (response.status_code, response.get_json()["created_count"]) == (200, 1)
    assert [job["name"] for job in jobs_in_db(db)] == ["hook"]
