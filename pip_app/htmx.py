"""Page-or-fragment responses: htmx gets the partial, everyone else the full page."""
from flask import redirect, render_template, request


def is_htmx() -> bool:
    """An htmx request that wants a fragment (not a boosted navigation or a history restore)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Boosted") != "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def page_or_fragment(page_template: str, fragment_template: str, status: int = 200, **context):
    """Render the fragment for htmx, the full page otherwise; caches are told both exist."""
    template = fragment_template if is_htmx() else page_template
    return render_template(template, **context), status, {"Vary": "HX-Request"}


def redirect_after_post(location: str):
    """303 for a plain form; for htmx, HX-Location so the browser lands on the same place."""
    if is_htmx():
        return "", 204, {"HX-Location": location}
    return redirect(location, code=303)
