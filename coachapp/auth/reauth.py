"""Confirming one's password before a change, on the way to the change itself.

A session restored from "remember me" may read, but a change needs the password typed again
(SECURITY.md: sensitive changes need a fresh login). Instead of sending the person to the
sign-in page, which could only bring them back with a GET (405 on a form's address, and the
form lost), the change's own address answers with a password form that carries everything
the change's form sent, uploaded files included. Posting it with the right password makes the
session fresh and the change goes ahead as first sent: nothing typed or uploaded is lost and
no GET changes anything.
"""

from __future__ import annotations

import base64
import binascii
import io
from typing import Any, cast
from urllib.parse import urlsplit

from flask import render_template, request, url_for
from flask_login import current_user, login_fresh, login_user
from werkzeug.datastructures import FileStorage, ImmutableMultiDict

from coachapp.auth.service import (
    InvalidCredentials,
    authenticate,
    end_browser_session,
    start_browser_session,
)
from coachapp.db import get_session
from coachapp.errors import Throttled
from coachapp.models import User
from coachapp.security import safe_local_path

PASSWORD_FIELD = "confirm_password"  # noqa: S105 - a field name, not a secret  # nosec B105
BACK_FIELD = "confirm_back"  # the page to go back to without the change
FILE_FIELD = "carried_file:"  # + the file input's name: the file's bytes, base64url
FILENAME_FIELD = "carried_filename:"  # + the file input's name: the name it was uploaded as
# The carried form posts back urlencoded, which MAX_CONTENT_LENGTH (1 MB) bounds: a file is
# carried up to this size, more than any form here reads (the organisation import reads
# 400,000 bytes and refuses a longer file by the size it read).
MAX_CARRIED_FILE_BYTES = 600_000
WRONG_PASSWORD = "That is not your password."  # noqa: S105 - a message  # nosec B105


def confirmation_needed() -> Any:
    """None when the change may go ahead; else the page asking for the password (again).

    A change may go ahead in a session whose password was typed in it, or when this post
    carries the right password: the session is fresh from then on, and the request reads as
    the change's form first sent it.
    """
    if request.method != "POST" or login_fresh():
        return None
    if PASSWORD_FIELD not in request.form:
        return _ask()
    user = cast(User, current_user._get_current_object())
    db = get_session()
    try:
        confirmed = authenticate(
            db, user.email, request.form[PASSWORD_FIELD], request.remote_addr or ""
        )
    except InvalidCredentials:
        return _ask(WRONG_PASSWORD, 401)
    except Throttled as exc:
        return _ask(exc.message, 429, {"Retry-After": str(exc.retry_after)})
    # A new browser session, as signing in gives: the cookie restored from "remember me"
    # stops working.
    end_browser_session(db, user.browser_token)
    start_browser_session(
        db,
        confirmed,
        remember=True,
        ip=request.remote_addr or "",
        user_agent=request.user_agent.string,
    )
    login_user(confirmed, remember=True, fresh=True)
    _restore_request()
    return None


def _carried_fields() -> list[tuple[str, str]]:
    """What the form sent, each value as sent (CSRF is checked again with the page's token)."""
    fields = [
        (key, value)
        for key, value in request.form.items(multi=True)
        if key not in {"csrf_token", PASSWORD_FIELD, BACK_FIELD}
    ]
    for name, upload in request.files.items(multi=True):
        if name.startswith((FILE_FIELD, FILENAME_FIELD)) or not upload.filename:
            continue
        content = upload.read(MAX_CARRIED_FILE_BYTES)
        fields.append((FILE_FIELD + name, base64.urlsafe_b64encode(content).decode("ascii")))
        fields.append((FILENAME_FIELD + name, upload.filename))
    return fields


def _ask(error: str | None = None, status: int = 200, headers: dict[str, str] | None = None) -> Any:
    fields = _carried_fields()
    files = [value for key, value in fields if key.startswith(FILENAME_FIELD)]
    return (
        render_template(
            "auth/confirm_password.html",
            action=url_for(request.endpoint or "home.index", **(request.view_args or {})),
            fields=fields,
            files=files,
            error=error,
            back=_page_before(),
            password_field=PASSWORD_FIELD,
            back_field=BACK_FIELD,
        ),
        status,
        headers or {},
    )


def _page_before() -> str:
    """The page the change was asked from (kept across a wrong password), else Today."""
    if BACK_FIELD in request.form:
        back = safe_local_path(request.form[BACK_FIELD])
    else:
        parts = urlsplit(request.referrer or "")
        same_site = parts.netloc == request.host
        back = safe_local_path(parts.path + ("?" + parts.query if parts.query else ""))
        back = back if same_site else None
    return back or url_for("home.index")


def _restore_request() -> None:
    """The request as the change's form sent it: its fields, and its files as uploaded."""
    form: list[tuple[str, str]] = []
    files: list[tuple[str, FileStorage]] = []
    names = {
        key[len(FILENAME_FIELD) :]: value
        for key, value in request.form.items()
        if key.startswith(FILENAME_FIELD)
    }
    for key, value in request.form.items(multi=True):
        if key in {PASSWORD_FIELD, BACK_FIELD} or key.startswith(FILENAME_FIELD):
            continue
        if key.startswith(FILE_FIELD):
            name = key[len(FILE_FIELD) :]
            try:
                content = base64.urlsafe_b64decode(value.encode("ascii"))
            except (binascii.Error, ValueError):
                content = b""  # altered on the way: the form reads an empty file
            files.append((name, FileStorage(io.BytesIO(content), filename=names.get(name) or name)))
            continue
        form.append((key, value))
    # Werkzeug caches the parsed form and files on the request; setting them is supported.
    request.form = ImmutableMultiDict(form)
    request.files = ImmutableMultiDict(files)
