"""Opening a page reads the notifications about what it shows: the person is looking at it.
A browser fetching the page ahead of them (a prefetch, a prerender, a preview) is not, so it
changes nothing; nor does following a notification's own link (inbox.follow), which only
leads to that page."""

from __future__ import annotations

from flask import request
from sqlalchemy.orm import Session

from coachapp.inbox import service
from coachapp.models import User

# Sec-Purpose (Fetch Metadata: "prefetch", "prefetch;prerender") and the older headers some
# browsers still send for the same purpose.
PURPOSE_HEADERS = ("Sec-Purpose", "Purpose", "X-Purpose", "X-Moz")
SPECULATIVE = ("prefetch", "prerender", "preview")


def speculative_request() -> bool:
    """Whether the browser asked for this page ahead of the person, not for them to see."""
    purposes = " ".join(request.headers.get(name, "") for name in PURPOSE_HEADERS).lower()
    return any(word in purposes for word in SPECULATIVE)


def page_opened(db: Session, user: User, subject: str) -> None:
    """The page about `subject` was opened: the viewer's notifications about it are read."""
    if not speculative_request():
        service.opened(db, user, subject)
