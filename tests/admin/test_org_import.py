"""An admin loads the organisation from a CSV file: a dry run lists every change and every error
by line; applying is all or nothing, checked again against the organisation as it is then."""

from __future__ import annotations

import html
import io
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coachapp.admin import org_import
from coachapp.admin.org_import import (
    ChangeKind,
    ImportRefused,
    StaleImport,
    apply_org_import,
    plan_org_import,
)
from coachapp.auth.passwords import has_usable_password
from coachapp.auth.service import issue_api_token
from coachapp.models import ApiToken, AuditEvent, Function, Role, User
from coachapp.reporting_lines import change_manager
from tests.builders import Org, make_user
from tests.conftest import HttpsClient, login

HEADER = "email,name,role,function,manager email,time zone"


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def emails(org: Org) -> dict[str, str]:
    return {who: person.email for who, person in org.people.items()}


def snapshot(db: Session) -> list[tuple[Any, ...]]:
    """Everything an import may change, for every person."""
    db.expire_all()
    return [
        (u.id, u.email, u.name, u.role, u.function, u.manager_id, u.timezone, u.active, u.region)
        for u in db.scalars(select(User).order_by(User.id))
    ]


def audit_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(AuditEvent)) or 0


def fingerprint_of(client: HttpsClient, page: str) -> str:
    found = re.search(r'name="fingerprint" value="([0-9a-f]+)"', page)
    assert found, "no Apply button on the preview"
    return found.group(1)


def preview(client: HttpsClient, text: str, **form: str) -> Any:
    return client.post_form("/admin/import/preview", {"csv_text": text, **form})


def apply(client: HttpsClient, text: str, fingerprint: str, **form: str) -> Any:
    return client.post_form(
        "/admin/import/apply", {"csv_text": text, "fingerprint": fingerprint, **form}
    )


# Every kind of error, by line, and nothing applied -----------------------------------------

LONG_NAME = "N" * 121
# (rows or whole file, line, part of the message)
ERROR_CASES = {
    "missing column": (["new@example.com,New Person,rep,sales,{manager}"], 2, "found 5 values"),
    "extra column": (
        ["new@example.com,New Person,rep,sales,{manager},UTC,Northeast,extra"],
        2,
        "found 8 values",
    ),
    "bad email": (["not-an-email,New Person,rep,sales,{manager},UTC"], 2, "not a valid email"),
    "empty email": ([",New Person,rep,sales,{manager},UTC"], 2, "The email is empty"),
    "email a spreadsheet runs as a formula": (
        ["=cmd|'/ccalc'!a0@example.com,New Person,rep,sales,{manager},UTC"],
        2,
        "starts with a letter or digit",
    ),
    "manager email a spreadsheet runs as a formula": (
        ["new@example.com,New Person,rep,sales,+sum|a@example.com,UTC"],
        2,
        "The manager email “+sum|a@example.com” is not a valid email.",
    ),
    "unknown role": (["new@example.com,New Person,boss,sales,{manager},UTC"], 2, "Unknown role"),
    "unknown function": (
        ["new@example.com,New Person,rep,juggler,{manager},UTC"],
        2,
        "Unknown function",
    ),
    "invalid time zone": (
        ["new@example.com,New Person,rep,sales,{manager},Mars/Olympus_Mons"],
        2,
        "Unknown time zone",
    ),
    "empty time zone": (
        ["new@example.com,New Person,rep,sales,{manager},"],
        2,
        "The time zone is empty",
    ),
    "name too long": (
        ["new@example.com," + LONG_NAME + ",rep,sales,{manager},UTC"],
        2,
        "longer than 120",
    ),
    "NUL byte": (["new@example.com,New\x00Person,rep,sales,{manager},UTC"], 2, "NUL"),
    "bad quoting": (['new@example.com,"New" Person,rep,sales,{manager},UTC'], 2, "Cannot read"),
    "unknown manager": (
        [
            "ok@example.com,Ok,rep,sales,{manager},UTC",
            "new@example.com,New,rep,sales,ghost@x.org,UTC",
        ],
        3,
        "ghost@x.org is neither in the file nor in Coachapp",
    ),
    "manager who is a rep": (
        ["new@example.com,New Person,rep,sales,{rep},UTC"],
        2,
        "is a rep. A rep reports to a manager",
    ),
    "rep under a director": (
        ["new@example.com,New Person,rep,sales,{director},UTC"],
        2,
        "is a director. A rep reports to a manager",
    ),
    "admin with a manager": (
        ["new@example.com,New Admin,admin,other,{director},UTC"],
        2,
        "An admin reports to nobody",
    ),
    "rep without a manager": (
        ["new@example.com,New Person,rep,sales,,UTC"],
        2,
        "the manager email is empty",
    ),
    "duplicate email differing in case": (
        [
            "Casey@Example.com,Casey One,rep,sales,{manager},UTC",
            "ok@example.com,Ok,rep,sales,{manager},UTC",
            "casey@EXAMPLE.com,Casey Two,rep,sales,{manager},UTC",
        ],
        4,
        "casey@example.com is also on line 2",
    ),
    "self manager": (
        ["{director},Dana Director,director,sales,{director},UTC"],
        2,
        "would report to themself",
    ),
    "own role": (["{admin},Ada Admin,director,other,,UTC"], 2, "your own role"),
    "header not recognised": (
        ["new@example.com,New Person,rep,sales,{manager},UTC"],
        1,
        "Column “department” is not recognised",
    ),
    "header lacking a column": (["new@example.com,New Person,rep,sales,UTC"], 1, "lacks manager"),
}
HEADERS = {
    "header not recognised": "email,name,role,function,manager email,department",
    "header lacking a column": "email,name,role,function,time zone",
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_each_error_is_reported_by_line_and_nothing_is_applied(
    case: str, org: Org, db: Session
) -> None:
    rows, line, message = ERROR_CASES[case]
    text = csv_text(*(r.format(**emails(org)) for r in rows), header=HEADERS.get(case, HEADER))
    admin = org.people["admin"]
    before, events = snapshot(db), audit_count(db)

    plan = plan_org_import(db, admin, text.encode())
    assert not plan.ok
    assert any(p.line == line and message in p.message for p in plan.problems), plan.problems

    with pytest.raises(ImportRefused):
        apply_org_import(db, admin, text.encode(), deactivate_missing=False, previewed="")
    assert snapshot(db) == before
    assert audit_count(db) == events


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"\n  \n,,,,,\n", "The file is empty."),
        (HEADER.encode() + b"\n", "The file has a header but nobody in it."),
        ("email;name\n".encode("utf-16"), "not UTF-8 text"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff", "not UTF-8 text"),
        (
            (csv_text(*["x@example.com,X,director,sales,,UTC"] * 2_001)).encode(),
            "more than 2,000 people",
        ),
        (b"x" * (org_import.MAX_IMPORT_BYTES + 1), "at most 400,000"),
    ],
    ids=["empty", "blank", "header only", "utf-16", "binary", "too many rows", "too large"],
)
def test_files_that_cannot_be_read_are_refused_whole(
    content: bytes, message: str, org: Org, db: Session
) -> None:
    plan = plan_org_import(db, org.people["admin"], content)
    assert [p.line for p in plan.problems] == [None]
    assert message in plan.problems[0].message
    assert not plan.changes


def test_every_error_of_a_file_is_listed_at_once(org: Org, db: Session) -> None:
    e = emails(org)
    text = csv_text(
        f"a@example.com,Ann,rep,sales,{e['manager']},UTC",
        "b@example.com,Bob,boss,sales,,UTC",
        f"c@example.com,Cy,rep,sales,{e['manager']},Nowhere/Town",
        f"A@example.com,Ann Again,rep,sales,{e['manager']},UTC",
        "d@example.com,Di,rep,sales,nobody@example.com,UTC",
    )
    plan = plan_org_import(db, org.people["admin"], text.encode())
    assert [p.line for p in plan.problems] == [3, 4, 5, 6]


def test_the_preview_lists_every_error_of_a_line(
    login_as: Any, org: Org, client: HttpsClient, db: Session
) -> None:
    """A line's errors all at once, its manager's too, not one per round of corrections."""
    e = emails(org)
    org.people["manager2"].active = False
    db.commit()
    text = csv_text(
        "not-an-email,,boss,juggler,ghost@example.com,Mars/Olympus",
        f"ok@example.com,Ok,rep,sales,{e['manager']},UTC",
        "OK@example.com,Ok Again,rep,sales,nobody@example.com,Nowhere/Town",
        f"di@example.com,Di,director,sales,{e['manager2']},UTC",
    )
    login_as("admin")
    response = preview(client, text)
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    problems = page.split("import-problem-lines", 1)[1].split("</div>", 1)[0]
    line_2 = problems.split("Line 2 (6 errors):", 1)[1].split("Line 4", 1)[0]
    for message in (
        "“not-an-email” is not a valid email.",
        "The name is empty.",
        "Unknown role “boss”",
        "Unknown function “juggler”",
        "Unknown time zone “Mars/Olympus”",
        "The manager ghost@example.com is neither in the file nor in Coachapp.",
    ):
        assert message in line_2, message
    line_4 = problems.split("Line 4 (3 errors):", 1)[1].split("Line 5", 1)[0]
    assert "Unknown time zone “Nowhere/Town”" in line_4
    assert "ok@example.com is also on line 3" in line_4
    assert "The manager nobody@example.com is neither in the file nor in Coachapp." in line_4
    line_5 = problems.split("Line 5 (2 errors):", 1)[1]
    assert f"The manager {e['manager2']} is deactivated." in line_5
    assert f"The manager {e['manager2']} is a manager." in line_5
    assert "Line 3" not in problems


def test_rows_with_errors_are_left_out_of_the_changes_listed(org: Org, db: Session) -> None:
    e = emails(org)
    text = csv_text(
        "ghostly@example.com,Has A Ghost Manager,rep,sales,ghost@example.com,UTC",
        f"fine@example.com,Fine,rep,sales,{e['manager']},UTC",
    )
    plan = plan_org_import(db, org.people["admin"], text.encode())
    assert [p.line for p in plan.problems] == [2]
    assert [(c.kind, c.line) for c in plan.changes] == [(ChangeKind.CREATE, 3)]


# Reporting loops, after applying the file -------------------------------------------------


def test_a_longer_loop_is_reported_on_each_of_its_lines(org: Org, db: Session) -> None:
    text = csv_text(
        "d1@example.com,Di One,director,sales,d2@example.com,UTC",
        "d2@example.com,Di Two,director,sales,d3@example.com,UTC",
        "d3@example.com,Di Three,director,sales,d1@example.com,UTC",
    )
    plan = plan_org_import(db, org.people["admin"], text.encode())
    loop = [p for p in plan.problems if "Reporting loop" in p.message]
    assert [p.line for p in loop] == [2, 3, 4]
    assert "d1@example.com → d2@example.com → d3@example.com → d1@example.com" in loop[0].message


def test_a_loop_through_someone_not_in_the_file_is_found(org: Org, db: Session) -> None:
    """The file says director reports to director2, who already reports to director."""
    director, director2 = org.people["director"], org.people["director2"]
    change_manager(db, director2, director.id, actor=None)
    db.commit()
    text = csv_text(f"{director.email},Dana Director,director,sales,{director2.email},UTC")
    plan = plan_org_import(db, org.people["admin"], text.encode())
    assert [(p.line, "Reporting loop" in p.message) for p in plan.problems] == [(2, True)]


def test_two_directors_reporting_to_each_other_is_a_loop(org: Org, db: Session) -> None:
    e = emails(org)
    text = csv_text(
        f"{e['director']},Dana Director,director,sales,dnew@example.com,UTC",
        f"dnew@example.com,New Director,director,sales,{e['director']},UTC",
    )
    plan = plan_org_import(db, org.people["admin"], text.encode())
    assert {p.line for p in plan.problems if "Reporting loop" in p.message} == {2, 3}


# Other checks against the organisation ----------------------------------------------------


def test_manager_who_is_deactivated_or_would_be(org: Org, db: Session) -> None:
    e = emails(org)
    org.people["manager2"].active = False
    db.commit()
    text = csv_text(f"new@example.com,New,rep,sales,{e['manager2']},UTC")
    plan = plan_org_import(db, org.people["admin"], text.encode())
    assert [(p.line, "is deactivated" in p.message) for p in plan.problems] == [(2, True)]
    # Deactivating everyone missing from the file takes manager (not in it) away too.
    text = csv_text(f"new@example.com,New,rep,sales,{e['manager']},UTC")
    plan = plan_org_import(db, org.people["admin"], text.encode(), deactivate_missing=True)
    assert any("missing from the file" in p.message for p in plan.problems)


def test_demoting_a_manager_whose_team_is_not_in_the_file_is_refused(org: Org, db: Session) -> None:
    e = emails(org)
    text = csv_text(f"{e['manager']},Morgan Manager,rep,sales,{e['manager2']},UTC")
    plan = plan_org_import(db, org.people["admin"], text.encode())
    problems = [p for p in plan.problems if p.line == 2]
    assert any(e["rep"] in p.message for p in problems)
    assert any(e["rep2"] in p.message for p in problems)


def test_a_rows_errors_do_not_cascade_onto_rows_that_name_it(org: Org, db: Session) -> None:
    """The manager's row has a bad time zone; their report's row is not also "unknown"."""
    e = emails(org)
    text = csv_text(
        f"newmgr@example.com,New Manager,manager,sales,{e['director']},Atlantis",
        "newrep@example.com,New Rep,rep,sales,newmgr@example.com,UTC",
    )
    plan = plan_org_import(db, org.people["admin"], text.encode())
    assert [p.line for p in plan.problems] == [2]


# A valid file ---------------------------------------------------------------------------


def org_file(org: Org) -> str:
    """A new director with a new manager and a new rep; rep moves to manager2 and changes
    function and time zone; rep2 is as they are."""
    e, p = emails(org), org.people
    return csv_text(
        "jo.new@example.com,Jo New,director,key_account,,Europe/London",
        "pat.new@example.com,Pat New,Manager,Sales,JO.NEW@example.com,europe/london",
        "sam.new@example.com,Sam New,rep,Medical science liaison,pat.new@example.com,UTC",
        f"{e['rep'].upper()},Riley Rep,rep,key_account,{e['manager2']},Europe/Paris",
        f"{e['rep2']},{p['rep2'].name},rep,key_account,{e['manager']},{p['rep2'].timezone}",
    )


def test_dry_run_lists_every_change_and_changes_nothing(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    login_as("admin")
    before, events = snapshot(db), audit_count(db)
    response = preview(client, org_file(org))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert snapshot(db) == before
    assert audit_count(db) == events
    for name in ("Jo New", "Pat New", "Sam New"):
        assert name in page
    assert "No password yet: set one on their page after the import." in page
    # The rep's changes, before → after; rep2 is unchanged; nobody is deactivated unasked.
    rep_item = page.split(org.people["rep"].email)[1].split("</ul>")[0]
    assert "Europe/Paris" in rep_item and "America/New_York" in rep_item
    assert org.people["manager2"].email in rep_item
    assert "<strong>1</strong> unchanged" in page
    assert "<strong>0</strong> deactivated" in page
    assert "Apply 4 changes" in page


def test_a_valid_file_applies_with_audit_and_new_people_need_a_password(
    app: Flask, login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    login_as("admin")
    text = org_file(org)
    page = preview(client, text).get_data(as_text=True)
    response = apply(client, text, fingerprint_of(client, page))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/admin/import"

    db.expire_all()
    by_email = {u.email: u for u in db.scalars(select(User))}
    jo, pat, sam = (by_email[f"{n}.new@example.com"] for n in ("jo", "pat", "sam"))
    assert (jo.role, jo.manager_id, jo.function, jo.timezone) == (
        Role.DIRECTOR,
        None,
        Function.KEY_ACCOUNT,
        "Europe/London",
    )
    assert (pat.role, pat.manager_id, pat.timezone) == (Role.MANAGER, jo.id, "Europe/London")
    assert (sam.manager_id, sam.function) == (pat.id, Function.MSL)
    rep = by_email[org.people["rep"].email]
    assert (rep.manager_id, rep.function, rep.timezone) == (
        org.people["manager2"].id,
        Function.KEY_ACCOUNT,
        "Europe/Paris",
    )
    # New people exist but cannot sign in until the admin sets a password.
    assert not any(has_usable_password(u.password_hash) for u in (jo, pat, sam))
    assert login(app.test_client(), "sam.new@example.com", "").status_code == 401
    listing = client.get("/admin/import").get_data(as_text=True)
    assert "cannot sign in until you set their first password" in listing
    assert "Sam New" in listing.split("No password yet")[1]
    assert "No password yet" in client.get("/admin/users").get_data(as_text=True)

    actions = db.execute(
        select(AuditEvent.action, AuditEvent.object_id, AuditEvent.actor_id).where(
            AuditEvent.action.in_(["user.create", "user.update", "org.import"])
        )
    ).all()
    assert sorted(a for a, _, _ in actions) == [
        "org.import",
        "user.create",
        "user.create",
        "user.create",
        "user.update",
    ]
    assert {actor for _, _, actor in actions} == {org.people["admin"].id}
    update = db.scalars(select(AuditEvent).where(AuditEvent.action == "user.update")).one()
    assert update.object_id == rep.id
    assert update.details["source"] == "import"
    assert update.details["changes"]["timezone"] == ["America/New_York", "Europe/Paris"]

    # The same file again changes nothing.
    again = preview(client, text).get_data(as_text=True)
    assert "already matches the file" in again
    assert "<strong>5</strong> unchanged" in again


def test_admin_sets_the_first_password_of_an_imported_person(
    app: Flask, login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    login_as("admin")
    text = csv_text(
        f"kim.new@example.com,Kim New,rep,sales,{org.people['manager'].email},UTC",
    )
    page = preview(client, text).get_data(as_text=True)
    apply(client, text, fingerprint_of(client, page))
    kim = db.scalars(select(User).where(User.email == "kim.new@example.com")).one()
    form = client.get(f"/admin/users/{kim.id}").get_data(as_text=True)
    assert 'id="set-password"' in form
    short = client.post_form(f"/admin/users/{kim.id}/password", {"password": "short"})
    assert short.status_code == 302
    assert "at least 8 characters" in client.get(short.headers["Location"]).get_data(as_text=True)
    done = client.post_form(f"/admin/users/{kim.id}/password", {"password": "kim's first day!"})
    assert done.status_code == 302
    assert login(app.test_client(), "kim.new@example.com", "kim's first day!").status_code == 302
    assert 'id="set-password"' not in client.get(f"/admin/users/{kim.id}").get_data(as_text=True)
    # Someone with a password keeps it: this form only sets a first one.
    rep = org.people["rep"]
    refused = client.post_form(f"/admin/users/{rep.id}/password", {"password": "a brand new one"})
    assert "already has a password" in client.get(refused.headers["Location"]).get_data(
        as_text=True
    )
    assert login(app.test_client(), rep.email).status_code == 302
    assert (
        db.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "user.set_password")
        )
        == 1
    )


def test_a_failure_mid_apply_leaves_nothing_changed(
    login_as: Any, org: Org, db: Session, client: HttpsClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New people are already written when the role change fails: all of it is undone."""
    login_as("admin")
    e = emails(org)
    text = csv_text(
        f"new1@example.com,New One,rep,sales,{e['manager']},UTC",
        f"new2@example.com,New Two,rep,sales,{e['manager']},UTC",
        f"{e['rep']},Riley Rep,manager,sales,{e['director']},America/New_York",
    )
    page = preview(client, text).get_data(as_text=True)
    before, events = snapshot(db), audit_count(db)

    def broken(*_: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(org_import, "end_all_sessions", broken)
    with pytest.raises(RuntimeError):
        apply(client, text, fingerprint_of(client, page))
    assert snapshot(db) == before
    assert audit_count(db) == events


def test_apply_checks_the_file_again_and_refuses_a_stale_preview(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    login_as("admin")
    e = emails(org)
    text = csv_text(f"{e['rep']},Riley Renamed,rep,sales,{e['manager']},America/New_York")
    fingerprint = fingerprint_of(client, preview(client, text).get_data(as_text=True))
    # Meanwhile, someone moves the rep to another team.
    change_manager(db, org.people["rep"], org.people["manager2"].id, actor=None)
    db.commit()
    before = snapshot(db)
    response = apply(client, text, fingerprint)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "changed since your preview" in page
    assert snapshot(db) == before
    # The new preview shows the change as it is now and can be applied.
    assert e["manager2"] in page
    assert apply(client, text, fingerprint_of(client, page)).status_code == 302
    db.expire_all()
    assert db.get(User, org.people["rep"].id).name == "Riley Renamed"  # type: ignore[union-attr]


def test_someone_added_at_the_same_moment_makes_the_preview_stale(
    org: Org, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another admin adds one of the file's people between the check and the write."""
    admin, manager = org.people["admin"], org.people["manager"]
    text = csv_text(f"new@example.com,New,rep,sales,{manager.email},UTC").encode()
    previewed = plan_org_import(db, admin, text).fingerprint
    real = org_import.plan_org_import

    def racing(*args: Any, **kw: Any) -> org_import.ImportPlan:
        plan = real(*args, **kw)
        if kw.get("lock"):
            make_user(db, email="new@example.com", manager_id=manager.id)
        return plan

    monkeypatch.setattr(org_import, "plan_org_import", racing)
    before = snapshot(db)
    with pytest.raises(StaleImport):
        apply_org_import(db, admin, text, deactivate_missing=False, previewed=previewed)
    assert snapshot(db) == before


def test_a_file_that_became_invalid_is_refused_at_apply(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    login_as("admin")
    e = emails(org)
    text = csv_text(f"new@example.com,New,rep,sales,{e['manager2']},UTC")
    fingerprint = fingerprint_of(client, preview(client, text).get_data(as_text=True))
    org.people["manager2"].active = False
    db.commit()
    before = snapshot(db)
    response = apply(client, text, fingerprint)
    assert response.status_code == 422
    assert "is deactivated" in response.get_data(as_text=True)
    assert snapshot(db) == before


def test_a_list_of_changes_from_the_browser_is_never_trusted(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    """Apply reads the file, not the preview: a file edited after the preview is stale."""
    login_as("admin")
    e = emails(org)
    text = csv_text(f"new@example.com,New,rep,sales,{e['manager']},UTC")
    fingerprint = fingerprint_of(client, preview(client, text).get_data(as_text=True))
    edited = csv_text("new@example.com,New,director,other,,UTC")
    before = snapshot(db)
    assert apply(client, edited, fingerprint).status_code == 409
    assert snapshot(db) == before


# Deactivation, reactivation and signing out ---------------------------------------------


def test_role_changes_and_deactivations_sign_people_out(
    app: Flask, login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    p = org.people
    with app.app_context():
        tokens = {who: issue_api_token(db, p[who])[0] for who in ("rep", "rep2", "far_rep")}
    login_as("admin")
    # Everyone but rep, rep2 and the admin is missing from the file: they are deactivated.
    keep = ("director", "manager")
    rows = [
        f"{p[w].email},{p[w].name},{p[w].role.value},{p[w].function.value},"
        f"{p[w].manager.email if p[w].manager else ''},{p[w].timezone}"
        for w in keep
    ]
    rows.append(f"{p['rep'].email},Riley Rep,manager,sales,{p['director'].email},America/New_York")
    rows.append(
        f"{p['rep2'].email},{p['rep2'].name},rep,key_account,{p['manager'].email},{p['rep2'].timezone}"
    )
    text = csv_text(*rows)
    response = preview(client, text, deactivate_missing="1")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "You (" in page and "stay active" in page
    deactivated = page.split("Deactivated")[1]
    for who in ("manager2", "other_rep", "director2", "manager3", "far_rep"):
        assert p[who].email in deactivated
    assert p["admin"].email not in deactivated
    assert (
        apply(client, text, fingerprint_of(client, page), deactivate_missing="1").status_code == 302
    )

    db.expire_all()
    assert not db.get(User, p["far_rep"].id).active  # type: ignore[union-attr]
    assert db.get(User, p["admin"].id).active  # type: ignore[union-attr]
    assert db.get(User, p["rep"].id).role == Role.MANAGER  # type: ignore[union-attr]
    api = app.test_client()
    for who, expected in (("rep", 401), ("far_rep", 401), ("rep2", 200)):
        answer = api.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens[who]}"})
        assert answer.status_code == expected, who
    revoked = db.scalars(select(ApiToken).where(ApiToken.revoked_at.is_not(None))).all()
    assert {t.user_id for t in revoked} == {p["rep"].id, p["far_rep"].id}


def test_someone_deactivated_is_reactivated_by_the_file(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    rep = org.people["rep"]
    rep.active = False
    db.commit()
    login_as("admin")
    text = csv_text(f"{rep.email},Riley Rep,rep,sales,{org.people['manager'].email},UTC")
    page = preview(client, text).get_data(as_text=True)
    assert "Reactivated" in page
    assert apply(client, text, fingerprint_of(client, page)).status_code == 302
    db.expire_all()
    again = db.get(User, rep.id)
    assert again is not None and again.active and again.timezone == "UTC"
    actions = db.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == rep.id).order_by(AuditEvent.id)
    ).all()
    assert actions[-2:] == ["user.activate", "user.update"]


# The file itself: upload, spreadsheet habits, regions --------------------------------------


def test_an_uploaded_spreadsheet_file_with_bom_semicolons_and_any_header_case(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    login_as("admin")
    content = (
        "\ufeffEmail;Name;Role;Function;Manager_Email;Time Zone;Region\r\n"
        f'new@example.com;"Lee, New";rep;sales;{org.people["manager"].email};UTC;Northeast\r\n'
        ";;;;;;\r\n"
    ).encode()
    response = client.post_form(
        "/admin/import/preview",
        {"file": (io.BytesIO(content), "people.csv")},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "Lee, New" in page and "Northeast" in page
    # The preview carries the file on to the apply step, in the page.
    assert apply(client, *_carried(page)).status_code == 302
    created = db.scalars(select(User).where(User.email == "new@example.com")).one()
    assert (created.name, created.region) == ("Lee, New", "Northeast")


def _carried(page: str) -> tuple[str, str]:
    found = re.search(r'name="csv_text" value="([^"]*)"', page)
    assert found
    return html.unescape(found.group(1)), re.findall(r'name="fingerprint" value="(\w+)"', page)[0]


def test_the_region_column_is_ignored_where_people_have_no_region(
    org: Org, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(org_import, "region_supported", lambda: False)
    text = csv_text(
        f"new@example.com,New,rep,sales,{org.people['manager'].email},UTC,West",
        header=HEADER + ",region",
    )
    plan = plan_org_import(db, org.people["admin"], text.encode())
    assert plan.ok
    assert any("region column is ignored" in n for n in plan.notices)
    assert [f.name for f in plan.changes[0].fields if f.name == "region"] == []


def test_an_invalid_file_keeps_what_was_uploaded_in_the_form(
    login_as: Any, org: Org, client: HttpsClient
) -> None:
    login_as("admin")
    text = csv_text("new@example.com,New <b>Person</b>,rep,sales,nobody@example.com,UTC")
    response = preview(client, text, deactivate_missing="1")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Line 2" in page
    assert "New &lt;b&gt;Person&lt;/b&gt;" in page.split('id="csv_text"')[1]
    assert 'name="deactivate_missing" type="checkbox" value="1" checked' in page
    assert 'name="fingerprint"' not in page


def test_plan_and_apply_through_the_service(org: Org, db: Session) -> None:
    """The functions the views call, for use without the pages."""
    admin = org.people["admin"]
    text = csv_text(f"new@example.com,New,rep,sales,{org.people['manager'].email},UTC").encode()
    plan = plan_org_import(db, admin, text)
    assert [c.kind for c in plan.changes] == [ChangeKind.CREATE]
    with pytest.raises(StaleImport):
        apply_org_import(db, admin, text, deactivate_missing=False, previewed="0" * 64)
    applied = apply_org_import(
        db, admin, text, deactivate_missing=False, previewed=plan.fingerprint
    )
    assert applied.counts["create"] == 1
    assert db.scalars(select(User).where(User.email == "new@example.com")).one()


def test_people_without_a_password_are_listed(org: Org, db: Session) -> None:
    from coachapp.admin.service import people_without_password
    from coachapp.auth.passwords import unusable_password_hash

    person = make_user(db, password_hash=unusable_password_hash(), name="Zed Nopass")
    assert [u.id for u in people_without_password(db)] == [person.id]
