"""The `jobs` blueprint (27 routes): settings, categories, teams, cron tools, jobs,
executions and health. Each module below adds its routes to this one blueprint."""

from flask import Blueprint

bp = Blueprint("jobs", __name__)

from legacy_flask.blueprints.jobs import health  # noqa: E402,F401
