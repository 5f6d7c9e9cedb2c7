"""Responses compressed by the app: pages, JSON, CSS, JavaScript, CSV, the manifest, SVG.

flask-compress answers a client that sends `Accept-Encoding` with brotli (`br`, quality 5)
or gzip (level 6), whichever it prefers, brotli when it takes both; every answer carries
`Vary: Accept-Encoding`. Not compressed: answers under COMPRESS_MIN_SIZE (500 bytes), errors
and redirects, images that are compressed already (PNG), and anything for a client that does
not ask. In the app rather than in the TLS proxy: the same bytes under gunicorn, `flask run`,
the tests and whatever proxy a site puts in front (one that compresses too leaves an answer
with a Content-Encoding alone).

A compressed answer's ETag names its coding: `"3"` becomes `"3:br"` (a strong tag is one
representation's, and the compressed bytes are another). A conditional GET with it is
answered 304 after compression; If-Match on a change reads it as the version it names
(coachapp.versioning). Every setting is flask-compress's own (COMPRESS_*), overridable in a
COACHAPP_CONFIG file: e.g. COMPRESS_MIMETYPES without "text/html" leaves pages uncompressed
(README, Production: BREACH).
"""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress

# Every coding flask-compress can send, in the order it is preferred when the client takes
# several equally: zstd and deflate are left out (every browser that takes zstd takes br,
# which is smaller on our text; deflate is ambiguous), but a tag naming them is still read.
ENCODINGS = ("br", "gzip")
KNOWN_CODINGS = frozenset({"br", "gzip", "zstd", "deflate"})

COMPRESSED_TYPES = (
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "image/svg+xml",
    "text/csv",
    "text/plain",
)

DEFAULTS = {
    "COMPRESS_ALGORITHM": list(ENCODINGS),
    # A streamed answer (none today: a future server-sent event stream) goes out as it is
    # written; a compressor would hold it back until it had a block's worth.
    "COMPRESS_STREAMS": False,
    "COMPRESS_MIMETYPES": list(COMPRESSED_TYPES),
    # Quality 5: about 4 % smaller than gzip -6 on our CSS and JS for the same CPU (about
    # 1.3 ms for 45 KB); 4, flask-compress's default, is larger than gzip. 11 saves 10 % more
    # at 40 ms a file.
    "COMPRESS_BR_LEVEL": 5,
    "COMPRESS_LEVEL": 6,
    "COMPRESS_MIN_SIZE": 500,
}


def uncompressed_tag(opaque: str) -> str:
    """The entity-tag's value without the coding a compressed answer added: "3:br" -> "3"."""
    value, colon, coding = opaque.rpartition(":")
    return value if colon and coding in KNOWN_CODINGS else opaque


def init_app(app: Flask) -> None:
    """Registered right after the request log, so that its hook runs after every other one
    (the body is final) and within the logged duration."""
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    Compress(app)
