from legacy_flask.blueprints.jobs import bp  # noqa: F401
