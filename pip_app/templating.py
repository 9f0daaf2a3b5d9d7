"""Template filters and globals: UK dates, Europe/London times, the navigation for each role.
Templates get no policy or checker: views hand them booleans and results."""

import re
from collections.abc import Iterable, MutableMapping
from html import escape as html_escape
from typing import Any
from urllib.parse import quote, urlencode

from flask import Flask, current_app, has_request_context, request, url_for
from flask.templating import Environment
from flask_login import current_user
from markupsafe import Markup, escape

from . import policy
from .access import current_person
from .clock import today
from .formatting import format_baseline, format_date, format_datetime, format_measure
from .models import choice_label


def nav_items() -> list[dict[str, Any]]:
    """The main navigation links this user's role may follow."""
    items: list[dict[str, Any]] = []
    if not current_user.is_authenticated:
        return items
    me = current_person()
    candidates = [
        ("plans.index", "Plans", policy.can_list_plans(me)),
        ("register.index", "Control register", policy.can_view_register(me)),
        ("hr.closures", "Closed plans", policy.can_view_hr_closures(me)),
        ("hr.warnings", "Warnings", policy.can_view_warnings(me)),
        ("admin.users", "Users", policy.can_administer(me)),
    ]

    here = request.endpoint or ""
    # A link is current on its own page, or on any page of its blueprint that has no link of its own.
    linked = {endpoint for endpoint, _, _ in candidates}
    for endpoint, label, allowed in candidates:
        if allowed and endpoint in current_app.view_functions:
            same_area = here.split(".")[0] == endpoint.split(".")[0] and here not in linked
            items.append({"url": url_for(endpoint), "label": label, "current": here == endpoint or same_area})
    return items


def choice_labels(values: list[str] | None, joiner: str = " ") -> str:
    """Stored evidence sources or key questions as their labels: "Near miss, Audit"."""
    return ", ".join(choice_label(value, joiner) for value in values or [])


def option_tags(choices: Iterable[tuple[Any, Any]], selected: Any = None) -> Markup:
    """A select's <option> elements for (value, label) pairs of plain text, the one whose value is
    `selected` (compared as text, as a query string carries it) marked selected; values and labels
    escaped. Written in Python because a filter over a group's 600 staff was a sixth of the plans
    list's CPU as template expressions; escaped with the standard library's `html.escape`, which
    makes a str where markupsafe makes a Markup of each (a fifth of the time)."""
    chosen = None if selected is None else str(selected)
    tags = []
    for value, label in choices:
        text = str(value)
        mark = " selected" if text == chosen else ""
        tags.append(f'<option value="{html_escape(text)}"{mark}>{html_escape(str(label))}</option>')
    return Markup("".join(tags))


def lazy(id: str, summary: str, url: str) -> Markup:
    """A part of a page loaded when it is opened: with htmx, into the details on first opening;
    without JavaScript, opening it shows a link to the same part as a page of its own. Written in
    Python, as `option_tags` is: the plan page opens one for each measured action's values, and as
    a template macro each cost about 13 µs more (a macro call alone is 7 µs)."""
    summary_html, url_html = escape(summary), escape(url)
    return Markup(
        f'<details class="lazy" id="{escape(id)}" hx-get="{url_html}" hx-trigger="toggle once"'
        f' hx-target="find .lazy__body" hx-swap="innerHTML">\n'
        f"  <summary>{summary_html}</summary>\n"
        f'  <div class="lazy__body" aria-live="polite"><p><a href="{url_html}">Show {summary_html.lower()}</a></p></div>\n'
        f"</details>"
    )


def more(url: str, label: str) -> Markup:
    """The "show more" link at the end of one page of a list: the next page replaces the link
    (htmx) or opens as a page."""
    url_html = escape(url)
    return Markup(
        f'<p class="lazy__more no-print"><a href="{url_html}" hx-get="{url_html}" hx-target="closest p"'
        f' hx-swap="outerHTML">{escape(label)}</a></p>'
    )


# Ids no row has: where their digits appear in a built URL, the ids go.
ID_STAND_IN = 8_230_476_191
ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"  # what url_for leaves unquoted in an anchor


def url_with_id(endpoint: str, _anchor: str | None = None, **ids: int) -> str:
    """`url_for` for a route whose arguments are integer ids, for lists of links:
    `url_with_id("plans.show", plan_id=7, _anchor="reviews-panel")`,
    `url_with_id("reviews.measured_values", plan_id=7, action_id=31)`. The route is built once per
    app and mount point with stand-in ids, and each link puts its own ids in their places: url_for
    took 20 to 40 µs a link, and a dashboard links a hundred plans, a plan page each of its actions."""
    shapes = current_app.extensions.setdefault("url_shapes", {})
    known = (endpoint, *ids, request.script_root)  # the same route under the same mount point
    shape = shapes.get(known)
    if shape is None:
        shape = shapes[known] = _url_shape(endpoint, list(ids))
    texts, keys = shape
    if len(keys) == 1:  # most links: as fast as one join
        url = str(int(ids[keys[0]])).join(texts)
    else:
        url = texts[0] + "".join(str(int(ids[key])) + text for key, text in zip(keys, texts[1:], strict=True))
    return f"{url}#{quote(_anchor, safe=ANCHOR_SAFE)}" if _anchor else url


def page_url_for(endpoint: str, _anchor: str | None = None, **values: Any) -> str:
    """Templates' `url_for`. A link whose route takes only ids (ints, not bools), with a query
    string of ids and texts or none, and an `_anchor` or not, is made from its route's shape as
    `url_with_id` makes it, its query string encoded as Werkzeug encodes one; any other goes to
    Flask's. `url_for` took 7 to 17 µs a link: the plan page makes about 46 links, a register's
    page about 20 with query strings (its sort headings, pages and filters); this about 4."""
    for value in values.values():
        if type(value) is not int:
            return _url_with_text(endpoint, _anchor, values)
    if has_request_context():
        return url_with_id(endpoint, _anchor, **values)
    return url_for(endpoint, _anchor=_anchor, **values)


def _url_with_text(endpoint: str, anchor: str | None, values: dict[str, Any]) -> str:
    """`page_url_for` of a link with a value that is not an id: by its route's shape where the
    route's own arguments are ids and the rest texts or ids (its query string), else Flask's."""
    arguments = _route_arguments(endpoint) if has_request_context() else None
    if arguments is None:
        return url_for(endpoint, _anchor=anchor, **values)
    ids, query = {}, []
    for key, value in values.items():
        kind = type(value)
        if key.startswith("_"):  # `_external`, `_scheme`, `_method`: Flask's
            return url_for(endpoint, _anchor=anchor, **values)
        if key in arguments:
            if kind is not int:
                return url_for(endpoint, _anchor=anchor, **values)
            ids[key] = value
        elif kind is str or kind is int:
            query.append((key, value))
        elif value is not None:  # a bool, a list: Flask's
            return url_for(endpoint, _anchor=anchor, **values)
    url = url_with_id(endpoint, **ids)
    if query:  # in the order given, None left out, as Werkzeug's `_urlencode`
        url = f"{url}?{urlencode(query, safe=QUERY_SAFE)}"
    return f"{url}#{quote(anchor, safe=ANCHOR_SAFE)}" if anchor else url


QUERY_SAFE = "!$'()*,/:;?@"  # what Werkzeug leaves unquoted in a query string's values


def _route_arguments(endpoint: str) -> frozenset[str] | None:
    """The arguments of the endpoint's route, if it has exactly one route, without defaults, and
    its URLs are not given values by `url_defaults` (only "static"'s are: static_files.py). None:
    Flask's `url_for` builds its links."""
    known = current_app.extensions.setdefault("url_arguments", {})
    if endpoint not in known:
        rules = list(current_app.url_map.iter_rules(endpoint)) if endpoint in current_app.view_functions else []
        plain = len(rules) == 1 and not rules[0].defaults and endpoint != "static"
        known[endpoint] = frozenset(rules[0].arguments) if plain else None
    return known[endpoint]


def _url_shape(endpoint: str, keys: list[str]) -> tuple[list[str], tuple[str, ...]]:
    """The route's URL as the texts around its ids, and the ids' keys in the order the URL holds
    them (one text more than keys)."""
    stand_ins = {str(ID_STAND_IN + n): key for n, key in enumerate(keys)}
    values: dict[str, Any] = {key: int(digits) for digits, key in stand_ins.items()}
    url = url_for(endpoint, **values)
    parts = re.split("(" + "|".join(stand_ins) + ")", url) if keys else [url]
    if len(parts) != 2 * len(keys) + 1:
        raise ValueError(f"{endpoint}: every argument of url_with_id must appear once in the URL")
    return parts[::2], tuple(stand_ins[digits] for digits in parts[1::2])


class PageEnvironment(Environment):
    """Flask's Jinja environment, with each template's globals a plain dict of the environment's.

    Jinja keeps them as a ChainMap over the environment's globals, which Python reads key by key:
    every render, include and import copied or compared the seventeen globals that way, 20 to
    50 µs each time (the register's rows, an include each, spent 1.5 ms on it). Templates load
    after the app has registered every global (`init_templating`, Flask, Flask-WTF), so a copy
    taken then is the same map."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return {**self.globals, **(d or {})}


def init_templating(app: Flask) -> None:
    """Register the filters and globals every template may use."""
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["measure"] = format_measure
    app.jinja_env.filters["baseline"] = format_baseline
    app.jinja_env.filters["labels"] = choice_labels
    app.jinja_env.globals.update(
        nav_items=nav_items, today=today, option_tags=option_tags, url_for=page_url_for, lazy=lazy, more=more
    )
