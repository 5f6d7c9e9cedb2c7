"""What free text people type may hold: a single line (a name, a title) holds no control or
invisible formatting characters at all; several lines (a note) hold line feeds and tabs too.

A carriage return, a line separator or a bidirectional override in a name is never something
a person meant to type, and each one changes what a file built from that name says: a
calendar file reads a new line as a new property, a spreadsheet a new cell. So every
single-line field refuses them where it is typed, and the files are built by libraries that
escape what is stored anyway.

The characters are listed as ranges here, once, rather than read from Python's Unicode
tables, so that the OpenAPI document states the same rule in an ECMA-262 pattern.
"""

from __future__ import annotations

import re

from coachapp.languages import N_

# Refused in every field: C0 and C1 controls (tab, line feed and carriage return among them),
# DEL, the line and paragraph separators, and the invisible format characters of the Basic
# Multilingual Plane (soft hyphen, zero-width space, bidirectional embeddings, overrides and
# isolates, word joiners, byte order mark...) except the zero-width non-joiner and joiner
# (U+200C, U+200D), which Persian and Indic names and emoji sequences need.
_FORMAT_RANGES = (
    "\\u007f-\\u009f\\u00ad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890-\\u0891\\u08e2"
    "\\u180e\\u200b\\u200e-\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff"
    "\\ufff9-\\ufffb"
)
_CONTROL_RANGES = "\\u0000-\\u001f" + _FORMAT_RANGES
# Several lines may also hold tabs (U+0009) and line feeds (U+000A), and carriage returns,
# which are stored as line feeds (normalise_newlines).
_TEXT_CONTROL_RANGES = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f" + _FORMAT_RANGES

# Patterns read the same by Python's re and ECMA-262 (the OpenAPI document), except that
# Python's `$` also matches before a final line feed: values are stripped before they are
# stored, and line_problem and text_problem match the whole text.
LINE_PATTERN = f"^[^{_CONTROL_RANGES}]*$"
TEXT_PATTERN = f"^[^{_TEXT_CONTROL_RANGES}]*$"

LINE_PROBLEM = N_(
    "Use one line of plain text: no line breaks, tabs or invisible control characters."
)
TEXT_PROBLEM = N_("Contains an invisible control character; retype the text without it.")

_LINE = re.compile(LINE_PATTERN)
_TEXT = re.compile(TEXT_PATTERN)
_CONTROL = re.compile(f"[{_CONTROL_RANGES}]+")
_NEWLINES = re.compile(r"\r\n?")


def line_problem(text: str) -> str | None:
    """Why `text` cannot be a single-line value, or None."""
    return None if _LINE.fullmatch(text) else LINE_PROBLEM


def text_problem(text: str) -> str | None:
    """Why `text` cannot be a multi-line value (after normalise_newlines), or None."""
    return None if _TEXT.fullmatch(text) else TEXT_PROBLEM


def normalise_newlines(text: str) -> str:
    """CR LF and a bare CR (what browsers send from a text box, old Mac text) become LF."""
    return _NEWLINES.sub("\n", text)


def one_line(text: str) -> str:
    """`text` as one line for a file we write (stored before these rules, or from elsewhere):
    every run of control characters becomes a single space."""
    return _CONTROL.sub(" ", text).strip()
