"""The console over plain HTTP through the gateway: auth, CSRF, headers, actions, figures."""

from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stdout
from datetime import timedelta

from sqlalchemy.orm import Session
from starlette.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from cutover import figures, flags, rollout
from cutover.__main__ import run as cli
from cutover.console.headers import CSP
from cutover.verdict import judge
from gateway import Gateway
from shared_models.clock import utcnow
from shared_models.db import begin_write
from shared_models.models.ops import CutoverAudit
from shared_models.settings import Settings
from tests.cutover.console.support import csrf_of, green, log_in, operator, plant_mismatch
from tests.helpers import token_for
from tests.metrics_text import samples, value

ROUTE = "GET /api/health"


def _admin(ops: TestClient, db: Session) -> str:
    """Log an admin in; the CSRF token of their session."""
    operator(db)
    assert log_in(ops, "admin-op").status_code == 303
    return csrf_of(ops.get("/ops/").text)


def _flag(db: Session, key: str) -> tuple[str, int]:
    db.rollback()
    return flags.load_table(db).state(key)


def _audit(db: Session, key: str) -> list[CutoverAudit]:
    db.rollback()
    return list(db.query(CutoverAudit).filter_by(route_key=key).order_by(CutoverAudit.at))


def test_anonymous_visitors_are_sent_to_the_login_form_and_refused_actions(ops: TestClient, db: Session) -> None:
    assert ops.get("/ops/", follow_redirects=False).headers["location"] == "/ops/login"
    assert ops.get("/ops/?fragment=1").status_code == 401
    assert ops.get(f"/ops/route?key={ROUTE}", follow_redirects=False).status_code == 303
    refused = ops.post("/ops/actions/state", data={"route_key": ROUTE, "state": "shadow", "reason": "x", "csrf": "x"})
    assert refused.status_code == 401
    assert _flag(db, ROUTE) == ("legacy", 0)
    assert ops.get("/ops", follow_redirects=False).headers["location"] == "/ops/"


def test_every_console_answer_carries_the_security_headers(ops: TestClient) -> None:
    for answer in (ops.get("/ops/login"), ops.get("/ops/nope"), ops.get("/ops/static/console.js"),
                   ops.get("/ops/?fragment=1"), ops.post("/ops/login", data={})):
        assert answer.headers["content-security-policy"] == CSP, answer.url
        assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP and "frame-ancestors 'none'" in CSP
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["x-content-type-options"] == "nosniff"
    assert ops.get("/ops/nope").status_code == 404
    page = ops.get("/ops/login").text
    assert "<script>" not in page and " style=" not in page and "onclick" not in page  # nothing inline


def test_an_admin_logs_in_with_an_httponly_strict_cookie_and_no_token_reaches_the_page(
    ops: TestClient, db: Session, settings: Settings
) -> None:
    operator(db)
    answer = log_in(ops, "admin-op")
    assert answer.status_code == 303 and answer.headers["location"] == "/ops/"
    cookie = next(value for value in answer.headers.get_list("set-cookie") if value.startswith("ops_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict") and "Path=/ops" in cookie
    token = cookie.split(";", 1)[0].split("=", 1)[1]
    pages = [ops.get(path).text for path in ("/ops/", f"/ops/route?key={ROUTE}", "/ops/audit")]
    assert "Migration overview" in pages[0] and ROUTE in pages[0]
    for page in pages:
        assert token not in page and settings.SECRET_KEY not in page and "eyJ" not in page


def test_wrong_password_viewer_and_missing_form_token_are_refused(
    ops: TestClient, db: Session, settings: Settings
) -> None:
    operator(db)
    viewer = operator(db, "viewer")
    wrong = log_in(ops, "admin-op", "not-the-password")
    assert wrong.status_code == 401 and "Invalid email/username or password" in wrong.text
    refused = log_in(ops, "viewer-op")
    assert refused.status_code == 403 and "administrators only" in refused.text
    assert "ops_session" not in ops.cookies
    no_token = ops.post("/ops/login", data={"username": "admin-op", "password": "secret123"})
    assert no_token.status_code == 403 and "ops_session" not in ops.cookies
    # A viewer's valid API token used as the session cookie: still not an admin.
    ops.cookies.set("ops_session", token_for(settings, viewer), path="/ops")
    assert ops.get("/ops/").status_code == 403
    assert ops.get("/ops/?fragment=1").status_code == 403


def test_an_action_without_the_sessions_csrf_token_is_refused(ops: TestClient, db: Session) -> None:
    _admin(ops, db)
    for token in (None, "0" * 64):
        data = {"route_key": ROUTE, "state": "shadow", "reason": "try"}
        if token:
            data["csrf"] = token
        answer = ops.post("/ops/actions/state", data=data)
        assert answer.status_code == 403 and "CSRF" in answer.text
    all_legacy = ops.post("/ops/actions/all-legacy", data={"reason": "x", "confirm": "legacy"})
    assert all_legacy.status_code == 403
    assert _flag(db, ROUTE) == ("legacy", 0) and _audit(db, ROUTE) == []


def test_set_state_is_audited_with_the_actor_and_moves_the_traffic(
    ops: TestClient, ops_gateway: Gateway, db: Session
) -> None:
    csrf = _admin(ops, db)
    green(db, ROUTE)
    assert ops.get("/api/health").headers["x-served-by"] == "legacy"
    answer = ops.post("/ops/actions/state", data={"route_key": ROUTE, "state": "fastapi", "reason": "parity green",
                                                  "csrf": csrf}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/ops/route?key=GET+%2Fapi%2Fhealth")
    assert _flag(db, ROUTE) == ("fastapi", 0)
    [entry] = _audit(db, ROUTE)
    assert (entry.actor, entry.to_state, entry.reason, entry.forced) == ("console:admin-op", "fastapi",
                                                                          "parity green", False)
    ops_gateway.flags.refresh()
    assert ops.get("/api/health").headers["x-served-by"] == "fastapi"
    page = ops.get(answer.headers["location"]).text
    assert "State changed (audited)." in page and "console:admin-op" in page


def test_the_parity_gate_refusal_is_shown_and_force_is_explicit_and_audited(ops: TestClient, db: Session) -> None:
    csrf = _admin(ops, db)
    data = {"route_key": ROUTE, "state": "canary", "canary_percent": "10", "reason": "try it", "csrf": csrf}
    refused = ops.post("/ops/actions/state", data=data)
    assert refused.status_code == 409
    assert "Refused by the parity gate" in refused.text and "has no parity result" in refused.text
    assert 'value="try it"' in refused.text  # the operator's input is kept
    assert _flag(db, ROUTE) == ("legacy", 0)
    forced = ops.post("/ops/actions/state", data={**data, "force": "on"}, follow_redirects=False)
    assert forced.status_code == 303
    assert _flag(db, ROUTE) == ("canary", 10)
    [entry] = _audit(db, ROUTE)
    assert entry.forced is True and entry.actor == "console:admin-op"
    assert "FORCED" in ops.get(forced.headers["location"]).text


def test_bad_input_gets_the_documented_refusal_not_a_500(ops: TestClient, db: Session) -> None:
    csrf = _admin(ops, db)
    cases = [
        ({"route_key": ROUTE, "state": "shadow", "reason": "  "}, 400, "A reason is required"),
        ({"route_key": ROUTE, "state": "sideways", "reason": "x"}, 400, "must be one of"),
        ({"route_key": ROUTE, "state": "canary", "canary_percent": "ten", "reason": "x", "force": "on"}, 400,
         "must be an integer"),
        ({"route_key": ROUTE, "state": "canary", "canary_percent": "101", "reason": "x", "force": "on"}, 400,
         "from 0 to 100"),
    ]
    for data, status, words in cases:
        answer = ops.post("/ops/actions/state", data={**data, "csrf": csrf})
        assert answer.status_code == status and words in answer.text, data
    unknown = ops.post("/ops/actions/state", data={"route_key": "GET /api/nope", "state": "shadow", "reason": "x",
                                                   "csrf": csrf})
    assert unknown.status_code == 404
    assert ops.get("/ops/route?key=GET%20/api/nope").status_code == 404
    bad_op = ops.post("/ops/actions/rollout", data={"route_key": ROUTE, "op": "explode", "reason": "x", "csrf": csrf})
    assert bad_op.status_code == 400
    assert _flag(db, ROUTE) == ("legacy", 0)


def test_start_pause_and_abort_a_rollout(ops: TestClient, db: Session) -> None:
    csrf = _admin(ops, db)
    green(db, ROUTE)
    base = {"route_key": ROUTE, "csrf": csrf}
    started = ops.post("/ops/actions/rollout", data={**base, "op": "start", "steps": "5,50,100", "hold": "1m",
                                                     "min_requests": "10", "reason": "go"}, follow_redirects=False)
    assert started.status_code == 303
    assert _flag(db, ROUTE) == ("canary", 5)
    page = ops.get(started.headers["location"]).text
    assert "running: step 1/3 at 5%" in page
    assert 'id="rollouts-active">1<' in ops.get("/ops/").text
    assert ops.post("/ops/actions/rollout", data={**base, "op": "pause", "reason": "look"}).status_code == 200
    assert "paused: step 1/3" in ops.get(f"/ops/route?key={ROUTE}").text
    again = ops.post("/ops/actions/rollout", data={**base, "op": "start", "reason": "twice"})
    assert again.status_code == 409 and "already has a running or paused rollout" in again.text
    assert ops.post("/ops/actions/rollout", data={**base, "op": "abort", "reason": "stop"}).status_code == 200
    assert _flag(db, ROUTE) == ("legacy", 0)
    db.rollback()
    actions = [(d["action"], d["actor"]) for d in rollout.decisions(db, route_key=ROUTE)]
    assert actions == [("abort", "console:admin-op"), ("pause", "console:admin-op"), ("start", "console:admin-op")]
    overview = ops.get("/ops/").text
    assert "last aborted" in overview and 'id="rollouts-active">0<' in overview


def test_everything_back_to_legacy_needs_the_confirmation(ops: TestClient, db: Session) -> None:
    csrf = _admin(ops, db)
    green(db, ROUTE)
    green(db, "GET /api/jobs")
    for key, state in ((ROUTE, "fastapi"), ("GET /api/jobs", "shadow")):
        ops.post("/ops/actions/state", data={"route_key": key, "state": state, "reason": "x", "csrf": csrf})
    ops.post("/ops/actions/rollout", data={"route_key": "GET /api/auth/me", "op": "start", "reason": "x",
                                           "csrf": csrf})  # refused by the gate: no parity
    green(db, "GET /api/auth/me")
    ops.post("/ops/actions/rollout", data={"route_key": "GET /api/auth/me", "op": "start", "reason": "x",
                                           "csrf": csrf})
    unconfirmed = ops.post("/ops/actions/all-legacy", data={"reason": "incident", "confirm": "yes", "csrf": csrf})
    assert unconfirmed.status_code == 400 and "Type &#34;legacy&#34; to confirm" in unconfirmed.text
    assert _flag(db, ROUTE) == ("fastapi", 0)
    done = ops.post("/ops/actions/all-legacy", data={"reason": "incident 42", "confirm": "legacy", "csrf": csrf},
                    follow_redirects=False)
    assert done.status_code == 303
    db.rollback()
    assert flags.load_table(db).all_legacy
    assert rollout.status(db, route_key="GET /api/auth/me")[0]["state"] == "aborted"
    reasons = {entry["reason"] for entry in flags.history(session=db) if entry["actor"] == "console:admin-op"}
    assert "all back to legacy: incident 42" in reasons
    assert "Everything is back on legacy" in ops.get(done.headers["location"]).text


def test_a_planted_mismatch_shows_both_answers_side_by_side_without_secrets(ops: TestClient, db: Session) -> None:
    _admin(ops, db)
    plant_mismatch(db)
    page = ops.get(f"/ops/route?key={ROUTE}").text
    assert "GET /api/health?probe=1" in page and "legacy &#39;ok&#39; != v2 &#39;degraded&#39;" in page
    status_row = re.search(r'<tr class="changed" data-part="status">(.*?)</tr>', page, re.S)
    assert status_row and "200" in status_row.group(1) and "503" in status_row.group(1)
    assert re.search(r'class="body replace".*&#34;ok&#34;.*&#34;degraded&#34;', page, re.S)
    assert "eyJ.secret.sig" not in page and "&#34;access_token&#34;: &#34;***&#34;" in page


def test_the_overview_figures_are_the_clis(ops: TestClient, db: Session, settings: Settings) -> None:
    _admin(ops, db)
    green(db, ROUTE)
    green(db, "GET /api/jobs", mismatched=2)
    plant_mismatch(db)
    arms = {(ROUTE, "legacy"): figures.ArmFigures(), (ROUTE, "fastapi"): figures.ArmFigures()}
    for number in range(40):
        arms[ROUTE, "legacy"].add(0.004 + number / 10_000, 200)
        arms[ROUTE, "fastapi"].add(0.002, 500 if number < 2 else 200)
    db.rollback()
    figures.add_figures(db, slot_start=figures.slot_of(utcnow() - timedelta(minutes=5), 10), arms=arms)
    db.commit()
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli(["flags", "list", "--json"], settings) == 0
    listed = {row["route_key"]: row for row in json.loads(out.getvalue())}
    page = ops.get("/ops/").text
    for key in (ROUTE, "GET /api/jobs"):
        row = re.search(rf'<tr data-route="{re.escape(key)}".*?</tr>', page, re.S).group(0)
        parity = listed[key]["parity"]
        assert f'data-figure="parity">{parity["matched"]}/{parity["cases"]}<' in row
    health = re.search(rf'<tr data-route="{re.escape(ROUTE)}".*?</tr>', page, re.S).group(0)
    shadow = listed[ROUTE]["shadow"]
    assert f'{shadow["mismatched"]}/{shadow["compared"]} mismatched' in health
    db.rollback()
    summary = {item["stack"]: item for item in figures.route_figures(db, since=utcnow() - timedelta(hours=1))}
    assert f'{summary["fastapi"]["p99_ms"]:g} ms' in health and "5.0%" in health  # 2 of 40 answers were 5xx
    assert f'{summary["legacy"]["p50_ms"]:g} ms' in health
    assert "50.0% of 80 requests" in page  # FastAPI's share of the hour, as figures.fastapi_share counts it
    filtered = ops.get("/ops/?resource=jobs").text
    assert 'data-route="GET /api/jobs"' in filtered and f'data-route="{ROUTE}"' not in filtered
    assert 'data-route="GET /api/jobs"' not in ops.get("/ops/?state=fastapi&fragment=1").text


def test_logging_out_revokes_the_session(ops: TestClient, db: Session) -> None:
    csrf = _admin(ops, db)
    token = ops.cookies.get("ops_session")
    assert ops.post("/ops/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    ops.cookies.set("ops_session", token, path="/ops")
    assert ops.get("/ops/", follow_redirects=False).headers["location"] == "/ops/login"


def _served(text: str, route: str, stack: str) -> float:
    """Requests /metrics counted for one route and arm, over every state and status class."""
    return sum(count for (name, labels), count in samples(text).items()
               if name == "http_server_request_duration_seconds_count"
               and dict(labels).get("route") == route and dict(labels).get("stack") == stack)


def test_the_overview_counts_what_metrics_counts(ops: TestClient, ops_gateway: Gateway, db: Session) -> None:
    csrf = _admin(ops, db)
    green(db, ROUTE)
    before = ops.get("/metrics").text  # the registry is process-wide: compare differences
    for _ in range(5):
        assert ops.get("/api/health").headers["x-served-by"] == "legacy"
    ops.post("/ops/actions/state", data={"route_key": ROUTE, "state": "fastapi", "reason": "x", "csrf": csrf})
    ops_gateway.flags.refresh()
    for _ in range(3):
        assert ops.get("/api/health").headers["x-served-by"] == "fastapi"
    ops_gateway.observer.flush()
    after = ops.get("/metrics").text
    served = {stack: int(_served(after, ROUTE, stack) - _served(before, ROUTE, stack))
              for stack in ("legacy", "fastapi")}
    assert served == {"legacy": 5, "fastapi": 3}
    row = re.search(rf'<tr data-route="{re.escape(ROUTE)}".*?</tr>', ops.get("/ops/").text, re.S).group(0)
    for stack, count in served.items():
        cell = re.search(rf'data-figure="arm-{stack}">(.*?)</td>', row, re.S).group(1)
        assert f"{count} req" in cell


def test_a_rollouts_verdict_shows_the_figures_the_rollout_cli_prints(
    ops: TestClient, db: Session, settings: Settings
) -> None:
    _admin(ops, db)
    green(db, ROUTE)
    db.rollback()
    begin_write(db)
    rollout.start(session=db, route_key=ROUTE, actor="cli:op", steps="10,100", hold_seconds=60, min_requests=5)
    legacy, fastapi = figures.ArmFigures(), figures.ArmFigures()
    for number in range(30):
        legacy.add(0.003 + number / 20_000, 200)
        fastapi.add(0.002 + number / 10_000, 500 if number % 10 == 0 else 200)
    row = rollout.active(db, ROUTE)
    rollout.note_wait(db, row, judge(legacy, fastapi, min_requests=5, held=False))
    db.commit()
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli(["rollout", "status", ROUTE, "--json"], settings) == 0
    [listed] = json.loads(out.getvalue())
    verdict = listed["verdict"]
    page = ops.get(f"/ops/route?key={ROUTE}").text
    assert f"Latest verdict: <strong>{verdict['kind']}</strong>" in page
    for stack in ("legacy", "fastapi"):
        arm = verdict["figures"][stack]
        cells = re.findall(r"<td>(.*?)</td>", re.search(rf'<tr data-arm="{stack}">(.*?)</tr>', page, re.S).group(1))
        assert cells == [str(arm["requests"]), str(arm["errors_5xx"]), f"{arm['error_rate'] * 100:.1f}%",
                         f"{arm['p50_ms']:g} ms", f"{arm['p99_ms']:g} ms"]
    stats = re.search(r'<p id="verdict-stats">(.*?)</p>', page, re.S).group(1)
    assert f"z {verdict['figures']['z']:g}" in stats and f"p99 ratio {verdict['figures']['p99_ratio']:g}" in stats
    assert "running: step 1/2 at 10%" in page


def test_hostile_input_is_refused_with_a_page_never_a_500(ops: TestClient, db: Session) -> None:
    csrf = _admin(ops, db)
    base = {"route_key": ROUTE, "state": "shadow", "csrf": csrf}
    for reason, status in (("x" * 501, 400), ("nul \x00 byte", 400), ("ünïcødé → ok", 303)):
        answer = ops.post("/ops/actions/state", data={**base, "reason": reason}, follow_redirects=False)
        assert answer.status_code == status, reason
    assert ops.post("/ops/actions/rollout", data={**base, "op": "start", "steps": "5,\x00", "reason": "x"}
                    ).status_code == 400
    assert ops.post("/ops/actions/rollout", data={**base, "op": "start", "hold": "forever", "reason": "x"}
                    ).status_code == 400
    assert ops.post("/ops/actions/state", json={"route_key": ROUTE, "csrf": csrf}).status_code == 403
    assert ops.post("/ops/actions/state", files={"reason": ("r.txt", b"x" * 100_000)}).status_code == 403
    assert ops.post("/ops/login", content=b"\xff\xfe", headers={"content-type": "application/x-www-form-urlencoded"}
                    ).status_code == 403
    assert ops.get("/ops/route", params={"key": "GET /api/" + "x" * 5000}).status_code == 404
    assert ops.put("/ops/").status_code == 405
    db.rollback()
    [entry] = flags.history(session=db, route_key=ROUTE)
    assert entry["reason"] == "ünïcødé → ok"


def test_the_shadow_match_rate_is_what_metrics_counted(ops: TestClient, ops_gateway: Gateway, db: Session) -> None:
    """Three replays, one of them drifting: the route page and /metrics say 1 of 3 mismatched."""
    csrf = _admin(ops, db)
    inner, calls = ops_gateway.v2, []

    async def drifting_once(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_changed(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": message["body"].replace(b'"ok"', b'"drift"')}
            await send(message)

        replay = scope["path"] == "/api/v2/health"
        calls.append(replay)
        await inner(scope, receive, send_changed if replay and calls.count(True) == 1 else send)

    ops_gateway.v2 = drifting_once
    ops.post("/ops/actions/state", data={"route_key": ROUTE, "state": "shadow", "reason": "x", "csrf": csrf})
    ops_gateway.flags.refresh()
    before = ops.get("/metrics").text
    for _ in range(3):
        assert ops.get("/api/health").headers["x-served-by"] == "legacy"
        ops.portal.call(ops_gateway.shadow.drain)  # type: ignore[union-attr]
    after = ops.get("/metrics").text
    counted = {verdict: int(value(after, "cutover_shadow_comparisons_total", route=ROUTE, verdict=verdict)
                            - value(before, "cutover_shadow_comparisons_total", route=ROUTE, verdict=verdict))
               for verdict in ("matched", "mismatched")}
    assert counted == {"matched": 2, "mismatched": 1}
    page = ops.get(f"/ops/route?key={ROUTE}").text
    assert "1/3 mismatched" in page and "66.7%" in page
    assert "&#34;drift&#34;" in page  # the kept mismatch, FastAPI's side
