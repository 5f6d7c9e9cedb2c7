"""Account teams across reporting lines: who works an account, whom each reports to, what each
has open on the plan."""

from coachapp.accounts.views import bp

__all__ = ["bp"]
