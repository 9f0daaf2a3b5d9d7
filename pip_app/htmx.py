"""htmx on the server side: is this request asking for a fragment, and how to redirect after a POST."""

from flask import redirect, request
from flask.typing import ResponseReturnValue

# Every response that depends on HX-Request says so, so no cache mixes a fragment with a page.
VARY = {"Vary": "HX-Request"}


def is_htmx() -> bool:
    """An htmx request that wants a fragment (not a boosted navigation or a history restore)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def redirect_after_post(location: str) -> ResponseReturnValue:
    """303 for a plain form; for htmx, HX-Location so the browser lands on the same place."""
    if is_htmx():
        return "", 204, {"HX-Location": location}
    return redirect(location, code=303)
