"""Coaching guides, coaching conversations, acknowledgement and follow-ups.

Its blueprint is coachapp.coaching.views.bp, imported from there by the app factory: a note's
pages use the ride-along day (coachapp.ride_alongs), which builds on this package's service,
so importing the views here would make every `coachapp.coaching.service` import load them.
"""
