"""Review routes (see issue 4)."""
from . import bp  # noqa: F401
