"""The installable app: manifest, service worker, offline page and offline note capture."""

from flask import Blueprint

bp = Blueprint("pwa", __name__)

from coachapp.pwa import views  # noqa: E402,F401
