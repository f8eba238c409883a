"""Job e-mail in the legacy stack goes through Flask-Mail (the message comes from
shared_models.mail, the one builder)."""

from __future__ import annotations

from flask import Flask
from flask_mail import Message

from legacy_flask.extensions import mail


class FlaskMailMailer:
    """A `shared_models.mail.Mailer` over Flask-Mail.

    Holds the app object itself (not the `current_app` proxy), so it can send from the
    background thread that runs an execution.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app

    def send(self, to: list[str], subject: str, text: str, html: str) -> None:
        with self.app.app_context():
            mail.send(Message(subject=subject, recipients=list(to), body=text, html=html))
