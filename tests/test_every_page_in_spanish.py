"""Every page in Spanish: each page and fragment of the access matrix, read by someone it lets
through whose browser asks for Spanish, shows none of the catalogue's English messages that
have a Spanish translation (a message shown without going through gettext, or a constant
marked with N_ and shown as it is). tests/test_languages.py checks that every template's
words are marked and translated; this checks what the pages actually send."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask

from tests.access_matrix import GET_ROWS, SIGNED_IN, Row, World, open_world

CATALOGUE = Path(__file__).parent.parent / "coachapp/translations/es/LC_MESSAGES/messages.po"
SPANISH = {"Accept-Language": "es"}
TAG = re.compile(r"<[^>]+>")
ATTRIBUTE = re.compile(r'(?:aria-label|title|placeholder|alt)="([^"]*)"')
# A message of this many words is looked for anywhere in the text; a shorter one (a label, a
# status) only as a whole text of its own, not inside what someone typed.
SENTENCE = 4
# Pages that show a file's own words, in English whatever the reader's language: the
# organisation import's example file and columns (the file is read in that form).
AS_THE_FILE_HAS_THEM = frozenset({"admin.org_import_page"})


def english_messages() -> set[str]:
    """The catalogue's messages of WORDS words or more, without placeholders, that Spanish
    says otherwise."""
    with open(CATALOGUE, "rb") as po:
        catalogue = read_po(po)
    return {
        message.id
        for message in catalogue
        if isinstance(message.id, str)
        and isinstance(message.string, str)
        and message.string
        and message.string != message.id
        and "%(" not in message.id
        and len(message.id.split()) >= 2
    }


def texts_of(body: str) -> set[str]:
    """What the page says, piece by piece: each text between tags and each readable
    attribute's value, unescaped, white space folded."""
    pieces = TAG.split(body) + ATTRIBUTE.findall(body)
    return {" ".join(html.unescape(piece).split()) for piece in pieces} - {""}


def english_in(body: str, messages: set[str]) -> list[str]:
    pieces = texts_of(body)
    whole = " ".join(sorted(pieces))
    return sorted(
        message
        for message in messages
        if message in pieces or (len(message.split()) >= SENTENCE and message in whole)
    )


def reader_of(item: Row) -> str | None:
    """A signed-in actor the row shows its page to."""
    return next((a for a in SIGNED_IN if item.expected(a) == 200), None)


PAGES = [
    r
    for r in GET_ROWS
    if not r.api and reader_of(r) is not None and r.endpoint not in AS_THE_FILE_HAS_THEM
]


@pytest.fixture(scope="module")
def world(app: Flask) -> Iterator[World]:
    with open_world(app) as opened:
        yield opened


@pytest.mark.first_backend
def test_no_page_shows_an_english_message_to_a_spanish_reader(world: World) -> None:
    messages = english_messages()
    assert len(messages) > 300, "the Spanish catalogue"
    found = {}
    for item in PAGES:
        actor = reader_of(item)
        assert actor is not None
        with world.savepoint():
            response = world.call(item, actor, headers=SPANISH)
        assert response.status_code == 200, item.label
        if not response.mimetype.startswith("text/html"):
            continue
        english = english_in(response.get_data(as_text=True), messages)
        if english:
            found[f"{item.label} as {actor}"] = english
    assert not found, "\n".join(f"{page}: {english}" for page, english in found.items())
