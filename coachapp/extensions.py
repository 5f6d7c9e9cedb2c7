"""Flask extensions, created unbound and initialised in the app factory."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import flask
from apispec import APISpec
from flask_login import LoginManager
from flask_smorest import Api, Blueprint
from flask_wtf import CSRFProtect
from werkzeug.exceptions import HTTPException

from coachapp import errors


class CoachApi(Api):
    """flask-smorest with our JSON error shape instead of its own, and an OpenAPI document
    drawn when it is first read (GET /api/v1/openapi.json, `flask openapi print`) rather than
    as the app starts. Drawing it (every operation's schemas turned into JSON Schema) took
    0.3 s, three quarters of an app's start, which every gunicorn worker, CLI command and
    worker process paid and almost none used. One per app (create_app makes it)."""

    ERROR_SCHEMA = errors.ErrorSchema

    def __init__(self, app: flask.Flask | None = None, **options: Any) -> None:
        self._drawn: APISpec | None = None
        self._spec_options: dict[str, Any] | None = None  # set by init_app
        self._steps: list[Callable[[APISpec], object]] = []
        self._complete = False
        self._drawing = False
        self._lock = threading.RLock()
        super().__init__(app, **options)

    @property
    def spec(self) -> APISpec | None:
        if not self._complete and self._spec_options is not None:
            with self._lock:  # re-entered while drawing, which reads what it has drawn so far
                if not self._complete and not self._drawing:
                    self._draw()
        return self._drawn

    @spec.setter
    def spec(self, value: APISpec | None) -> None:  # flask-smorest's own assignments
        self._drawn = value

    def _init_spec(self, **options: Any) -> None:
        self._spec_options = options

    def _draw(self) -> None:
        assert self._spec_options is not None
        self._drawing = True
        try:
            super()._init_spec(**self._spec_options)
            spec = self._drawn
            assert spec is not None
            for step in self._steps:
                step(spec)
        finally:
            self._drawing = False
        self._complete = True

    def describe(self, step: Callable[[APISpec], object]) -> None:
        """Adds to the document, in this order with the blueprints, when it is drawn."""
        assert not self._complete, "the document is drawn already: describe it before"
        self._steps.append(step)

    def register_blueprint(
        self, blp: Blueprint, *, parameters: list[Any] | None = None, **options: Any
    ) -> None:
        """As flask-smorest's: the blueprint now, its pages of the document when drawn."""
        name = options.get("name", blp.name)
        app = self._app
        assert app is not None, "init_app first"
        app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        app.register_blueprint(blp, **options)

        def document(spec: APISpec) -> None:
            blp.register_views_in_doc(self, app, spec, name=name, parameters=parameters)
            spec.tag({"name": name, "description": blp.description})

        self.describe(document)

    def handle_http_exception(self, error: HTTPException) -> Any:
        return errors.handle_http_exception(error)

    def _openapi_json(self) -> Any:
        """The OpenAPI document, written once per app: writing it costs about 70 ms of CPU."""
        app = flask.current_app
        body = app.extensions.get("coachapp.openapi_json")
        if body is None:
            spec = self.spec
            assert spec is not None
            body = flask.json.dumps(spec.to_dict(), indent=2, sort_keys=False)
            app.extensions["coachapp.openapi_json"] = body
        return app.response_class(body, mimetype="application/json")


login_manager = LoginManager()
csrf = CSRFProtect()
