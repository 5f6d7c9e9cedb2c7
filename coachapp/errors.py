"""Domain errors and the one error handler that answers in HTML or in the JSON error shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask import Flask, Response, current_app, jsonify, render_template, request
from flask.sansio.app import App
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from coachapp.db import database_unavailable, discard_session, get_session
from coachapp.field_messages import filled_in, in_readers_language, json_in_readers_language
from coachapp.htmx import is_fragment_request
from coachapp.languages import DEFAULT_LANGUAGE, N_, current_language
from coachapp.links import is_api_request

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    428: "precondition_required",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


class DomainError(Exception):
    """A rule of the domain refused an operation; views map it to a response."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        # Response headers that go with the error (e.g. the current ETag on a 412).
        self.headers: dict[str, str] = {}


class NotFound(DomainError):
    """Missing, or outside the caller's scope: the two look the same on purpose."""

    status = 404
    code = "not_found"

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message)


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class InvalidInput(DomainError):
    status = 422
    code = "validation_error"


class Throttled(DomainError):
    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def wants_json() -> bool:
    """The API and htmx requests get the JSON error shape (app.js shows its message rather
    than swapping it into the page); pages and boosted navigation get an HTML page."""
    if is_api_request() or is_fragment_request():
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_body(
    status: int, message: str, fields: dict[str, Any] | None = None, code: str | None = None
) -> dict[str, Any]:
    """The JSON error shape; `code` names a domain error more precisely than its status."""
    body: dict[str, Any] = {"code": code or ERROR_CODES.get(status, "error"), "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


class TranslationSchema(ma.Schema):
    language = ma.fields.String(required=True, metadata={"example": "es"})
    message = ma.fields.String(required=True)
    field_errors = ma.fields.Dict(keys=ma.fields.String(), data_key="fields")


class ErrorDetailSchema(ma.Schema):
    code = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    # "fields" would shadow Schema.fields, so the attribute has another name.
    field_errors = ma.fields.Dict(keys=ma.fields.String(), data_key="fields")
    translation = ma.fields.Nested(
        TranslationSchema,
        metadata={
            "description": "The message and the fields' messages in the reader's language, "
            "for a reader who does not read English; `message` and `fields` stay in English."
        },
    )


class ErrorSchema(ma.Schema):
    """The JSON error shape of error_body, as the API's document describes it."""

    error = ma.fields.Nested(ErrorDetailSchema, required=True)


def error_response(
    status: int,
    message: str,
    fields: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    code: str | None = None,
) -> tuple[Response, int, dict[str, str]]:
    headers = dict(headers or {})
    if status == 401 and is_api_request():
        # RFC 9110: a 401 names the scheme that would work.
        headers.setdefault("WWW-Authenticate", "Bearer")
    if wants_json():
        body = error_body(status, message, fields, code)
        # Not on a 500: the reader's language may need the database, which may be why.
        if status < 500 and current_language() != DEFAULT_LANGUAGE:
            body["error"]["translation"] = translation_of(message, fields)
        return jsonify(body), status, headers
    html = render_template("errors/error.html", status=status, message=in_readers_language(message))
    return Response(html, mimetype="text/html"), status, headers


def translation_of(message: str, fields: dict[str, Any] | None) -> dict[str, Any]:
    """The error's messages in the reader's language, for the page's scripts to show (the
    English stays the API's contract)."""
    translation: dict[str, Any] = {
        "language": current_language(),
        "message": in_readers_language(message),
    }
    if fields:
        translation["fields"] = json_in_readers_language(fields)
    return translation


def _flatten_webargs_messages(messages: Any) -> dict[str, Any]:
    """webargs nests errors by location ({"json": {...}}); clients only need the fields."""
    if not isinstance(messages, dict):
        return {"_schema": messages}
    fields: dict[str, Any] = {}
    for location, errors in messages.items():
        if location in {"json", "query", "form", "headers", "files", "path", "view_args"}:
            if isinstance(errors, dict):
                fields.update(errors)
            else:
                fields["_schema"] = errors
        else:
            fields[location] = errors
    return fields


CSRF_MESSAGE = "This form has expired or did not come from this app. Reload the page and try again."

HTTP_MESSAGES = {
    400: N_("The request could not be understood."),
    401: N_("Sign in or send a valid API token."),
    403: N_("You are not allowed to do that."),
    404: N_("Not found."),
    405: N_("That method is not allowed here."),
    413: N_(
        "That was too much to send at once (%(limit)s at most). Go back, shorten it or choose "
        "a smaller file, and try again."
    ),
    415: N_("Send the body as JSON (Content-Type: application/json)."),
    422: N_("Some fields are not valid."),
    429: N_("Too many requests; wait a moment and try again."),
    500: N_("Something went wrong on our side; it has been logged."),
    503: N_("The service is unavailable for a moment. Wait a few seconds and try again."),
}
DATABASE_RETRY_AFTER_SECONDS = 2


ROUTING_ERROR_ANSWERS = "coachapp.routing_error_answers"


def answer_routing_errors_under(app: App, prefix: str, answer: Callable[[int], Any]) -> None:
    """Errors under `prefix` that reach no view (an unknown path, a method not allowed) are
    answered by `answer(status)`, in the shape of the protocol served there (coachapp.scim)."""
    app.extensions.setdefault(ROUTING_ERROR_ANSWERS, {})[prefix] = answer


def handle_http_exception(error: HTTPException) -> Any:
    status = error.code or 500
    for prefix, answer in current_app.extensions.get(ROUTING_ERROR_ANSWERS, {}).items():
        if request.path.startswith(prefix):
            return answer(status)
    data = getattr(error, "data", None) or {}
    fields: dict[str, Any] | None = None
    message = HTTP_MESSAGES.get(status, error.description or error.name)
    if "messages" in data:
        fields = _flatten_webargs_messages(data["messages"])
        if status == 400 and "Invalid JSON body." in str(data["messages"]):
            message, fields = "The body is not valid JSON.", None
    if isinstance(error, CSRFError):
        message = f"{CSRF_MESSAGE} ({error.description})"
    if "message" in data:
        message = data["message"]
    if "errors" in data:
        fields = data["errors"]
    headers = dict(data.get("headers") or {})
    valid_methods = getattr(error, "valid_methods", None)
    if status == 405 and valid_methods:
        headers["Allow"] = ", ".join(valid_methods)
    if status == 413 and message == HTTP_MESSAGES[413]:
        message = filled_in(message, limit=_size(current_app.config.get("MAX_CONTENT_LENGTH")))
    if status >= 500:
        message = HTTP_MESSAGES[500]
    return error_response(status, message, fields, headers)


def _size(limit: int | None) -> str:
    if not limit:
        return "less"
    if limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MiB"
    return f"{max(1, limit // 1024)} KiB"


def handle_domain_error(error: DomainError) -> Any:
    headers = dict(error.headers)
    if isinstance(error, Throttled):
        headers["Retry-After"] = str(error.retry_after)
    return error_response(error.status, error.message, error.fields or None, headers, error.code)


def log_refusal(what: str, error: Exception) -> None:
    """One warning line naming the request and the first line of the database's error."""
    current_app.logger.warning(
        "%s on %s %s: %s", what, request.method, request.path, str(error).splitlines()[0][:300]
    )


def handle_database_unavailable(error: Exception) -> Any:
    """503 with Retry-After for a database that cannot be reached: the client may retry (the
    API's writes are idempotent by client_uuid and If-Match), and the next request is served
    on a fresh connection (pool_pre_ping). The page is drawn without asking the database
    anything more: no signed-in user, no unread count."""
    if not database_unavailable(error):
        raise error  # a mistake of ours after all: logged and answered 500 as any other
    log_refusal("database unavailable", error)
    discard_session()
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}
    message = HTTP_MESSAGES[503]
    if wants_json():
        return jsonify(error_body(503, message)), 503, headers
    # Straight from the template: render_template's context processors ask the database for
    # the signed-in user and their unread count; the page is the same without them.
    page = current_app.jinja_env.get_template("errors/error.html").render(
        status=503, message=message, current_user=AnonymousUserMixin(), nav_items=()
    )
    return Response(page, mimetype="text/html"), 503, headers


def handle_lost_update(error: StaleDataError) -> Any:
    """A versioned row changed between our read and our write on a path that did not turn
    that into a stale version itself (a flush before the commit): the change is refused as a
    conflict, nothing half-saved, rather than a 500; the client reloads and decides again."""
    log_refusal("concurrent change refused", error)
    get_session().rollback()  # objects expire and reload on a fresh transaction
    return error_response(
        409,
        "Someone changed this at the same moment, so your change was not saved. "
        "Reload to see theirs, then make yours again.",
        None,
        {},
        "conflict",
    )


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(StaleDataError, handle_lost_update)
    for unavailable in (OperationalError, InterfaceError, PoolTimeout):
        app.register_error_handler(unavailable, handle_database_unavailable)
