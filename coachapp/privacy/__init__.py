"""The data duties of an employer: each person's export of what Coachapp holds about them,
and how long coaching content is kept (retention and erasure)."""
