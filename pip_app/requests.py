"""The request layer: control characters are removed from form fields and URL parameters on the
way in (so no database refuses them — PostgreSQL rejects NUL — and no record carries them); a
request carrying a file part is refused with 415 (the app takes no uploads, and Flask-WTF would
otherwise hand the file to a text field); a request that may write takes the write lock up front;
and the transaction is finished in one place on the way out."""

import re

from flask import Flask, Request, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import UnsupportedMediaType
from werkzeug.utils import cached_property

from .database import SAFE_METHODS, begin_writes, end_writes

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


class CleanRequest(Request):
    """A Flask request whose `form` and `args` hold cleaned text, and whose body carries no file.

    The body is parsed when something first reads the form — the CSRF check, before any view —
    so a request with a file part is refused before a view or a form sees it."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        if self.__dict__["files"]:
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

    def dispatch_request(self) -> ResponseReturnValue:
        from .extensions import db

        response = self.make_response(super().dispatch_request())
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response


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
