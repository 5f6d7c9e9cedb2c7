"""A person's calendar feed: ride-alongs, account-team reviews and follow-ups due, at a secret
address their calendar app subscribes to (RFC 5545, made with icalendar)."""
