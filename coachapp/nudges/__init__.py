"""Nudges: rules, the notification outbox, Web Push delivery and its settings page."""

from coachapp.nudges.views import bp

__all__ = ["bp"]
