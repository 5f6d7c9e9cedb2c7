"""Signing in and out."""

from coachapp.auth.views import bp

__all__ = ["bp"]
