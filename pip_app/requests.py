"""The request layer: control characters are removed from form fields and URL parameters on the
way in (so no database refuses them — PostgreSQL rejects NUL — and no record carries them); a
request carrying a file part is refused with 415 unless its view opted in with `@takes_files`
(Flask-WTF would otherwise hand a file to a text field); a request to such a view may be as large
as one file (`ATTACHMENT_MAX_BYTES`) and a little form, no larger, and is refused with 413 before
it is read, or as soon as its file passes the limit; a request that may write takes the write
lock up front; and the transaction is finished in one place on the way out."""

import re
from collections.abc import Callable
from typing import IO, Any, TypeVar

from flask import Flask, Request, current_app, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType
from werkzeug.utils import cached_property

from .database import SAFE_METHODS, begin_writes, end_writes
from .templating import PageEnvironment

# Every C0 control character except tab, line feed and carriage return, plus DEL.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """The text without control characters."""
    return CONTROL_CHARACTERS.sub("", value)


def _clean(data) -> ImmutableMultiDict:
    return ImmutableMultiDict([(clean_text(key), clean_text(value)) for key, value in data.items(multi=True)])


class FilePartRefused(UnsupportedMediaType):
    """A form sent with a file in it: no page of the app takes uploads."""

    description = "This form does not take files, so nothing was saved. Go back and type your answer into the form."


# The form fields beside a file (what it is, where it belongs, the CSRF token, the part headers):
# room for these on top of the file itself, and no more.
FORM_ALLOWANCE = 64 * 1024

View = TypeVar("View", bound=Callable[..., Any])


def takes_files(view: View) -> View:
    """Let this view (and only this one) receive a file part. Everything else answers 415."""
    view.takes_files = True  # type: ignore[attr-defined]  # a mark on the function, read by CleanRequest
    return view


class FileTooLarge(RequestEntityTooLarge):
    """A file larger than the setting allows: refused before it is stored, with the limit."""

    def __init__(self, limit: int) -> None:
        megabytes = limit / (1024 * 1024)
        shown = f"{megabytes:g} MB" if megabytes >= 1 else f"{limit:,} bytes"
        super().__init__(
            f"The file is larger than {shown}, so it was not attached. Make it smaller (for example, "
            "save a scan at a lower resolution, or split it into parts) and attach it again."
        )


class _CappedFile:
    """Where the form parser writes an uploaded file: refuses the write that passes the limit,
    so a file too large is not read to its end."""

    def __init__(self, limit: int, spool: IO[bytes]) -> None:
        self._limit, self._spool, self._written = limit, spool, 0

    def write(self, data: bytes) -> int:
        self._written += len(data)
        if self._written > self._limit:
            raise FileTooLarge(self._limit)
        return self._spool.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._spool, name)


class CleanRequest(Request):
    """A Flask request whose `form` and `args` hold cleaned text, and whose body carries no file
    unless its view takes files (`takes_files`).

    The body is parsed when something first reads the form — the CSRF check, before any view —
    so a request with a file part is refused before a view or a form sees it."""

    @property
    def takes_files(self) -> bool:
        """The view this request was routed to opted in to file parts."""
        if self.url_rule is None or not current_app:
            return False
        view = current_app.view_functions.get(self.url_rule.endpoint)
        return bool(getattr(view, "takes_files", False))

    @property
    def max_content_length(self) -> int | None:
        if self.takes_files:
            return int(current_app.config["ATTACHMENT_MAX_BYTES"]) + FORM_ALLOWANCE
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        spool = super()._get_file_stream(total_content_length, content_type, filename, content_length)
        if not self.takes_files:
            return spool
        return _CappedFile(int(current_app.config["ATTACHMENT_MAX_BYTES"]), spool)  # type: ignore[return-value]  # a file-like wrapper werkzeug reads as its stream

    def _load_form_data(self) -> None:
        super()._load_form_data()
        if self.__dict__["files"] and not self.takes_files:
            self.__dict__["form"] = self.__dict__["files"] = ImmutableMultiDict()  # nothing of it is read
            raise FilePartRefused()
        self.__dict__["form"] = _clean(self.__dict__["form"])

    @cached_property
    def args(self) -> ImmutableMultiDict:
        return _clean(super().args)


class PipFlask(Flask):
    """The app: cleaned requests, and one place where each request's transaction ends.

    A view's answer below 400 commits what its operations flushed (audit events included, in
    the same transaction); any other answer rolls back. Views never commit, so a refusal can
    never leave half a change behind. A commit that fails (a lost race, a stale row) raises
    here, inside the request, and reaches the error handlers like any other error. (Sign-in
    refusals that must stay on record — a failed password, a throttled address — commit their
    audit event themselves before answering 4xx: see auth.)"""

    request_class = CleanRequest
    jinja_environment = PageEnvironment

    def dispatch_request(self) -> ResponseReturnValue:
        from .extensions import db

        response = self.make_response(super().dispatch_request())
        if response.status_code < 400:
            session = db.session()
            # The answer is made and the session ends with the request (teardown removes it), so
            # nothing reads its objects again: expiring each one on commit was pure cost (about
            # 1.5 % of the plan page's CPU, paired; it loads about 120 objects).
            session.expire_on_commit = False
            session.commit()
        else:
            db.session.rollback()
        return response


def keep_on_record() -> None:
    """Commit now what a refused request must keep although its answer (a 4xx, or an exception
    such as 429) rolls the rest back: a failed sign-in's audit event, a throttled attempt, a wrong
    password's count. Every other change is committed by `PipFlask.dispatch_request`."""
    from .extensions import db

    db.session.commit()


def init_write_requests(app: Flask) -> None:
    """Every request that may write (any method but GET, HEAD and OPTIONS) begins its database
    transactions as writers (BEGIN IMMEDIATE on SQLite; see database.py). Register this before
    any other hook that reads the database, so the request's first transaction is a writer too."""

    @app.before_request
    def mark_writer() -> None:
        if request.method not in SAFE_METHODS:
            begin_writes()

    @app.teardown_request
    def unmark_writer(_error: BaseException | None) -> None:
        end_writes()
