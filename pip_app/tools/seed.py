"""Data at scale for bench/ and the query-budget tests: a provider group's services, people and
years of plans, with controls, checks, actions, observations, reviews, acknowledgements,
closures and history, in a realistic spread of states.

Fast on purpose: rows are plain dicts with ids chosen up front, inserted in chunks with
SQLAlchemy Core (executemany; on PostgreSQL with COPY, ten times faster), no ORM units of work,
one argon2 hash shared by every account, one transaction.
Every CHECK and UNIQUE constraint of models.py holds, dates are relative to today so the
derived flags show, and the text comes from the domain's worked examples (plan_templates.py).
What the app derives from a plan (the issued version's snapshot, the statements the staff
member acknowledges, the closure's final measures) comes from the app's own functions, called
on light views of the rows (`_view`) rather than on loaded objects: no copies to drift.

    flask --app pip_app seed-scale --plans 10000   # see pip_app/commands.py and bench/README.md
"""

from __future__ import annotations

import json
import math
import random
import secrets
import time as clock
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import JSON, func, insert, inspect, select, text

from .. import plan_templates
from ..clock import today
from ..credentials.passwords import hash_password
from ..database import refresh_statistics
from ..extensions import db
from ..folding import fold, search_key
from ..lifecycle import snapshot_digest
from ..models import (
    Acknowledgement,
    Action,
    AuditEvent,
    Closure,
    ControlCheck,
    ControlKind,
    Escalation,
    InterimControl,
    Observation,
    Plan,
    PlanVersion,
    RegulatoryDecision,
    Review,
    ReviewControlDecision,
    ReviewEntry,
    Service,
    Shift,
    User,
    format_reference,
    observation_focus,
    user_services,
)
from ..services.acknowledgements import plan_statement
from ..services.attention import refresh_every_plan
from ..services.charts_kept import redraw_every_plan
from ..services.closure import closure_statement
from ..services.closure_gate import final_measures
from ..services.plans import advance_reference_counters, last_reference_numbers, snapshot
from ..services.reviews import review_statement
from ..services.users import MIN_PASSWORD_LENGTH

DOMAIN = "scale.test"
DEFAULT_PASSWORD = "scale-bench-2026"
GROUP_SENIOR_EMAIL = f"senior.group@{DOMAIN}"
HR_EMAIL = f"hr@{DOMAIN}"
ADMIN_EMAIL = f"admin@{DOMAIN}"

# Shares of plans by status: years of closed plans, a live caseload, a few drafts and pauses.
STATUS_SHARES = (("closed", 0.74), ("active", 0.215), ("paused", 0.025), ("draft", 0.02))
MANAGERS_PER_SERVICE = 3
CHUNK = 5_000
MAX_PER_YEAR = 9_000  # plans started in a year, roughly: a bigger group spreads over more years

SERVICE_NAMES = [
    "Larkfield House",
    "Brook Lodge",
    "Meadowbank",
    "The Willows",
    "Oakleigh Court",
    "Riverside View",
    "Hazelwood",
    "Elm Grove",
    "Ashcombe",
    "Fernhill",
    "Heatherdene",
    "Kingsmead",
    "Linden Lea",
    "Millbrook",
    "Northgate",
    "Orchard Place",
    "Primrose Hill",
    "Rowan Court",
    "Southfields",
    "Thornbury",
]
SERVICE_KINDS = ["Residential care home", "Nursing home", "Home care branch", "Supported living"]
FIRST_NAMES = [
    "Sam",
    "Agnieszka",
    "Dafydd",
    "Chidi",
    "Mei",
    "Joanne",
    "Tomasz",
    "Priya",
    "Aoife",
    "Kwame",
    "Fatima",
    "Lewis",
    "Hannah",
    "Oluwaseun",
    "Zofia",
    "Rhys",
    "Amara",
    "Callum",
    "Siobhan",
    "Mohammed",
    "Grace",
    "Eilidh",
    "Ravi",
    "Bethan",
    "Nkechi",
    "Łucja",
    "José",
    "Yusuf",
    "Chloé",
    "Ewan",
]
SURNAMES = [
    "Taylor",
    "Łukasik",
    "ap Rhys",
    "Okafor",
    "Chen",
    "O'Neill",
    "Wójcik",
    "Patel",
    "Murphy",
    "Mensah",
    "Hussain",
    "Campbell",
    "Evans",
    "Adeyemi",
    "Nowak",
    "Williams",
    "Okoro",
    "MacLeod",
    "Byrne",
    "Khan",
    "Hughes",
    "Morrison",
    "Sharma",
    "Jones",
    "Eze",
    "Kowalska",
    "García",
    "Ali",
    "Dubois",
    "Fraser",
]
EVIDENCE_DETAIL = [
    "Two near misses in the last six weeks; care-note audit showed the rationale missing for {n} of 10 changes.",
    "Monthly records audit {n}% complete on this person's shifts against 92% for the service.",
    "Feedback from two residents and one relative's complaint; observation confirmed the pattern.",
    "MAR audit {n}%; one incident where a dose was nearly given twice.",
    "Fluid charts without totals on {n} of 14 shifts; one hospital admission for a urinary infection.",
]
SUMMARIES = [
    "Steady progress; the measure is moving towards target.",
    "Good week: checks show the agreed practice on every sampled shift.",
    "Mixed week: two gaps on night shifts, discussed in supervision.",
    "Improvement sustained; control kept one more week as agreed.",
    "Audit below target; practice discussed with examples from the notes.",
]
NOTES = [
    "On track.",
    "Two gaps, discussed.",
    "Audit sample met the criterion.",
    "Observed on shift; good.",
    "Needs a second look next week.",
    "",
]
CHECK_NOTES = [
    "{n} escalation decisions signed off on the late shift.",
    "Notes read and signed at evening handover; {n} charts completed on time.",
    "Paired on the morning round; prompts used with {n} residents.",
    "Observed {n} interactions during personal care.",
]
LIFT_RATIONALES = [
    "Two consecutive audits at or above target; the control is no longer needed.",
    "Practice sustained across three weekly reviews and two observed shifts.",
    "Risk now controlled through routine supervision; carried into ongoing monitoring.",
]
OUTCOMES = (("achieved", 0.6), ("partly", 0.25), ("not_achieved", 0.1), ("withdrawn", 0.05))
SHIFTS = tuple(shift.value for shift in Shift)
CONTROL_KINDS = tuple(ControlKind)


class SeedRefused(Exception):
    """The database is not one the scale data may be added to, with the reason."""


@dataclass
class SeedResult:
    """What was inserted, how long it took, and the known plans and accounts the bench uses."""

    counts: dict[str, int]
    seconds: float
    password: str
    group_senior: str
    group_senior_active_plans: int
    bench_plan_id: int  # active, exactly 20 actions and 12 reviews
    typical_closed_plan_id: int  # closed, 6 actions, 10 reviews, 4 controls
    big_review_plan_id: int  # closed, 100 reviews
    accounts: dict[str, str] = field(default_factory=dict)
    first_service_id: int = 0  # the service the three known plans belong to

    def summary(self) -> str:
        lines = [f"Seeded in {self.seconds:.1f} s:"]
        lines += [f"  {name:<26} {n:>9,}" for name, n in self.counts.items()]
        lines += [
            f"Known plans: bench plan (20 actions, 12 reviews) id={self.bench_plan_id}; "
            f"typical closed plan id={self.typical_closed_plan_id}; 100-review closed plan id={self.big_review_plan_id}",
            f"Their service id={self.first_service_id}",
            f"Group senior {self.group_senior} sees {self.group_senior_active_plans:,} active plans",
            "Accounts: " + ", ".join(f"{role} {email}" for role, email in self.accounts.items()),
            f"Password for every seeded account: {self.password}",
        ]
        return "\n".join(lines)


def _at(day: date, hour: int = 14, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute))


def _weighted(rng: random.Random, shares) -> str:
    roll, total = rng.random(), 0.0
    for value, share in shares:
        total += share
        if roll < total:
            return value
    return shares[-1][0]


_VIEW_CLASSES: dict[type, type] = {}


def _view(model: type, row: dict, **related) -> SimpleNamespace:
    """A row as the app's functions read a loaded `model` object: attribute names rather than
    column names (Action.when, not when_text), enum members rather than stored values, the model's
    own properties (Action.ref, has_measure), and the related objects given. Cheap, unlike an ORM
    object, and never in the session."""
    cls = _VIEW_CLASSES.get(model)
    if cls is None:
        columns = []
        for attr in inspect(model).column_attrs:
            enum_class = getattr(attr.columns[0].type, "enum_class", None)
            members = {member.value: member for member in enum_class} if enum_class else None
            columns.append((attr.key, attr.columns[0].name, members))
        properties = {name: value for name, value in vars(model).items() if isinstance(value, property)}
        cls = _VIEW_CLASSES[model] = type(
            f"{model.__name__}View", (SimpleNamespace,), {**properties, "columns": columns}
        )
    values = {
        key: row.get(name) if members is None else members.get(row.get(name)) for key, name, members in cls.columns
    }
    return cls(**values, **related)


class _Rows:
    """Rows per table with ids handed out up front; flushed to the database in FK order."""

    ORDER = (
        Service,
        User,
        user_services,
        Plan,
        PlanVersion,
        InterimControl,
        ControlCheck,
        Action,
        Observation,
        observation_focus,
        Review,
        ReviewEntry,
        ReviewControlDecision,
        Escalation,
        Acknowledgement,
        Closure,
        RegulatoryDecision,
        AuditEvent,
    )

    def __init__(self, chunk: int):
        self.chunk = chunk
        self.tables = [getattr(t, "__table__", t) for t in self.ORDER]
        self.pending: dict[str, list[dict]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)
        self.next_id: dict[str, int] = {}
        self.copy = db.engine.dialect.name == "postgresql" and db.engine.dialect.driver == "psycopg"
        for table in self.tables:
            if "id" in table.c:
                self.next_id[table.name] = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1

    def new_id(self, table_name: str) -> int:
        value = self.next_id[table_name]
        self.next_id[table_name] = value + 1
        return value

    def add(self, table_name: str, row: dict) -> None:
        rows = self.pending[table_name]
        rows.append(row)
        if len(rows) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        """Insert everything pending, parents before children, so every foreign key holds."""
        for table in self.tables:
            rows = self.pending.pop(table.name, None)
            if rows:
                if self.copy:
                    _copy(table, rows)
                else:
                    db.session.execute(insert(table), rows)
                self.counts[table.name] += len(rows)


def _copy(table, rows: list[dict]) -> None:
    """PostgreSQL's COPY, in the session's transaction: about ten times faster than executemany
    (measured: 100,000 rows in 0.23 s against 2.5 s). Values are already plain (enum values as
    strings); JSON columns are serialised here, as SQLAlchemy's JSON type would."""
    names = list(rows[0])
    as_json = [isinstance(table.c[name].type, JSON) for name in names]
    cursor = db.session.connection().connection.driver_connection.cursor()
    columns = ", ".join(f'"{name}"' for name in names)
    with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(
                [
                    json.dumps(value) if is_json and value is not None else value
                    for value, is_json in zip(row.values(), as_json, strict=True)
                ]
            )


@dataclass
class _Person:
    id: int
    name: str
    email: str


class _Builder:
    """Generates the group: services, people, then plans one at a time."""

    def __init__(self, rows: _Rows, rng: random.Random, day: date, password_hash: str, years: int):
        self.rows, self.rng, self.today, self.password_hash, self.years = rows, rng, day, password_hash, years
        self.references: dict[int, int] = {}
        self.corrections = True
        # Users and services as the app's functions read them, by id.
        self.user_views: dict[int, SimpleNamespace] = {}
        self.service_views: dict[int, SimpleNamespace] = {}

    # --- People

    def _user(self, email: str, name: str, role: str, line_manager: _Person | None, services: list[int]) -> _Person:
        uid = self.rows.new_id("users")
        row = dict(
            id=uid,
            email=email,
            name=name,
            search_name=search_key(name),  # as User._fold_name would: these rows bypass the ORM
            role=role,
            password_hash=self.password_hash,
            active=True,
            line_manager_id=line_manager.id if line_manager else None,
            session_token=secrets.token_hex(16),
            created_at=_at(self.today - timedelta(days=365 * self.years + 30), 9),
        )
        self.rows.add("users", row)
        self.user_views[uid] = _view(User, row)
        for service_id in services:
            self.rows.add("user_services", dict(user_id=uid, service_id=service_id))
        return _Person(uid, name, email)

    def _name(self, n: int) -> str:
        return f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {SURNAMES[(n * 7 + n // len(FIRST_NAMES)) % len(SURNAMES)]}"

    def people(self, n_services: int, n_staff: int, tag: str) -> None:
        self.service_ids = []
        for i in range(n_services):
            sid = self.rows.new_id("services")
            base = SERVICE_NAMES[i % len(SERVICE_NAMES)]
            name = base if i < len(SERVICE_NAMES) else f"{base} {i // len(SERVICE_NAMES) + 1}"
            row = dict(id=sid, name=f"{name}{tag}", kind=SERVICE_KINDS[i % len(SERVICE_KINDS)])
            self.rows.add("services", row)
            self.service_ids.append(sid)
            self.service_views[sid] = _view(Service, row)
        self.accounts = {
            "admin": self._user(ADMIN_EMAIL, "Alex Morgan", "admin", None, []).email,
            "hr": self._user(HR_EMAIL, "Helen Price", "hr", None, []).email,
        }
        self.group_senior = self._user(GROUP_SENIOR_EMAIL, "Rachel Adeyemi", "senior", None, self.service_ids)
        self.accounts["senior (all services)"] = self.group_senior.email
        self.seniors, self.managers, self.staff = {}, {}, {}
        counter = 0
        for i, sid in enumerate(self.service_ids, start=1):
            counter += 1
            self.seniors[sid] = self._user(
                f"senior{i:02d}@{DOMAIN}", self._name(counter), "senior", self.group_senior, [sid]
            )
        for i, sid in enumerate(self.service_ids):
            self.managers[sid] = []
            for j in range(MANAGERS_PER_SERVICE):
                counter += 1
                number = i * MANAGERS_PER_SERVICE + j + 1
                self.managers[sid].append(
                    self._user(
                        f"manager{number:03d}@{DOMAIN}", self._name(counter), "manager", self.seniors[sid], [sid]
                    )
                )
        for n in range(n_staff):
            sid = self.service_ids[n % len(self.service_ids)]
            manager = self.managers[sid][(n // len(self.service_ids)) % MANAGERS_PER_SERVICE]
            counter += 1
            person = self._user(f"staff{n + 1:04d}@{DOMAIN}", self._name(counter), "staff", manager, [sid])
            self.staff.setdefault(sid, []).append((person, manager))
        self.accounts["senior (one service)"] = self.seniors[self.service_ids[0]].email
        self.accounts["manager"] = self.managers[self.service_ids[0]][0].email
        self.accounts["staff"] = self.staff[self.service_ids[0]][0][0].email

    # --- Plans

    def reference(self, year: int) -> dict[str, Any]:
        """The next reference of a year as a plan row's columns (the year counters follow at the end)."""
        number = self.references[year] = self.references.get(year, 0) + 1
        return {"reference": format_reference(year, number), "reference_year": year, "reference_number": number}

    def plan(
        self,
        status: str,
        *,
        sid: int | None = None,
        actions: int | None = None,
        reviews: int | None = None,
        controls: int | None = None,
        observations: int | None = None,
    ) -> int:
        """One plan with everything that belongs to it; returns its id."""
        rng = self.rng
        sid = sid or rng.choice(self.service_ids)
        staff, manager = rng.choice(self.staff[sid])
        senior = self.seniors[sid]
        template = rng.choice(plan_templates.TEMPLATES)
        n_actions = actions or rng.randint(3, 9)
        n_controls = controls or rng.randint(2, 6)
        n_obs = observations if observations is not None else rng.randint(2, 10)
        t = self.today

        if status == "closed":
            n_reviews = reviews if reviews is not None else rng.randint(6, 17)
            span = n_reviews * 7 + 14
            start = t - timedelta(days=rng.randint(span + 7, max(span + 8, 365 * self.years)))
        elif status in ("active", "paused"):
            elapsed = rng.randint(0, 12) if reviews is None else reviews + 1
            start = t - timedelta(days=elapsed * 7 + rng.randint(1, 6))
            due = (t - start).days // 7
            # One active plan in five has missed its latest weekly review (the "overdue" flag).
            n_reviews = reviews if reviews is not None else max(due - (1 if rng.random() < 0.2 else 0), 0)
        else:
            start = t + timedelta(days=rng.randint(1, 14))
            n_reviews = 0
        weeks = max(n_reviews + (0 if status == "closed" else rng.randint(1, 6)), 4)
        planned_end = start + timedelta(weeks=weeks)
        issued = status != "draft"
        amended = issued and rng.random() < 0.1
        version = 0 if not issued else (2 if amended else 1)
        pid = self.rows.new_id("plans")
        numbering = self.reference(start.year)
        reference = numbering["reference"]
        baseline = round(rng.uniform(35, 70))
        evidence_detail = rng.choice(EVIDENCE_DETAIL).format(n=rng.randint(2, 8))
        baseline_text = f"{template.baseline_hint[:120]} ({baseline}%)"
        created_at = _at(start - timedelta(days=rng.randint(1, 5)), 10)
        issued_at = _at(start, 9) if issued else None

        # Review dates first: they decide extensions, the end date and the next review date.
        review_dates = [start + timedelta(days=7 * k) for k in range(1, n_reviews + 1)]
        extend_at = None
        if status == "closed" and n_reviews >= 6 and rng.random() < 0.15:
            extend_at = rng.randint(2, n_reviews - 3)  # index of the extending review
        if review_dates and review_dates[-1] > planned_end:
            planned_end = review_dates[-1]
        if status == "active" and rng.random() < 0.05 and start + timedelta(weeks=4) < t:
            planned_end = max(start + timedelta(weeks=4), t - timedelta(days=rng.randint(1, 6)))  # past its end
            planned_end = max(planned_end, review_dates[-1] if review_dates else start)
        next_review = None
        if status in ("active", "paused"):
            next_review = (review_dates[-1] if review_dates else start) + timedelta(days=7)
        closed_on = review_dates[-1] + timedelta(days=1) if status == "closed" else None

        row = dict(
            id=pid,
            **numbering,
            staff_id=staff.id,
            manager_id=manager.id,
            service_id=sid,
            status=status,
            version=version,
            row_version=1,
            start_date=start,
            planned_end_date=planned_end,
            review_weekday=start.weekday(),
            review_interval_days=7,
            next_review_date=next_review,
            risk_area=template.risk_area.value,
            risk_statement=template.risk_statement,
            evidence_sources=[e.value for e in template.evidence_sources],
            evidence_detail=evidence_detail,
            key_questions=[k.value for k in template.key_questions],
            baseline_text=baseline_text,
            baseline_figure=float(baseline),
            no_control_reason=None,
            quality_override_reason=None,
            pause_reason="Sickness absence; the plan resumes on return to work." if status == "paused" else None,
            paused_on=t - timedelta(days=rng.randint(1, 10)) if status == "paused" else None,
            created_at=created_at,
            issued_at=issued_at,
        )
        self.rows.add("plans", row)
        self.audit(manager, "created", "plan", pid, pid, created_at, {"reference": reference, "template": template.key})

        controls_ = self._controls(
            pid, status, template, n_controls, start, planned_end, review_dates, closed_on, senior, manager
        )
        actions_ = self._actions(pid, status, template, n_actions, start, planned_end, baseline, staff, closed_on)
        self._regulatory(pid, status, controls_, senior, start)
        plan = _view(
            Plan,
            row,
            staff=self.user_views[staff.id],
            manager=self.user_views[manager.id],
            service=self.service_views[sid],
            controls=[c["view"] for c in controls_],
            actions=[a["view"] for a in actions_],
            reviews=[],
            closure=None,
        )
        if issued:
            self.audit(manager, "issued", "plan", pid, pid, issued_at, {"version": 1})
            plan.version = 1
            self._version(pid, 1, "Issued.", snapshot(plan), manager, issued_at)
            self._ack_plan(plan, staff, issued_at, recent=status != "closed")
            if amended:
                when = issued_at + timedelta(days=rng.randint(3, 10))
                plan.version = 2
                self._version(
                    pid,
                    2,
                    "Success criterion for A1 made specific after the first review.",
                    snapshot(plan),
                    manager,
                    when,
                )
                self.audit(manager, "amended", "plan", pid, pid, when, {"version": 2})
                self._ack_plan(plan, staff, when, recent=status != "closed")
        self._observations(pid, status, n_obs, start, planned_end, actions_, senior, manager)
        self._reviews(
            plan,
            status,
            review_dates,
            extend_at,
            planned_end,
            actions_,
            controls_,
            staff,
            manager,
            senior,
            version or 1,
        )
        if status == "closed":
            self._closure(plan, staff, manager, closed_on, baseline, version)
        return pid

    def _controls(self, pid, status, template, n, start, planned_end, review_dates, closed_on, senior, manager):
        rng, t = self.rng, self.today
        made = []
        for i in range(n):
            cid = self.rows.new_id("interim_controls")
            if i < len(template.controls):
                kind, detail = template.controls[i].kind.value, template.controls[i].detail
            else:
                other = CONTROL_KINDS[(i + pid) % len(CONTROL_KINDS)]
                kind, detail = other.value, f"{other.label} for this person's shifts, recorded in the handover notes."
            review_by = start + timedelta(days=rng.randint(7, 42))
            responsible = senior if rng.random() < 0.8 else manager
            lifted_on = rationale = lifted_by = None
            state = "active"
            if status == "closed":
                state = "lifted" if rng.random() < 0.7 else "ongoing_monitoring"
                lifted_on = rng.choice(review_dates[len(review_dates) // 2 :]) if review_dates else closed_on
            elif status in ("active", "paused") and len(review_dates) >= 4 and rng.random() < 0.2:
                state, lifted_on = "lifted", rng.choice(review_dates[2:])
            if state != "active":
                rationale, lifted_by = rng.choice(LIFT_RATIONALES), senior.id
            # Checks while the control is in force: every few days, with the register's last-check date.
            last = lifted_on or t
            checks, day = [], start + timedelta(days=rng.randint(1, 4))
            limit = rng.randint(0, 5) if status != "draft" else 0
            while day <= last and len(checks) < limit:
                checks.append(day)
                day += timedelta(days=rng.randint(3, 9))
            if checks and state == "active" and status != "draft" and rng.random() < 0.3:
                checks.pop()  # a stale control: "not checked for 7 days" shows on the register
            row = dict(
                id=cid,
                plan_id=pid,
                kind=kind,
                detail=detail,
                search_detail=fold(detail),  # as InterimControl._fold_detail would: these rows bypass the ORM
                responsible_id=responsible.id,
                start_date=start,
                review_by_date=review_by,
                status=state,
                lifted_on=lifted_on,
                lift_rationale=rationale,
                lifted_by_id=lifted_by,
                last_checked_on=checks[-1] if checks else None,
                row_version=1,
            )
            self.rows.add("interim_controls", row)
            for day in checks:
                self.rows.add(
                    "control_checks",
                    dict(
                        id=self.rows.new_id("control_checks"),
                        control_id=cid,
                        checked_on=day,
                        note=rng.choice(CHECK_NOTES).format(n=rng.randint(1, 6)),
                        recorded_by_id=responsible.id,
                        created_at=_at(day, 18),
                    ),
                )
            made.append(
                dict(
                    id=cid,
                    state=state,
                    lifted_on=lifted_on,
                    rationale=rationale,
                    view=_view(InterimControl, row, responsible=self.user_views[responsible.id]),
                )
            )
        return made

    def _regulatory(self, pid, status, controls, senior, start):
        """Restricted duties in force call for regulatory decisions (issue 20): most open plans with
        them have all four recorded, the rest wait (the flag). Chosen by the plan's id, not the
        random stream, so every other row the seed makes stays as it was."""
        restricted = any(
            c["state"] == "active" and str(getattr(c["view"].kind, "value", c["view"].kind)) == "restricted_duties"
            for c in controls
        )
        if status not in ("active", "paused") or not restricted or pid % 4 == 3:
            return
        for question, answer in (
            ("dbs", "not_referred"),
            ("professional", "not_applicable"),
            ("workforce", "not_applicable"),
            ("safeguarding", "not_referred"),
        ):
            self.rows.add(
                "regulatory_decisions",
                dict(
                    id=self.rows.new_id("regulatory_decisions"),
                    plan_id=pid,
                    question=question,
                    answer=answer,
                    rationale="Duties restricted for support while practice improves; no harm or risk of harm found.",
                    reference="",
                    decided_by_id=senior.id,
                    decided_on=start,
                    recorded_at=_at(start, 17),
                    row_version=1,
                ),
            )

    def _actions(self, pid, status, template, n, start, planned_end, baseline, staff, closed_on):
        rng = self.rng
        made = []
        for number in range(1, n + 1):
            source = template.actions[(number - 1) % len(template.actions)]
            measure = source.measure
            unit = measure.unit if measure else None
            if measure is None:
                measure_baseline = None
            elif unit == "%":
                measure_baseline = float(min(baseline, measure.target - 10))
            elif measure.higher_is_better:
                measure_baseline = float(max(measure.target - rng.randint(3, 6), 0))
            else:
                measure_baseline = float(measure.target + rng.randint(2, 5))
            state, completion, completed_on, assurance, assured_on, reason = "open", None, None, None, None, None
            if status == "closed":
                state = _weighted(rng, (("assured", 0.75), ("completed", 0.15), ("not_met", 0.10)))
            elif status in ("active", "paused"):
                state = _weighted(rng, (("open", 0.8), ("completed", 0.15), ("not_met", 0.05)))
            if state in ("completed", "assured"):
                completion = "Done on every sampled shift since the second week; see the weekly reviews."
                completed_on = min(start + timedelta(days=rng.randint(10, 30)), closed_on or self.today)
            if state == "assured":
                assurance = "Two consecutive audits at target and an observed shift rated met."
                assured_on = closed_on or self.today
            if status == "closed" and state != "assured":
                reason = (
                    "Assurance continues under ongoing monitoring."
                    if state == "completed"
                    else "Not met: escalated to the formal capability procedure."
                )
            elif state == "not_met":
                reason = "Not met at two reviews running; redesigned with the staff member."
            aid = self.rows.new_id("actions")
            row = dict(
                id=aid,
                plan_id=pid,
                number=number,
                behaviour=source.behaviour,
                when_text=source.when,
                when_date=None,
                check_method=source.check_method,
                success_criterion=source.success_criterion,
                measure_name=measure.name if measure else None,
                measure_unit=unit,
                measure_baseline=measure_baseline,
                measure_target=measure.target if measure else None,
                measure_higher_is_better=measure.higher_is_better if measure else True,
                measure_consecutive=measure.consecutive if measure else None,
                owner_id=staff.id,
                due_date=planned_end,
                status=state,
                completion_evidence=completion,
                completed_on=completed_on,
                assurance_evidence=assurance,
                assured_on=assured_on,
                status_reason=reason,
                row_version=1,
            )
            self.rows.add("actions", row)
            made.append(
                dict(
                    id=aid,
                    measure=measure,
                    baseline=measure_baseline,
                    view=_view(Action, row, owner=self.user_views[staff.id]),
                )
            )
        return made

    def _version(self, pid, version, summary, snap, manager, at):
        self.rows.add(
            "plan_versions",
            dict(
                id=self.rows.new_id("plan_versions"),
                plan_id=pid,
                version=version,
                change_summary=summary,
                snapshot=snap,
                snapshot_digest=snapshot_digest(snap),  # COPY (PostgreSQL) writes no column default
                created_by_id=manager.id,
                created_at=at,
            ),
        )

    def _ack(self, pid, staff, subject, version, review_id, statement, at, disagree=False):
        self.rows.add(
            "acknowledgements",
            dict(
                id=self.rows.new_id("acknowledgements"),
                plan_id=pid,
                user_id=staff.id,
                subject=subject,
                plan_version=version,
                review_id=review_id,
                statement=statement,
                response="disagree" if disagree else "agree",
                comment="I was not told the target before the first audit." if disagree else None,
                acknowledged_at=at,
            ),
        )
        self.audit(staff, "acknowledged", subject, review_id or pid, pid, at, {"version": version})

    def _ack_plan(self, plan, staff, issued_at, recent: bool):
        """The staff member's acknowledgement of the plan's current version (most are acknowledged)."""
        at = issued_at + timedelta(days=self.rng.randint(0, 2), hours=2)
        if (recent and at.date() >= self.today - timedelta(days=2)) or self.rng.random() < 0.03:
            return  # not yet acknowledged
        self._ack(
            plan.id, staff, "plan", plan.version, None, plan_statement(plan), at, disagree=self.rng.random() < 0.04
        )

    def _observations(self, pid, status, n, start, planned_end, actions, senior, manager):
        rng, t = self.rng, self.today
        span = max((planned_end - start).days, 7)
        for _ in range(n):
            day = start + timedelta(days=rng.randint(1, span))
            state, outcome, notes, recorded = "planned", None, None, None
            if status == "closed":
                state = _weighted(rng, (("done", 0.8), ("missed", 0.1), ("cancelled", 0.1)))
            elif status in ("active", "paused") and day < t:
                state = "done" if rng.random() < 0.85 else "planned"  # some are overdue
            if state == "done":
                outcome = _weighted(rng, (("met", 0.6), ("partly_met", 0.3), ("not_met", 0.1)))
                notes, recorded = "Observed on the floor; discussed straight after the shift.", _at(day, 18)
            oid = self.rows.new_id("observations")
            observer = senior if rng.random() < 0.6 else manager
            self.rows.add(
                "observations",
                dict(
                    id=oid,
                    plan_id=pid,
                    scheduled_on=day,
                    shift=rng.choice(SHIFTS),
                    observer_id=observer.id,
                    status=state,
                    outcome=outcome,
                    notes=notes,
                    recorded_at=recorded,
                    row_version=1,
                ),
            )
            for action in rng.sample(actions, min(len(actions), rng.randint(1, 2))):
                self.rows.add("observation_focus", dict(observation_id=oid, action_id=action["id"]))

    def _value(self, action, k: int, n: int) -> float | None:
        measure = action["measure"]
        if measure is None:
            return None
        progress = k / max(n, 1)
        value = action["baseline"] + (measure.target - action["baseline"]) * min(progress * 1.3, 1.0)
        value += self.rng.uniform(-0.08, 0.08) * abs(measure.target - action["baseline"])
        top = 100.0 if measure.unit == "%" else 10.0 if measure.unit == "of 10" else None
        value = max(value, 0.0)
        if top is not None:
            value = min(value, top)
        return round(value) if measure.unit != "%" else round(value, 1)

    def _reviews(
        self, plan, status, dates, extend_at, planned_end, actions, controls, staff, manager, senior, version
    ) -> None:
        """The plan's weekly reviews, their entries and control decisions, and the staff member's
        acknowledgements; each review is also added to `plan.reviews` for the closure's measures."""
        rng, t, pid = self.rng, self.today, plan.id
        lift_review = {}
        for c in controls:
            if c["lifted_on"] is not None and c["lifted_on"] in dates:
                lift_review[c["id"]] = dates.index(c["lifted_on"])
        n = len(dates)
        # Now and then a review is corrected by a later one (same date, the original kept, superseded).
        corrected_k = n - 2 if self.corrections and n >= 3 and rng.random() < 0.03 else None
        for k, day in enumerate(dates):
            rid = self.rows.new_id("reviews")
            last = k == n - 1
            decision = "continue"
            extend_to = extend_reason = None
            if status == "closed" and last:
                decision = "escalate" if rng.random() < 0.1 else "ready_to_close"
            elif k == extend_at:
                decision, extend_to = "extend", planned_end
                extend_reason = "Two more weeks to show the improvement is sustained."
            reviewer = manager if rng.random() < 0.8 else senior
            created = _at(day, 15, rng.randint(0, 59))
            review = self._review(
                plan,
                dict(
                    id=rid,
                    plan_id=pid,
                    review_date=day,
                    reviewer_id=reviewer.id,
                    summary=rng.choice(SUMMARIES),
                    decision=decision,
                    extend_to=extend_to,
                    extend_reason=extend_reason,
                    next_review_date=day + timedelta(days=7),
                    staff_comment=None,
                    corrects_review_id=None,
                    submission_token=None,
                    created_at=created,
                ),
            )
            entries = {}
            for action in actions:
                value = self._value(action, k + 1, n)
                progress = "on_track" if rng.random() < 0.75 else _weighted(rng, (("at_risk", 0.8), ("not_met", 0.2)))
                self._entry(
                    review,
                    dict(
                        id=self.rows.new_id("review_entries"),
                        review_id=rid,
                        action_id=action["id"],
                        progress=progress,
                        measured_value=value,
                        note=rng.choice(NOTES),
                    ),
                )
                entries[action["view"].ref] = [progress, value]
            if decision == "escalate":  # as the app does: the review raises an escalation
                self._escalation(pid, rid, reviewer, senior, day, created)
            if k == corrected_k:
                self._correction(plan, review, created, reviewer, entries, actions, staff, version)
            for c in controls:
                at = lift_review.get(c["id"])
                if at == k:
                    kind = "lift" if c["state"] == "lifted" else "monitor"
                    self._decision(rid, c["id"], kind, c["rationale"])
                elif k == 0 and (at is None or at > 0):
                    self._decision(rid, c["id"], "keep", "Still needed until two good weeks.")
            self.audit(
                reviewer,
                "recorded",
                "review",
                rid,
                pid,
                created,
                {"review_date": day.isoformat(), "decision": decision, "entries": entries},
            )
            recent = (t - day).days <= 3
            if not recent and rng.random() < 0.95:
                self._ack(
                    pid,
                    staff,
                    "review",
                    version,
                    rid,
                    review_statement(review),
                    created + timedelta(days=rng.randint(0, 2), hours=1),
                    disagree=rng.random() < 0.03,
                )

    def _escalation(self, pid, rid, reviewer, senior, day, raised_at) -> None:
        """The escalation a review's "Escalate" raised (services.escalations.raise_escalation), decided
        by the service's registered manager the same day: the formal procedure (the plan then closed,
        its actions not met)."""
        eid = self.rows.new_id("escalations")
        reason = "Not met at two reviews running despite the redesign; the risk to people continues."
        rationale = "Two redesigns have not changed practice: move to the formal capability procedure."
        decided_at = raised_at + timedelta(hours=2)
        self.rows.add(
            "escalations",
            dict(
                id=eid,
                plan_id=pid,
                review_id=rid,
                reason=reason,
                raised_by_id=reviewer.id,
                raised_at=raised_at,
                decision="formal",
                rationale=rationale,
                decided_on=day,
                new_end_date=None,
                decided_by_id=senior.id,
                decided_at=decided_at,
                row_version=1,
            ),
        )
        self.audit(reviewer, "escalated", "escalation", eid, pid, raised_at, {"reason": reason, "review_id": rid})
        changes = {"decision": "formal", "rationale": rationale, "decided_on": day.isoformat(), "new_end_date": None}
        self.audit(senior, "decided", "escalation", eid, pid, decided_at, changes)

    def _review(self, plan, row: dict) -> SimpleNamespace:
        self.rows.add("reviews", row)
        review = _view(Review, row, plan=plan, entries=[])
        plan.reviews.append(review)
        return review

    def _entry(self, review, row: dict) -> None:
        self.rows.add("review_entries", row)
        review.entries.append(_view(ReviewEntry, row))

    def _correction(self, plan, corrected, created, reviewer, entries, actions, staff, version):
        """A correction of review `corrected`: the same values (so the measures do not change)
        with the note that says what was wrong."""
        rid = self.rows.new_id("reviews")
        at = created + timedelta(days=1)
        day = corrected.review_date
        review = self._review(
            plan,
            dict(
                id=rid,
                plan_id=plan.id,
                review_date=day,
                reviewer_id=reviewer.id,
                summary="Correction: the summary named the wrong shift; progress as recorded.",
                decision="continue",
                extend_to=None,
                extend_reason=None,
                next_review_date=day + timedelta(days=7),
                staff_comment=None,
                corrects_review_id=corrected.id,
                submission_token=None,
                created_at=at,
            ),
        )
        for action in actions:
            progress, value = entries[action["view"].ref]
            self._entry(
                review,
                dict(
                    id=self.rows.new_id("review_entries"),
                    review_id=rid,
                    action_id=action["id"],
                    progress=progress,
                    measured_value=value,
                    note="As recorded in the corrected review.",
                ),
            )
        self.audit(
            reviewer, "recorded", "review", rid, plan.id, at, {"review_date": day.isoformat(), "corrects": corrected.id}
        )
        self._ack(plan.id, staff, "review", version, rid, review_statement(review), at + timedelta(hours=20))

    def _decision(self, rid, cid, kind, rationale):
        self.rows.add(
            "review_control_decisions",
            dict(
                id=self.rows.new_id("review_control_decisions"),
                review_id=rid,
                control_id=cid,
                decision=kind,
                rationale=rationale or "",
            ),
        )

    def _closure(self, plan, staff, manager, closed_on, baseline, version):
        """The closure, its final measures as the app computes them, and the staff member's acknowledgement."""
        rng = self.rng
        closed_at = _at(closed_on, 16)
        outcome = _weighted(rng, OUTCOMES)
        row = dict(
            id=self.rows.new_id("closures"),
            plan_id=plan.id,
            outcome=outcome,
            what_changed=f"{staff.name} now follows the agreed practice on every shift, as the weekly reviews record.",
            how_measured=f"Weekly audits rose from a baseline of {baseline}% to target; observed shifts confirmed it.",
            risk_now_controlled="The interim controls were lifted or carried into ongoing monitoring with a rationale.",
            ongoing_monitoring="Included in the monthly audit; sampled at supervision for three months.",
            final_measures=final_measures(plan),
            closed_by_id=manager.id,
            closed_at=closed_at,
            ack_due_days=7,
        )
        self.rows.add("closures", row)
        plan.closure = _view(Closure, row, plan=plan)
        self.audit(manager, "closed", "plan", plan.id, plan.id, closed_at, {"outcome": outcome})
        if rng.random() < 0.85:
            self._ack(
                plan.id,
                staff,
                "closure",
                version,
                None,
                closure_statement(plan),
                closed_at + timedelta(days=rng.randint(0, 6), hours=1),
            )

    def audit(self, actor, verb, entity, entity_id, pid, at, changes):
        self.rows.add(
            "audit_events",
            dict(
                id=self.rows.new_id("audit_events"),
                at=at,
                actor_id=actor.id,
                entity=entity,
                entity_id=entity_id,
                plan_id=pid,
                verb=verb,
                changes=changes,
            ),
        )


def _check_database(force: bool) -> None:
    existing = db.session.scalar(select(func.count(User.id)).where(User.email.like(f"%@{DOMAIN}")))
    if existing:
        raise SeedRefused(
            f"This database already holds scale data ({existing} @{DOMAIN} accounts). "
            "Seed a fresh database (see bench/README.md)."
        )
    plans = db.session.scalar(select(func.count(Plan.id)))
    if plans and not force:
        raise SeedRefused(
            f"This database already holds {plans} plans. The scale data is meant for a fresh "
            "database; add it alongside them anyway with --force (nothing is deleted)."
        )


def _fix_sequences() -> None:
    """PostgreSQL: explicit ids do not move the id sequences, so move them past the seeded rows."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key:
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
            )


def analyze() -> float:
    """After the seed is committed, the planner statistics the app would have within minutes: on
    PostgreSQL, VACUUM ANALYZE, as autovacuum would do mid-bench (and the visibility map that
    index-only scans need); on SQLite, the ANALYZE that `send-notifications` runs. Seconds."""
    started = clock.perf_counter()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")
    else:
        refresh_statistics(db.engine)
    return clock.perf_counter() - started


def seed_scale(
    plans: int = 10_000,
    *,
    services: int = 20,
    staff: int = 600,
    password: str = DEFAULT_PASSWORD,
    seed: int = 2026,
    force: bool = False,
    chunk: int = CHUNK,
) -> SeedResult:
    """Insert a provider group at scale in one transaction (the caller commits).

    Always includes three known plans the bench uses: an active plan with exactly 20 actions
    and 12 reviews, a typical closed plan, and a closed plan with 100 reviews.
    """
    if plans < 3:
        raise SeedRefused("Seed at least 3 plans (the bench's three known plans).")
    if services < 1 or staff < services:
        raise SeedRefused("Seed at least one service and at least one staff member per service.")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise SeedRefused(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    _check_database(force)
    started = clock.perf_counter()
    rng = random.Random(seed)
    years = max(5, math.ceil(plans / MAX_PER_YEAR))
    rows = _Rows(chunk)
    builder = _Builder(rows, rng, today(), hash_password(password), years)
    # Service names are unique: a second group alongside existing services gets a suffix.
    taken = set(db.session.scalars(select(Service.name)))
    tag = "" if not taken & set(SERVICE_NAMES[:services]) else f" ({rows.next_id['services']})"
    builder.people(services, staff, tag)
    # Continue each year's references after the last given out (the counters stay locked until
    # the seed commits, so a plan created meanwhile waits rather than taking a seeded number).
    builder.references = last_reference_numbers()

    first = builder.service_ids[0]
    builder.corrections = False  # the known plans have exactly the reviews they are known for
    bench_plan = builder.plan("active", sid=first, actions=20, reviews=12, controls=4, observations=24)
    typical = builder.plan("closed", sid=first, actions=6, reviews=10, controls=4, observations=6)
    big = builder.plan("closed", sid=first, actions=6, reviews=100, controls=4, observations=20)
    builder.corrections = True
    for _ in range(plans - 3):
        builder.plan(_weighted(rng, STATUS_SHARES))
    rows.flush()
    advance_reference_counters(builder.references)
    _fix_sequences()
    db.session.flush()
    refresh_every_plan(db.session.connection())  # inserted in bulk, past the ORM's listeners
    redraw_every_plan(db.session.connection())
    active = db.session.scalar(
        select(func.count(Plan.id)).where(Plan.status == "active", Plan.service_id.in_(builder.service_ids))
    )
    counts = {table.name: rows.counts[table.name] for table in rows.tables}
    return SeedResult(
        counts=counts,
        seconds=clock.perf_counter() - started,
        password=password,
        group_senior=GROUP_SENIOR_EMAIL,
        group_senior_active_plans=active,
        bench_plan_id=bench_plan,
        typical_closed_plan_id=typical,
        big_review_plan_id=big,
        accounts=builder.accounts,
        first_service_id=first,
    )
