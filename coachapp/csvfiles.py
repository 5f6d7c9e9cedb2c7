"""CSV downloads: cells a spreadsheet will not run as formulas, and the response carrying them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response, make_response

from coachapp.db import utcnow

FORMULA_STARTS = {"=", "+", "-", "@", "\t", "\r"}


def safe_cell(value: str) -> str:
    """Neutralises spreadsheet formulas (CSV injection) in free text."""
    return "'" + value if value[:1] in FORMULA_STARTS else value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def csv_download(text: str, name: str) -> Response:
    """An attachment named `name-YYYYMMDD.csv`."""
    response = make_response(text)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    stamp = utcnow().strftime("%Y%m%d")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response
