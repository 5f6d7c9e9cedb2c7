"""Coach the coach: a director's short notes to their managers on how they coach."""

from flask import Blueprint

bp = Blueprint("coach_notes", __name__)

from coachapp.coach_notes import views  # noqa: E402,F401
