"""The console in a real browser: Playwright for Python driving Debian's chromium.

The gateway runs under uvicorn on a loopback port (its real lifespan, flag refresher
included) over the test database; chromium is the system one (`executable_path`, from
scripts/chromium_install.sh), never a Playwright download. Screenshots of each page go
to reports/screenshots/ as artefacts. Cost: about 40 s for the module on the shared
2-core machine (one browser for all tests, one gateway per test), in the SQLite pass
only: the pages read the same services on either database, and the plain HTTP tests of
the console run on both. Without chromium or Playwright the module skips, unless
CONSOLE_BROWSER_REQUIRED=1 (scripts/test.sh sets it once chromium is there) makes that
a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from cutover import flags, rollout
from cutover.config import CutoverConfig
from gateway import create_gateway
from shared_models.db import begin_write
from shared_models.settings import Settings
from tests.conftest import BACKEND
from tests.cutover.console.support import PASSWORD, green, operator, plant_mismatch
from tests.cutover.live import LiveGateway

ROUTE = "GET /api/health"
SCREENSHOTS = Path(__file__).resolve().parents[3] / "reports" / "screenshots"
REQUIRED = os.environ.get("CONSOLE_BROWSER_REQUIRED") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PATIENCE_MS = 20_000
"""How long a step may wait for the page (a bound, not a measured duration)."""


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    if not Path(CHROMIUM).exists():
        return f"no chromium at {CHROMIUM} (scripts/chromium_install.sh)"
    return None


_reason = "the browser tests run in the SQLite pass" if BACKEND != "sqlite" else _missing()
if _reason is not None:
    if REQUIRED and BACKEND == "sqlite":
        raise RuntimeError(f"console browser tests required but {_reason}")
    pytest.skip(_reason, allow_module_level=True)

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def live(settings: Settings) -> Iterator[LiveGateway]:
    with LiveGateway(create_gateway(settings, CutoverConfig(refresh_interval=0.1))) as server:
        yield server


@pytest.fixture
def page(browser: Browser, live: LiveGateway) -> Iterator[Page]:
    context = browser.new_context(base_url=live.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(PATIENCE_MS)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    opened.on("pageerror", lambda error: problems.append(str(error)))
    yield opened
    context.close()
    # No CSP violation, no script error: the pages carry nothing inline and load only our files.
    assert [p for p in problems if "status of 4" not in p] == []


def shot(page: Page, name: str, *, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{BACKEND}.png"), full_page=full_page)


def log_in_with_the_keyboard(page: Page, username: str, *, admin: bool = True) -> None:
    """Log in by typing only; an admin lands on the overview, anyone else stays on the form."""
    page.goto("/ops/")
    expect(page).to_have_url(f"{page.url.split('/ops/')[0]}/ops/login")
    expect(page.locator("#username")).to_be_focused()  # autofocus: typing starts at once
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    if admin:
        expect(page.locator("h1")).to_have_text("Migration overview")


def served_by(page: Page, path: str) -> str:
    return page.request.get(path).headers["x-served-by"]


def _set(db: Session, key: str, state: str, **kwargs: Any) -> None:
    db.rollback()
    begin_write(db)
    flags.set_flag(session=db, route_key=key, state=state, actor="cli:someone", force=True, **kwargs)
    db.commit()


def test_log_in_see_the_overview_refresh_itself_and_read_it_on_a_phone(
    page: Page, db: Session, browser: Browser, live: LiveGateway
) -> None:
    operator(db)
    page.goto("/ops/login")
    shot(page, "login")
    log_in_with_the_keyboard(page, "admin-op")
    expect(page.locator("h1")).to_have_text("Migration overview")
    row = page.locator(f'tr[data-route="{ROUTE}"]')
    expect(row.locator('[data-figure="state"]')).to_have_text("legacy")
    shot(page, "overview")
    _set(db, ROUTE, "shadow")  # someone else flips it: the table refreshes by itself
    expect(row.locator('[data-figure="state"]')).to_have_text("shadow")
    page.select_option("#f-state", "shadow")  # a filter applies on change
    expect(page).to_have_url(f"{live.url}/ops/?resource=&state=shadow")
    expect(page.locator("tbody tr[data-route]")).to_have_count(1)
    cookies = page.context.cookies()
    phone = browser.new_context(base_url=live.url, viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True, device_scale_factor=2)
    phone.add_cookies(cookies)
    mobile = phone.new_page()
    mobile.goto("/ops/")
    expect(mobile.locator(f'tr[data-route="{ROUTE}"]')).to_be_visible()
    width = mobile.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the phone layout scrolls sideways ({width}px)"
    shot(mobile, "overview-phone", full_page=False)
    phone.close()


def test_flip_a_route_and_watch_x_served_by_change(page: Page, db: Session) -> None:
    operator(db)
    green(db, ROUTE)
    log_in_with_the_keyboard(page, "admin-op")
    assert served_by(page, "/api/health") == "legacy"
    page.get_by_role("link", name=ROUTE, exact=True).click()
    expect(page.locator("h1")).to_have_text(ROUTE)
    page.select_option("#s-state", "fastapi")
    page.fill("#s-reason", "parity green, shadow clean")
    page.get_by_role("button", name="Set state").click()
    expect(page.get_by_role("status")).to_have_text("State changed (audited).")
    expect(page.locator("#route-state")).to_have_text("fastapi")
    expect(page.locator("table.audit tbody tr").first).to_contain_text("console:admin-op")
    shot(page, "route-flipped")
    waited = 0
    while served_by(page, "/api/health") != "fastapi" and waited < PATIENCE_MS:
        page.wait_for_timeout(100)  # the gateway's flag refresher picks the flip up
        waited += 100
    assert served_by(page, "/api/health") == "fastapi"
    page.get_by_role("link", name="Audit trail").click()
    entry = page.locator('table.audit tbody tr[data-actor="console:admin-op"]').first
    expect(entry).to_contain_text("legacy → fastapi")
    expect(entry).to_contain_text("parity green, shadow clean")
    shot(page, "audit")


def test_the_gate_refusal_is_shown_and_force_is_a_choice(page: Page, db: Session) -> None:
    operator(db)
    log_in_with_the_keyboard(page, "admin-op")
    page.goto(f"/ops/route?key={ROUTE}")
    page.select_option("#s-state", "canary")
    expect(page.locator("#s-percent")).to_be_visible()
    page.fill("#s-percent", "10")
    page.fill("#s-reason", "early canary")
    page.get_by_role("button", name="Set state").click()
    expect(page.locator("#refusal")).to_contain_text("Refused by the parity gate")
    expect(page.locator("#refusal")).to_contain_text("has no parity result")
    shot(page, "gate-refused")
    page.check("#s-force")
    page.get_by_role("button", name="Set state").click()
    expect(page.locator("#route-state")).to_have_text("canary 10%")
    expect(page.locator("table.audit tbody tr").first).to_contain_text("FORCED")


def test_open_a_planted_mismatch_and_see_its_diff(page: Page, db: Session) -> None:
    operator(db)
    plant_mismatch(db)
    log_in_with_the_keyboard(page, "admin-op")
    page.goto(f"/ops/route?key={ROUTE}")
    diff = page.locator("#mismatch-1 table.diff")
    expect(diff).to_be_hidden()
    page.locator("#mismatch-1 summary").focus()
    page.keyboard.press("Enter")  # <details> opens from the keyboard
    expect(diff).to_be_visible()
    status = diff.locator('tr[data-part="status"]')
    expect(status).to_have_class("changed")
    expect(status.locator("td").nth(0)).to_have_text("200")
    expect(status.locator("td").nth(1)).to_have_text("503")
    changed = diff.locator("tr.body.replace")
    expect(changed.first.locator("td").nth(0)).to_contain_text('"ok"')
    expect(changed.first.locator("td").nth(1)).to_contain_text('"degraded"')
    assert "eyJ.secret.sig" not in page.content()
    diff.scroll_into_view_if_needed()
    shot(page, "mismatch-diff")


def test_start_and_abort_a_rollout_then_everything_back_to_legacy(page: Page, db: Session) -> None:
    operator(db)
    green(db, ROUTE)
    green(db, "GET /api/jobs")
    _set(db, "GET /api/jobs", "fastapi")
    log_in_with_the_keyboard(page, "admin-op")
    page.goto(f"/ops/route?key={ROUTE}")
    page.fill("#r-steps", "10,50,100")
    page.fill("#r-start-reason", "start the canary")
    page.get_by_role("button", name="Start rollout").click()
    expect(page.locator("#rollout-status")).to_contain_text("running: step 1/3 at 10%")
    expect(page.locator("#route-state")).to_have_text("canary 10%")
    page.goto("/ops/")
    expect(page.locator(f'tr[data-route="{ROUTE}"] [data-figure="rollout"]')).to_have_text(
        "running: step 1/3 at 10%")
    page.goto(f"/ops/route?key={ROUTE}")
    shot(page, "rollout-running")
    page.fill("#r-reason", "p99 looks odd")
    page.get_by_role("button", name="Abort (back to legacy)").click()
    expect(page.locator("#rollout-status")).to_contain_text("aborted")
    expect(page.locator("#route-state")).to_have_text("legacy")
    expect(page.locator("#decisions tbody tr").first).to_contain_text("abort")
    db.rollback()
    assert rollout.status(db, route_key=ROUTE)[0]["state"] == "aborted"
    page.goto("/ops/")
    page.fill("#al-reason", "incident drill")
    page.fill("#al-confirm", "nope")
    page.get_by_role("button", name="Send everything back to legacy").click()
    expect(page).to_have_url(f"{page.url.split('/ops/')[0]}/ops/")  # the browser refused the wrong word
    assert flags.load_table(db).state("GET /api/jobs")[0] == "fastapi"
    page.fill("#al-confirm", "legacy")
    page.get_by_role("button", name="Send everything back to legacy").click()
    expect(page.get_by_role("status")).to_have_text("Everything is back on legacy (audited).")
    db.rollback()
    assert flags.load_table(db).all_legacy
    shot(page, "all-legacy")


def test_refuse_a_viewer_and_an_anonymous_visitor(page: Page, db: Session) -> None:
    operator(db, "viewer")
    page.goto(f"/ops/route?key={ROUTE}")
    expect(page.locator("h1")).to_have_text("Log in")
    assert page.request.post("/ops/actions/all-legacy", form={"reason": "x", "confirm": "legacy"}).status == 401
    log_in_with_the_keyboard(page, "viewer-op", admin=False)
    expect(page.locator("#login-error")).to_have_text("This console is for administrators only.")
    shot(page, "viewer-refused")
    assert not [c for c in page.context.cookies() if c["name"] == "ops_session"]
    page.goto("/ops/audit")
    expect(page.locator("h1")).to_have_text("Log in")


def test_refuse_an_action_without_the_csrf_token(page: Page, db: Session) -> None:
    operator(db)
    green(db, ROUTE)
    log_in_with_the_keyboard(page, "admin-op")
    session = next(c for c in page.context.cookies() if c["name"] == "ops_session")
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    assert page.evaluate("document.cookie") == ""  # scripts never see the session
    page.goto(f"/ops/route?key={ROUTE}")
    page.locator("#set-state input[name=csrf]").evaluate("input => input.remove()")
    page.select_option("#s-state", "fastapi")
    page.fill("#s-reason", "no token")
    page.get_by_role("button", name="Set state").click()
    expect(page.locator("h1")).to_have_text("Refused")
    expect(page.locator(".refused")).to_contain_text("CSRF token is missing or wrong")
    shot(page, "csrf-refused")
    answer = page.request.post("/ops/actions/state", form={"route_key": ROUTE, "state": "fastapi", "reason": "x"})
    assert answer.status == 403
    db.rollback()
    assert flags.load_table(db).state(ROUTE) == ("legacy", 0)
