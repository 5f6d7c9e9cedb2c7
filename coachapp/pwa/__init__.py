"""The installable app: manifest, service worker, offline page and offline note capture."""

from coachapp.pwa.views import bp

__all__ = ["bp"]
