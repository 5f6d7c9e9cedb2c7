"""A director's view of their managers and teams, and impact beside coaching (the blueprint is
coachapp.dashboard.views.bp: the services here are read by other features, which must not pull
in the views)."""
