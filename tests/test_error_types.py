"""Views answer a refusal by the domain error's type (InvalidInput at the field, Conflict and
StaleVersion as the page says), never by its status number; whatever a view does not catch
(NotFound, PermissionDenied) reaches the one error handler, which answers HTML or JSON."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask

from tests.builders import Org
from tests.conftest import signed_in

APP = Path(__file__).resolve().parent.parent / "coachapp"
HX = {"HX-Request": "true"}


def test_the_plan_owner_stays_on_the_team_and_an_outsider_finds_no_plan(
    app: Flask, org: Org
) -> None:
    plan, owner = org.plans["rep"], org.people["rep"]
    rep = signed_in(app, org, "rep")
    refused = rep.post_form(f"/plans/{plan.id}/team/{owner.id}/delete", {}, headers=HX)
    assert refused.status_code == 409  # a Conflict, said in the team section
    assert "The plan&#39;s owner stays on the account team." in refused.get_data(as_text=True)
    outsider = signed_in(app, org, "far_rep")
    hidden = outsider.post_form(f"/plans/{plan.id}/team/{owner.id}/delete", {}, headers=HX)
    assert hidden.status_code == 404  # NotFound is not caught: the handler answers it
    assert hidden.get_json()["error"]["code"] == "not_found"


def test_no_module_reads_a_caught_errors_status_number() -> None:
    by_number = re.compile(r"\b(exc|err|error|e)\.status\b")
    by_isinstance = re.compile(
        r"isinstance\(\w+, \(?(DomainError|NotFound|PermissionDenied|Conflict|InvalidInput"
        r"|StaleVersion|VersionRequired|Throttled)\b"
    )
    found = [
        f"{path.relative_to(APP)}:{number}: {line.strip()}"
        for path in APP.glob("**/*.py")
        if path != APP / "errors.py"  # the one handler maps an error to its status
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if by_number.search(line) or by_isinstance.search(line)
    ]
    assert not found, "catch the error's type instead:\n" + "\n".join(found)
