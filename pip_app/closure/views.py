"""Closure routes (see issue 6)."""
from . import bp  # noqa: F401
