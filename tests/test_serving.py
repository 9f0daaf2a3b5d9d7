"""The app as gunicorn serves it (wsgi.py): the garbage collector settled for serving requests."""

import gc

import pytest

from pip_app.serving import YOUNG_OBJECTS_BEFORE_A_COLLECTION, server_app


@pytest.fixture
def collector_restored():
    """server_app() changes the whole process's collector: put it back for the other tests."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_the_served_app_freezes_what_start_up_built_and_collects_young_objects_less_often(collector_restored):
    gc.unfreeze()
    app = server_app()
    assert app.name == "pip_app"
    assert gc.get_freeze_count() > 10_000  # start-up's modules, mappers and app, never looked through again
    assert gc.get_threshold()[0] == YOUNG_OBJECTS_BEFORE_A_COLLECTION
    assert app.test_client().get("/healthz").status_code == 200
