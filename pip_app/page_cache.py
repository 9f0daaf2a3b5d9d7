"""Rendered pages kept for reuse, and the data revision that says when they would differ.

The plan page and the register take tens of milliseconds to build (hundreds of rows, up to
180 KB of HTML) and are read far more often than anything on them changes. So each worker keeps
the pages it has rendered, and serves one again only when rendering it again would give the same
HTML:

- the same address (path and query) and the same kind of response (full page or htmx fragment);
- for the same person (what they may see and do is in the page);
- on the same day in Europe/London (flags, due dates and "overdue" move with the date);
- at the same **data revision**: a counter that every transaction which changes anything adds
  one to just before it commits, in the same transaction (the session events below). Writers
  take the counter's row in turn, so a revision a reader sees means every change counted in it
  has committed, and the revision is read before the page's data, so a page is never filed
  under a revision newer than what it shows.

Two things differ per request and are never kept: the session's CSRF token (kept as a
placeholder and filled in on every response) and flash messages (a page rendered while one is
waiting is not kept, nor served from here). Each view still checks its policy on every request,
before it looks here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import Flask, current_app, g, request, session
from flask_login import current_user
from flask_sqlalchemy.session import Session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event, insert, update

from .clock import today
from .extensions import db
from .htmx import is_htmx
from .models import DataRevision

CSRF_PLACEHOLDER = b"<csrf-token>"  # user text is escaped, so no page contains this by itself
REVISION_ROW = 1
CHANGED = "pip_changed"  # session.info flag: this transaction has written something


# --- The data revision -------------------------------------------------------------------------


def note_change(session) -> None:
    """Count this transaction as a change (for writes the session cannot see, e.g. COPY)."""
    session.info[CHANGED] = True


@event.listens_for(Session, "before_flush")
def _note_flush(session, _context, _instances) -> None:
    if session.new or session.deleted or any(session.is_modified(o) for o in session.dirty):
        note_change(session)


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        note_change(state.session)


@event.listens_for(Session, "before_commit")
def _count_the_change(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer transaction counts it when it commits
    session.flush()  # commit flushes after this hook; flush now so this commit's changes count
    if session.info.pop(CHANGED, False):
        # On the connection, not the session: the session's own statement hook would count it.
        connection = session.connection()
        bumped = connection.execute(
            update(DataRevision).where(DataRevision.id == REVISION_ROW).values(value=DataRevision.value + 1)
        )
        if bumped.rowcount == 0:  # a database emptied by hand; the migration creates the row
            connection.execute(insert(DataRevision).values(id=REVISION_ROW, value=1))


@event.listens_for(Session, "after_rollback")
def _forget_the_change(session) -> None:
    session.info.pop(CHANGED, None)


# Read on every request that may be served a kept page: built once, sent as it is.
_READ_REVISION = f"SELECT value FROM data_revision WHERE id = {REVISION_ROW}"


def current_revision() -> int:
    return db.session.connection().exec_driver_sql(_READ_REVISION).scalar() or 0


# --- The pages -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    body: bytes  # UTF-8, as sent (encoding 180 KB costs more than the rest of serving it); with
    headers: tuple[tuple[str, str], ...]  # CSRF_PLACEHOLDER where the session's token goes


class PageCache:
    """The pages of one (revision, day), least recently used dropped first beyond `max_bytes`.

    A newer revision or another day makes every kept page unreachable, so they are dropped at
    once rather than left to age out."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.stamp: tuple[object, ...] | None = None
        self._pages: OrderedDict[tuple, Page] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, stamp: tuple, key: tuple) -> Page | None:
        with self._lock:
            if stamp != self.stamp:
                self._reset(stamp)
                return None
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, stamp: tuple, key: tuple, page: Page) -> None:
        size = len(page.body)
        with self._lock:
            if stamp != self.stamp or size > self.max_bytes:
                return  # rendered at another revision or day than the pages kept now
            old = self._pages.pop(key, None)
            self._size += size - (len(old.body) if old else 0)
            self._pages[key] = page
            while self._size > self.max_bytes:
                _, dropped = self._pages.popitem(last=False)
                self._size -= len(dropped.body)

    def __len__(self) -> int:
        return len(self._pages)

    def _reset(self, stamp: tuple) -> None:
        self.stamp, self._pages, self._size = stamp, OrderedDict(), 0


def init_page_cache(app: Flask) -> None:
    """PAGE_CACHE_BYTES of HTML per worker (0 turns the cache off)."""
    if app.config["PAGE_CACHE_BYTES"]:
        app.extensions["page_cache"] = PageCache(app.config["PAGE_CACHE_BYTES"])


def lookup():
    """This GET's response as rendered before for this person, if nothing has changed since
    (a (body, status, headers) tuple a view returns as is); None to render it, then `keep()` it."""
    cache = current_app.extensions.get("page_cache")
    g.page_cache_slot = None
    if cache is None or request.method != "GET" or "_flashes" in session:
        return None
    stamp = (current_revision(), today())
    key = (current_user.get_id(), is_htmx(), request.full_path)
    g.page_cache_slot = (stamp, key)
    page = cache.get(stamp, key)
    if page is None:
        return None
    return page.body.replace(CSRF_PLACEHOLDER, generate_csrf().encode()), 200, dict(page.headers)


def keep(response):
    """Keep a 200 response the view rendered after `lookup()` found nothing; return it unchanged."""
    slot, g.page_cache_slot = g.get("page_cache_slot"), None
    body, status, headers = response if isinstance(response, tuple) else (response, 200, {})
    if slot is not None and status == 200 and isinstance(body, str):
        token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
        kept = body.encode() if not token else body.encode().replace(token.encode(), CSRF_PLACEHOLDER)
        current_app.extensions["page_cache"].put(*slot, Page(kept, tuple(dict(headers).items())))
    return response
