"""Coaching guides, coaching conversations, acknowledgement and follow-ups."""

from coachapp.coaching import ride_views  # noqa: F401 - its routes are on bp
from coachapp.coaching.views import bp

__all__ = ["bp"]
