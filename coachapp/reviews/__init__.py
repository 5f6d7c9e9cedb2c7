"""Account-team reviews: a manager reviews one account with its whole team, across lines."""

from coachapp.reviews.views import bp

__all__ = ["bp"]
