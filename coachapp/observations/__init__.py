"""Observations across reporting lines: what a manager or director saw a colleague of another
line do on a shared account, routed to that colleague's own line manager to coach with.

service.py holds the rules (the pages and the API call it), shapes.py the JSON of an
observation, views.py the pages (blueprint `observations`)."""
