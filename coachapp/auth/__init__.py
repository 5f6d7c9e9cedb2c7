"""Signing in and out."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from coachapp.auth import views  # noqa: E402,F401
