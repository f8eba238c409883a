"""docker-compose.yml, Dockerfile and nginx.conf, checked without Docker or nginx.

No Docker engine runs here, so the compose file is read as YAML and held against the
code it starts: every variable it sets is a Settings field (or a documented gateway
env var), every command names a module that exists with options its program accepts,
nginx's upstream lists exactly the API replica services, and nginx's own JSON errors and
body limit agree with the app's.

The API replicas run `gateway:app` while Flask exists and `fastapi_app.main:app` once it
is retired (scripts/retire_flask.sh rewrites the entry points and runs this file there).
"""

from __future__ import annotations

import fnmatch
import importlib.util
import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from uvicorn.main import main as uvicorn_cli

from shared_models.errors import payload_too_large
from shared_models.settings import PROJECT_ROOT, Settings
from tests.deploy import nginx_conf

COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
# Variables the official images read (not ours to check against Settings).
IMAGE_ENV = {"postgres": {"POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"}, "nginx": set()}
# Stand-ins for the required `${NAME:?...}` values when the file is rendered here.
REQUIRED_SAMPLES = {
    "SECRET_KEY": "compose-test-secret-key-0123456789abcdef",
    "JWT_SECRET_KEY": "compose-test-jwt-secret-key-0123456789abcdef",
    "CORS_ORIGINS": "https://cron.example.com",
    "POSTGRES_PASSWORD": "compose-test-password",
}
_VARIABLE = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")
# What the API replicas serve: the gateway while it exists, else the FastAPI app alone.
ENTRY_POINT = "gateway:app" if (PROJECT_ROOT / "gateway.py").exists() else "fastapi_app.main:app"


def _render(value: object) -> str:
    """Compose's substitution with an empty environment (+ samples for required names)."""
    def one(match: re.Match[str]) -> str:
        name, kind, default = match.groups()
        if kind == "?":
            return REQUIRED_SAMPLES[name]
        return default or ""
    return _VARIABLE.sub(one, str(value))


def _env(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment") or {}
    assert isinstance(environment, dict), "environment as a mapping"
    return {name: _render(value) for name, value in environment.items()}


def _command(service: dict[str, Any]) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def _ours() -> dict[str, dict[str, Any]]:
    """Services built from this repo's Dockerfile."""
    return {name: svc for name, svc in SERVICES.items() if "build" in svc}


def _gateways() -> dict[str, dict[str, Any]]:
    return {name: svc for name, svc in _ours().items() if _command(svc)[0] == "uvicorn"}


def _image(service: dict[str, Any]) -> str:
    return service["image"].split(":")[0].split("/")[-1]


def test_services_present() -> None:
    assert len(_gateways()) >= 2
    schedulers = [n for n, s in _ours().items() if _command(s)[:3] == ["python", "-m", "scheduler"]]
    assert schedulers == ["scheduler"]
    assert _image(SERVICES["db"]) == "postgres"
    assert _image(SERVICES["nginx"]) == "nginx"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_variable_is_known(name: str) -> None:
    service = SERVICES[name]
    env = _env(service)
    known = set(Settings.model_fields) if "build" in service else IMAGE_ENV[_image(service)]
    assert set(env) <= known, f"unknown variables in {name}: {sorted(set(env) - known)}"


@pytest.mark.parametrize("name", sorted(_ours()))
def test_app_environment_passes_production_checks(name: str) -> None:
    env = _env(SERVICES[name])
    # The secrets and origins must come from the operator: required, no default.
    raw = SERVICES[name]["environment"]
    for required in ("SECRET_KEY", "JWT_SECRET_KEY", "CORS_ORIGINS"):
        assert re.fullmatch(r"\$\{" + required + r":\?[^}]*\}", raw[required]), required
    settings = Settings(_env_file=None, **env)
    assert settings.is_production
    settings.validate_for_production()
    assert settings.ALLOW_DEFAULT_ADMIN is False
    url = urlsplit(settings.DATABASE_URL)
    assert url.scheme == "postgresql"
    db_env = _env(SERVICES["db"])
    assert url.hostname == "db"
    assert (url.username, url.password, url.path) == (
        db_env["POSTGRES_USER"], db_env["POSTGRES_PASSWORD"], "/" + db_env["POSTGRES_DB"]
    )


def test_only_the_scheduler_service_schedules() -> None:
    for name, service in _ours().items():
        enabled = Settings(_env_file=None, **_env(service)).SCHEDULER_ENABLED
        assert enabled is (name == "scheduler"), name


@pytest.mark.parametrize("name", sorted(_ours()))
def test_commands_exist(name: str) -> None:
    argv = _command(SERVICES[name])
    if argv[0] == "uvicorn":
        # uvicorn's own CLI parses the options (a typo fails here, not at deploy time).
        context = uvicorn_cli.make_context("uvicorn", argv[1:])
        assert context.params["app"] == ENTRY_POINT
        assert importlib.util.find_spec(ENTRY_POINT.split(":")[0]) is not None
        assert context.params["port"] == 8000
        assert context.params["proxy_headers"] is True
        # Outlive nginx's upstream keepalive_timeout (see nginx.conf).
        assert context.params["timeout_keep_alive"] > 60
    else:
        assert argv[:2] == ["python", "-m"]
        assert importlib.util.find_spec(argv[2] + ".__main__") is not None, argv


def test_gateways_wait_for_migrations() -> None:
    assert _command(SERVICES["migrate"]) == ["python", "-m", "shared_models", "migrate"]
    for name in [*_gateways(), "scheduler"]:
        condition = SERVICES[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name


def test_nginx_mounts_and_upstream_match_the_gateways() -> None:
    mounts = {}
    for volume in SERVICES["nginx"]["volumes"]:
        source, target = volume.split(":")[:2]
        assert (PROJECT_ROOT / source).exists(), source
        mounts[target] = Path(source).as_posix().removeprefix("./")
    # nginx.conf includes nginx/*.conf relative to its own directory (/etc/nginx).
    assert mounts == {"/etc/nginx/nginx.conf": "nginx.conf", "/etc/nginx/nginx": "nginx"}
    includes = re.findall(r"^\s*include\s+(\S+);", nginx_conf.text(), re.M)
    assert includes == ["nginx/upstream.conf", "nginx/local.conf"]
    assert all((PROJECT_ROOT / path).is_file() for path in includes)
    servers = nginx_conf.upstream_servers()
    assert sorted(servers) == sorted(f"{name}:8000" for name in _gateways())
    published = SERVICES["nginx"]["ports"]
    assert [_render(port).split(":")[-1] for port in published] == ["80"]
    assert re.search(r"^\s*listen\s+80;", nginx_conf.text(nginx_conf.NGINX_DIR / "local.conf"), re.M)


def test_nginx_upstream_keeps_connections_alive() -> None:
    conf = nginx_conf.text()
    assert re.search(r"upstream gateway \{[^}]*keepalive \d+;", conf)
    assert "proxy_http_version 1.1;" in conf
    assert 'proxy_set_header Connection "";' in conf
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Real-IP", "Host"):
        assert re.search(rf"proxy_set_header {header} \$", conf), header


def test_nginx_body_limit_is_the_apps() -> None:
    for service in _ours().values():
        assert not {"MAX_UPLOAD_BYTES", "MAX_JSON_BODY_BYTES"} & set(_env(service)), (
            "change nginx.conf's client_max_body_size and its 413 body with these"
        )
    settings = Settings(_env_file=None)
    limit = max(settings.MAX_UPLOAD_BYTES, settings.MAX_JSON_BODY_BYTES)
    assert nginx_conf.client_max_body_size() == limit
    status, body, content_type = nginx_conf.named_location_answer(nginx_conf.error_pages()[413])
    assert (status, body, content_type) == (413, payload_too_large(limit).body, "application/json")


@pytest.mark.parametrize("status", [502, 504])
def test_nginx_gateway_errors_are_json(status: int) -> None:
    answer, body, content_type = nginx_conf.named_location_answer(nginx_conf.error_pages()[status])
    assert answer == status
    assert content_type == "application/json"
    assert set(body) == {"error", "message"} and all(isinstance(v, str) and v for v in body.values())


def test_dockerfile_and_dockerignore() -> None:
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.M)
    assert "pip install -r requirements.txt" in dockerfile
    assert all("build" in svc and svc["build"] == "." for svc in _ours().values())
    ignored = [
        line.strip() for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert re.search(r'^CMD \["uvicorn", "' + re.escape(ENTRY_POINT) + '"', dockerfile, re.M)
    needed = ["requirements.txt", "alembic.ini", "scheduler/__main__.py", "shared_models/__main__.py",
              "shared_models/migrations/env.py", "fastapi_app/__init__.py", "fastapi_app/main.py"]
    # The rooms deleted with Flask (scripts/retire_flask.sh), while they exist.
    needed += [path for path in ("gateway.py", "legacy_flask/__init__.py", "cutover/__init__.py")
               if (PROJECT_ROOT / path).exists()]
    for path in needed:
        assert not any(fnmatch.fnmatch(path, pattern) or path.startswith(pattern.rstrip("/") + "/")
                       for pattern in ignored), path
