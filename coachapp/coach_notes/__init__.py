"""Coach the coach: a director's short notes to their managers on how they coach."""

from coachapp.coach_notes.views import bp

__all__ = ["bp"]
