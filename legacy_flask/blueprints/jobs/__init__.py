"""The `jobs` blueprint (27 routes): settings, categories, teams, cron tools, jobs,
executions and health. Each module below adds its routes to this one blueprint."""

from flask import Blueprint

bp = Blueprint("jobs", __name__)

from legacy_flask.blueprints.jobs import (  # noqa: E402,F401
    bulk_upload,
    categories,
    cron_tools,
    crud,
    execute,
    executions,
    health,
    slack,
    teams,
    test_run,
)
