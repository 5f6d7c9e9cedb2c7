"""CSV files: the one writer every export goes through, whose cells a spreadsheet will not run
as formulas, and the response carrying them; and reading an uploaded file (imports)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Response, make_response

from coachapp.db import utcnow
from coachapp.field_messages import filled_in, said
from coachapp.languages import DEFAULT_LANGUAGE, N_, current_language, gettext

# A cell starting with one of these is a formula to Excel, LibreOffice or Google Sheets
# (=, +, - and @; tab, line breaks and NUL too, which some strip before looking; OWASP and
# ASVS 5.0 1.2.10), and the full-width forms some of them also read as formulas.
FORMULA_STARTS = frozenset("=+-@\t\r\n\x00\uff1d\uff0b\uff0d\uff20")
# A plain number, such as -3 or -0.25, is a number to a spreadsheet, never a formula.
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def safe_cell(value: Any) -> Any:
    """The value as a cell: text that a spreadsheet would read as a formula gets a leading
    apostrophe (shown by none of them, read as "this is text"). Numbers stay numbers."""
    if not isinstance(value, str) or value[:1] not in FORMULA_STARTS or _NUMBER.fullmatch(value):
        return value
    return "'" + value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Every CSV Coachapp writes: each cell passes safe_cell, whatever column it is in (an
    email address can start with "=" too)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


def in_the_readers_language(header: Sequence[str]) -> list[str]:
    """An export's header, each column marked for the catalogues, as the reader's language
    names it (an import format's header stays as the import reads it)."""
    return [gettext(column) for column in header]


def in_the_readers_words(code: str, labels: Mapping[Any, str]) -> str:
    """A fixed value of an export (a status, a type, a function) by its name in the reader's
    language, `labels` naming each code (marked for the catalogues); in English the code
    itself, as the API gives it, for the spreadsheets and scripts that match on it."""
    if current_language() == DEFAULT_LANGUAGE or code not in labels:
        return code
    return gettext(labels[code])


def csv_download(text: str, name: str) -> Response:
    """An attachment named `name-YYYYMMDD.csv`."""
    response = make_response(text)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    stamp = utcnow().strftime("%Y%m%d")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response


# Reading uploaded CSV files (the organisation import, goal actuals) ---------------------------

MAX_UPLOAD_BYTES = 400_000


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with an uploaded file; line None is about the file as a whole."""

    line: int | None
    message: str


def wrong_width(width: int, found: int) -> str:
    """A line's problem when it has another number of values than the header."""
    template = (
        N_("Expected %(width)s values as in the header, found %(found)s value.")
        if found == 1
        else N_("Expected %(width)s values as in the header, found %(found)s values.")
    )
    return filled_in(template, width=width, found=found)


def read_header(
    cells: Sequence[str],
    aliases: dict[str, str],
    titles: dict[str, str],
    required: Sequence[str],
    accepted: str,
) -> tuple[dict[str, int], list[ImportProblem]]:
    """Where each column of an import's header is: `aliases` maps a header cell, lower-cased
    without spaces, dashes or underscores, to its column; `titles` names the columns in
    problems, `required` must be there, `accepted` says which columns there are. Problems
    (an unknown or repeated column, a required one missing) are on line 1. The columns are
    named as the file names them, in every language."""
    positions: dict[str, int] = {}
    problems = []
    for index, cell in enumerate(cells):
        key = re.sub(r"[\s_\-]+", "", cell.strip().lower())
        column = aliases.get(key)
        if column is None:
            shown = cell.strip()[:40] or said(N_("(empty)"))
            problems.append(
                ImportProblem(
                    1,
                    filled_in(
                        N_("Column “%(column)s” is not recognised. The columns are %(columns)s."),
                        column=shown,
                        columns=accepted,
                    ),
                )
            )
        elif column in positions:
            problems.append(
                ImportProblem(
                    1, filled_in(N_("Column “%(column)s” appears twice."), column=titles[column])
                )
            )
        else:
            positions[column] = index
    missing = [titles[c] for c in required if c not in positions]
    if missing:
        problems.append(
            ImportProblem(
                1, filled_in(N_("The header lacks %(columns)s."), columns=", ".join(missing))
            )
        )
    return positions, problems


def decode_upload(
    content: bytes, max_bytes: int = MAX_UPLOAD_BYTES
) -> tuple[str | None, list[ImportProblem]]:
    """The file as text, or why it cannot be read at all."""
    if len(content) > max_bytes:
        return None, [
            ImportProblem(
                None,
                filled_in(
                    N_(
                        "The file is %(size)s bytes; at most %(max)s at a time. Split it by "
                        "region or team."
                    ),
                    size=len(content),
                    max=max_bytes,
                ),
            )
        ]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [
            ImportProblem(
                None,
                N_(
                    "The file is not UTF-8 text. Save it as “CSV UTF-8 (comma delimited)” and "
                    "upload it again."
                ),
            )
        ]
    if not text.strip():
        return None, [ImportProblem(None, N_("The file is empty."))]
    return text, []


def delimiter_of(text: str) -> str:
    """The separator of a CSV file: spreadsheets in some locales save "CSV" with semicolons
    (or tabs)."""
    first = text.split("\n", 1)[0]
    if "," not in first:
        for candidate in (";", "\t"):
            if candidate in first:
                return candidate
    return ","


def problems_by_line(problems: Iterable[ImportProblem]) -> list[tuple[int | None, list[str]]]:
    """Every problem, grouped by line in file order (the file's own problems first)."""
    grouped: dict[int | None, list[str]] = {}
    for problem in sorted(problems, key=lambda p: p.line or 0):
        grouped.setdefault(problem.line, []).append(problem.message)
    return list(grouped.items())
