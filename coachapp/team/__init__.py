"""A manager's day and team, and each person's page."""

from coachapp.team.views import bp

__all__ = ["bp"]
