"""v2 twins of test-run (§3.4.3) and execute-now (§3.5.7, D7).

Execute-now: the shared service claims a `running` execution (flushed), `SessionDep`
commits when the route returns, the response is sent, and only then a Starlette
`BackgroundTask` starts `executor.run_execution` in a daemon thread. The order matters:
the run loads the execution in its own session, so it must start after the commit (a
run started earlier would find no row and do nothing). An expired job's 400 is an
outcome returned, not raised, so its auto-pause is committed like a success.

Runs use synchronous sessions: one sync engine per app, created on the first run and
disposed at shutdown by the app's lifespan (`app.state.sync_engine`).
"""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from fastapi_app.contract_body import ContractBody, ContractRoute
from fastapi_app.deps import EditorUser, ReadSessionDep, SessionDep, SettingsDep, call
from fastapi_app.responses import LegacyJSONResponse
from fastapi_app.routers.auth import BODY_ERRORS
from fastapi_app.schemas.common import ROLE_RESPONSES, ErrorBody
from fastapi_app.schemas.runs import ExecuteTriggered, TestRunResult
from shared_models.contracts.runs import ExecuteBody, TestRunBody
from shared_models.db import make_engine, make_sessionmaker
from shared_models.executor import RunOverrides, run_execution
from shared_models.mail import SmtpMailer
from shared_models.models import Job
from shared_models.services.execute import JobExpired, execute_now, runnable_job
from shared_models.services.test_run import test_run as run_test
from shared_models.settings import Settings

router = APIRouter(prefix="/jobs", tags=["runs"], route_class=ContractRoute)


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


# --- background runs -------------------------------------------------------------------


def run_sessionmaker(app: FastAPI) -> sessionmaker[Session]:
    """The app's sessionmaker for background runs, on a sync engine made on first use.

    Called on the event loop only (from the route), so no lock is needed.
    """
    factory = getattr(app.state, "run_sessionmaker", None)
    if factory is None:
        engine = make_engine(app.state.settings)
        app.state.sync_engine = engine
        factory = app.state.run_sessionmaker = make_sessionmaker(engine)
    return factory


def start_background_run(
    session_factory: sessionmaker[Session],
    settings: Settings,
    execution_id: str,
    overrides: RunOverrides | None,
) -> threading.Thread:
    """Run the committed execution to its end in a daemon thread with its own sessions."""
    thread = threading.Thread(
        target=run_execution,
        name=f"execution-{execution_id}",
        kwargs={
            "session_factory": session_factory,
            "settings": settings,
            "execution_id": execution_id,
            "overrides": overrides,
            "mailer": SmtpMailer(settings),
        },
        daemon=True,
    )
    thread.start()
    return thread


async def _start_after_response(
    session_factory: sessionmaker[Session], settings: Settings, execution_id: str, overrides: RunOverrides | None
) -> None:
    # Async on purpose: starting a thread is instant, and a sync task would take a
    # threadpool slot only to spawn another thread. The module-level lookup of
    # `start_background_run` lets a test observe the moment the run starts.
    start_background_run(session_factory, settings, execution_id, overrides)


# --- routes ----------------------------------------------------------------------------


@router.post(
    "/test-run",
    response_model=TestRunResult,
    response_model_exclude_unset=True,  # a reply carries status_code, a failure error
    summary="Call a webhook or dispatch a GitHub workflow once; nothing is stored",
    responses={
        **ROLE_RESPONSES,
        **BODY_ERRORS,
        400: _error(
            "Not JSON, invalid JSON, a field of the wrong type, metadata not an object, no target, "
            "or an unsafe / non-http(s) target_url"
        ),
    },
)
async def test_run(
    settings: SettingsDep,
    _editor: EditorUser,
    _session: ReadSessionDep,
    body: Annotated[TestRunBody, ContractBody(TestRunBody)],
) -> dict[str, Any]:
    # The outbound call blocks for up to `timeout_seconds` (and GitHub retries): keep it
    # off the event loop.
    return await run_in_threadpool(run_test, settings=settings, body=body)



async def job_to_execute(job_id: str, session: SessionDep, settings: SettingsDep, user: EditorUser) -> Job:
    """404, 403, expired, 409: before the body is read (§3.5.7 steps 1-4).

    An expired job's 400 keeps its auto-pause: the one answer committed before it is
    raised (the legacy committed it before answering too)."""
    try:
        return await call(session, runnable_job, settings=settings, actor=user, job_id=job_id)
    except JobExpired:
        await session.commit()
        raise


@router.post(
    "/{job_id}/execute",
    response_model=ExecuteTriggered,  # documents: the route answers its own Response
    summary="Run a job now (owner or admin); the run continues in the background (D7)",
    responses={
        **ROLE_RESPONSES,
        **BODY_ERRORS,
        400: _error(
            "The job passed its end_date (it is auto-paused), a JSON body that is not an object, metadata "
            "not an object, a field of the wrong type, a bad dispatch_url, or no target configuration"
        ),
        403: _error("The caller's role may not run jobs, or the job is another user's"),
        404: _error("No job with this id"),
        409: _error("The job is inactive"),
    },
)
async def execute_job(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    job: Annotated[Job, Depends(job_to_execute)],
    body: Annotated[ExecuteBody, ContractBody(ExecuteBody, optional=True)],
) -> Response:
    outcome = await call(session, execute_now, settings=settings, job=job, body=body)
    background = BackgroundTask(
        _start_after_response, run_sessionmaker(request.app), settings, outcome.execution_id, outcome.overrides
    )
    return LegacyJSONResponse(outcome.body, background=background)
