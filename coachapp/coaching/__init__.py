"""Coaching guides, sessions and follow-ups."""
