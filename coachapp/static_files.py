"""Static files named by their content, cached for a year.

`url_for("static", filename="js/app.js")` gives `/static/js/app.3f9a0c1b2d4e.js`: the first
12 hex digits of the SHA-256 of the bytes served go before the extension. Templates, the
manifest and the service worker build every static URL that way, so a deployment that
changes a file changes its URL, and nothing stale is ever kept under a name. The JavaScript
modules' relative imports (`from "./links.js"`) are served rewritten to the imported file's
hashed name, so a module's hash covers what it imports too.

What a request under /static/ gets:
- the current hash: the file with `Cache-Control: public, max-age=31536000, immutable`;
- the plain name (`/static/js/app.js`: a page saved before names were hashed, a bookmark):
  the file, cached a short while (SHORT_CACHE);
- another hash (a page drawn before a deployment, or by the next one during a rolling
  restart): the current file, revalidated on every use (`no-cache`), so it is never kept
  under a name that promised other bytes;
- anything else: 404.
Each answer carries the hash as its strong ETag. Compression comes after, in
coachapp.compression.

Files are read once and kept in memory (the whole folder is under 200 KB); a file whose
modification time or size changed is read again, looked at no more than once a second, so
`make run` serves an edit within a second and a page's links cost no system call.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import stat
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, current_app, request
from werkzeug.security import safe_join

HASH_LENGTH = 12
# A hashed name: (name without its extension, hash, extension). The same source serves
# Python and JavaScript (the service worker maps an old or plain name to the current one).
HASHED_NAME = r"^(.+)\.([0-9a-f]{12})(\.[A-Za-z0-9]+)$"
_HASHED = re.compile(HASHED_NAME)
_EXTENSION = re.compile(r"^(.+?)(\.[A-Za-z0-9]+)$")
# A relative module specifier in an import: `from "./links.js"`, `import("./x.js")`.
_IMPORT = re.compile(r"""(\b(?:from|import)\s*\(?\s*)(["'])(\.\.?/[^"'\s]+)\2""")

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=300"
STALE = "no-cache"
# Seconds between two looks at a file (or the folder) for changes.
CHECK_EVERY = 1.0

EXTENSION_KEY = "coachapp.static_files"


def hashed_name(name: str, digest: str) -> str:
    """js/app.js -> js/app.<digest>.js (a name without an extension is left as it is)."""
    match = _EXTENSION.match(name.rsplit("/", 1)[-1])
    if match is None:
        return name
    folder = name[: len(name) - len(match[0])]
    return f"{folder}{match[1]}.{digest}{match[2]}"


@dataclass(frozen=True)
class StaticFile:
    name: str  # relative to the static folder, with "/"
    body: bytes  # as served (a module's imports rewritten)
    digest: str
    mimetype: str
    stamp: tuple[int, int]  # modification time (ns) and size of the file read
    imports: tuple[tuple[str, str], ...]  # (name, digest) of each file it imports

    @property
    def hashed_name(self) -> str:
        return hashed_name(self.name, self.digest)


class StaticFiles:
    """The files of one static folder, as served."""

    def __init__(self, folder: str | Path, check_every: float = CHECK_EVERY) -> None:
        self.folder = Path(folder)
        self.check_every = check_every
        self._files: dict[str, StaticFile] = {}
        self._checked: dict[str, float] = {}  # when each file was last looked at
        self._names: tuple[float, list[str]] | None = None
        self._lock = threading.RLock()

    def get(self, name: str) -> StaticFile | None:
        """The file as served now; None when there is no such file."""
        known = self._files.get(name)
        if known is not None and time.monotonic() - self._checked[name] < self.check_every:
            return known
        with self._lock:
            return self._get(name, ())

    def every(self) -> list[StaticFile]:
        """Every file of the folder, by name."""
        if self._names is None or time.monotonic() - self._names[0] >= self.check_every:
            names = sorted(
                path.relative_to(self.folder).as_posix()
                for path in self.folder.rglob("*")
                if path.is_file()
            )
            self._names = (time.monotonic(), names)
        return [found for name in self._names[1] if (found := self.get(name)) is not None]

    def _get(self, name: str, importing: tuple[str, ...]) -> StaticFile | None:
        joined = safe_join(str(self.folder), name)
        if joined is None:
            return None
        try:
            found = os.stat(joined)
        except OSError:
            return None
        if not stat.S_ISREG(found.st_mode):
            return None
        stamp = (found.st_mtime_ns, found.st_size)
        known = self._files.get(name)
        self._checked[name] = time.monotonic()
        if known is not None and known.stamp == stamp and self._imports_unchanged(known, importing):
            return known
        if name in importing:
            raise RuntimeError(f"static files import each other in a cycle: {importing}")
        body = Path(joined).read_bytes()
        imports: list[tuple[str, str]] = []
        if name.endswith((".js", ".mjs")):
            body = self._rewrite_imports(name, body, (*importing, name), imports)
        built = StaticFile(
            name=name,
            body=body,
            digest=hashlib.sha256(body).hexdigest()[:HASH_LENGTH],
            mimetype=mimetypes.guess_type(name)[0] or "application/octet-stream",
            stamp=stamp,
            imports=tuple(imports),
        )
        self._files[name] = built
        return built

    def _imports_unchanged(self, known: StaticFile, importing: tuple[str, ...]) -> bool:
        for name, digest in known.imports:
            now = self._get(name, (*importing, known.name))
            if now is None or now.digest != digest:
                return False
        return True

    def _rewrite_imports(
        self, name: str, body: bytes, importing: tuple[str, ...], imports: list[tuple[str, str]]
    ) -> bytes:
        folder = name.rsplit("/", 1)[0] + "/" if "/" in name else ""

        def hashed(match: re.Match[str]) -> str:
            specifier = match[3]
            target = _resolve(folder, specifier)
            found = None if target is None else self._get(target, importing)
            if found is None:
                return match[0]
            imports.append((found.name, found.digest))
            new = hashed_name(specifier, found.digest)
            return f"{match[1]}{match[2]}{new}{match[2]}"

        text = body.decode("utf-8")
        return _IMPORT.sub(hashed, text).encode("utf-8")


def _resolve(folder: str, specifier: str) -> str | None:
    """The static file a relative specifier names, from a module in `folder`."""
    parts: list[str] = [part for part in folder.split("/") if part]
    for part in specifier.split("/"):
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    return "/".join(parts)


def static_files(app: Flask) -> StaticFiles:
    files: StaticFiles = app.extensions[EXTENSION_KEY]
    return files


def serve(filename: str) -> Response:
    """The static route's view (see the module's docstring)."""
    files = static_files(current_app)
    found = files.get(filename)
    cache = SHORT_CACHE
    if found is None:
        match = _HASHED.match(filename)
        found = None if match is None else files.get(match[1] + match[3])
        if match is None or found is None:
            abort(404)
        cache = IMMUTABLE if match[2] == found.digest else STALE
    response = current_app.response_class(found.body, mimetype=found.mimetype)
    response.headers["Cache-Control"] = cache
    response.set_etag(found.digest)
    response.make_conditional(request)
    return response


def _hash_static_urls(endpoint: str, values: dict[str, Any]) -> None:
    if endpoint != "static" or not isinstance(values.get("filename"), str):
        return
    found = static_files(current_app).get(values["filename"])
    if found is not None:
        values["filename"] = found.hashed_name


def init_app(app: Flask) -> None:
    assert app.static_folder is not None
    app.extensions[EXTENSION_KEY] = StaticFiles(app.static_folder)
    app.view_functions["static"] = serve
    app.url_defaults(_hash_static_urls)
