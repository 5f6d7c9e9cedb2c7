"""The languages Coachapp speaks: each person's own choice, else their browser's, else English.

Every text a person reads goes through gettext (Flask-Babel): pages and their templates with
`_()`, Python with `gettext`/`lazy_gettext` from here. The catalogues live in
coachapp/translations (`make translations` extracts, updates and compiles them; the compiled
.mo files are kept beside their .po so that an installed app needs no build step). Dates and
numbers are formatted by Babel for the person's language.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from flask import Flask, Response, has_request_context, request
from flask_babel import Babel, force_locale, format_decimal, format_percent, get_locale
from flask_babel import gettext as gettext
from flask_babel import lazy_gettext as lazy_gettext
from flask_babel import ngettext as ngettext
from flask_login import current_user

# The languages a person may choose, by code, each named in itself.
LANGUAGES = {"en": "English", "es": "Español"}
DEFAULT_LANGUAGE = "en"
# A person's `language` when they chose none: their browser's, each time; chosen in a form
# as BROWSERS_CHOICE (an empty input counts as left out).
FROM_THE_BROWSER = ""
BROWSERS_CHOICE = "browser"


def N_(message: str) -> str:
    """Marks a message for the catalogues where it is defined (a constant); it is translated
    where it is shown, with `gettext(message)`."""
    return message


def browser_language() -> str:
    """The best of our languages for the browser's Accept-Language, else English (also with
    no request at all: the worker and the commands, unless they choose a language)."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def select_language() -> str:
    """The signed-in person's language, or their browser's; English with no request (the
    worker), where what is written for someone goes through `writing_for`."""
    chosen = getattr(current_user, "language", FROM_THE_BROWSER) if current_user else ""
    if chosen in LANGUAGES:
        return str(chosen)
    return browser_language()


def language_name(code: str) -> str:
    """A language's name as the reader's language writes it mid-sentence: "Spanish" in
    English, "español" in Spanish (Babel's names, in CLDR's own case)."""
    return str(Locale.parse(code).get_language_name(current_language()))


def current_language() -> str:
    return str(get_locale() or DEFAULT_LANGUAGE)


def language_of(person: Any, asked_in: str = DEFAULT_LANGUAGE) -> str:
    """The language to write to someone in while they are not reading (an inbox row, an
    email, a push): their choice; when they left it to the browser, the language of the page
    they asked for it from (`asked_in`, for what a person asks for themself, such as a reset
    link), else English, as there is no browser to ask."""
    chosen = getattr(person, "language", FROM_THE_BROWSER)
    if chosen in LANGUAGES:
        return str(chosen)
    return asked_in if asked_in in LANGUAGES else DEFAULT_LANGUAGE


@contextmanager
def writing_for(person: Any, asked_in: str = DEFAULT_LANGUAGE) -> Iterator[str]:
    """Within it, gettext and the date filters write in `person`'s language (language_of),
    whoever reads the request's page; yields that language."""
    language = language_of(person, asked_in)
    with force_locale(language):
        yield language


# strftime's fields in the templates, as Unicode (CLDR) date patterns.
CLDR_FIELDS = {
    "%-d": "d", "%d": "dd", "%a": "EEE", "%A": "EEEE", "%b": "MMM", "%B": "MMMM",
    "%-m": "M", "%m": "MM", "%Y": "y", "%y": "yy", "%H": "HH", "%-H": "H", "%M": "mm",
    "%S": "ss", "%I": "hh", "%-I": "h", "%p": "a",
}  # fmt: skip
STRFTIME_FIELD = re.compile(r"%-?[a-zA-Z]")


# How a language joins a day, a month's full name and a year: "7 de diciembre de 2026".
JOINED = {"es": (("d MMMM", "d 'de' MMMM"), ("MMMM y", "MMMM 'de' y"))}


@cache
def cldr_pattern(strftime_format: str, language: str) -> str:
    """The strftime format as a CLDR pattern for the language: fields mapped, the text
    between them quoted, day, month and year joined as the language joins them."""
    parts, at = [], 0
    for field in STRFTIME_FIELD.finditer(strftime_format):
        parts.append(_literal(strftime_format[at : field.start()]))
        parts.append(CLDR_FIELDS[field.group()])
        at = field.end()
    parts.append(_literal(strftime_format[at:]))
    pattern = "".join(parts)
    for english, own in JOINED.get(language, ()):
        pattern = pattern.replace(english, own)
    return pattern


def _literal(text: str) -> str:
    if not re.search(r"[A-Za-z']", text):
        return text
    return "'" + text.replace("'", "''") + "'"


def formatted(value: dt.date, strftime_format: str) -> str:
    """A date or a time as the format says, in the reader's language: day and month names
    and their abbreviations are the language's own (Babel); English is strftime's."""
    language = current_language()
    if language == DEFAULT_LANGUAGE:
        return value.strftime(strftime_format)
    pattern = cldr_pattern(strftime_format, language)
    if isinstance(value, dt.datetime):
        return format_datetime(value, pattern, tzinfo=value.tzinfo, locale=language)
    return format_date(value, pattern, locale=language)


def vary_with_the_browsers_language(response: Response) -> Response:
    """A page signed out (or of someone who chose no language) is in the browser's language:
    a shared cache keeps one copy per language asked for."""
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")
    return response


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_language, default_domain="messages")
    app.after_request(vary_with_the_browsers_language)
    app.jinja_env.globals.update(
        current_language=current_language, languages=LANGUAGES, language_name=language_name
    )
    # Numbers as the reader's language writes them (Babel): 2,5 and 40 % in Spanish.
    app.jinja_env.globals.update(format_decimal=format_decimal, format_percent=format_percent)
    # {{ note.occurred_on | day("%-d %b") }}: a date in the reader's language.
    app.add_template_filter(formatted, "day")
