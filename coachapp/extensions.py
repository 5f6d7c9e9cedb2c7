"""Flask extensions, created unbound and initialised in the app factory."""

from __future__ import annotations

from typing import Any

import flask
from flask_login import LoginManager
from flask_smorest import Api
from flask_wtf import CSRFProtect
from werkzeug.exceptions import HTTPException

from coachapp import errors


class CoachApi(Api):
    """flask-smorest with our JSON error shape instead of its own."""

    ERROR_SCHEMA = errors.ErrorSchema

    def handle_http_exception(self, error: HTTPException) -> Any:
        return errors.handle_http_exception(error)

    def _openapi_json(self) -> Any:
        """The OpenAPI document, written once per app: it is complete once the app is built,
        and writing it costs about 70 ms of CPU."""
        app = flask.current_app
        body = app.extensions.get("coachapp.openapi_json")
        if body is None:
            body = flask.json.dumps(self.spec.to_dict(), indent=2, sort_keys=False)
            app.extensions["coachapp.openapi_json"] = body
        return app.response_class(body, mimetype="application/json")


login_manager = LoginManager()
csrf = CSRFProtect()
api = CoachApi()
