"""The `notifications` blueprint (6 routes): the caller's own notifications."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)
