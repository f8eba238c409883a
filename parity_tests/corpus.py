"""The case corpus: data, one `Case` per request, grouped by route.

Three parts:
* `AUTH_OUTCOMES` / `ROLE_RULES`: the token and role outcomes every authenticated route
  must share, expanded per registry route by `auth_cases` (no token, wrong scheme,
  malformed, expired, revoked, inactive user, refresh-as-access; viewer/user → 403);
* `CASES`: per-route success shapes, documented validation errors, ownership, 404s,
  pagination, filters and sorting, CSV uploads;
* `DEFAULT_PATHS`: how a route's variables are filled when a case gives no path.

Placeholders `{name}` are fixture row keys (parity_tests/fixture.py) or `{missing}`.
"""

from __future__ import annotations

from parity_tests.cases import Case

PUBLIC = {"POST /api/auth/login", "GET /api/health"}
REFRESH = "POST /api/auth/refresh"

VARIABLES = {"<job_id>": "{job_user}", "<user_id>": "{user}", "<category_id>": "{cat_custom}",
             "<team_id>": "{team_qa}", "<execution_id>": "{exec_1}", "<notification_id>": "{note_unread}"}


def default_path(route: str) -> str:
    path = route.split(" ", 1)[1]
    for variable, placeholder in VARIABLES.items():
        path = path.replace(variable, placeholder)
    return path


# (name, auth, legacy status) shared by every authenticated route.
AUTH_OUTCOMES = [
    ("auth: no token", None, 401),
    ("auth: wrong scheme", "raw:Token abc", 401),
    ("auth: malformed token", "raw:Bearer not-a-jwt", 422),
    ("auth: bearer without token", "raw:Bearer", 422),
    ("auth: expired token", "expired", 401),
    ("auth: revoked token", "revoked", 401),
    ("auth: inactive user", "inactive", 401),
    ("auth: refresh token on an access route", "refresh_user", 422),
]
REFRESH_OUTCOMES = [
    ("auth: no token", None, 401),
    ("auth: malformed token", "raw:Bearer x.y.z", 422),
    ("auth: access token on the refresh route", "user", 422),
    ("auth: expired refresh token", "refresh_expired", 401),
    ("auth: revoked refresh token", "refresh_revoked", 401),
    ("auth: inactive user", "refresh_inactive", 401),
]
ADMIN_ONLY = {
    "POST /api/auth/register", "GET /api/auth/users", "DELETE /api/auth/users/<user_id>",
    "GET /api/settings/slack", "PUT /api/settings/slack", "POST /api/job-categories",
    "PUT /api/job-categories/<category_id>", "DELETE /api/job-categories/<category_id>",
    "POST /api/pic-teams", "PUT /api/pic-teams/<team_id>", "DELETE /api/pic-teams/<team_id>",
}
ADMIN_OR_USER = {"POST /api/jobs/test-run", "POST /api/jobs", "POST /api/jobs/bulk-upload",
                 "POST /api/jobs/<job_id>/execute"}


def auth_cases(routes: list[str]) -> list[Case]:
    """The shared auth outcomes and role refusals, expanded for `routes`."""
    out: list[Case] = []
    for route in routes:
        if route in PUBLIC:
            continue
        outcomes = REFRESH_OUTCOMES if route == REFRESH else AUTH_OUTCOMES
        out += [Case(route, name, status, auth=auth) for name, auth, status in outcomes]
        if route in ADMIN_ONLY:
            out += [Case(route, "role: viewer refused", 403, auth="viewer"),
                    Case(route, "role: user refused", 403, auth="user")]
        elif route in ADMIN_OR_USER:
            out.append(Case(route, "role: viewer refused", 403, auth="viewer"))
    return out


def _csv(*lines: str) -> tuple[str, str]:
    return ("jobs.csv", "\n".join(lines) + "\n")


CSV_HEAD = "Job Name,Cron Schedule (JST),Target URL,End Date,PIC Team,Category,Status"
GOOD_ROW = "csv-one,0 8 * * *,https://hooks.example.com/a,2026-06-30,qa-team,general,active"
JOB_BODY = {"name": "new-job", "cron_expression": "0 10 * * *", "end_date": "2026-09-30",
            "target_url": "https://hooks.example.com/new", "pic_team": "qa-team"}

J = "POST /api/jobs"
JU = "PUT /api/jobs/<job_id>"
JD = "DELETE /api/jobs/<job_id>"
JX = "POST /api/jobs/<job_id>/execute"
BU = "POST /api/jobs/bulk-upload"
N = "GET /api/notifications"
E = "GET /api/executions"
JE = "GET /api/jobs/<job_id>/executions"

CASES: list[Case] = [
    # --- health, login, refresh, me -------------------------------------------------
    Case("GET /api/health", "healthy", 200, auth=None),
    Case("GET /api/health", "with a token", 200, auth="viewer"),
    Case("POST /api/auth/login", "by username", 200, auth=None, json={"username": "user_person", "password": "secret123"}),
    Case("POST /api/auth/login", "by email", 200, auth=None, json={"email": "admin@example.com", "password": "secret123"}),
    Case("POST /api/auth/login", "wrong password", 401, auth=None, json={"username": "user_person", "password": "nope123"}),
    Case("POST /api/auth/login", "unknown user", 401, auth=None, json={"username": "ghost", "password": "secret123"}),
    Case("POST /api/auth/login", "inactive user", 401, auth=None, json={"username": "inactive_person", "password": "x"}),
    Case("POST /api/auth/login", "missing password", 400, auth=None, json={"username": "user_person"}),
    Case("POST /api/auth/login", "not JSON", 400, auth=None, body="username=a", content_type="text/plain"),
    Case("POST /api/auth/login", "malformed JSON", 400, auth=None, body="{bad", content_type="application/json"),
    Case("POST /api/auth/login", "array body", 400, auth=None, json=["user_person"]),
    Case("POST /api/auth/login", "number as username", 400, auth=None, json={"username": 5, "password": "secret123"}),
    Case(REFRESH, "a new access token; the refresh token stays valid (D20)", 200, auth="refresh_user"),
    Case("GET /api/auth/me", "admin", 200),
    Case("GET /api/auth/me", "viewer", 200, auth="viewer"),
    # --- users -----------------------------------------------------------------------
    Case("GET /api/auth/users", "list", 200),
    Case("POST /api/auth/register", "viewer by default", 201, json={"username": "newbie", "email": "New@Example.com ", "password": "secret123"}),
    Case("POST /api/auth/register", "with role", 201, json={"username": "newadmin", "email": "na@example.com", "password": "secret123", "role": "admin"}),
    Case("POST /api/auth/register", "missing fields", 400, json={"username": "abc"}),
    Case("POST /api/auth/register", "short username", 400, json={"username": "ab", "email": "ab@example.com", "password": "secret123"}),
    Case("POST /api/auth/register", "short password", 400, json={"username": "abcd", "email": "ab@example.com", "password": "123"}),
    Case("POST /api/auth/register", "invalid role", 400, json={"username": "abcd", "email": "ab@example.com", "password": "secret123", "role": "root"}),
    Case("POST /api/auth/register", "invalid email", 400, json={"username": "abcd", "email": "not-an-email", "password": "secret123"}),
    Case("POST /api/auth/register", "bad username characters", 400, json={"username": "a b!", "email": "ab@example.com", "password": "secret123"}),
    Case("POST /api/auth/register", "duplicate username", 409, json={"username": "user_person", "email": "zz@example.com", "password": "secret123"}),
    Case("POST /api/auth/register", "duplicate email", 409, json={"username": "zzzz", "email": "user@example.com", "password": "secret123"}),
    Case("POST /api/auth/register", "not JSON", 400, body="x", content_type="text/plain"),
    Case("POST /api/auth/register", "null username", 400, json={"username": None, "email": "q@example.com", "password": "secret123"}),
    Case("GET /api/auth/users/<user_id>", "self", 200, auth="user"),
    Case("GET /api/auth/users/<user_id>", "admin reads any", 200),
    Case("GET /api/auth/users/<user_id>", "other user refused", 403, auth="other"),
    Case("GET /api/auth/users/<user_id>", "missing", 404, path="/api/auth/users/{missing}"),
    Case("PUT /api/auth/users/<user_id>", "self email", 200, auth="user", json={"email": "Me@Example.com"}),
    Case("PUT /api/auth/users/<user_id>", "admin role and status", 200, json={"role": "viewer", "is_active": False}),
    Case("PUT /api/auth/users/<user_id>", "self password", 200, auth="user", json={"password": "another1"}),
    Case("PUT /api/auth/users/<user_id>", "user changes own role", 403, auth="user", json={"role": "admin"}),
    Case("PUT /api/auth/users/<user_id>", "user changes own status", 403, auth="user", json={"is_active": True}),
    Case("PUT /api/auth/users/<user_id>", "other user refused", 403, auth="other", json={"email": "x@example.com"}),
    Case("PUT /api/auth/users/<user_id>", "missing", 404, path="/api/auth/users/{missing}", json={"email": "x@example.com"}),
    Case("PUT /api/auth/users/<user_id>", "email taken", 409, json={"email": "other@example.com"}),
    Case("PUT /api/auth/users/<user_id>", "short password", 400, json={"password": "123"}),
    Case("PUT /api/auth/users/<user_id>", "invalid role", 400, json={"role": "root"}),
    Case("PUT /api/auth/users/<user_id>", "nothing to update", 400, json={}),
    Case("PUT /api/auth/users/<user_id>", "not JSON", 400, body="x", content_type="text/plain"),
    Case("PUT /api/auth/users/<user_id>", "malformed JSON", 400, body="{", content_type="application/json"),
    Case("DELETE /api/auth/users/<user_id>", "deletes user with prefs and notifications", 200),
    Case("DELETE /api/auth/users/<user_id>", "self", 400, path="/api/auth/users/{admin}"),
    Case("DELETE /api/auth/users/<user_id>", "missing", 404, path="/api/auth/users/{missing}"),
    Case("GET /api/auth/users/<user_id>/preferences", "existing row", 200, auth="user"),
    Case("GET /api/auth/users/<user_id>/preferences", "created on read", 200, auth="other", path="/api/auth/users/{other}/preferences"),
    Case("GET /api/auth/users/<user_id>/preferences", "other user refused", 403, auth="other"),
    Case("GET /api/auth/users/<user_id>/preferences", "missing", 404, path="/api/auth/users/{missing}/preferences"),
    Case("PUT /api/auth/users/<user_id>/preferences", "update", 200, auth="user", json={"daily_digest": False, "weekly_report": False, "unknown": 1}),
    Case("PUT /api/auth/users/<user_id>/preferences", "creates row", 200, path="/api/auth/users/{other}/preferences", json={"email_on_job_disabled": True}),
    Case("PUT /api/auth/users/<user_id>/preferences", "other user refused", 403, auth="other", json={}),
    Case("PUT /api/auth/users/<user_id>/preferences", "missing", 404, path="/api/auth/users/{missing}/preferences", json={}),
    Case("PUT /api/auth/users/<user_id>/preferences", "not JSON", 400, auth="user", body="x", content_type="text/plain"),
    Case("PUT /api/auth/users/<user_id>/preferences", "string as boolean", 400, auth="user", json={"daily_digest": "yes"}),
    Case("GET /api/auth/users/<user_id>/ui-preferences", "stored", 200, auth="user"),
    Case("GET /api/auth/users/<user_id>/ui-preferences", "defaults created", 200, path="/api/auth/users/{viewer}/ui-preferences", auth="viewer"),
    Case("GET /api/auth/users/<user_id>/ui-preferences", "other user refused", 403, auth="viewer"),
    Case("GET /api/auth/users/<user_id>/ui-preferences", "missing", 404, path="/api/auth/users/{missing}/ui-preferences"),
    Case("PUT /api/auth/users/<user_id>/ui-preferences", "overlay on defaults", 200, auth="user", json={"jobs_table_columns": {"target_url": 1, "bogus": True}}),
    Case("PUT /api/auth/users/<user_id>/ui-preferences", "missing columns", 400, auth="user", json={}),
    Case("PUT /api/auth/users/<user_id>/ui-preferences", "columns not an object", 400, auth="user", json={"jobs_table_columns": [1]}),
    Case("PUT /api/auth/users/<user_id>/ui-preferences", "array body", 400, auth="user", json=[1]),
    Case("PUT /api/auth/users/<user_id>/ui-preferences", "other user refused", 403, auth="other", json={"jobs_table_columns": {}}),
    Case("PUT /api/auth/users/<user_id>/ui-preferences", "missing", 404, path="/api/auth/users/{missing}/ui-preferences", json={"jobs_table_columns": {}}),
    Case("PUT /api/auth/users/<user_id>/ui-preferences", "not JSON", 400, auth="user", body="x", content_type="text/plain"),
    # --- slack -------------------------------------------------------------------------
    Case("GET /api/settings/slack", "created on read", 200),
    Case("PUT /api/settings/slack", "enable", 200, json={"is_enabled": True, "webhook_url": " https://hooks.slack.com/x ", "channel": "#ops"}),
    Case("PUT /api/settings/slack", "empty body", 200, json={}),
    Case("PUT /api/settings/slack", "enabled without url", 400, json={"is_enabled": True, "webhook_url": "  "}),
    Case("PUT /api/settings/slack", "not JSON", 400, body="x", content_type="text/plain"),
    Case("PUT /api/settings/slack", "malformed JSON", 400, body="{", content_type="application/json"),
    Case("PUT /api/settings/slack", "channel not a string", 400, json={"channel": 5}),
    # --- categories and teams ------------------------------------------------------------
    Case("GET /api/job-categories", "active only", 200, auth="viewer"),
    Case("GET /api/job-categories", "admin include_inactive", 200, query={"include_inactive": "yes"}),
    Case("GET /api/job-categories", "viewer include_inactive ignored", 200, auth="viewer", query={"include_inactive": "1"}),
    Case("GET /api/job-categories", "unknown flag value", 200, query={"include_inactive": "maybe"}),
    Case("POST /api/job-categories", "create", 201, json={"name": "  Night Runs "}),
    Case("POST /api/job-categories", "create with slug", 201, json={"name": "X", "slug": "Custom Slug!"}),
    Case("POST /api/job-categories", "missing name", 400, json={"name": "  "}),
    Case("POST /api/job-categories", "empty slug", 400, json={"name": "日本"}),
    Case("POST /api/job-categories", "duplicate slug", 409, json={"name": "Data Sync"}),
    Case("POST /api/job-categories", "not JSON", 400, body="x", content_type="text/plain"),
    Case("POST /api/job-categories", "name not a string", 400, json={"name": 3}),
    Case("PUT /api/job-categories/<category_id>", "rename renames jobs", 200, json={"name": "Data Pipelines"}),
    Case("PUT /api/job-categories/<category_id>", "disable", 200, json={"is_active": False}),
    Case("PUT /api/job-categories/<category_id>", "general cannot be renamed", 400, path="/api/job-categories/{cat_general}", json={"name": "Common"}),
    Case("PUT /api/job-categories/<category_id>", "empty name", 400, json={"name": ""}),
    Case("PUT /api/job-categories/<category_id>", "slug edited", 400, json={"slug": "x"}),
    Case("PUT /api/job-categories/<category_id>", "duplicate slug", 409, json={"name": "Regression"}),
    Case("PUT /api/job-categories/<category_id>", "missing", 404, path="/api/job-categories/{missing}", json={}),
    Case("PUT /api/job-categories/<category_id>", "not JSON", 400, body="x", content_type="text/plain"),
    Case("DELETE /api/job-categories/<category_id>", "soft delete", 200),
    Case("DELETE /api/job-categories/<category_id>", "missing", 404, path="/api/job-categories/{missing}"),
    Case("GET /api/pic-teams", "active only", 200, auth="user"),
    Case("GET /api/pic-teams", "admin include_inactive", 200, query={"include_inactive": "true"}),
    Case("POST /api/pic-teams", "create", 201, json={"name": "Platform", "slack_handle": " @plat "}),
    Case("POST /api/pic-teams", "missing handle", 400, json={"name": "Platform"}),
    Case("POST /api/pic-teams", "missing name", 400, json={"slack_handle": "@x"}),
    Case("POST /api/pic-teams", "duplicate slug", 409, json={"name": "QA Team", "slack_handle": "@x"}),
    Case("POST /api/pic-teams", "empty slug", 400, json={"name": "!!!", "slack_handle": "@x"}),
    Case("POST /api/pic-teams", "not JSON", 400, body="x", content_type="text/plain"),
    Case("PUT /api/pic-teams/<team_id>", "rename renames jobs", 200, json={"name": "Quality"}),
    Case("PUT /api/pic-teams/<team_id>", "empty handle", 400, json={"slack_handle": " "}),
    Case("PUT /api/pic-teams/<team_id>", "slug edited", 400, json={"slug": "q"}),
    Case("PUT /api/pic-teams/<team_id>", "duplicate slug", 409, json={"name": "Ops"}),
    Case("PUT /api/pic-teams/<team_id>", "missing", 404, path="/api/pic-teams/{missing}", json={}),
    Case("PUT /api/pic-teams/<team_id>", "not JSON", 400, body="x", content_type="text/plain"),
    Case("DELETE /api/pic-teams/<team_id>", "soft delete", 200),
    Case("DELETE /api/pic-teams/<team_id>", "missing", 404, path="/api/pic-teams/{missing}"),
    # --- cron tools and test-run ----------------------------------------------------------
    Case("POST /api/jobs/validate-cron", "valid", 200, auth="viewer", json={"expression": " */5 * * * * "}),
    Case("POST /api/jobs/validate-cron", "cron_expression key", 200, json={"cron_expression": "0 9 * * 1-5"}),
    Case("POST /api/jobs/validate-cron", "bad minute", 200, json={"expression": "61 * * * *"}),
    Case("POST /api/jobs/validate-cron", "never fires", 200, json={"expression": "0 0 31 2 *"}),
    Case("POST /api/jobs/validate-cron", "six fields", 200, json={"expression": "0 0 * * * *"}),
    Case("POST /api/jobs/validate-cron", "empty", 200, json={}),
    Case("POST /api/jobs/validate-cron", "not JSON", 400, body="x", content_type="text/plain"),
    Case("POST /api/jobs/validate-cron", "expression not a string", 400, json={"expression": 5}),
    Case("POST /api/jobs/validate-cron", "malformed JSON", 400, body="{", content_type="application/json"),
    Case("POST /api/jobs/cron-preview", "default count", 200, auth="user", json={"expression": "0 9 * * *"}),
    Case("POST /api/jobs/cron-preview", "count as string", 200, json={"cron_expression": "*/30 * * * *", "count": "3"}),
    Case("POST /api/jobs/cron-preview", "count capped", 200, json={"expression": "0 * * * *", "count": 50}),
    Case("POST /api/jobs/cron-preview", "negative count", 200, json={"expression": "0 * * * *", "count": -2}),
    Case("POST /api/jobs/cron-preview", "sunday is 0", 200, json={"expression": "0 0 * * 0", "count": 2}),
    Case("POST /api/jobs/cron-preview", "invalid cron", 400, json={"expression": "a b c d e"}),
    Case("POST /api/jobs/cron-preview", "non-numeric count", 400, json={"expression": "0 * * * *", "count": "many"}),
    Case("POST /api/jobs/cron-preview", "not JSON", 400, body="x", content_type="text/plain"),
    Case("POST /api/jobs/test-run", "missing target", 400, json={}),
    Case("POST /api/jobs/test-run", "bad scheme", 400, json={"target_url": "ftp://hooks.example.com/x"}),
    Case("POST /api/jobs/test-run", "private address refused", 400, json={"target_url": "https://10.1.2.3/x"}),
    Case("POST /api/jobs/test-run", "metadata not an object", 400, json={"target_url": "https://hooks.example.com/x", "metadata": [1]}),
    Case("POST /api/jobs/test-run", "github without token", 200, auth="user", json={"github_owner": "acme", "github_repo": "app", "github_workflow_name": "ci.yml"}),
    Case("POST /api/jobs/test-run", "webhook unreachable", 200, json={"target_url": "https://127.0.0.1:9/hook", "timeout_seconds": 1}),
    Case("POST /api/jobs/test-run", "timeout not a number", 400, json={"target_url": "https://hooks.example.com/x", "timeout_seconds": "soon"}),
    Case("POST /api/jobs/test-run", "not JSON", 400, body="x", content_type="text/plain"),
    # --- jobs list and detail -------------------------------------------------------------
    Case("GET /api/jobs", "all jobs", 200, auth="viewer"),
    Case("GET /api/jobs", "paged", 200, query={"page": "1", "per_page": "2"}),
    Case("GET /api/jobs", "page 2", 200, query={"page": "2", "per_page": "2"}),
    Case("GET /api/jobs", "page past end", 200, query={"page": "9", "per_page": "2"}),
    Case("GET /api/jobs", "non-int page", 200, query={"page": "x", "per_page": "y"}),
    Case("GET /api/jobs", "filter category", 200, query={"page": "1", "category": "data-sync"}),
    Case("GET /api/jobs", "filter pic_team", 200, query={"page": "1", "pic_team": "ops"}),
    Case("GET /api/jobs", "filter inactive", 200, query={"page": "1", "is_active": "false"}),
    Case("GET /api/jobs", "filter active", 200, query={"per_page": "10", "is_active": "true"}),
    Case("GET /api/jobs", "search", 200, query={"page": "1", "search": "GIT"}),
    Case("GET /api/jobs", "sort by name asc", 200, query={"page": "1", "sort_by": "name", "sort_order": "asc"}),
    Case("GET /api/jobs", "sort by end_date desc", 200, query={"page": "1", "sort_by": "end_date", "sort_order": "desc"}),
    Case("GET /api/jobs", "sort by updated_at", 200, query={"page": "1", "sort_by": "updated_at"}),
    Case("GET /api/jobs", "unknown sort_by", 400, query={"page": "1", "sort_by": "bogus"}),
    Case("GET /api/jobs", "unknown sort_order", 400, query={"page": "1", "sort_by": "name", "sort_order": "sideways"}),
    Case("GET /api/jobs/<job_id>", "owner job", 200, auth="viewer"),
    Case("GET /api/jobs/<job_id>", "github job", 200, path="/api/jobs/{job_github}"),
    Case("GET /api/jobs/<job_id>", "inactive job", 200, path="/api/jobs/{job_inactive}"),
    Case("GET /api/jobs/<job_id>", "missing", 404, path="/api/jobs/{missing}"),
    # --- job create ------------------------------------------------------------------------
    Case(J, "webhook job by user", 201, auth="user", json=JOB_BODY),
    Case(J, "github job by admin", 201, json={"name": "gh", "cron_expression": "0 1 * * *", "end_date": "2026-03-10", "github_owner": "acme", "github_repo": "r", "github_workflow_name": "w.yml", "pic_team": "QA Team", "category": "Data Sync", "metadata": {"ref": "dev"}}),
    Case(J, "with e-mails", 201, json={**JOB_BODY, "enable_email_notifications": True, "notification_emails": "a@example.com, b@example.com", "notify_on_success": True}),
    Case(J, "missing fields", 400, json={"name": "x"}),
    Case(J, "empty name", 400, json={**JOB_BODY, "name": "  "}),
    Case(J, "duplicate name", 400, json={**JOB_BODY, "name": "job-user"}),
    Case(J, "invalid cron", 400, json={**JOB_BODY, "cron_expression": "99 * * * *"}),
    Case(J, "unknown category", 400, json={**JOB_BODY, "category": "nope"}),
    Case(J, "bad end_date", 400, json={**JOB_BODY, "end_date": "31/12/2026"}),
    Case(J, "past end_date", 400, json={**JOB_BODY, "end_date": "2026-03-09"}),
    Case(J, "null end_date", 400, json={**JOB_BODY, "end_date": None}),
    Case(J, "no pic team", 400, json={k: v for k, v in JOB_BODY.items() if k != "pic_team"}),
    Case(J, "unknown pic team", 400, json={**JOB_BODY, "pic_team": "nobody"}),
    Case(J, "disabled pic team", 400, json={**JOB_BODY, "pic_team": "old-team"}),
    Case(J, "no target", 400, json={k: v for k, v in JOB_BODY.items() if k != "target_url"}),
    Case(J, "http target refused", 400, json={**JOB_BODY, "target_url": "http://example.org/x"}),
    Case(J, "bad workflow name", 400, json={**JOB_BODY, "target_url": None, "github_owner": "a", "github_repo": "b", "github_workflow_name": "build"}),
    Case(J, "name not a string", 400, json={**JOB_BODY, "name": 7}),
    Case(J, "metadata not an object", 400, json={**JOB_BODY, "metadata": "x"}),
    Case(J, "bad notification email", 400, json={**JOB_BODY, "enable_email_notifications": True, "notification_emails": ["nope"]}),
    Case(J, "not JSON", 400, auth="user", body="x", content_type="text/plain"),
    Case(J, "malformed JSON", 400, body="{", content_type="application/json"),
    Case(J, "array body", 400, json=[]),
    # --- job update ------------------------------------------------------------------------
    Case(JU, "owner renames", 200, auth="user", json={"name": "renamed", "cron_expression": "5 4 * * *"}),
    Case(JU, "admin disables", 200, json={"is_active": False}),
    Case(JU, "enable inactive job", 200, path="/api/jobs/{job_inactive}", json={"is_active": True}),
    Case(JU, "empty body", 200, auth="user", json={}),
    Case(JU, "turn off e-mails", 200, json={"enable_email_notifications": False}),
    Case(JU, "switch to github", 200, json={"target_url": "", "github_owner": "acme", "github_repo": "x", "github_workflow_name": "1234"}),
    Case(JU, "non-owner refused", 403, auth="other", json={"name": "x"}),
    Case(JU, "viewer refused", 403, auth="viewer", json={"name": "x"}),
    Case(JU, "user on orphan job refused", 403, auth="user", path="/api/jobs/{job_orphan}", json={}),
    Case(JU, "missing", 404, path="/api/jobs/{missing}", json={}),
    Case(JU, "empty name", 400, json={"name": ""}),
    Case(JU, "duplicate name", 400, json={"name": "job-other"}),
    Case(JU, "invalid cron", 400, json={"cron_expression": "* * *"}),
    Case(JU, "past end_date", 400, json={"end_date": "2020-01-01"}),
    Case(JU, "null end_date", 400, json={"end_date": None}),
    Case(JU, "expired job stays expired", 400, path="/api/jobs/{job_expired}", json={"name": "still"}),
    Case(JU, "expired job can be paused", 200, path="/api/jobs/{job_expired}", json={"is_active": False}),
    Case(JU, "target removed", 400, json={"target_url": ""}),
    Case(JU, "null pic team", 400, json={"pic_team": None}),
    Case(JU, "unknown category", 400, json={"category": "nope"}),
    Case(JU, "not JSON", 400, body="x", content_type="text/plain"),
    Case(JU, "is_active not a boolean", 400, json={"is_active": "false"}),
    # --- job delete ------------------------------------------------------------------------
    Case(JD, "owner deletes (executions go, notifications unlinked)", 200, auth="user"),
    Case(JD, "admin deletes orphan", 200, path="/api/jobs/{job_orphan}"),
    Case(JD, "non-owner refused", 403, auth="other"),
    Case(JD, "viewer refused", 403, auth="viewer"),
    Case(JD, "missing", 404, path="/api/jobs/{missing}"),
    # --- execute now (synchronous effect only, see rules) -----------------------------------
    Case(JX, "owner runs", 200, auth="user"),
    Case(JX, "admin runs github job with overrides", 200, path="/api/jobs/{job_github}/execute", json={"github_repo": "other", "metadata": {"ref": "dev"}}),
    Case(JX, "webhook override", 200, json={"target_url": "https://hooks.example.com/alt"}),
    Case(JX, "inactive job", 409, path="/api/jobs/{job_inactive}/execute"),
    Case(JX, "expired job auto-paused", 400, auth="user", path="/api/jobs/{job_expired}/execute"),
    Case(JX, "non-owner refused", 403, auth="other"),
    Case(JX, "missing", 404, path="/api/jobs/{missing}/execute"),
    Case(JX, "array body", 400, json=[1]),
    Case(JX, "metadata not an object", 400, json={"metadata": "x"}),
    Case(JX, "bad dispatch url", 400, path="/api/jobs/{job_github}/execute", json={"dispatch_url": "https://github.com/acme"}),
    Case(JX, "text body ignored", 200, body="hello", content_type="text/plain"),
    # --- bulk upload -------------------------------------------------------------------------
    Case(BU, "good rows", 200, auth="user", files={"file": _csv(CSV_HEAD, GOOD_ROW, "csv-two,*/10 * * * *,https://hooks.example.com/b,2026-07-01,Ops,Data Sync,disabled")}),
    Case(BU, "partly bad rows", 200, files={"file": _csv(CSV_HEAD, GOOD_ROW, "csv-bad,99 * * * *,https://hooks.example.com/c,2026-07-01,qa-team,general,", "job-user,0 1 * * *,https://hooks.example.com/d,2026-07-01,qa-team,general,", ",0 1 * * *,,2026-07-01,qa-team,general,", "csv-one,0 1 * * *,https://hooks.example.com/e,2026-07-01,qa-team,general,", "csv-past,0 1 * * *,https://hooks.example.com/f,2020-01-01,qa-team,general,", "csv-team,0 1 * * *,https://hooks.example.com/g,2026-07-01,old-team,general,")}),
    Case(BU, "dry run", 200, form={"dry_run": "yes"}, files={"file": _csv(CSV_HEAD, GOOD_ROW, "", "csv-three,0 3 * * *,https://hooks.example.com/h,2026-08-01,qa-team,nope,")}),
    Case(BU, "upsert", 200, form={"mode": "upsert"}, files={"file": _csv(CSV_HEAD, "job-user,0 6 * * *,https://hooks.example.com/u,2026-10-01,qa-team,general,inactive", GOOD_ROW)}),
    Case(BU, "github rows with default owner", 200, form={"default_github_owner": "acme"}, files={"file": _csv("name,cron,repo,workflow name,end date,pic team,request body,branch", 'gh-a,0 4 * * *,tools,ci.yml,2026-09-09,qa-team,"{""x"": 1}",dev', "gh-b,0 4 * * *,org/lib,ci.yml,2026-09-09,qa-team,[1],", "gh-c,0 4 * * *,tools,ci.yml,2026-09-09,qa-team,{bad,")}),
    Case(BU, "missing file", 400, form={"dry_run": "1"}),
    Case(BU, "JSON request", 400, json={"file": "x"}),
    Case(BU, "empty filename", 400, files={"file": ("", "a,b\n")}),
    Case(BU, "empty CSV", 400, files={"file": ("jobs.csv", "")}),
    Case(BU, "blank header", 400, files={"file": ("jobs.csv", " , \nx,y\n")}),
    # --- executions ----------------------------------------------------------------------------
    Case(JE, "default", 200, auth="viewer"),
    Case(JE, "limit 2", 200, query={"limit": "2"}),
    Case(JE, "limit 0", 200, query={"limit": "0"}),
    Case(JE, "non-int limit", 200, query={"limit": "ten"}),
    Case(JE, "status list", 200, query={"status": "success, failed"}),
    Case(JE, "trigger type", 200, query={"trigger_type": "manual"}),
    Case(JE, "date range", 200, query={"from": "2026-03-07", "to": "2026-03-09"}),
    Case(JE, "iso range", 200, query={"from": "2026-03-01T00:00:00Z", "to": "2026-03-10T02:30:00+00:00"}),
    Case(JE, "bad date", 400, query={"from": "yesterday"}),
    Case(JE, "inverted range", 400, query={"from": "2026-03-09", "to": "2026-03-01"}),
    Case(JE, "missing job", 404, path="/api/jobs/{missing}/executions"),
    Case("GET /api/jobs/<job_id>/executions/<execution_id>", "found", 200, auth="viewer"),
    Case("GET /api/jobs/<job_id>/executions/<execution_id>", "other job's execution", 404, path="/api/jobs/{job_user}/executions/{exec_4}"),
    Case("GET /api/jobs/<job_id>/executions/<execution_id>", "missing execution", 404, path="/api/jobs/{job_user}/executions/{missing}"),
    Case("GET /api/jobs/<job_id>/executions/<execution_id>", "missing job", 404, path="/api/jobs/{missing}/executions/{exec_1}"),
    Case("GET /api/jobs/<job_id>/executions/stats", "with runs", 200, auth="viewer"),
    Case("GET /api/jobs/<job_id>/executions/stats", "no runs", 200, path="/api/jobs/{job_orphan}/executions/stats"),
    Case("GET /api/jobs/<job_id>/executions/stats", "missing job", 404, path="/api/jobs/{missing}/executions/stats"),
    Case(E, "default", 200, auth="viewer"),
    Case(E, "page 2 limit 2", 200, query={"page": "2", "limit": "2"}),
    Case(E, "per_page alias", 200, query={"per_page": "3"}),
    Case(E, "clamped", 200, query={"page": "0", "limit": "500"}),
    Case(E, "non-int", 200, query={"page": "a", "limit": "b"}),
    Case(E, "by job", 200, query={"job_id": "{job_user}"}),
    Case(E, "status and trigger", 200, query={"status": "success", "trigger_type": "scheduled"}),
    Case(E, "execution type", 200, query={"execution_type": "github_actions"}),
    Case(E, "range", 200, query={"from": "2026-03-05", "to": "2026-03-10"}),
    Case(E, "bad date", 400, query={"to": "13/13/2026"}),
    Case(E, "inverted range", 400, query={"from": "2026-03-10", "to": "2026-03-10T00:00:00Z"}),
    Case("GET /api/executions/<execution_id>", "found", 200, auth="viewer"),
    Case("GET /api/executions/<execution_id>", "github run", 200, path="/api/executions/{exec_5}"),
    Case("GET /api/executions/<execution_id>", "missing", 404, path="/api/executions/{missing}"),
    Case("GET /api/executions/statistics", "all", 200, auth="viewer"),
    Case("GET /api/executions/statistics", "by job", 200, query={"job_id": "{job_user}"}),
    Case("GET /api/executions/statistics", "range", 200, query={"from": "2026-03-01", "to": "2026-03-08"}),
    Case("GET /api/executions/statistics", "empty", 200, query={"job_id": "{missing}"}),
    Case("GET /api/executions/statistics", "bad date", 400, query={"from": "never"}),
    Case("GET /api/executions/statistics", "inverted range", 400, query={"from": "2026-03-09", "to": "2026-03-02"}),
    # --- notifications ---------------------------------------------------------------------------
    Case(N, "default", 200, auth="user"),
    Case(N, "unread only", 200, auth="user", query={"unread_only": "TRUE"}),
    Case(N, "paged", 200, auth="user", query={"page": "2", "per_page": "2"}),
    Case(N, "below one echoed", 200, auth="user", query={"page": "0", "per_page": "-5"}),
    Case(N, "per_page capped", 200, auth="user", query={"per_page": "1000"}),
    Case(N, "range", 200, auth="user", query={"from": "2026-03-01", "to": "2026-03-10"}),
    Case(N, "bad date", 400, auth="user", query={"from": "soon"}),
    Case(N, "inverted range", 400, auth="user", query={"from": "2026-03-09", "to": "2026-03-01"}),
    Case(N, "other user's list", 200, auth="other"),
    Case("GET /api/notifications/unread-count", "user", 200, auth="user"),
    Case("GET /api/notifications/unread-count", "range", 200, auth="user", query={"from": "2026-03-09T00:00:00Z"}),
    Case("GET /api/notifications/unread-count", "bad date", 400, auth="user", query={"to": "x"}),
    Case("PUT /api/notifications/<notification_id>/read", "marks read", 200, auth="user"),
    Case("PUT /api/notifications/<notification_id>/read", "already read is idempotent", 200, auth="user", path="/api/notifications/{note_read}/read"),
    Case("PUT /api/notifications/<notification_id>/read", "other user's", 403, auth="other"),
    Case("PUT /api/notifications/<notification_id>/read", "missing", 404, auth="user", path="/api/notifications/{missing}/read"),
    Case("PUT /api/notifications/read-all", "user", 200, auth="user"),
    Case("PUT /api/notifications/read-all", "nothing unread", 200, auth="viewer"),
    Case("DELETE /api/notifications/<notification_id>", "own", 200, auth="user"),
    Case("DELETE /api/notifications/<notification_id>", "other user's", 403, auth="admin"),
    Case("DELETE /api/notifications/<notification_id>", "missing", 404, auth="user", path="/api/notifications/{missing}"),
    Case("DELETE /api/notifications/delete-read", "all read", 200, auth="user"),
    Case("DELETE /api/notifications/delete-read", "in range", 200, auth="user", query={"from": "2026-03-08", "to": "2026-03-10"}),
    Case("DELETE /api/notifications/delete-read", "bad date", 400, auth="user", query={"from": "x"}),
    Case("DELETE /api/notifications/delete-read", "inverted range", 400, auth="user", query={"from": "2026-03-10", "to": "2026-03-01"}),
]
