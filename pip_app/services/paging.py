"""One page of a long list, read with a bounded query: the page's rows and one more, to know
whether another page follows without counting them all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select

from ..database import fixed
from ..extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int
    size: int
    next: int | None  # the next page's number, None on the last

    @property
    def first(self) -> int:
        """The position of the page's first item in the whole list (from 1)."""
        return (self.number - 1) * self.size + 1


def one_page(statement: Select[Any], number: int, size: int) -> Page[Any]:
    """Page `number` (from 1) of `size` rows of an ordered `statement`."""
    rows = list(db.session.scalars(statement.limit(fixed(size + 1)).offset(fixed((number - 1) * size))))
    return Page(rows[:size], number, size, number + 1 if len(rows) > size else None)
