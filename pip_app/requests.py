"""The request class: control characters are removed from form fields and URL parameters on the
way in, so no database refuses them (PostgreSQL rejects NUL) and no record carries them."""
import re

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.utils import cached_property

# Every C0 control character except tab, line feed and carriage return, plus DEL.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """The text without control characters."""
    return CONTROL_CHARACTERS.sub("", value)


def _clean(data) -> ImmutableMultiDict:
    return ImmutableMultiDict([(clean_text(key), clean_text(value)) for key, value in data.items(multi=True)])


class CleanRequest(Request):
    """A Flask request whose `form` and `args` hold cleaned text."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        self.__dict__["form"] = _clean(self.__dict__["form"])

    @cached_property
    def args(self) -> ImmutableMultiDict:
        return _clean(super().args)
