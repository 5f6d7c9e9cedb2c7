"""CSV downloads: the one writer every export goes through, whose cells a spreadsheet will not
run as formulas, and the response carrying them."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response, make_response

from coachapp.db import utcnow

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


def csv_download(text: str, name: str) -> Response:
    """An attachment named `name-YYYYMMDD.csv`."""
    response = make_response(text)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    stamp = utcnow().strftime("%Y%m%d")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response
