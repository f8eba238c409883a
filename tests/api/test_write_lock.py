"""A slow outbound call in test-run takes no write lock: other writers go on meanwhile."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy.orm import Session

from shared_models.settings import Settings
from tests.helpers import bearer, make_user
from tests.local_http import LocalHTTPServer


def test_writes_proceed_while_a_test_run_waits_on_its_target(
    client: Any, db: Session, settings: Settings, http_server: LocalHTTPServer
) -> None:
    admin = make_user(db, "admin")
    headers = bearer(settings, admin)

    http_server.on("/slow", body="ok", delay=1.5)
    finished: dict[str, float] = {}

    def call_test_run() -> None:
        response = client.post("/api/jobs/test-run", json={"target_url": http_server.url("/slow")}, headers=headers)
        assert response.get_json()["ok"] is True
        finished["test_run"] = time.monotonic()

    caller = threading.Thread(target=call_test_run)
    caller.start()
    time.sleep(0.3)  # the test-run request is now waiting on the slow target
    response = client.post("/api/pic-teams", json={"name": "Ops", "slack_handle": "@ops"}, headers=headers)
    finished["write"] = time.monotonic()
    caller.join(timeout=10)
    assert response.status_code == 201
    assert finished["write"] < finished["test_run"]
