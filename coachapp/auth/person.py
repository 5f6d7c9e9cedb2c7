"""Whose copies a phone keeps: an opaque key per person, told to the page and the service worker.

A phone may be shared, and a session can end without the phone taking part: it expires, an
admin deactivates the person or resets their password, they change it on another device.
So every HTML answer says whom it was drawn for (`X-Coachapp-Person`: the key, or `none`)
and how many seconds their session has left; /whoami says the same to the service worker.
The worker keeps saved pages per person, deletes them as soon as it learns that someone
else or nobody is signed in, and stops showing them when the session's time is up even
without a connection. What waits on the phone to be sent carries the key too, and a replay
naming someone other than the signed-in person is refused (409 `other_person`), in case a
page from an earlier session is still open.

The key is an HMAC of the user's id under SECRET_KEY: stable across that person's sign-ins
(what they kept offline is sent once they sign in again), the same for nobody else, and
neither their email nor their id.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, Response, current_app, g, request
from flask_login import current_user

from coachapp.db import utcnow
from coachapp.errors import DomainError
from coachapp.links import is_static_request
from coachapp.models import User

PERSON_HEADER = "X-Coachapp-Person"
SESSION_LEFT_HEADER = "X-Coachapp-Session-Left"
NOBODY = "none"
# Sent by the service worker with a sign-out tapped without a connection, once there is one.
# The phone was cleared when it was tapped and nothing has been kept since (nobody is signed
# in there), so its answer carries no Clear-Site-Data: clearing the storage then would stop
# the worker while it fetches the page the person is opening.
KEPT_SIGN_OUT_HEADER = "X-Coachapp-Kept-Sign-Out"


class OtherPerson(DomainError):
    """Something kept on the phone for one person, sent while another is signed in."""

    status = 409
    code = "other_person"

    def __init__(self, signed_in: str) -> None:
        super().__init__(
            "This was kept on this phone for someone else, so it is not sent as you. It is "
            "sent when that person signs in here again."
        )
        # The sender learns who is signed in now, and keeps the item for its own person.
        self.headers[PERSON_HEADER] = signed_in


def person_key(user_id: int) -> str:
    secret = current_app.config["SECRET_KEY"]
    key = secret if isinstance(secret, bytes) else str(secret).encode()
    message = f"coachapp-person:{user_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def session_left(user: User) -> int | None:
    """Whole seconds the user's browser session has left (None when not known)."""
    ends = user.browser_session_ends
    if ends is None:
        return None
    return max(0, int((ends - utcnow()).total_seconds()))


def person_of(user: object) -> str:
    if isinstance(user, User) and user.is_authenticated:
        return person_key(user.id)
    return NOBODY


def refuse_other_person() -> None:
    """A replay carries the key of the person who kept it; only that person's session sends
    it. No key (a request typed live on a page) is not a replay and passes."""
    claimed = request.headers.get(PERSON_HEADER, "").strip()
    if not claimed or not current_user.is_authenticated:
        return  # anonymous: the view's own sign-in check answers
    signed_in = person_key(current_user.id)
    if not hmac.compare_digest(claimed, signed_in):
        raise OtherPerson(signed_in)


def tell_person(response: Response) -> Response:
    """Every HTML answer says whom it was drawn for, which the service worker reads before
    it keeps or shows a saved copy. Only when the request already knows its user: an answer
    drawn without the database (it is unavailable) says nothing, and nothing is kept."""
    if response.mimetype != "text/html" or is_static_request():
        return response
    user = g.get("_login_user")
    if user is None:
        return response
    response.headers.setdefault(PERSON_HEADER, person_of(user))
    if isinstance(user, User) and user.is_authenticated:
        left = session_left(user)
        if left is not None:
            response.headers.setdefault(SESSION_LEFT_HEADER, str(left))
    return response


def init_app(app: Flask) -> None:
    app.before_request(refuse_other_person)
    app.after_request(tell_person)

    @app.context_processor
    def coachapp_person() -> dict[str, str | None]:
        user = current_user
        return {
            "coachapp_person": person_key(user.id) if user.is_authenticated else None,
            "coachapp_person_header": PERSON_HEADER,
        }
