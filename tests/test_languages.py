"""Languages: the page in the person's chosen language, else their browser's, else English;
and catalogues that hold every message the code and templates mark, each translated."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from jinja2 import Environment
from jinja2.ext import i18n
from sqlalchemy.orm import Session

from coachapp.languages import LANGUAGES, formatted
from coachapp.models import User
from coachapp.navigation import thousands
from tests.builders import Org
from tests.conftest import HttpsClient

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "coachapp" / "translations"
SPANISH = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.4"}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.fixture
def spanish_rep(reading_spanish: Any) -> HttpsClient:
    """The test client signed in as the rep, who chose Spanish."""
    client: HttpsClient = reading_spanish("rep")
    return client


def test_the_browsers_language_when_nobody_is_signed_in(client: HttpsClient) -> None:
    page = client.get("/login", headers=SPANISH)
    text = page.get_data(as_text=True)
    assert '<html lang="es">' in text
    assert "<h1>Iniciar sesión</h1>" in text and "Contraseña" in text
    assert "Accept-Language" in page.headers["Vary"]
    english = client.get("/login", headers={"Accept-Language": "fr-FR,de;q=0.8"})
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "<h1>Sign in</h1>" in client.get("/login").get_data(as_text=True)


def test_a_failed_sign_in_says_so_in_the_browsers_language(client: HttpsClient, org: Org) -> None:
    page = client.post_form(
        "/login", {"email": org.people["rep"].email, "password": "not it"}, headers=SPANISH
    )
    assert page.status_code == 401
    assert "El correo electrónico o la contraseña no son correctos." in page.get_data(as_text=True)


def test_a_person_who_chose_spanish_reads_spanish_whatever_the_browser_asks(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    login_as("rep")
    rep = org.people["rep"]
    saved = client.post_form(
        "/me/profile", {"name": rep.name, "timezone": rep.timezone, "language": "es"}
    )
    assert saved.status_code == 302
    page = client.get("/me", headers={"Accept-Language": "en-US"})
    text = page.get_data(as_text=True)
    assert '<html lang="es">' in text and "Perfil guardado." in text
    assert '<nav class="bottom-nav" id="bottom-nav" aria-label="Principal">' in text
    assert "<span>Notas</span>" in text and "<span>Hoy</span>" in text
    assert '<option value="es" lang="es" selected>Español</option>' in text
    # Back to the browser's: English for an English browser, as before.
    client.post_form(
        "/me/profile", {"name": rep.name, "timezone": rep.timezone, "language": "browser"}
    )
    db.expire_all()
    assert db.get(User, rep.id).language == ""  # type: ignore[union-attr]
    text = client.get("/me", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert '<html lang="en">' in text and "<span>Notes</span>" in text
    assert '<html lang="es">' in client.get("/me", headers=SPANISH).get_data(as_text=True)


def test_a_profile_form_without_the_language_keeps_it(
    login_as: Any, org: Org, db: Session, client: HttpsClient
) -> None:
    rep = org.people["rep"]
    rep.language = "es"
    db.commit()
    login_as("rep")
    client.post_form("/me/profile", {"name": "Riley Rep", "timezone": rep.timezone})
    db.expire_all()
    assert db.get(User, rep.id).language == "es"  # type: ignore[union-attr]


def test_a_language_not_offered_is_a_field_error_that_keeps_what_was_typed(
    login_as: Any, org: Org, client: HttpsClient
) -> None:
    login_as("rep")
    page = client.post_form(
        "/me/profile", {"name": "Typed Name", "timezone": "America/Chicago", "language": "fr"}
    )
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert '<p class="field-error" id="language-error">Choose one of the languages listed.' in text
    assert 'value="Typed Name"' in text


# The catalogues ---------------------------------------------------------------------------


def marked_messages() -> set[str]:
    """Every message the code and the templates mark, as `make translations` extracts them."""
    with open(ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords={"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None},
    )
    return {message if isinstance(message, str) else message[0] for *_, message, _c, _x in found}


def catalogue(language: str) -> Any:
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po)


OTHER_LANGUAGES = [language for language in LANGUAGES if language != "en"]


def key_of(message: Any) -> str:
    """A message by its text (a plural one by its singular)."""
    return message.id if isinstance(message.id, str) else message.id[0]


def forms_of(message: Any) -> tuple[str, ...]:
    return tuple(message.string) if isinstance(message.string, list | tuple) else (message.string,)


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_marked_message_is_translated(language: str) -> None:
    messages = {key_of(m): m for m in catalogue(language) if m.id}
    marked = marked_messages()
    assert marked, "no messages found: babel.cfg"
    missing = sorted(marked - set(messages))
    assert not missing, f"run `make translations` and translate: {missing}"
    untranslated = sorted(m for m in marked if not all(forms_of(messages[m])) or messages[m].fuzzy)
    assert not untranslated, f"translate in {language}/LC_MESSAGES/messages.po: {untranslated}"


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_translations_keep_every_placeholder(language: str) -> None:
    """A translation names what its message names; each plural form what the plural names
    (the singular may also leave the number out: "every day")."""
    for message in catalogue(language):
        if not message.id or not any(forms_of(message)):
            continue
        for at, text in enumerate(forms_of(message)):
            if isinstance(message.id, str):
                expected = set(PLACEHOLDER.findall(message.id))
                found = set(PLACEHOLDER.findall(text))
            else:
                expected = set(PLACEHOLDER.findall(message.id[1])) - {"num"}
                found = set(PLACEHOLDER.findall(text)) - {"num"}
                assert set(PLACEHOLDER.findall(text)) <= set(PLACEHOLDER.findall(message.id[1]))
            assert found == expected, f"{message.id!r} -> {text!r} (form {at})"


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_the_compiled_catalogue_is_the_current_one(language: str) -> None:
    """The app reads the .mo: it must say what the .po says (`make translations`)."""
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo", "rb") as mo:
        compiled = {key_of(m): forms_of(m) for m in read_mo(mo) if m.id}
    written = {
        key_of(m): forms_of(m)
        for m in catalogue(language)
        if m.id and any(forms_of(m)) and not m.fuzzy
    }
    assert compiled == written, "run `make translations`"


def test_an_error_page_speaks_the_readers_language(client: HttpsClient) -> None:
    page = client.get("/no-such-page", headers=SPANISH)
    assert page.status_code == 404
    text = page.get_data(as_text=True)
    assert "No encontrado" in text and "No se ha encontrado." in text
    assert "Ir a tu página de inicio" in text
    # The API's errors stay in one language for the programs that read them.
    answer = client.get("/api/v1/no-such-thing", headers=SPANISH)
    assert answer.get_json()["error"]["message"] == "Not found."


def test_the_me_page_names_role_and_function_in_the_persons_language(
    spanish_rep: HttpsClient,
) -> None:
    text = spanish_rep.get("/me").get_data(as_text=True)
    assert "Representante / miembro del equipo de cuenta · Ventas" in text


@pytest.mark.parametrize(
    ("language", "value", "strftime", "shown"),
    [
        ("en", dt.date(2026, 12, 7), "%-d %b %Y", "7 Dec 2026"),
        ("es", dt.date(2026, 12, 7), "%-d %b %Y", "7 dic 2026"),
        ("es", dt.date(2026, 12, 7), "%A %-d %B", "lunes 7 de diciembre"),
        ("es", dt.date(2026, 12, 7), "%-d %B %Y", "7 de diciembre de 2026"),
        ("es", dt.datetime(2026, 12, 7, 9, 5, tzinfo=dt.UTC), "%-d %b, %H:%M", "7 dic, 09:05"),
        ("es", dt.datetime(2026, 12, 7, 9, 5, tzinfo=dt.UTC), "%H:%M", "09:05"),
    ],
)
def test_dates_are_written_in_the_readers_language(
    app: Flask, language: str, value: dt.date, strftime: str, shown: str
) -> None:
    with app.test_request_context(headers={"Accept-Language": language}):
        assert formatted(value, strftime) == shown


def test_the_inbox_speaks_the_persons_language(spanish_rep: HttpsClient) -> None:
    text = spanish_rep.get("/inbox").get_data(as_text=True)
    assert "<title>Bandeja · Coachapp</title>" in text
    assert 'aria-label="Notificaciones"' in text


def test_notification_settings_speak_the_persons_language(spanish_rep: HttpsClient) -> None:
    text = spanish_rep.get("/me/notifications").get_data(as_text=True)
    assert '<h2 id="prefs-heading">Qué enviar</h2>' in text
    assert "Se comparte conmigo una nota de coaching" in text  # a kind of notification
    assert "Una vez al día" in text  # an email mode


def test_a_reps_learning_journey_speaks_their_language(spanish_rep: HttpsClient) -> None:
    text = spanish_rep.get("/journeys").get_data(as_text=True)
    assert "<title>Tu itinerario de aprendizaje · Coachapp</title>" in text


# Text in the templates ----------------------------------------------------------------------

TEMPLATES = ROOT / "coachapp" / "templates"
# What a reader reads in a tag's attributes.
TEXT_ATTRIBUTES = frozenset(
    {"aria-label", "aria-description", "aria-roledescription", "title", "placeholder", "alt"}
)
WORD = re.compile(r"[A-Za-z]{2,}")
ATTRIBUTE_WRITTEN = re.compile(r"[\w-]+=\"")
NOT_TO_TRANSLATE = frozenset({"Coachapp", "ics"})  # a calendar file, by its extension


class _TextOf(HTMLParser):
    """The text an HTML fragment shows: its text nodes and its readable attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "svg"):
            self.hidden += 1
        self.found += [value for name, value in attrs if name in TEXT_ATTRIBUTES and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "svg") and self.hidden:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.found.append(data)


def unmarked_text(template: Path) -> list[str]:
    """The template's own words outside `_()`: what it shows in English whatever the reader's
    language. Each {{ }} and {% %} counts as a break in the text around it."""
    parts = []
    jinja = Environment(autoescape=True, extensions=[i18n])
    for _line, kind, value in jinja.lex(template.read_text()):
        if kind == "data":
            parts.append(value)
        elif kind in ("variable_begin", "block_begin"):
            parts.append("\x00")
    parser = _TextOf()
    parser.feed("".join(parts))
    return [
        " ".join(piece.split())
        for text in parser.found
        for piece in text.split("\x00")
        if not ATTRIBUTE_WRITTEN.search(piece)
        and any(word not in NOT_TO_TRANSLATE for word in WORD.findall(piece))
    ]


def test_every_templates_text_is_marked_for_translation() -> None:
    """A template's words (a page's, an email's) go through `_()`, so that they reach the
    catalogues (above) and a Spanish reader reads Spanish."""
    templates = sorted([*TEMPLATES.rglob("*.html"), *TEMPLATES.rglob("*.txt")])
    unmarked = {
        str(path.relative_to(TEMPLATES)): found
        for path in templates
        if (found := unmarked_text(path))
    }
    assert not unmarked, f"mark with _() (make translations, then translate): {unmarked}"


def test_numbers_are_written_in_the_readers_language(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert thousands(25000) == "25,000"
    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert thousands(25000) == "25.000"
