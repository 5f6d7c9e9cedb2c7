"""Manifest, service worker, the offline page and the note form that works offline."""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    render_template,
    send_from_directory,
    session,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy.orm import Session

from coachapp import content_translations, policy
from coachapp.auth.person import (
    KEPT_SIGN_OUT_HEADER,
    NOBODY,
    PERSON_HEADER,
    SESSION_LEFT_HEADER,
    person_key,
    session_left,
)
from coachapp.auth.roles import roles_required, viewer
from coachapp.coaching import caps, counts, schemas
from coachapp.coaching import service as coaching
from coachapp.coaching.specificity import FOCUS_CHIPS, STRENGTH_CHIPS, chips_as_read
from coachapp.db import get_session
from coachapp.errors import Conflict
from coachapp.links import API_PREFIX, ID_SLOT, path_pattern, path_template
from coachapp.models import NOT_OBSERVED_LABEL, NOTE_TYPE_LABELS, RATING_SCALE, Role, User
from coachapp.pwa.assets import asset_version, plain_path, shell_static_urls, shell_urls
from coachapp.static_files import HASHED_NAME
from coachapp.timezones import local_today

bp = Blueprint("pwa", __name__)

THEME_COLOR = "#0f5c63"

# The service worker's routes, by endpoint (it receives each as a pattern of its rule).
# Pages worth keeping as they are visited, to be shown without signal.
KEPT_PAGES = (
    "team.today",
    "me.index",
    "team.team",
    "team.my_page",
    "team.person",
    "plans.show",
    "coaching.index",
    "coaching.show",
    "coaching.follow_ups",
    "pwa.offline_note",
    "coaching.rate_yourself",
    "ride_alongs.day",
    "journeys.index",
    "journeys.step",
)
# Form posts that may wait for a connection, replayed as they were; with the name the
# outbox shows them under.
QUEUEABLE_POSTS = {
    "coaching.update_follow_up": "Follow-up update",
    "coaching.acknowledge": "Acknowledgement",
    "observations.create": "Observation",
    "journeys.submit": "Journey exercise",
}
# "Log coaching": without a connection, the offline note form takes over for that rep.
LOG_COACHING = "coaching.start"


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    document = {
        "id": url_for("home.index"),
        "name": "Coachapp: field coaching",
        "short_name": "Coachapp",
        "description": "Coaching notes tied to account plans, logged on the phone.",
        "start_url": url_for("home.index", source="home-screen"),
        "scope": url_for("home.index"),
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f4f6f6",
        "theme_color": THEME_COLOR,
        "icons": [
            {"src": _static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": _static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": _static("icons/maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
        "shortcuts": [
            {
                "name": "Log coaching",
                "short_name": "Log",
                "url": url_for("team.team"),
                "description": "Pick a rep and log a conversation",
            },
            {
                "name": "Note without signal",
                "short_name": "Offline note",
                "url": url_for("pwa.offline_note"),
            },
            {"name": "Follow-ups", "url": url_for("coaching.follow_ups")},
            {"name": "Inbox", "url": url_for("inbox.index")},
        ],
    }
    return current_app.response_class(
        json.dumps(document, indent=1), mimetype="application/manifest+json"
    )


def _static(filename: str) -> str:
    return url_for("static", filename=filename)


def service_worker_links() -> dict[str, Any]:
    """Every path the service worker knows, drawn from the URL map (during a request)."""
    return {
        "shell_urls": shell_urls(),
        "shell_by_plain_path": {plain_path(url): url for url in shell_static_urls()},
        "hashed_name": HASHED_NAME,
        "offline_url": url_for("pwa.offline"),
        "offline_note_url": url_for("pwa.offline_note"),
        "whoami_url": url_for("pwa.whoami"),
        "sign_out_url": url_for("auth.logout"),
        "signed_out_url": url_for("auth.login", signed_out=1),
        "inbox_url": url_for("inbox.index"),
        "inbox_item_url": path_template("inbox.follow", notification_id=ID_SLOT),
        "id_slot": ID_SLOT,
        "icon_url": _static("icons/icon-192.png"),
        "badge_url": _static("icons/badge-96.png"),
        "api_prefix": API_PREFIX,
        "kept_pages": [path_pattern(endpoint) for endpoint in KEPT_PAGES],
        "queueable_posts": [
            {"pattern": path_pattern(endpoint), "label": label}
            for endpoint, label in QUEUEABLE_POSTS.items()
        ],
        "log_coaching": path_pattern(LOG_COACHING),
    }


@bp.get("/sw.js")
def service_worker() -> Response:
    """The service worker, from the root so that its scope is the whole app. Its text
    changes with every static file, which is what makes browsers offer the update."""
    script = render_template(
        "pwa/sw.js",
        version=asset_version(current_app),
        # Not `shell=`: bandit takes any call's shell=<truthy> for a subprocess (B604).
        **service_worker_links(),
        kept_sign_out_header=KEPT_SIGN_OUT_HEADER,
        person_header=PERSON_HEADER,
        session_left_header=SESSION_LEFT_HEADER,
        nobody=NOBODY,
    )
    response = current_app.response_class(script, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    return response  # never stored (no-store, as every answer that is not a static file)


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for it whatever the page's icon link says."""
    response = send_from_directory(
        str(current_app.static_folder), "icons/icon-192.png", mimetype="image/png"
    )
    response.headers["Cache-Control"] = "no-store"  # outside /static/: like every page
    return response


@bp.get("/whoami")
def whoami() -> Response:
    """Who is signed in on this browser, for the service worker: it deletes the pages it
    kept for anyone else (coachapp.auth.person). With a CSRF token, so that a sign-out tapped
    without a connection can be sent once there is one, even after its page's token expired;
    a page of another site cannot read this answer. It never sets the session cookie
    (auth.session.BACKGROUND_ENDPOINTS), so only a session that has a token gets one."""
    if not current_user.is_authenticated:
        return jsonify(person=None, session_left=None, csrf_token=None)
    user = viewer()
    token = generate_csrf() if "csrf_token" in session else None
    return jsonify(person=person_key(user.id), session_left=session_left(user), csrf_token=token)


@bp.get("/offline")
def offline() -> str:
    """Shown for a page that was never opened on this phone while there is no connection.

    The service worker fetches it when it installs, perhaps between a form post and the
    page it redirects to: it must not use up that page's flash message (keep_flashes)."""
    return render_template("pwa/offline.html", keep_flashes=True)


def _guides_by_rep(db: Session, reps: list[User]) -> tuple[dict[int, Any], dict[int, int]]:
    """The reps' guide versions by id, in the reader's language where given a text in it,
    and each rep's version id."""
    published = coaching.published_versions(db)
    versions: dict[int, Any] = {}
    of_rep: dict[int, int] = {}
    for rep in reps:
        version = coaching.guide_among(published, rep)
        versions[version.id] = version
        of_rep[rep.id] = version.id
    as_read = {
        version_id: content_translations.guide_version_as_read(db, version)
        for version_id, version in versions.items()
    }
    return as_read, of_rep


@bp.get("/notes/offline")
@roles_required(Role.MANAGER)
def offline_note() -> tuple[str, int]:
    """A debrief that is kept on the phone and sent when there is a connection.

    The page holds nothing about one rep in particular, so the copy the service worker
    keeps serves every rep (the rep is chosen on the page or from ?rep=)."""
    db, user = get_session(), viewer()
    reps = list(db.scalars(policy.visible_reps(user).where(User.manager_id == user.id)))
    try:
        versions, guide_of_rep = _guides_by_rep(db, reps)
    except Conflict as exc:
        return render_template("pwa/offline_note.html", problem=exc.message, reps=[]), 409
    return render_template(
        "pwa/offline_note.html",
        problem=None,
        reps=reps,
        versions=versions,
        guide_of_rep=guide_of_rep,
        scale=RATING_SCALE,
        not_observed=NOT_OBSERVED_LABEL,
        types=NOTE_TYPE_LABELS,
        strength_chips=chips_as_read(STRENGTH_CHIPS),
        caps=caps,
        counts=counts,
        focus_chips=chips_as_read(FOCUS_CHIPS),
        today=local_today(user.timezone),
        in_the_future=coaching.IN_THE_FUTURE,
        give_due_date=schemas.GIVE_DUE_DATE,
        limits=schemas.LIMITS,
        too_long=schemas.TOO_LONG,
        api_url=url_for("api_coaching.Sessions"),
    ), 200
