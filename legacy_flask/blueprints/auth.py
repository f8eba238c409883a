"""The `auth` blueprint (12 routes): login, tokens, users and their preferences."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
