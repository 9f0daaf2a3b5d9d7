"""Error pages: a clear message and the right status, as a page or an htmx fragment."""

from flask import Flask, render_template, request, session
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, default_exceptions

from .database import is_lock_conflict
from .extensions import db
from .htmx import is_htmx

MESSAGES = {
    400: ("Something in that request was not right", "Please go back, check what you entered and try again."),
    403: (
        "You do not have access to this",
        "Your role does not allow this. Ask your registered manager if you think it should.",
    ),
    404: ("Page not found", "The page or record does not exist, or you do not have access to it."),
    405: ("That action is not allowed here", "Use the buttons on the page rather than typing the address."),
    409: (
        "Someone else changed this record",
        "Your changes were not saved because the record changed while you were editing. Reload the page to see the latest version, then make your change again.",
    ),
    413: ("That was too much to send at once", "Shorten the text or attachment and try again."),
    415: ("That cannot be sent here", "This page takes typed answers only, not files. Go back and try again."),
    429: ("Too many attempts", "Please wait a minute and try again."),
    500: (
        "Something went wrong on our side",
        "Nothing you entered was saved. Please try again; if it keeps happening, tell your system administrator.",
    ),
    503: ("The service is temporarily unavailable", "Please try again in a few minutes."),
}


def chosen_detail(error: HTTPException) -> str | None:
    """The message whoever refused chose (`abort(404, description=…)`, or a subclass's own
    description), not Werkzeug's stock sentence for the status."""
    stock = default_exceptions.get(error.code or 500)
    default = stock.description if stock else None
    return error.description if error.description and error.description != default else None


def error_response(status: int, detail: str | None = None):
    """Render the error page (or fragment) for a status."""
    title, message = MESSAGES.get(status, MESSAGES[400] if status < 500 else MESSAGES[500])
    template = "errors/_error.html" if is_htmx() else "errors/error.html"
    return render_template(template, status=status, title=title, message=detail or message), status


def _undo() -> None:
    """Nothing of the failed request stands: its transaction, nor a "saved" message it flashed."""
    db.session.rollback()
    session.pop("_flashes", None)


def init_errors(app: Flask) -> None:
    """Register handlers for HTTP errors, CSRF failures, edit conflicts and crashes."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        _undo()
        return error_response(
            400,
            "Your form had expired or was not sent from this site, so nothing was saved. "
            "Go back, reload the page and try again.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code in (301, 302, 303, 307, 308):
            return error
        _undo()
        return error_response(error.code or 500, chosen_detail(error))

    @app.errorhandler(StaleDataError)
    def stale(error):
        _undo()
        return error_response(409)

    @app.errorhandler(OperationalError)
    def operational(error):
        _undo()
        if is_lock_conflict(error):
            return error_response(
                409,
                "Another change to this record was being saved at the same moment. Nothing of yours was saved; please try again.",
            )
        app.logger.exception("Database error")
        return error_response(503)

    @app.errorhandler(Exception)
    def crash(error):
        _undo()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(500)
