"""No GET changes anything, and no HEAD changes anything at all (issue #16). Every GET route in
app.url_map, as every role, on a plan of their own service, one of another service and a closed
one (the access matrix's objects): every table is read before and after each request and must be
the same.

What a GET may add, and why — nothing else:
- an audit event `downloaded` (a PDF, an `.ics` calendar) or `exported` (`register.csv`): a
  download is an audited read, the record of who took a copy of personal data.
- an audit event `viewed` for each view of the restricted panel (adjustments and occupational
  health, issue 19): who read health detail is on the record.
- nothing for signing in: every client signs in before the first "before", so the sign-in's own
  bookkeeping (session token, audit event of the sign-in) is already in the baseline; a GET never
  signs anyone in (GET /login only shows the form).
A HEAD request (a link checker, a prefetch) downloads nothing, so it may add nothing at all.

Reading every table after every request is what made this test slow, so the tables are read
again only after a request that sent a statement which changed rows (`RowWrites`): a request that
changed no row left every table as it was.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from pip_app.extensions import db
from pip_app.models import AuditEvent
from tests.test_access_matrix import ROLES, SESSION_ENDING, TODAY, build_objects, path_values, url_for_rule

AUDITED_READS = {"downloaded", "exported", "viewed"}
DOWNLOADS = {
    "attachments.download",
    "closure.case_bundle",
    "closure.pdf",
    "closure.plan_pdf",
    "letters.pdf",
    "plans.observations_ics",
    "register.export_csv",
    "adjustments.index",
    "adjustments.new_adjustment",
    "adjustments.edit_adjustment",
    "adjustments.new_referral",
    "adjustments.edit_referral",
}


def every_table() -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order (the tables are small here)."""
    db.session.rollback()
    state = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        state[table.name] = [tuple(row) for row in db.session.execute(select(table).order_by(*order))]
    db.session.rollback()
    return state


def changes(before: dict, after: dict) -> dict[str, tuple[list, list]]:
    """{table: (rows gone, rows new)} for every table that differs."""
    diff = {}
    for name in before:
        gone = [row for row in before[name] if row not in after[name]]
        new = [row for row in after[name] if row not in before[name]]
        if gone or new:
            diff[name] = (gone, new)
    return diff


def unexplained(method: str, endpoint: str, diff: dict) -> dict:
    """What changed beyond an audited download's event."""
    if method != "GET" or endpoint not in DOWNLOADS or "audit_events" not in diff:
        return diff
    gone, new = diff["audit_events"]
    verb = AuditEvent.__table__.c.keys().index("verb")
    rest = {k: v for k, v in diff.items() if k != "audit_events"}
    if gone or len(new) != 1 or new[0][verb] not in AUDITED_READS:
        rest["audit_events"] = diff["audit_events"]
    return rest


class RowWrites:
    """Whether any statement sent since the last `reset()` changed rows (an INSERT, UPDATE or
    DELETE whose row count is not 0; an unknown count, -1, counts as a change)."""

    def __init__(self, engine):
        self.seen = False
        event.listen(engine, "after_cursor_execute", self._after)
        self._engine = engine

    def _after(self, conn, cursor, statement, *args):
        if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE") and cursor.rowcount != 0:
            self.seen = True

    def reset(self) -> bool:
        seen, self.seen = self.seen, False
        return seen

    def close(self) -> None:
        event.remove(self._engine, "after_cursor_execute", self._after)


@pytest.fixture
def row_writes(app):
    writes = RowWrites(db.engine)
    yield writes
    writes.close()


@pytest.fixture
def objects(app, world, make_plan):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()
    w = world
    return {
        "own": build_objects(w, make_plan, w["home"], w["staff"], w["manager"], w["senior"]),
        "other": build_objects(w, make_plan, w["other"], w["other_staff"], w["other_manager"], w["other_senior"]),
        "own closed": build_objects(w, make_plan, w["home"], w["staff"], w["manager"], w["senior"], closed=True),
    }


@pytest.mark.parametrize("role", ROLES)  # one test per role, so parallel workers share the walk
def test_no_get_or_head_changes_any_table(app, world, objects, sign_in, row_writes, role):
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint not in SESSION_ENDING]
    clients = {role: sign_in(world[role])}
    downloads_audited = set()
    failures = []
    state = every_table()
    row_writes.reset()
    for role, client in clients.items():
        for which, objs in objects.items():
            values = path_values(objs)
            for rule in rules:
                url = url_for_rule(rule, values)
                # HEAD runs the same view as GET: once per role, on their own plan, is enough.
                for method in ("GET", "HEAD") if which == "own" else ("GET",):
                    response = client.client.open(url, method=method)
                    assert response.status_code < 500, (role, method, url, response.status_code)
                    after = every_table() if row_writes.reset() else state
                    diff = changes(state, after)
                    if unexplained(method, rule.endpoint, diff):
                        failures.append(
                            f"{role} {which} {method} {url}: {sorted(unexplained(method, rule.endpoint, diff))}"
                        )
                    downloaded = method == "GET" and response.status_code == 200 and rule.endpoint in DOWNLOADS
                    if downloaded and "audit_events" in diff:
                        downloads_audited.add(rule.endpoint)
                    state = after
    assert failures == [], "\n".join(failures)
    if role == "senior":  # the registered manager may make every download: each left its audit event
        assert downloads_audited == DOWNLOADS
