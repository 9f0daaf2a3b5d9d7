"""Static files a browser keeps: every URL `url_for("static", …)` makes carries a digest of the
file's contents (`?v=…`), and a request with the current digest is answered as cacheable for a
year, so a browser loads the stylesheets and scripts once instead of asking again on every page.
A changed file has a new digest, so a new URL: nobody is served an old copy. A request without
the digest, or with an old one, is answered as Flask does (`no-cache`: asked again each time)."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from flask import Flask, Response, request
from werkzeug.security import safe_join

A_YEAR = "public, max-age=31536000, immutable"


@lru_cache(maxsize=256)
def _digest(path: str, modified_ns: int) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()[:16]


def version_of(folder: str, filename: str) -> str | None:
    """The digest of a static file's contents now ("" for a file that is not there)."""
    path = safe_join(folder, filename)
    try:
        modified_ns = os.stat(path).st_mtime_ns if path else None
    except OSError:
        modified_ns = None
    return _digest(path, modified_ns) if path and modified_ns is not None else None


def init_static_versions(app: Flask) -> None:
    """Add the digest to static URLs, and the year-long Cache-Control to requests that carry it."""
    folder = app.static_folder
    assert folder is not None

    @app.url_defaults
    def add_version(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values:
            version = version_of(folder, values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def keep_versioned_files(response: Response) -> Response:
        if request.endpoint == "static" and response.status_code in (200, 304):
            filename = (request.view_args or {}).get("filename", "")
            if request.args.get("v") and request.args.get("v") == version_of(folder, filename):
                response.headers["Cache-Control"] = A_YEAR
        return response
