"""POST /api/v1/tokens: exchange email and password for a bearer token."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask.views import MethodView

from coachapp.api.parsing import Blueprint
from coachapp.api.responses import authenticated, errors
from coachapp.api.schemas import TokenRequestSchema, TokenSchema
from coachapp.auth.password_change import check_own_password
from coachapp.auth.service import authenticate, issue_api_token, revoke_token
from coachapp.auth.throttle import check_token_issue_allowed
from coachapp.db import get_session

blp = Blueprint("api_tokens", __name__, description="API tokens")


@blp.route("/tokens")
class Tokens(MethodView):
    @blp.arguments(TokenRequestSchema)
    @blp.response(201, TokenSchema)
    @errors(blp, 400, 401, 403, 413, 415, 422, 429)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Sign in with email and password; the token is shown once."""
        db = get_session()
        user = authenticate(db, body["email"], body["password"], request.remote_addr or "")
        check_own_password(user)
        check_token_issue_allowed(db, user.id)
        token, row = issue_api_token(db, user, body.get("name", "api"))
        return {"token": token, "expires_at": row.expires_at}

    @blp.response(204)
    @authenticated(blp)
    def delete(self) -> None:
        """Revoke the token used for this call."""
        if g.api_token is not None:
            revoke_token(get_session(), g.api_token)
