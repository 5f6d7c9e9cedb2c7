"""One's own profile: time zone, password, signing out."""

from coachapp.me.views import bp

__all__ = ["bp"]
