"""The in-app inbox of notifications."""

from coachapp.inbox.views import bp

__all__ = ["bp"]
