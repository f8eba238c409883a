"""Flask retired: every /api/* route served by its v2 twin, `legacy_flask` never imported.

Runs in a fresh interpreter (a subprocess): in this test process Flask is long imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.orm import Session

from cutover import flags
from cutover.registry import load_registry
from shared_models.db import begin_write
from shared_models.settings import Settings

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = r"""
import json, re, sys
from starlette.testclient import TestClient
from shared_models.settings import Settings
from gateway import create_gateway
from cutover.config import CutoverConfig
from cutover.registry import twin_keys

settings = Settings(_env_file=None, **json.loads(sys.argv[1]))
config = CutoverConfig.from_settings(settings)
gateway = create_gateway(settings, config)
seen = {}
with TestClient(gateway) as client:
    for key in twin_keys(gateway.v2_app):
        method, rule = key.split(" ", 1)
        path = re.sub(r"<[^>]+>", "x", rule)
        answer = client.request(method, path)
        v2 = client.request(method, "/api/v2" + path[len("/api"):])
        seen[key] = [answer.status_code, answer.headers.get("x-served-by"),
                     (answer.status_code, answer.content) == (v2.status_code, v2.content)]
    seen["GET /api/nope"] = [client.get("/api/nope").status_code, client.get("/api/nope").headers.get("x-served-by"), True]
print(json.dumps({"routes": seen, "flask_loaded": any(m == "legacy_flask" or m.startswith("legacy_flask.")
                                                      for m in sys.modules), "registry": gateway.registry is None}))
"""


def _run(settings: Settings, env: dict[str, str]) -> dict[str, object]:
    values = {"DATABASE_URL": settings.DATABASE_URL, "JWT_SECRET_KEY": settings.JWT_SECRET_KEY,
              "SECRET_KEY": settings.SECRET_KEY, "SCHEDULER_ENABLED": False, "ALLOW_DEFAULT_ADMIN": False,
              "MAIL_ENABLED": False, "DATABASE_POOL_SIZE": 5}
    result = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(values)], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, env={**os.environ, **env})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _check(report: dict[str, object], settings: Settings) -> None:
    assert report["flask_loaded"] is False
    assert report["registry"] is True
    routes = report["routes"]
    assert isinstance(routes, dict)
    assert set(load_registry(settings).keys()) <= set(routes)  # every legacy route was tried
    for key, (status, served, same) in routes.items():
        assert served == "fastapi", key
        assert same, key
        assert status != 405, key
    assert routes["GET /api/nope"][0] == 404


def test_env_retired_serves_everything_on_v2_without_importing_flask(settings: Settings) -> None:
    _check(_run(settings, {"GATEWAY_FLASK_RETIRED": "1"}), settings)


def test_db_switch_retired_at_start_up(settings: Settings, db: Session) -> None:
    begin_write(db)
    flags.set_switch(session=db, name="flask_retired", enabled=True, actor="test", force=True)
    db.commit()
    _check(_run(settings, {"GATEWAY_FLASK_RETIRED": ""}), settings)
