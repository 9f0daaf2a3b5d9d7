"""Why an operation refuses a change, and the status that says so (the app's one convention).

Operations raise these; views never pick a status for them: `screens.submit` answers a
`Refusal` with 422 (the input breaks a rule: the form comes back with what was typed and the
message beside the field it is about) and a `Conflict` with 409 (the record's state moved on —
someone else acknowledged, lifted or closed it first — the input is kept and the page says
what happened). 404 (not visible) and 403 (wrong role) come from `access`, never from here.
"""

from __future__ import annotations


class Refusal(ValueError):
    """The change breaks a domain rule; `field` names the form field the message belongs beside."""

    status = 422

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Conflict(Refusal):
    """The record is no longer in a state that allows the change: someone else changed it first."""

    status = 409
