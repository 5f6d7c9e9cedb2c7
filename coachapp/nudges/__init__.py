"""Nudges: rules, the notification outbox, Web Push delivery and its settings page."""

from flask import Blueprint

bp = Blueprint("nudges", __name__)

from coachapp.nudges import views  # noqa: E402,F401
