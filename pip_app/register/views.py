"""Register routes (see issue 5)."""
from . import bp  # noqa: F401
