"""Coaching guides, coaching conversations, acknowledgement and follow-ups."""

from flask import Blueprint

bp = Blueprint("coaching", __name__)

import coachapp.coaching.ride_views  # noqa: E402
import coachapp.coaching.views  # noqa: E402,F401
