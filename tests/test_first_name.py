"""A person is called by their first name in sentences ("Coaching Sam", "Note from Sam"):
User.first_name, one definition that pages, notifications and prompts all use."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from coachapp.models import NoteStatus, User
from tests.builders import Org, make_note, make_user
from tests.conftest import signed_in

APP = Path(__file__).resolve().parent.parent / "coachapp"


@pytest.mark.parametrize(
    ("name", "first"),
    [
        ("Sam", "Sam"),
        ("Sam de Vries", "Sam"),
        ("Mary Ann  O'Neil", "Mary"),
        ("  Sam Rep", "Sam"),
        ("\tSam\u00a0Rep ", "Sam"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_first_name_is_the_first_word_of_the_name(name: str, first: str) -> None:
    assert User(name=name).first_name == first


def test_pages_call_a_rep_by_the_first_word_of_a_name_with_leading_spaces(
    app: Flask, db: Session, org: Org
) -> None:
    manager = org.people["manager"]
    rep = make_user(db, name="  Sam  de Vries", manager_id=manager.id)
    draft = make_note(db, manager, rep, NoteStatus.DRAFT)
    db.commit()
    page = signed_in(app, org, "manager").get(f"/notes/{draft.id}/edit").get_data(as_text=True)
    assert "Coaching Sam" in page and "Discard this draft about Sam from" in page
    # Split by a single space, this name's first word was empty: "Coaching " and "about  from".
    assert "Coaching <" not in page and "about  from" not in page


def test_no_module_or_template_takes_a_first_name_by_hand() -> None:
    # A name cut at its spaces: split(), split(" "), split(" ", 1), partition(" ").
    by_hand = re.compile(
        r"""name\.(split\((\s*|["'] ["'].*?|maxsplit.*?)\)|partition\(["'] ["']\))\[0\]"""
    )
    files = [*APP.glob("**/*.py"), *APP.glob("templates/**/*.html"), *APP.glob("static/js/*.js")]
    found = [
        f"{path.relative_to(APP)}:{number}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if by_hand.search(line)
    ]
    assert not found, f"use User.first_name: {found}"
