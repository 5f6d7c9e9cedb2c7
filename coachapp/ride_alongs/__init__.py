"""The ride-along day: planning it, the rep's preparation, the calls captured on the day and
the coaching note written from them."""

from coachapp.ride_alongs.views import bp

__all__ = ["bp"]
