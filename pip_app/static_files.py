"""Static files a browser keeps: every URL `url_for("static", …)` makes carries a digest of the
file's contents (`?v=…`), and a request with the current digest is answered as cacheable for a
year, so a browser loads the stylesheets and scripts once instead of asking again on every page.
A changed file has a new digest, so a new URL: nobody is served an old copy. A request without
the digest, or with an old one, is answered as Flask does (`no-cache`: asked again each time)."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from flask import Flask, Response, has_request_context, request, url_for
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
    urls: dict[tuple[str, str], str] = {}  # each file's URL under each mount point

    @app.template_global()
    def static_url(filename: str) -> str:
        """`url_for("static", filename=...)` for the six files every page links, made once per
        process (and mount point): a release's files do not change while it is served, and
        looking each one up on disk to make its URL again cost about 50 µs a link. In debug mode
        (`flask run --debug`) a file edited while the app runs gets its new URL at once."""
        if app.debug or not has_request_context():
            return url_for("static", filename=filename)
        key = (request.script_root, filename)
        if key not in urls:
            urls[key] = url_for("static", filename=filename)
        return urls[key]

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
