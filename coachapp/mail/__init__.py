"""Email: the queue a request writes to and the worker's step that sends it over SMTP."""
