"""What the page's scripts say, in the page's language: base.html gives them the translations
of their messages (coachapp.script_messages), which static/js/messages.js reads."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from coachapp.script_messages import MESSAGES
from tests.conftest import HttpsClient

SCRIPTS = Path(__file__).resolve().parent.parent / "coachapp" / "static" / "js"
# A string given straight to t(), or as either side of a choice: t(one ? "…" : "…").
SAID = re.compile(r'\bt\(\s*(?:[\w.]+ === 1 \? |[\w.]+ \? )?"((?:[^"\\]|\\.)*)"')
META = re.compile(r"<meta name=\"coachapp-messages\" content='([^']*)'>")


def scripts_text() -> str:
    return "\n".join(path.read_text() for path in sorted(SCRIPTS.glob("*.js")))


def test_every_message_a_script_says_is_listed_for_the_catalogues() -> None:
    said = set(SAID.findall(scripts_text()))
    assert said, "no t() calls found"
    assert not said - set(MESSAGES), "add to coachapp/script_messages.py"


def test_every_listed_message_is_said_by_a_script() -> None:
    text = scripts_text()
    assert not [m for m in MESSAGES if f'"{m}"' not in text], "said by no script: remove it"


def test_a_spanish_page_gives_its_scripts_their_words(reading_spanish: Any) -> None:
    page = reading_spanish("rep").get("/me").get_data(as_text=True)
    found = META.search(page)
    assert found, "no messages for the scripts"
    words = json.loads(html.unescape(found.group(1)))
    assert words["Saved on this phone — will sync (%(count)s item waiting)."] == (
        "Guardado en este teléfono: se sincronizará (%(count)s elemento en espera)."
    )
    assert set(words) == set(MESSAGES)


def test_an_english_page_leaves_the_scripts_their_own_words(client: HttpsClient) -> None:
    assert 'name="coachapp-messages"' not in client.get("/login").get_data(as_text=True)
