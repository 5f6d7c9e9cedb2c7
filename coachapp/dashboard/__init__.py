"""A director's view of their managers and teams."""

from coachapp.dashboard.views import bp

__all__ = ["bp"]
