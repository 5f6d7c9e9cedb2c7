"""Flask extensions, created unbound and initialised in the app factory."""

from __future__ import annotations

from typing import Any

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


login_manager = LoginManager()
csrf = CSRFProtect()
api = CoachApi()
