"""An admin imports accounts from a CRM export through the page: preview with errors by line,
apply with the preview's fingerprint, CSRF required, nothing for anyone else."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coachapp.models import Account
from tests.builders import Org
from tests.conftest import HttpsClient

pytestmark = pytest.mark.first_backend

FILE = (
    "external_id,name,type,parent_external_id,territory,city\n"
    "H-1,Harbor General Hospital,hospital,IDN-1,T-1,Boston\n"
    "IDN-1,Harbor Health,Integrated delivery network,,T-1,Boston\n"
)


def test_an_admin_previews_then_applies_and_a_second_preview_has_nothing(
    login_as: object, client: HttpsClient, db: Session, org: Org
) -> None:
    login_as("admin")  # type: ignore[operator]
    page = client.get("/admin/import/accounts")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Preview accounts" in text and 'for="file">CSV file<' in text

    preview = client.post_form("/admin/import/accounts/preview", {"csv_text": FILE})
    assert preview.status_code == 200
    shown = html.unescape(preview.get_data(as_text=True))
    assert "Apply 2 changes" in shown and "part of IDN-1" in shown
    assert db.scalars(select(Account).where(Account.external_id == "H-1")).first() is None
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]+)"', shown)
    assert fingerprint

    # Without the form's CSRF token nothing happens.
    forged = client.post(
        "/admin/import/accounts/apply",
        data={"csv_text": FILE, "fingerprint": fingerprint.group(1)},
    )
    assert forged.status_code == 400
    assert db.scalars(select(Account).where(Account.external_id == "H-1")).first() is None

    applied = client.post_form(
        "/admin/import/accounts/apply", {"csv_text": FILE, "fingerprint": fingerprint.group(1)}
    )
    assert applied.status_code == 302
    done = html.unescape(client.get(applied.headers["Location"]).get_data(as_text=True))
    assert "Accounts imported: 2 added, 1 new territories." in done
    db.expire_all()
    hospital = db.scalars(select(Account).where(Account.external_id == "H-1")).one()
    assert hospital.parent_id is not None

    again = client.post_form("/admin/import/accounts/preview", {"csv_text": FILE})
    assert "The accounts already match the file: nothing to change." in again.get_data(as_text=True)


def test_errors_are_listed_by_line_and_nothing_applies(
    login_as: object, client: HttpsClient, db: Session, org: Org
) -> None:
    login_as("admin")  # type: ignore[operator]
    bad = FILE + "S-1,Harbor Clinic,castle,NOPE,T-1,Boston\n"
    preview = client.post_form("/admin/import/accounts/preview", {"csv_text": bad})
    assert preview.status_code == 422
    shown = html.unescape(preview.get_data(as_text=True))
    assert "Line 4 (2 errors)" in shown and "Unknown type “castle”" in shown
    assert 'name="fingerprint"' not in shown
    refused = client.post_form(
        "/admin/import/accounts/apply", {"csv_text": bad, "fingerprint": "0" * 64}
    )
    assert refused.status_code == 422
    assert db.scalars(select(Account).where(Account.external_id == "H-1")).first() is None
