"""Coachapp: structured field coaching tied to account plans."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

from coachapp.ids import MAX_ID


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, database, extensions, blueprints, commands."""
    from coachapp import (
        cli,
        compression,
        db,
        errors,
        field_messages,
        hosts,
        languages,
        proxy,
        request_log,
        script_messages,
        security,
        static_files,
        write_limit,
    )
    from coachapp.config import check_production, load_config
    from coachapp.extensions import CoachApi, csrf, login_manager

    app = Flask(__name__, instance_relative_config=True)
    settings = load_config(app.instance_path, config)
    check_production(settings)
    app.config.update(settings)
    app.config.update(
        API_TITLE="Coachapp API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
    )
    if app.config["DATABASE_URL"].startswith("sqlite:///"):
        import os

        os.makedirs(app.instance_path, exist_ok=True)

    from coachapp.nudges.vapid import apply_stored_keys

    apply_stored_keys(app)
    proxy.init_app(app)
    hosts.init_app(app)  # outermost: a request for another host goes no further
    # Ids in URLs fit the database's integer columns; a larger number is simply not found.
    app.url_map.converters["int"] = DatabaseIdConverter
    request_log.init_app(app)  # first, so that it times and logs everything after it
    compression.init_app(app)  # then compression, whose hook runs after every other one's
    static_files.init_app(app)
    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    languages.init_app(app)
    field_messages.init_app(app)
    script_messages.init_app(app)
    security.init_app(app)
    write_limit.init_app(app)
    errors.register_error_handlers(app)

    from coachapp.auth.session import init_login

    init_login(app)
    from coachapp.navigation import init_app as init_navigation

    init_navigation(app)
    _register_blueprints(app)
    from coachapp.api.responses import CommonAnswerDocs

    api = CoachApi(
        app,
        spec_kwargs={
            "info": {"description": "Coachapp JSON API."},
            "extra_plugins": [CommonAnswerDocs()],
        },
    )
    from coachapp.api import register_api

    register_api(app, api)
    # flask-smorest registers its own HTTPException handler; ours answers HTML pages too.
    errors.register_error_handlers(app)
    cli.init_app(app)
    return app


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` limited to a 32-bit positive integer, the range of every id column."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _register_blueprints(app: Flask) -> None:
    from coachapp import health, home
    from coachapp.accounts import bp as accounts_bp
    from coachapp.admin import bp as admin_bp
    from coachapp.auth import bp as auth_bp
    from coachapp.auth import link_views  # noqa: F401 - its pages are on auth's blueprint
    from coachapp.auth.sso_views import bp as sso_bp
    from coachapp.calendar_feed.views import bp as calendar_feed_bp
    from coachapp.coach_notes import bp as coach_notes_bp
    from coachapp.coaching.views import bp as coaching_bp
    from coachapp.dashboard.views import bp as dashboard_bp
    from coachapp.extensions import csrf
    from coachapp.inbox import bp as inbox_bp
    from coachapp.journeys.views import bp as journeys_bp
    from coachapp.me import bp as me_bp
    from coachapp.nudges import bp as nudges_bp
    from coachapp.observations.views import bp as observations_bp
    from coachapp.plans import bp as plans_bp
    from coachapp.privacy.views import bp as privacy_bp
    from coachapp.pwa import bp as pwa_bp
    from coachapp.reviews import bp as reviews_bp
    from coachapp.ride_alongs import bp as ride_alongs_bp
    from coachapp.scim import bp as scim_bp
    from coachapp.team import bp as team_bp

    app.register_blueprint(health.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(sso_bp)
    app.register_blueprint(team_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(me_bp)
    app.register_blueprint(calendar_feed_bp)
    app.register_blueprint(nudges_bp)
    app.register_blueprint(pwa_bp)
    app.register_blueprint(plans_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(coaching_bp)
    app.register_blueprint(ride_alongs_bp)
    app.register_blueprint(coach_notes_bp)
    app.register_blueprint(reviews_bp)
    app.register_blueprint(observations_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(journeys_bp)
    # The directory's bearer-token API: no cookies, so no CSRF token (coachapp.scim).
    csrf.exempt(scim_bp)
    app.register_blueprint(scim_bp)
