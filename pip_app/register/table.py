"""The register table's rows, written in Python rather than in a template.

A first page of the register is 25 controls, each its own `<tbody>` (htmx replaces one control's
lot). As a template included for each row, they were a fifth of the page's CPU (about 40 outputs
each, each escaped and joined by Jinja, and the include itself); written here, only the text that
comes from people (names, references, details, notes) is escaped, and the rest is written as it
is. The table's page writes its rows with `register_rows_html`; one control answered alone, with
a message or a form opened below its row, is `register/_control_rows.html`, which puts what it
shows below the row into the same `control_tbody_html`.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from ..formatting import format_date
from ..models import ControlStatus
from ..policy import ControlRights
from ..templating import url_with_id
from .queries import RegisterRow

TRUNCATE_LEEWAY = 5  # as Jinja's `truncate` filter: a text at most this much too long is kept whole


def shortened(text: str, length: int) -> str:
    """`text` cut at the last whole word before `length` characters, with "..." (as Jinja's
    `truncate` filter, which the row's template used)."""
    if len(text) <= length + TRUNCATE_LEEWAY:
        return text
    return text[: length - 3].rsplit(" ", 1)[0] + "..."


def register_rows_html(
    rows: list[RegisterRow], next_query: str, rights: dict[int, ControlRights], actions_column: bool
) -> Markup:
    """The table's rows, each control in its `<tbody>`, each linking to the control's page with the
    register's page as next= (`next_query`, encoded once for the page). Written here rather than
    by including register/_control_rows.html for each: a page's 25 includes cost 0.6 ms of the
    group senior's 6.5 (session 28)."""
    return Markup("\n").join(
        control_tbody_html(
            row,
            f"{url_with_id('register.control', control_id=row.control.id)}?{next_query}",
            rights[row.control.id] if actions_column else None,
        )
        for row in rows
    )


def control_tbody_html(
    row: RegisterRow, control_url: str, rights: ControlRights | None, below: Markup | None = None
) -> Markup:
    """One control's `<tbody>`: its row, and `below` it a message or an open form (markup)."""
    flagged = " register-control--flagged" if row.flags else ""
    below_html = escape(below) if below else ""
    return Markup(
        f'<tbody id="register-control-{row.control.id}" class="register-control{flagged}">\n  '
        f"{register_row_html(row, control_url, rights)}{below_html}\n</tbody>"
    )


def register_row_html(row: RegisterRow, control_url: str, rights: ControlRights | None) -> Markup:
    """The `<tr>` of one control: its plan and staff member, the control, its review date, its
    last check, days in force, flags, and (given `rights`, the actions column) the links that open
    its forms below it. `control_url`: the control's page, with the register's page as next=."""
    c, plan, names = row.control, row.control.plan, row.names
    kind = escape(c.kind.label)
    appeal = '<span class="block small stage stage--appeal">Under appeal</span>' if plan.under_appeal else ""
    if c.status is ControlStatus.ACTIVE:
        status, review = "", f'<span class="nowrap">{format_date(row.review_due)}</span>'
        if c.continued_until:  # the brief form of register/_forms.html's `continued`
            by = f" by {escape(names.continued_by)}" if names.continued_by else ""
            review += f'<span class="block muted small">Continued until {format_date(c.continued_until)}{by}</span>'
    else:
        lifted = f" {format_date(c.lifted_on)}" if c.lifted_on else ""
        status = f'<span class="status status--{c.status.value}">{escape(c.status.label)}{lifted}</span>'
        review = f'<span class="nowrap">{format_date(c.review_by_date)}</span>'
    if c.last_checked_on:
        check = f'<span class="nowrap">{format_date(c.last_checked_on)}</span>'
        if row.last_note:
            check += f'<span class="block muted small">{escape(shortened(row.last_note, 80))}</span>'
    else:
        check = '<span class="muted">Never</span>'
    flags = row.flag_badges() if row.flags else '<span class="muted">None</span>'
    plan_url = url_with_id("plans.show", plan_id=c.plan_id, _anchor=f"control-{c.id}")
    return Markup(
        f"""<tr>
    <th scope="row" class="register-table__reference"><a href="{plan_url}">{escape(plan.reference)}</a>
      <span class="block register-table__staff">{escape(names.staff)}</span>
      <span class="block muted small">{escape(names.service)}</span>
      <span class="block small stage stage--{plan.stage.value}">{escape(plan.stage.label)}</span>{appeal}</th>
    <td class="register-table__control"><a href="{escape(control_url)}" data-focus-if-lost>{kind}</a>{status}
      <span class="block muted small">{escape(shortened(c.detail, 90))}</span>
      <span class="block small">Responsible: {escape(names.responsible)}</span></td>
    <td class="register-table__review_by" data-label="Review by">{review}
      <span class="block muted small nowrap">Started {format_date(c.start_date)}</span></td>
    <td class="register-table__check" data-label="Last check">{check}</td>
    <td class="num register-table__days" data-label="Days in force">{row.days_in_force}</td>
    <td class="register-table__flags" data-label="Flags">{flags}</td>{_actions(row, control_url, rights)}
  </tr>"""
    )


# The links of the actions column: the form each opens, what it says, and the right it needs.
ACTION_LINKS = (
    ("check", "Record a check", "check"),
    ("continue", "Reviewed: continue", "keep"),
    ("lift", "Lift", "lift"),
)


def _actions(row: RegisterRow, control_url: str, rights: ControlRights | None) -> str:
    if rights is None:
        return ""
    c = row.control
    form_url = escape(f"{control_url}{'&' if '?' in control_url else '?'}form=")
    about = f"{escape(c.kind.label)}, {escape(c.plan.reference)}"
    links = "".join(
        f'\n      <a href="{form_url}{form}" hx-get="{form_url}{form}" hx-target="#register-control-{c.id}"'
        f' hx-swap="outerHTML">{label}<span class="visually-hidden">: {about}</span></a>'
        for form, label, right in ACTION_LINKS
        if getattr(rights, right)
    )
    return f'\n    <td class="register-actions">{links}\n    </td>'
