"""Account plans: one template for the whole account team, and the roll-up."""

from coachapp.plans.views import bp

__all__ = ["bp"]
