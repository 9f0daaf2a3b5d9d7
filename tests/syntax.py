"""Reading the app's own source as syntax trees, for the tests that check its shape
(test_architecture, test_form_definitions)."""

from __future__ import annotations

import ast
import gc
from pathlib import Path


def parse_module(path: Path) -> ast.Module:
    """`path`'s syntax tree, parsed with the garbage collector paused.

    In two fresh-clone CI runs (round 2, session 11) CPython 3.11.7 died with a segmentation fault
    in a collection that began while `ast.parse` was building a tree here, in an xdist worker that
    had run a thousand other tests: both times inside this parse, never elsewhere. Pausing the
    collector while a tree is built keeps a collection out of that window; it runs again after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return ast.parse(path.read_text(encoding="utf-8"))
    finally:
        if enabled:
            gc.enable()
