"""One way out: how every feature answers, whatever it changes.

A `Screen` is a full page and the parts htmx swaps on it, with the function that builds
their context. A view answers through it in one of three ways:

- `screen.show(subject, part)` — the part for htmx, the whole page otherwise (also with a status);
- `screen.saved(subject, part, url, message)` — after a change: the fresh part with its saved
  notice for htmx; for a plain form a flash message and a 303 to `url`;
- `submit(screen, subject, part, form, operation, …)` — the whole "validate, check for a stale
  copy, change, answer" flow used by every form that changes something.

The status convention, everywhere: 404 not there or not visible, 403 the role may not (both from
`access`); 422 invalid input; 409 the record changed since the form was loaded, or its state no
longer allows the change (`refusals.Conflict`). With 422 and 409 the form comes back with what
was typed. The transaction is committed in one place (`requests.PipFlask.dispatch_request`):
a view never commits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import flash, render_template
from flask.typing import ResponseReturnValue

from .extensions import db
from .htmx import VARY, is_htmx, redirect_after_post
from .refusals import Refusal


def _nothing_out_of_band(part: str, changed: bool) -> Sequence[str]:
    return ()


@dataclass(frozen=True)
class Screen:
    """A page and its htmx parts. `context(subject, **overrides)` builds what both render;
    `out_of_band(part, changed)` names the templates refreshed beside a part (rendered with oob=True),
    `changed` saying whether a change was just saved: the one place a screen says what each part's
    changes show elsewhere on the page."""

    page: str
    parts: Mapping[str, str]
    context: Callable[..., dict]
    out_of_band: Callable[[str, bool], Sequence[str]] = field(default=_nothing_out_of_band)

    def show(self, subject: Any, part: str, status: int = 200, **overrides: Any) -> ResponseReturnValue:
        """The part (and what it refreshes out of band) for htmx, the whole page otherwise."""
        context = self.context(subject, **overrides)
        if not is_htmx():
            return render_template(self.page, **context), status, VARY
        body = render_template(self.parts[part], **context)
        changed = overrides.get("saved") is not None
        body += "".join(
            render_template(template, **(context | {"oob": True})) for template in self.out_of_band(part, changed)
        )
        return body, status, VARY

    def saved(
        self, subject: Any, part: str, url: str, message: str | None = None, *, leave: bool = False, **overrides: Any
    ) -> ResponseReturnValue:
        """After a change: the fresh part with its notice for htmx; a flash and a 303 otherwise.
        `leave`: the change ends the person's work here (issuing, acknowledging), so htmx too
        goes to `url`."""
        if is_htmx() and not leave:
            return self.show(subject, part, saved=part, saved_message=message, **overrides)
        if message:
            flash(message, "success")
        return redirect_after_post(url)


def page_or_fragment(
    page_template: str, fragment_template: str, status: int = 200, **context: Any
) -> ResponseReturnValue:
    """A list or form without a subject: the fragment for htmx, the full page otherwise."""
    return render_template(fragment_template if is_htmx() else page_template, **context), status, VARY


def is_stale(form: Any, record: Any) -> bool:
    """The form was loaded from an older version of the record than the one stored now."""
    return str(record.row_version) != (form.row_version.data or "")


def add_error(field: Any, message: str) -> None:
    """Show a message beside a form field (after validation, which resets its errors)."""
    field.errors = [*field.errors, message]


def problems_beside(form: Any, problems: Sequence[tuple[str, str]]) -> bool:
    """Put each (field name, message) beside its field; True when there are none. For a form's
    domain rules checked all at once before saving (submit's `checks`)."""
    for name, message in problems:
        add_error(form[name], message)
    return not problems


def submit(
    screen: Screen,
    subject: Any,
    part: str,
    form: Any,
    operation: Callable[[], object],
    *,
    url: str,
    message: str | Callable[[], str] | None = None,
    stale: Any = None,
    checks: Callable[[], bool] | None = None,
    error_field: str | None = None,
    kept: Mapping[str, Any] | None = None,
    leave: bool = False,
    saved_with: Mapping[str, Any] | None = None,
) -> ResponseReturnValue:
    """Validate the form (and `checks`, run after it): 422. Refuse an edit of `stale` made on an
    older copy: 409. Run the operation: its `Refusal` answers with the refusal's status (422, or
    409 for a `Conflict`), the message beside the refusal's field, else beside `error_field`, else
    on the part. Otherwise `screen.saved` (with `leave`, and `saved_with` for the fresh part). A change with no fields of its own (a
    removal) passes `form=None`: only the operation can refuse it. Every refusal re-shows the part with `kept` (the form
    being corrected), so nothing typed is lost."""
    kept = dict(kept or {})
    if form is not None and (not form.validate() or (checks is not None and not checks())):
        return screen.show(subject, part, 422, **kept)
    if stale is not None and is_stale(form, stale):
        return screen.show(subject, part, 409, conflict=part, **kept)
    try:
        operation()
    except Refusal as refusal:
        db.session.rollback()
        return screen.show(subject, part, refusal.status, **kept, **place_refusal(form, refusal, error_field))
    return screen.saved(
        subject, part, url, message() if callable(message) else message, leave=leave, **(saved_with or {})
    )


def place_refusal(form: Any, refusal: Refusal, error_field: str | None = None) -> dict[str, str]:
    """Put the refusal's message beside its field if the form has it (returns nothing more to
    render), else return it as the part's own message (`section_error`); a refusal listing several
    `problems` (the closure gate) passes them on as they are."""
    if getattr(refusal, "problems", None):  # several problems at once, each saying where it belongs
        return {"problems": refusal.problems}  # type: ignore[attr-defined]
    name = refusal.field if form is not None and refusal.field and refusal.field in form else error_field
    if form is not None and name is not None and name in form:
        add_error(form[name], str(refusal))
        return {}
    return {"section_error": str(refusal)}


def plan_part(plan: Any, fragment: str, heading: str, anchor: str, **context: Any) -> ResponseReturnValue:
    """A part of the plan page opened on its own (history, versions, acknowledgements, earlier
    reviews, the upload form): the fragment for htmx, a page of its own otherwise (a plain link,
    no JavaScript)."""
    return page_or_fragment(
        "plans/part.html", fragment, plan=plan, fragment=fragment, heading=heading, anchor=anchor, **context
    )
