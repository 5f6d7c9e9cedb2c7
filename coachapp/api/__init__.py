"""The JSON API under /api/v1: thin views over the same domain services as the pages."""

from __future__ import annotations

from flask import Flask

from coachapp.api import (
    accounts,
    cadence,
    coach_notes,
    coaching,
    impact,
    notifications,
    observations,
    people,
    plans,
    privacy,
    reviews,
    ride_alongs,
    tokens,
)
from coachapp.extensions import CoachApi, csrf


def register_api(app: Flask, api: CoachApi) -> None:
    api.describe(
        lambda spec: spec.components.security_scheme(
            "bearerAuth",
            {"type": "http", "scheme": "bearer", "description": "POST /api/v1/tokens"},
        )
    )
    for blueprint in (
        tokens.blp,
        people.blp,
        plans.blp,
        impact.blp,
        accounts.blp,
        coaching.blp,
        ride_alongs.blp,
        cadence.blp,
        coach_notes.blp,
        reviews.blp,
        observations.blp,
        notifications.blp,
        privacy.blp,
    ):
        # Token-authenticated; browser calls are CSRF-checked in api.auth instead.
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint, url_prefix="/api/v1")
