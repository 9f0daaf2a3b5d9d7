"""The app as a long-running server process runs it: `wsgi.py` for gunicorn (bench/app.py serves
the same, so the bench measures what production runs)."""

import gc

from flask import Flask

from . import create_app

# Python's cyclic garbage collector looks at its youngest objects after every 700 new ones: three
# to five times for each page here, and now and then through every object the process holds
# (200,000 after start-up: 100 ms at once, a whole page's time added to whichever request meets
# it). Start-up's objects live as long as the process, and a page's own die with its request.
YOUNG_OBJECTS_BEFORE_A_COLLECTION = 10_000


def server_app() -> Flask:
    """The app, with the garbage collector settled for serving requests."""
    app = create_app()
    settle_garbage_collector()
    return app


def settle_garbage_collector() -> None:
    """Collect what start-up left, freeze the rest (the collector never looks through it again:
    `gc.freeze`), and look at young objects after 10,000 rather than 700."""
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS_BEFORE_A_COLLECTION, middle, oldest)
