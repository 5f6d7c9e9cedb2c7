"""Account plans: one template for the whole account team, and the roll-up."""

from flask import Blueprint

bp = Blueprint("plans", __name__)

import coachapp.plans.views  # noqa: E402,F401
