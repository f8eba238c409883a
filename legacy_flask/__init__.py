"""The legacy API under `/api` (API_CONTRACT.md), as an application factory."""

from __future__ import annotations

from flask import Flask, Response, request

from legacy_flask import allow
from legacy_flask.auth import configure_jwt
from legacy_flask.errors import register_error_handlers
from legacy_flask.extensions import cors, db, mail
from shared_models.bootstrap import prepare_database
from shared_models.db import begin_write, configure_engine, database_url, engine_options
from shared_models.requests import check_url_text
from shared_models.settings import Settings, get_settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def create_app(settings: Settings | None = None, *, prepare: bool = True) -> Flask:
    """Build the legacy app; `prepare=False` skips migrations and seeding (tests do it once)."""
    settings = settings or get_settings()
    app = Flask(__name__)
    app.extensions["cronjob_settings"] = settings
    url = database_url(settings)
    app.config.update(
        SECRET_KEY=settings.SECRET_KEY,
        DEBUG=settings.APP_DEBUG,
        SQLALCHEMY_DATABASE_URI=url.render_as_string(hide_password=False),
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(settings, url),
        MAX_CONTENT_LENGTH=max(settings.MAX_UPLOAD_BYTES, settings.MAX_JSON_BODY_BYTES),
        MAIL_SERVER=settings.MAIL_SERVER,
        MAIL_PORT=settings.MAIL_PORT,
        MAIL_USE_TLS=settings.MAIL_USE_TLS,
        MAIL_USE_SSL=settings.MAIL_USE_SSL,
        MAIL_USERNAME=settings.MAIL_USERNAME or None,
        MAIL_PASSWORD=settings.MAIL_PASSWORD or None,
        MAIL_DEFAULT_SENDER=settings.MAIL_DEFAULT_SENDER,
    )
    db.init_app(app)
    mail.init_app(app)
    cors.init_app(
        app,
        resources={r"/api/*": {"origins": settings.cors_origins}},
        methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["Content-Type", "Authorization"],
        expose_headers=["Content-Type"],
        supports_credentials=True,
        max_age=3600,
    )
    configure_jwt(app, settings)
    register_error_handlers(app)
    allow.install(app)

    with app.app_context():
        configure_engine(db.engine)
        if prepare:
            prepare_database(db.engine, settings)

    @app.before_request
    def _begin_write_transaction() -> None:
        check_url_text(request.path, [value for _, value in request.args.items(multi=True)])
        if request.routing_exception is not None:
            return
        view = app.view_functions.get(request.endpoint or "")
        if getattr(view, "_writes", request.method not in SAFE_METHODS):
            begin_write(db.session())

    @app.after_request
    def _no_sniff(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    from legacy_flask.blueprints.auth import bp as auth_bp
    from legacy_flask.blueprints.jobs import bp as jobs_bp
    from legacy_flask.blueprints.notifications import bp as notifications_bp

    app.register_blueprint(auth_bp, url_prefix="/api/auth")
    app.register_blueprint(jobs_bp, url_prefix="/api")
    app.register_blueprint(notifications_bp, url_prefix="/api/notifications")
    return app
