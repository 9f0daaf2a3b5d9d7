"""The entities of DESIGN.md: enums, columns, constraints and small derived properties."""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ColumnElement,
    Date,
    DateTime,
    Enum,
    FetchedValue,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    bindparam,
    case,
    cast,
    event,
    exists,
    false,
    func,
    select,
    text,
)
from sqlalchemy.orm import (
    Mapped,
    column_property,
    mapped_column,
    object_session,
    query_expression,
    relationship,
    validates,
)

from .clock import now_utc
from .extensions import Base, db
from .flags import review_due as control_review_due
from .folding import SEARCH_KEY_LENGTH, fold, search_key
from .lifecycle import snapshot_digest

# The declarative base every entity derives from: Flask-SQLAlchemy's model class at run time
# (it adds the table name and the session binding), its typed DeclarativeBase for the type checker.
if TYPE_CHECKING:
    from sqlalchemy.engine.default import DefaultExecutionContext

    Model = Base
else:
    Model = db.Model


class LabelledEnum(str, enum.Enum):
    """An enum whose value is stored and whose label is shown. Members are declared as
    `NAME = "value", "Label"`; `Kind("value")` looks one up (hence the label's default)."""

    _value_: str
    label: str

    def __new__(cls, value: str, label: str = "") -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    def __str__(self) -> str:
        return self.value

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


def trigram_index(name: str, column: str) -> Index:
    """A PostgreSQL GIN index of `column`'s trigrams (pg_trgm), which finds LIKE and ILIKE
    '%text%' for text of three characters or more; SQLite has none (migrations 0036, 0040)."""
    return Index(name, column, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"}).ddl_if(
        dialect="postgresql"
    )


def enum_column(enum_cls: type[enum.Enum], **kwargs) -> Enum:
    """A portable enum column: stored as its value, guarded by a CHECK constraint."""
    return Enum(
        enum_cls,
        values_callable=lambda cls: [m.value for m in cls],
        native_enum=False,
        create_constraint=True,
        length=32,
        validate_strings=True,
        name=enum_cls.__name__.lower(),
        **kwargs,
    )


class Role(LabelledEnum):
    STAFF = "staff", "Staff member"
    MANAGER = "manager", "Line manager"
    SENIOR = "senior", "Registered manager / deputy"
    HR = "hr", "HR adviser"
    ADMIN = "admin", "System administrator"


class PlanStatus(LabelledEnum):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    CLOSED = "closed", "Closed"


class PlanStage(LabelledEnum):
    """Where the plan stands in the capability procedure (issue 20): informal first; each formal
    stage follows a formal meeting and the approver's decision (pip_app/stage_rules.py)."""

    INFORMAL = "informal", "Informal"
    STAGE_1 = "stage_1", "Formal stage 1 (improvement note)"
    STAGE_2 = "stage_2", "Formal stage 2 (final written warning)"
    HEARING = "hearing", "Capability hearing"


class PlanType(LabelledEnum):
    """A performance plan, or one during probation (the same rigour: issue 20)."""

    PERFORMANCE = "performance", "Performance"
    PROBATION = "probation", "Probation"


class RiskArea(LabelledEnum):
    RECORDS = "records", "Records & documentation"
    MEDICATION = "medication", "Medication"
    ESCALATION = "escalation", "Escalation & deterioration"
    SUPPORT_PLAN = "support_plan", "Support-plan adherence"
    DIGNITY = "dignity", "Communication & dignity"
    BOUNDARIES = "boundaries", "Professional boundaries"
    SAFEGUARDING = "safeguarding", "Safeguarding"
    OTHER = "other", "Other"


class EvidenceSource(LabelledEnum):
    INCIDENT = "incident", "Incident"
    NEAR_MISS = "near_miss", "Near miss"
    AUDIT = "audit", "Audit"
    COMPLAINT = "complaint", "Complaint"
    FEEDBACK = "feedback", "Feedback"
    OBSERVATION = "observation", "Observation"
    SUPERVISION = "supervision", "Supervision"


class KeyQuestion(LabelledEnum):
    SAFE = "safe", "Safe"
    EFFECTIVE = "effective", "Effective"
    CARING = "caring", "Caring"
    RESPONSIVE = "responsive", "Responsive"
    WELL_LED = "well_led", "Well-led"


def choice_label(value: str, joiner: str = " ") -> str:
    """An evidence source's or key question's label, from the value a plan (or an issued
    version's snapshot) stores; an unknown value made readable."""
    for kind in (EvidenceSource, KeyQuestion):
        if value in kind._value2member_map_:
            return kind(value).label
    return value.replace("_", joiner).capitalize()


class ControlKind(LabelledEnum):
    ESCALATION_SIGN_OFF = "escalation_sign_off", "Senior sign-off of escalation decisions"
    NOTES_SIGN_OFF = "notes_sign_off", "Senior sign-off of notes at handover"
    PAIRED_WORKING = "paired_working", "Paired working"
    INCREASED_OBSERVATION = "increased_observation", "Increased observation"
    RESTRICTED_DUTIES = "restricted_duties", "Restricted duties"
    REMOVED_FROM_REGULATED_ACTIVITY = "removed_from_regulated_activity", "Removed from regulated activity"
    MANAGERIAL_PRESENCE = "managerial_presence", "Increased managerial presence"
    OTHER = "other", "Other"


class ControlStatus(LabelledEnum):
    ACTIVE = "active", "Active"
    LIFTED = "lifted", "Lifted"
    ONGOING_MONITORING = "ongoing_monitoring", "Continued as ongoing monitoring"


class ActionStatus(LabelledEnum):
    OPEN = "open", "Open"
    COMPLETED = "completed", "Completed"
    ASSURED = "assured", "Assured"
    NOT_MET = "not_met", "Not met"
    WITHDRAWN = "withdrawn", "Withdrawn"  # taken out of an issued plan while amending; kept, not deleted


class Shift(LabelledEnum):
    EARLY = "early", "Early"
    LATE = "late", "Late"
    LONG_DAY = "long_day", "Long day"
    NIGHT = "night", "Night"


class ObservationStatus(LabelledEnum):
    PLANNED = "planned", "Planned"
    DONE = "done", "Done"
    MISSED = "missed", "Missed"
    CANCELLED = "cancelled", "Cancelled"


class Outcome(LabelledEnum):
    MET = "met", "Met"
    PARTLY_MET = "partly_met", "Partly met"
    NOT_MET = "not_met", "Not met"


class Progress(LabelledEnum):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    NOT_MET = "not_met", "Not met"


class ReviewDecision(LabelledEnum):
    CONTINUE = "continue", "Continue"
    EXTEND = "extend", "Extend to a new end date"
    ESCALATE = "escalate", "Escalate"
    READY_TO_CLOSE = "ready_to_close", "Ready to close"


class ControlDecisionKind(LabelledEnum):
    KEEP = "keep", "Keep"
    LIFT = "lift", "Lift"
    MONITOR = "monitor", "Carry into ongoing monitoring"


class AckSubject(LabelledEnum):
    PLAN = "plan", "Plan version"
    REVIEW = "review", "Weekly review"
    CLOSURE = "closure", "Closure"


class AckResponse(LabelledEnum):
    AGREE = "agree", "Agree"
    DISAGREE = "disagree", "Disagree, with comment"


class AttachmentVisibility(LabelledEnum):
    STAFF = "staff", "Visible to the staff member"
    RESTRICTED = "restricted", "Restricted to registered managers and HR"


class MeetingKind(LabelledEnum):
    SUPERVISION = "supervision", "Supervision"
    REVIEW = "review", "Review meeting"
    FORMAL = "formal", "Formal meeting"
    APPEAL = "appeal", "Appeal hearing"


class CompanionKind(LabelledEnum):
    """Who accompanies the staff member (Employment Relations Act 1999 s.10), or nobody."""

    NONE = "none", "Not accompanied"
    COLLEAGUE = "colleague", "A colleague"
    UNION_REP = "union_rep", "A trade-union representative"
    UNION_OFFICIAL = "union_official", "A trade-union official"


class SupportKind(LabelledEnum):
    COACHING = "coaching", "Coaching"
    SHADOWING = "shadowing", "Shadowing"
    TRAINING = "training", "Training"
    BUDDY = "buddy", "A buddy"
    ROTA = "rota", "A rota change"
    EQUIPMENT = "equipment", "Equipment"
    OTHER = "other", "Other support"


class AdjustmentDecision(LabelledEnum):
    PENDING = "pending", "Not decided yet"
    AGREED = "agreed", "Agreed"
    NOT_REASONABLE = "not_reasonable", "Not reasonable"


class ApproverRole(LabelledEnum):
    """Who approves a service's plans before issue and hard closures (issue 18)."""

    SENIOR = "senior", "The service's registered managers"
    HR = "hr", "HR"


class ApprovalKind(LabelledEnum):
    ISSUE = "issue", "Issue the plan"
    CLOSURE = "closure", "Close the plan"
    STAGE = "stage", "Move to a formal stage"


class ApprovalStatus(LabelledEnum):
    PENDING = "pending", "Awaiting a decision"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned with comments"
    SUPERSEDED = "superseded", "Back to draft: changed after submission"


class EscalationDecision(LabelledEnum):
    REDESIGN = "redesign", "Redesign the actions"
    EXTEND = "extend", "Extend to a new end date"
    CONTROL = "control", "Add or strengthen an interim control"
    FORMAL = "formal", "Move to the formal procedure"
    NO_FURTHER_ACTION = "no_further_action", "No further action"


class Nation(LabelledEnum):
    """The UK nation a staff member works in: it decides their workforce regulator (issue 20)."""

    ENGLAND = "england", "England"
    SCOTLAND = "scotland", "Scotland"
    WALES = "wales", "Wales"
    NORTHERN_IRELAND = "northern_ireland", "Northern Ireland"


class ProfessionalRegister(LabelledEnum):
    """The register a staff member is on, if any (issue 20)."""

    NONE = "none", "None"
    NMC = "nmc", "Nursing and Midwifery Council (NMC)"
    HCPC = "hcpc", "Health and Care Professions Council (HCPC)"
    SWE = "swe", "Social Work England"
    SSSC = "sssc", "Scottish Social Services Council (SSSC)"
    SCW = "scw", "Social Care Wales"
    NISCC = "niscc", "Northern Ireland Social Care Council (NISCC)"


class RegulatoryQuestion(LabelledEnum):
    """A regulatory decision a registered manager records when a plan fails, moves to a formal stage,
    ends because the staff member left, or restricts duties (regulatory_rules.triggered)."""

    DBS = "dbs", "Referral to the Disclosure and Barring Service (DBS)"
    PROFESSIONAL = "professional", "Informing the professional regulator"
    WORKFORCE = "workforce", "Referral to the workforce regulator"
    SAFEGUARDING = "safeguarding", "Local-authority safeguarding referral"


class RegulatoryAnswer(LabelledEnum):
    REFERRED = "referred", "Referred"
    NOT_REFERRED = "not_referred", "Not referred"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class ClosureOutcome(LabelledEnum):
    ACHIEVED = "achieved", "Achieved and sustained"
    PARTLY = "partly", "Partly achieved, ongoing monitoring"
    # The formal procedure follows (an informal plan) or continues (a plan at a formal stage).
    NOT_ACHIEVED = "not_achieved", "Not achieved: formal capability procedure"
    WITHDRAWN = "withdrawn", "Withdrawn"
    # Issue 20: the staff member resigned or their employment ended while the plan or the formal
    # procedure was under way. Triggers the regulatory checklist (a DBS referral may still be due).
    LEFT = "left", "Ended: the staff member left during the procedure"


class LetterKind(LabelledEnum):
    """The formal letters of the capability procedure (issue 20, point 2)."""

    INVITATION = "invitation", "Invitation to a formal meeting"
    IMPROVEMENT_NOTE = "improvement_note", "Improvement note"
    FINAL_WARNING = "final_warning", "Final written warning"
    HEARING_OUTCOME = "hearing_outcome", "Capability hearing outcome"
    APPEAL_INVITATION = "appeal_invitation", "Invitation to an appeal hearing"
    APPEAL_OUTCOME = "appeal_outcome", "Appeal outcome"


class AppealOutcome(LabelledEnum):
    """What the appeal hearer decided (issue 20, point 3). "Upheld" is the appeal succeeding."""

    UPHELD = "upheld", "Upheld: the decision is overturned"
    NOT_UPHELD = "not_upheld", "Not upheld: the decision stands"
    VARIED = "varied", "Varied: the decision is changed"


user_services = Table(
    "user_services",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
)

observation_focus = Table(
    "observation_focus",
    db.metadata,
    Column("observation_id", ForeignKey("observations.id", ondelete="CASCADE"), primary_key=True),
    Column("action_id", ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True),
)


class Service(Model):
    __tablename__ = "services"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(60), default="Care home")
    approver_role: Mapped[ApproverRole] = mapped_column(
        enum_column(ApproverRole), default=ApproverRole.SENIOR, server_default=ApproverRole.SENIOR.value
    )

    @property
    def approver(self) -> str:
        """Who approves this service's plans, as a sentence names them (issue 18)."""
        return "HR" if self.approver_role is ApproverRole.HR else f"a registered manager of {self.name}"

    def __repr__(self) -> str:
        return f"<Service {self.name}>"


class User(Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        CheckConstraint("line_manager_id IS NULL OR line_manager_id <> id", name="not_own_manager"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # The name folded for search (pip_app/folding.py): set whenever the name is (`_fold_name`);
    # code that inserts rows without the ORM (the scale seed) fills it with the same function.
    search_name: Mapped[str] = mapped_column(String(SEARCH_KEY_LENGTH), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    line_manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    session_token: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(16))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)
    # Two-factor sign-in (TOTP). The secret is set when enrolment starts and counts only once
    # totp_enabled_at is set (the person typed a code from their app); the last accepted time
    # step stops a code being replayed.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime)
    totp_last_counter: Mapped[int | None] = mapped_column(Integer)
    # Email: False = each notification as it happens, plus the daily digest; True = the digest
    # only (acknowledgement requests are always sent as they happen).
    digest_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Where they work and the register they are on (issue 20), set by the administrator: they
    # decide which regulatory referrals a registered manager must consider. None: not recorded.
    nation: Mapped[Nation | None] = mapped_column(enum_column(Nation))
    professional_register: Mapped[ProfessionalRegister | None] = mapped_column(enum_column(ProfessionalRegister))
    registration_number: Mapped[str | None] = mapped_column(String(40))

    line_manager: Mapped[User | None] = relationship(remote_side=[id], back_populates="reports")
    reports: Mapped[list[User]] = relationship(back_populates="line_manager")
    services: Mapped[list[Service]] = relationship(secondary=user_services, order_by="Service.name")

    # Flask-Login protocol. The id it stores carries the session token, so rotating the
    # token (logout, password or role change, deactivation) rejects every older cookie.
    is_authenticated = True
    is_anonymous = False

    @validates("name")
    def _fold_name(self, _key: str, name: str) -> str:
        self.search_name = search_key(name or "")
        return name

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def rotate_session_token(self) -> None:
        self.session_token = secrets.token_hex(16)

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None and bool(self.totp_secret)

    @property
    def service_ids(self) -> frozenset[int]:
        """The services this person belongs to or oversees. Every policy check of a senior reads
        them, so unless the services are loaded anyway only their ids are read, once until the
        next commit or expiry (`_forget_service_ids`)."""
        session = object_session(self)
        if "services" in self.__dict__ or session is None:
            return frozenset(s.id for s in self.services)
        if "_service_ids" not in self.__dict__:
            self.__dict__["_service_ids"] = frozenset(
                session.scalars(select(user_services.c.service_id).where(user_services.c.user_id == self.id))
            )
        return self.__dict__["_service_ids"]

    @classmethod
    def get_with_service_ids(cls, session, user_id: int) -> User | None:
        """The user with the ids of their services, in one statement and one row (the sign-in
        check of every request): a group senior's twenty services as twenty rows cost a quarter of
        a millisecond more, each row going through the ORM."""
        row = session.execute(_USER_WITH_SERVICE_IDS, {"user_id": user_id}).first()
        if row is None:
            return None
        user, service_ids = row
        if "services" not in user.__dict__:
            user.__dict__["_service_ids"] = (
                frozenset(int(i) for i in service_ids.split(",")) if service_ids else frozenset()
            )
        return user

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


# Built once: the statement runs on every signed-in request.
_USER_WITH_SERVICE_IDS = select(
    User,
    select(func.aggregate_strings(cast(user_services.c.service_id, String), ","))  # "3,7" (NULL for none)
    .where(user_services.c.user_id == User.id)
    .scalar_subquery(),
).where(User.id == bindparam("user_id"))


@event.listens_for(User, "expire")
def _forget_service_ids(user, attributes) -> None:
    """Expired whole (attributes None) or their services: read the ids again when next asked."""
    # user None: an instance already collected, expired along with the rest of the session
    if user is not None and (attributes is None or "services" in attributes):
        user.__dict__.pop("_service_ids", None)


@event.listens_for(User, "refresh")
def _forget_service_ids_refreshed(user, context, attributes) -> None:
    """Refreshed whole (`Session.refresh`), or their services loaded afresh: read the ids again.
    A query that meets the user again, e.g. the register's rows when they are a control's
    responsible person, "refreshes" only their unloaded relationships, which reads nothing: the
    ids stay (forgetting them there cost a one-service registered manager's register a statement)."""
    if user is not None and (attributes is None or "services" in user.__dict__):
        user.__dict__.pop("_service_ids", None)


class Plan(Model):
    __tablename__ = "plans"
    __table_args__ = (
        CheckConstraint("version >= 0", name="version_not_negative"),
        CheckConstraint("planned_end_date >= start_date", name="end_after_start"),
        CheckConstraint("review_weekday BETWEEN 0 AND 6", name="review_weekday_range"),
        CheckConstraint("review_interval_days BETWEEN 1 AND 28", name="review_interval_range"),
        CheckConstraint("staff_id <> manager_id", name="staff_not_manager"),
        Index("ix_plans_service_status", "service_id", "status"),
        Index("ix_plans_manager_status", "manager_id", "status"),
        Index("ix_plans_staff_status", "staff_id", "status"),
        # Open plans by next review, with who sees them and their order: the dashboards read the
        # index alone (migration 0028; on PostgreSQL it carries the id too, 0030: SQLite's indexes
        # always do).
        Index(
            "ix_plans_review_queue",
            "status",
            "next_review_date",
            "service_id",
            "manager_id",
            "reference_year",
            "reference_number",
            postgresql_include=["id"],
        ),
        # Who sees a plan, by its id: a list that starts from other rows (the register's controls)
        # looks each one's plan up in this index rather than in the plans' wide rows (0029).
        Index("ix_plans_visibility", "id", "status", "service_id", "manager_id"),
        # The few plans at a formal stage (the regulatory checklist's candidates; migration 0025).
        Index("ix_plans_stage", "stage"),
        # The reference's parts, so lists sort PIP-2026-10000 after PIP-2026-9999 (not as text).
        # A unique index rather than a constraint: added to an existing table without rebuilding
        # it on SQLite (migration 0007).
        Index("uq_plans_reference_year_number", "reference_year", "reference_number", unique=True),
        # The plans list's search of risk statements on PostgreSQL, by trigram (pg_trgm; migration 0040).
        trigram_index("ix_plans_risk_statement_trigrams", "risk_statement"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # PIP-<year>-<number>, allocated by services.plans.allocate_reference from the year's counter.
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    reference_year: Mapped[int] = mapped_column(Integer)
    reference_number: Mapped[int] = mapped_column(Integer)
    staff_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus), default=PlanStatus.DRAFT)
    # Performance or probation, chosen with the risk; the capability stage, moved forward only by
    # an approved request (services/stages.py). Added by ALTER TABLE with server defaults (0021).
    plan_type: Mapped[PlanType] = mapped_column(
        enum_column(PlanType), default=PlanType.PERFORMANCE, server_default=PlanType.PERFORMANCE.value
    )
    stage: Mapped[PlanStage] = mapped_column(
        enum_column(PlanStage), default=PlanStage.INFORMAL, server_default=PlanStage.INFORMAL.value
    )
    # The issued version the staff member acknowledges: 0 while a draft, 1 at issue, +1 per amendment.
    version: Mapped[int] = mapped_column(Integer, default=0)
    # Optimistic locking: a stale save raises StaleDataError instead of overwriting.
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    start_date: Mapped[date] = mapped_column(Date)
    planned_end_date: Mapped[date] = mapped_column(Date)
    review_weekday: Mapped[int] = mapped_column(Integer, default=0)
    review_interval_days: Mapped[int] = mapped_column(Integer, default=7)
    next_review_date: Mapped[date | None] = mapped_column(Date)
    # The risk section.
    risk_area: Mapped[RiskArea] = mapped_column(enum_column(RiskArea))
    risk_statement: Mapped[str] = mapped_column(Text, default="")
    evidence_sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    evidence_detail: Mapped[str] = mapped_column(Text, default="")
    key_questions: Mapped[list[str]] = mapped_column(JSON, default=list)
    baseline_text: Mapped[str] = mapped_column(Text, default="")
    baseline_figure: Mapped[float | None] = mapped_column(Float)
    no_control_reason: Mapped[str | None] = mapped_column(Text)
    quality_override_reason: Mapped[str | None] = mapped_column(Text)
    pause_reason: Mapped[str | None] = mapped_column(Text)
    paused_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)
    issued_at: Mapped[datetime | None] = mapped_column(DateTime)

    staff: Mapped[User] = relationship(foreign_keys=[staff_id])
    manager: Mapped[User] = relationship(foreign_keys=[manager_id])
    service: Mapped[Service] = relationship()
    controls: Mapped[list[InterimControl]] = relationship(
        back_populates="plan", order_by="InterimControl.id", cascade="all, delete-orphan"
    )
    actions: Mapped[list[Action]] = relationship(
        back_populates="plan", order_by="Action.number", cascade="all, delete-orphan"
    )
    observations: Mapped[list[Observation]] = relationship(
        back_populates="plan",
        order_by="(Observation.scheduled_on, Observation.id)",
        cascade="all, delete-orphan",
    )
    reviews: Mapped[list[Review]] = relationship(
        back_populates="plan", order_by="(Review.review_date, Review.id)", cascade="all, delete-orphan"
    )
    acknowledgements: Mapped[list[Acknowledgement]] = relationship(
        back_populates="plan", order_by="Acknowledgement.acknowledged_at", cascade="all, delete-orphan"
    )
    versions: Mapped[list[PlanVersion]] = relationship(
        back_populates="plan", order_by="PlanVersion.version", cascade="all, delete-orphan"
    )
    closure: Mapped[Closure | None] = relationship(back_populates="plan", cascade="all, delete-orphan")
    approvals: Mapped[list[Approval]] = relationship(
        back_populates="plan", order_by="Approval.id", cascade="all, delete-orphan"
    )
    escalations: Mapped[list[Escalation]] = relationship(
        back_populates="plan", order_by="Escalation.id", cascade="all, delete-orphan"
    )
    regulatory_decisions: Mapped[list[RegulatoryDecision]] = relationship(
        back_populates="plan", order_by="RegulatoryDecision.id", cascade="all, delete-orphan"
    )
    letters: Mapped[list[Letter]] = relationship(
        back_populates="plan", order_by="Letter.id", cascade="all, delete-orphan"
    )
    appeals: Mapped[list[Appeal]] = relationship(
        back_populates="plan", order_by="Appeal.id", cascade="all, delete-orphan"
    )
    # Read by the late-minutes flag (flags.minutes_overdue); recorded through services/meetings.py.
    meetings: Mapped[list[Meeting]] = relationship(order_by="(Meeting.held_on, Meeting.id)", viewonly=True)
    # The evidence files, oldest first, as the plan page reads them (services.attachments.ATTACHMENT_READS);
    # attached through services/attachments.py.
    attachments: Mapped[list[Attachment]] = relationship(
        order_by="(Attachment.uploaded_at, Attachment.id)", viewonly=True
    )

    __mapper_args__ = {"version_id_col": row_version}

    if TYPE_CHECKING:
        # An appeal awaiting its outcome (issue 20, point 3): read with the row, mapped after Appeal below.
        under_appeal: Mapped[bool]

    @property
    def staff_name(self) -> str:
        """As a list's row has it (services/plan_rows.PlanRow)."""
        return self.staff.name

    @property
    def service_name(self) -> str:
        return self.service.name

    @property
    def staff_nation(self) -> Nation | None:
        """As a list's row has it (the regulatory flag reads it)."""
        return self.staff.nation

    @property
    def staff_register(self) -> ProfessionalRegister | None:
        return self.staff.professional_register

    @property
    def closure_outcome(self) -> ClosureOutcome | None:
        return self.closure.outcome if self.closure is not None else None

    @property
    def is_draft(self) -> bool:
        return self.status is PlanStatus.DRAFT

    @property
    def is_closed(self) -> bool:
        return self.status is PlanStatus.CLOSED

    def __repr__(self) -> str:
        return f"<Plan {self.reference} {self.status.value}>"


def format_reference(year: int, number: int) -> str:
    """A plan's reference for people: PIP-2026-0007 (four digits at least, more when needed)."""
    return f"PIP-{year}-{number:04d}"


# Newest reference first (lists, the register): by year, then number — never as text.
REFERENCE_NEWEST_FIRST = (Plan.reference_year.desc(), Plan.reference_number.desc())
REFERENCE_ORDER = (Plan.reference_year, Plan.reference_number)


class PlanReferenceCounter(Model):
    """The last reference number given out in a year. A new plan takes the year's row (an
    upsert that locks it until the transaction ends), so two plans created at the same moment
    get different numbers on PostgreSQL as on SQLite, and a purged plan's number is never reused."""

    __tablename__ = "plan_reference_counters"
    __table_args__ = (CheckConstraint("last_number >= 0", name="last_number_not_negative"),)

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer)


class PlanAttention(Model):
    """What needs attention on a plan, and from which day (`flags.FlagFact`), kept current in the
    transaction of every change to what the flags read (`services/attention.py`): the dashboards
    find the plans needing attention today by `attention_from` instead of reading each plan's
    controls, observations, reviews and acknowledgements again. A plan with nothing that will
    ever need attention unless it changes has no row."""

    __tablename__ = "plan_attention"
    __table_args__ = (Index("ix_plan_attention_regulatory_needed", "regulatory_needed", "plan_id"),)

    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True)
    attention_from: Mapped[date] = mapped_column(Date)  # the first fact's day (flags.attention_from)
    facts: Mapped[list[list]] = mapped_column(JSON)  # FlagFact.as_json() of each, in the flags' order
    # Whether its facts say regulatory decisions are still to record: the registered managers'
    # dashboards list these plans by this index (migration 0035).
    regulatory_needed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


def _digest_of_inserted_snapshot(context: DefaultExecutionContext) -> str:
    return snapshot_digest(context.get_current_parameters()["snapshot"])


class PlanVersion(Model):
    """A snapshot of an issued plan, kept so that earlier versions stay readable."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    change_summary: Mapped[str] = mapped_column(Text, default="")
    snapshot: Mapped[dict] = mapped_column(JSON)
    # Its digest (lifecycle.snapshot_digest), the column's default on every insert SQLAlchemy makes
    # (the scale seed's COPY writes it itself; migration 0037 filled the earlier ones): the plan page
    # tells unissued changes from it (services.plans.unissued_changes).
    snapshot_digest: Mapped[str | None] = mapped_column(String(64), default=_digest_of_inserted_snapshot)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)

    plan: Mapped[Plan] = relationship(back_populates="versions")
    created_by: Mapped[User] = relationship()


# What a register search's count reads of a control besides its detail: who sees it (its copies of
# its plan's scope, migration 0032) and what else a search tests. Both databases' search indexes.
SEARCH_SCOPE = ("status", "plan_service_id", "plan_manager_id", "plan_status", "plan_id", "responsible_id")


class InterimControl(Model):
    __tablename__ = "interim_controls"
    __table_args__ = (
        CheckConstraint("review_by_date >= start_date", name="review_after_start"),
        CheckConstraint(
            "status = 'active' OR (lifted_on IS NOT NULL AND lift_rationale IS NOT NULL)",
            name="lift_recorded",
        ),
        Index("ix_interim_controls_status_review_by", "status", "review_by_date"),
        # The register's count and summary strip read only this index (status, then by type);
        # continued_until since a continued control's review is due later (issue 18, migration 0018);
        # the plan's copied status, service and manager for who sees it (migration 0032).
        Index(
            "ix_interim_controls_register",
            "status",
            "kind",
            "plan_id",
            "review_by_date",
            "last_checked_on",
            "start_date",
            "continued_until",
            "plan_status",
            "plan_service_id",
            "plan_manager_id",
        ),
        # The register's search counted from this index alone (migration 0034): on SQLite only, as a
        # PostgreSQL B-tree entry cannot hold a long detail.
        Index("ix_interim_controls_search", *SEARCH_SCOPE, "search_detail").ddl_if(dialect="sqlite"),
        # The same on PostgreSQL (migration 0036): the details found by trigram (pg_trgm), and the
        # rest of what the count reads from an index of its own.
        Index("ix_interim_controls_search_scope", *SEARCH_SCOPE, "id").ddl_if(dialect="postgresql"),
        trigram_index("ix_interim_controls_detail_trigrams", "search_detail"),
        Index("ix_interim_controls_status_start", "status", "start_date"),
        # One plan's controls in force, earliest first (when restricted duties began; migration 0025).
        Index("ix_interim_controls_plan_status_start", "plan_id", "status", "start_date"),
        # The register's default order: by the day the review is due, `review_due_on()` (migration 0026).
        Index(
            "ix_interim_controls_status_review_due",
            "status",
            text("(CASE WHEN (continued_until > review_by_date) THEN continued_until ELSE review_by_date END)"),
            "id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ControlKind] = mapped_column(enum_column(ControlKind), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    # The detail folded for the register's search (pip_app/folding.py): set whenever the detail is
    # (`_fold_detail`); the scale seed, which inserts rows without the ORM, fills it the same way.
    search_detail: Mapped[str] = mapped_column(Text, default="", server_default="")
    responsible_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    review_by_date: Mapped[date] = mapped_column(Date)
    status: Mapped[ControlStatus] = mapped_column(enum_column(ControlStatus), default=ControlStatus.ACTIVE)
    lifted_on: Mapped[date | None] = mapped_column(Date)
    lift_rationale: Mapped[str | None] = mapped_column(Text)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Denormalised date of the newest check, kept by the operation that records checks, so
    # the register can sort and flag without a subquery per row.
    last_checked_on: Mapped[date | None] = mapped_column(Date)
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    # Live governance (issue 18), not the plan's issued content: the responsible senior reviewed the
    # control and decided it continues until a later day, and why. The review is then due on the
    # later of review_by_date and continued_until (flags.review_due; SQL twin: review_due_on).
    continued_until: Mapped[date | None] = mapped_column(Date)
    continue_reason: Mapped[str | None] = mapped_column(Text)
    continued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    continued_on: Mapped[date | None] = mapped_column(Date)
    # Copies of the plan's status, service and manager, kept by the database (triggers, migration
    # 0032), never written by the app: the register's summary counts the controls a person sees
    # from its index, without reading the plans (policy.visible_controls_by_copy). Not loaded.
    plan_status: Mapped[PlanStatus | None] = mapped_column(
        Enum(PlanStatus, values_callable=lambda cls: [m.value for m in cls], native_enum=False, length=32),
        server_default=FetchedValue(),
        server_onupdate=FetchedValue(),
        deferred=True,
    )
    plan_service_id: Mapped[int | None] = mapped_column(
        Integer, server_default=FetchedValue(), server_onupdate=FetchedValue(), deferred=True
    )
    plan_manager_id: Mapped[int | None] = mapped_column(
        Integer, server_default=FetchedValue(), server_onupdate=FetchedValue(), deferred=True
    )

    # The note of its newest check, where it was read with the control (plan_reads.CONTROL_PEOPLE:
    # "" for none yet); None where it was not read (services.controls.last_check_notes).
    last_check_note: Mapped[str | None] = query_expression()

    plan: Mapped[Plan] = relationship(back_populates="controls")
    responsible: Mapped[User] = relationship(foreign_keys=[responsible_id])
    lifted_by: Mapped[User | None] = relationship(foreign_keys=[lifted_by_id])
    continued_by: Mapped[User | None] = relationship(foreign_keys=[continued_by_id])
    checks: Mapped[list[ControlCheck]] = relationship(
        back_populates="control", order_by="ControlCheck.checked_on.desc()", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def review_due(self) -> date:
        """When its review is due: the review-by date, or the later day it was continued until."""
        return control_review_due(self.review_by_date, self.continued_until)

    @validates("detail")
    def _fold_detail(self, _key: str, detail: str) -> str:
        self.search_detail = fold(detail or "")
        return detail

    @classmethod
    def review_due_on(cls) -> ColumnElement[date]:
        """flags.review_due as SQL: the later of the review-by date and the date it was continued until."""
        return case(
            (cls.continued_until > cls.review_by_date, cls.continued_until),
            else_=cls.review_by_date,
        )


class ControlCheck(Model):
    __tablename__ = "control_checks"
    __table_args__ = (Index("ix_control_checks_control_date", "control_id", "checked_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    control_id: Mapped[int] = mapped_column(ForeignKey("interim_controls.id", ondelete="CASCADE"))
    checked_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)

    control: Mapped[InterimControl] = relationship(back_populates="checks")
    recorded_by: Mapped[User] = relationship()


class Action(Model):
    __tablename__ = "actions"
    __table_args__ = (
        UniqueConstraint("plan_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("measure_consecutive IS NULL OR measure_consecutive >= 1", name="consecutive_positive"),
        CheckConstraint("status NOT IN ('assured') OR assurance_evidence IS NOT NULL", name="assured_has_evidence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    behaviour: Mapped[str] = mapped_column(Text, default="")
    when: Mapped[str] = mapped_column("when_text", String(200), default="")
    when_date: Mapped[date | None] = mapped_column(Date)
    check_method: Mapped[str] = mapped_column(Text, default="")
    success_criterion: Mapped[str] = mapped_column(Text, default="")
    measure_name: Mapped[str | None] = mapped_column(String(120))
    measure_unit: Mapped[str | None] = mapped_column(String(20))
    measure_baseline: Mapped[float | None] = mapped_column(Float)
    measure_target: Mapped[float | None] = mapped_column(Float)
    measure_higher_is_better: Mapped[bool] = mapped_column(Boolean, default=True)
    measure_consecutive: Mapped[int | None] = mapped_column(Integer)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ActionStatus] = mapped_column(enum_column(ActionStatus), default=ActionStatus.OPEN)
    completion_evidence: Mapped[str | None] = mapped_column(Text)
    completed_on: Mapped[date | None] = mapped_column(Date)
    assurance_evidence: Mapped[str | None] = mapped_column(Text)
    assured_on: Mapped[date | None] = mapped_column(Date)
    status_reason: Mapped[str | None] = mapped_column(Text)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    # Its progress chart as kept drawn (`ActionChart.drawing`), where it was read with the action
    # (plan_reads.KEPT_CHART); None where it was not, or is not drawn yet (services.charts_kept).
    kept_drawing: Mapped[dict | None] = query_expression()

    plan: Mapped[Plan] = relationship(back_populates="actions")
    owner: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def ref(self) -> str:
        return f"A{self.number}"

    @property
    def is_withdrawn(self) -> bool:
        """Taken out of an issued plan (with the reason in `status_reason`): kept, never counted."""
        return self.status is ActionStatus.WITHDRAWN

    @property
    def has_measure(self) -> bool:
        return bool(self.measure_name) and self.measure_target is not None


class ActionChart(Model):
    """A measured action's progress chart as drawn (`services.charts_kept`): its geometry, the
    dates of its first and last values, and whether its measure is met. Drawn again in the
    transaction of every change to what it is drawn from (the action's measure, the plan's reviews
    and their values), so the plan page does not read every review's values and draw twenty charts
    on every view. A chart is numbers and dates: the markup is written when the page is."""

    __tablename__ = "action_charts"

    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    drawing: Mapped[dict] = mapped_column(JSON)  # measures.Drawing.as_json()
    drawn_by: Mapped[int] = mapped_column(Integer)  # measures.DRAWING: an older drawing is drawn again


class Observation(Model):
    __tablename__ = "observations"
    __table_args__ = (
        Index("ix_observations_plan_date", "plan_id", "scheduled_on"),
        Index("ix_observations_observer_status", "observer_id", "status"),
        Index("ix_observations_status_date", "status", "scheduled_on"),  # the dashboard's "to record"
        CheckConstraint("status <> 'done' OR outcome IS NOT NULL", name="done_has_outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    scheduled_on: Mapped[date] = mapped_column(Date)
    shift: Mapped[Shift] = mapped_column(enum_column(Shift), default=Shift.EARLY)
    observer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[ObservationStatus] = mapped_column(enum_column(ObservationStatus), default=ObservationStatus.PLANNED)
    outcome: Mapped[Outcome | None] = mapped_column(enum_column(Outcome))
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    plan: Mapped[Plan] = relationship(back_populates="observations")
    observer: Mapped[User] = relationship()
    focus: Mapped[list[Action]] = relationship(secondary=observation_focus, order_by="Action.number")

    __mapper_args__ = {"version_id_col": row_version}


ONE_REVIEW_PER_DATE = "uq_reviews_plan_id_review_date"


class Review(Model):
    __tablename__ = "reviews"
    __table_args__ = (
        Index("ix_reviews_plan_date", "plan_id", "review_date"),
        # One weekly review per plan per date; a correction (which replaces an earlier review,
        # usually of the same date) is the way to change one, so corrections are left out.
        Index(
            ONE_REVIEW_PER_DATE,
            "plan_id",
            "review_date",
            unique=True,
            sqlite_where=text("corrects_review_id IS NULL"),
            postgresql_where=text("corrects_review_id IS NULL"),
        ),
        CheckConstraint("decision <> 'extend' OR extend_to IS NOT NULL", name="extend_has_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    review_date: Mapped[date] = mapped_column(Date)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    summary: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[ReviewDecision] = mapped_column(enum_column(ReviewDecision))
    extend_to: Mapped[date | None] = mapped_column(Date)
    extend_reason: Mapped[str | None] = mapped_column(Text)
    next_review_date: Mapped[date | None] = mapped_column(Date)
    staff_comment: Mapped[str | None] = mapped_column(Text)
    corrects_review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id"))
    # One per form load: a double-clicked save finds the review it already made.
    submission_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)

    plan: Mapped[Plan] = relationship(back_populates="reviews")
    reviewer: Mapped[User] = relationship()
    entries: Mapped[list[ReviewEntry]] = relationship(back_populates="review", cascade="all, delete-orphan")
    control_decisions: Mapped[list[ReviewControlDecision]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="ReviewControlDecision.id"
    )
    corrects: Mapped[Review | None] = relationship(remote_side=[id])
    # The meeting this review came from, if one was recorded as it (Meeting.review_id, set on the meeting).
    meeting: Mapped[Meeting | None] = relationship(viewonly=True)


class ReviewEntry(Model):
    """One action's progress in one weekly review."""

    __tablename__ = "review_entries"
    __table_args__ = (UniqueConstraint("review_id", "action_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    progress: Mapped[Progress] = mapped_column(enum_column(Progress))
    measured_value: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")

    review: Mapped[Review] = relationship(back_populates="entries")
    action: Mapped[Action] = relationship()


class ReviewControlDecision(Model):
    """What a weekly review decided about one interim control."""

    __tablename__ = "review_control_decisions"
    __table_args__ = (UniqueConstraint("review_id", "control_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    control_id: Mapped[int] = mapped_column(ForeignKey("interim_controls.id", ondelete="CASCADE"))
    decision: Mapped[ControlDecisionKind] = mapped_column(enum_column(ControlDecisionKind))
    rationale: Mapped[str] = mapped_column(Text, default="")

    review: Mapped[Review] = relationship(back_populates="control_decisions")
    control: Mapped[InterimControl] = relationship()


class DisagreementResponse(Model):
    """The manager's answer to a staff member's "disagree" (issue 18): when it was discussed and
    with whom, the outcome, whether the plan changed; and when the staff member read it."""

    __tablename__ = "disagreement_responses"
    __table_args__ = (
        CheckConstraint("discussed_with <> '' AND outcome <> ''", name="discussion_recorded"),
        Index("ix_disagreement_responses_plan", "plan_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    acknowledgement_id: Mapped[int] = mapped_column(ForeignKey("acknowledgements.id", ondelete="CASCADE"), unique=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    discussed_on: Mapped[date] = mapped_column(Date)
    discussed_with: Mapped[str] = mapped_column(Text)  # who was there
    outcome: Mapped[str] = mapped_column(Text)
    plan_changed: Mapped[bool] = mapped_column(Boolean)
    responded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    responded_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)
    staff_read_at: Mapped[datetime | None] = mapped_column(DateTime)

    acknowledgement: Mapped[Acknowledgement] = relationship(back_populates="disagreement_response")
    responded_by: Mapped[User] = relationship()


class Acknowledgement(Model):
    __tablename__ = "acknowledgements"
    __table_args__ = (
        Index("ix_acknowledgements_plan_subject", "plan_id", "subject"),
        Index("ix_acknowledgements_review_id", "review_id"),
        # Disagreements waiting for a response, oldest first (the dashboards; issue 18): few rows.
        Index("ix_acknowledgements_response_at", "response", "acknowledged_at"),
        # One plan's disagreements (the dashboard's flag): without it SQLite reads every
        # disagreement of every plan through the index above, once per plan (migration 0025).
        Index("ix_acknowledgements_plan_response", "plan_id", "response"),
        CheckConstraint(
            "response <> 'disagree' OR (comment IS NOT NULL AND comment <> '')",
            name="disagree_has_comment",
        ),
        CheckConstraint("subject <> 'review' OR review_id IS NOT NULL", name="review_ack_names_review"),
        UniqueConstraint("plan_id", "subject", "plan_version", "review_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    subject: Mapped[AckSubject] = mapped_column(enum_column(AckSubject))
    plan_version: Mapped[int] = mapped_column(Integer)
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    statement: Mapped[str] = mapped_column(Text)
    response: Mapped[AckResponse] = mapped_column(enum_column(AckResponse))
    comment: Mapped[str | None] = mapped_column(Text)
    acknowledged_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)

    # Whether a disagreement has been answered (a DisagreementResponse exists): read with the row,
    # so the flags of a page of plans cost no statement more.
    answered: Mapped[bool] = column_property(
        exists().where(DisagreementResponse.acknowledgement_id == id).correlate_except(DisagreementResponse)
    )

    plan: Mapped[Plan] = relationship(back_populates="acknowledgements")
    user: Mapped[User] = relationship()
    review: Mapped[Review | None] = relationship()
    disagreement_response: Mapped[DisagreementResponse | None] = relationship(
        back_populates="acknowledgement", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def awaits_response(self) -> bool:
        """A disagreement nobody has answered yet."""
        return self.response is AckResponse.DISAGREE and not self.answered


class Closure(Model):
    __tablename__ = "closures"
    __table_args__ = (
        CheckConstraint(
            "what_changed <> '' AND how_measured <> '' AND risk_now_controlled <> '' AND ongoing_monitoring <> ''",
            name="four_sections_present",
        ),
        CheckConstraint(
            "(adjustments_in_place_on IS NULL) = (reasonable_time_after_adjustments IS NULL)"
            " AND (reasonable_time_after_adjustments IS NULL"
            " OR (reasonable_time_explanation IS NOT NULL AND reasonable_time_explanation <> ''))",
            name="time_after_adjustments_answered",
        ),
        Index("ix_closures_closed_at", "closed_at"),
        # By outcome, with the plan: the closures "not achieved" or "left" name their plans for
        # the regulatory checklist from the index alone (migration 0031).
        Index("ix_closures_outcome_plan", "outcome", "plan_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[ClosureOutcome] = mapped_column(enum_column(ClosureOutcome))
    what_changed: Mapped[str] = mapped_column(Text)
    how_measured: Mapped[str] = mapped_column(Text)
    risk_now_controlled: Mapped[str] = mapped_column(Text)
    ongoing_monitoring: Mapped[str] = mapped_column(Text)
    # Final measures against baseline and target, frozen at closure:
    # [{"ref": "A1", "name": ..., "unit": ..., "baseline": ..., "final": ..., "target": ...}]
    final_measures: Mapped[list[dict]] = mapped_column(JSON, default=list)
    closed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)
    ack_due_days: Mapped[int] = mapped_column(Integer, default=7)
    # Where agreed adjustments were in place (issue 19; adjustment_rules.time_after_adjustments):
    # from when, how many days of the plan ran after them to the closing day, and the closing
    # manager's answer whether that was a reasonable time to improve, with why. Dates and counts
    # only: the adjustments themselves are restricted detail.
    adjustments_in_place_on: Mapped[date | None] = mapped_column(Date)
    days_after_adjustments: Mapped[int | None] = mapped_column(Integer)
    reasonable_time_after_adjustments: Mapped[bool | None] = mapped_column(Boolean)
    reasonable_time_explanation: Mapped[str | None] = mapped_column(Text)

    plan: Mapped[Plan] = relationship(back_populates="closure")
    closed_by: Mapped[User] = relationship()


class Approval(Model):
    """A decision that needs a second person (issue 18): a draft submitted for approval before
    issue, or a closure that is "not achieved", "withdrawn", "left" or before the planned end proposed
    for approval. The approver role is the service's (`Service.approver_role`); the plan's own
    manager never approves. `proposal` keeps what was submitted: the plan's snapshot for an
    issue (a change after submission sends it back to draft), the closure form's values for a
    closure (carried out as proposed when approved)."""

    __tablename__ = "approvals"
    __table_args__ = (
        Index("ix_approvals_plan_kind", "plan_id", "kind"),
        Index("ix_approvals_status", "status"),
        # One request awaiting a decision per plan and kind.
        Index(
            "uq_approvals_one_pending",
            "plan_id",
            "kind",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        CheckConstraint("status = 'pending' OR decided_at IS NOT NULL", name="decision_dated"),
        CheckConstraint("status <> 'returned' OR (comment IS NOT NULL AND comment <> '')", name="return_has_comment"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    kind: Mapped[ApprovalKind] = mapped_column(enum_column(ApprovalKind))
    status: Mapped[ApprovalStatus] = mapped_column(enum_column(ApprovalStatus), default=ApprovalStatus.PENDING)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)
    proposal: Mapped[dict] = mapped_column(JSON, default=dict)
    # Why it needs approval, in words (a closure: "outcome not achieved", "before the planned end").
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    comment: Mapped[str | None] = mapped_column(Text)  # the decision's comment (required to return)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    plan: Mapped[Plan] = relationship(back_populates="approvals")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    comments: Mapped[list[ApprovalComment]] = relationship(
        back_populates="approval", order_by="ApprovalComment.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def is_pending(self) -> bool:
        return self.status is ApprovalStatus.PENDING


class ApprovalComment(Model):
    """One message in the thread on a submitted draft, between its manager and the approver."""

    __tablename__ = "approval_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    approval_id: Mapped[int] = mapped_column(ForeignKey("approvals.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)

    approval: Mapped[Approval] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()


class Escalation(Model):
    """A plan escalated to the service's registered managers — by a review's "Escalate" decision
    or by its manager acting on the "two reviews running" prompt — open until one of them records
    a decision with a rationale and a date (issue 18)."""

    __tablename__ = "escalations"
    __table_args__ = (
        Index("ix_escalations_plan", "plan_id"),
        Index("ix_escalations_open", "decided_at"),
        CheckConstraint(
            "decision IS NULL OR (rationale IS NOT NULL AND rationale <> '' AND decided_on IS NOT NULL"
            " AND decided_by_id IS NOT NULL AND decided_at IS NOT NULL)",
            name="decision_complete",
        ),
        CheckConstraint("decision IS NULL OR decision <> 'extend' OR new_end_date IS NOT NULL", name="extend_has_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id", ondelete="SET NULL"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    raised_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)
    decision: Mapped[EscalationDecision | None] = mapped_column(enum_column(EscalationDecision))
    rationale: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[date | None] = mapped_column(Date)
    new_end_date: Mapped[date | None] = mapped_column(Date)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    plan: Mapped[Plan] = relationship(back_populates="escalations")
    review: Mapped[Review | None] = relationship()
    raised_by: Mapped[User] = relationship(foreign_keys=[raised_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def is_open(self) -> bool:
        return self.decision is None


class AuditEvent(Model):
    """Append-only: who did what to which record, when, and what changed."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_plan_at", "plan_id", "at"),
        Index("ix_audit_events_entity", "entity", "entity_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    # Not a foreign key: the trail outlives the records it describes (and stays append-only).
    plan_id: Mapped[int | None] = mapped_column(Integer)
    verb: Mapped[str] = mapped_column(String(40))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()


class RecoveryCode(Model):
    """A one-time code that stands in for the authenticator app; only its argon2 hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()


class PasswordReset(Model):
    """A single-use, time-limited reset link an administrator made; only its SHA-256 is kept."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])


class Attachment(Model):
    """A file kept as evidence: its bytes in the database (so backups, exports, purges and every
    app server see one store), the type read from its content, its SHA-256, who attached it to
    what, who may see it, and when the staff member was given a copy.

    Attached to the plan as a whole, or to one action, review, observation or meeting of it (at most one
    of the three). `subject_key` names that ("plan", "action-12") so that one file is stored
    once per object: (plan, subject_key, sha256) is unique."""

    __tablename__ = "attachments"
    __table_args__ = (
        UniqueConstraint("plan_id", "subject_key", "sha256"),
        CheckConstraint(
            "(CASE WHEN action_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN review_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN observation_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN meeting_id IS NULL THEN 0 ELSE 1 END) <= 1",
            name="one_subject",
        ),
        CheckConstraint("size > 0", name="size_positive"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
        Index("ix_attachments_plan_uploaded", "plan_id", "uploaded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"), index=True)
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    observation_id: Mapped[int | None] = mapped_column(ForeignKey("observations.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    subject_key: Mapped[str] = mapped_column(String(40))
    # The name as uploaded, cleaned for display (no path, control or direction-changing characters).
    filename: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # file_types.FileKind.code: pdf, png, jpeg, docx, xlsx, csv, txt
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    visibility: Mapped[AttachmentVisibility] = mapped_column(enum_column(AttachmentVisibility))
    copy_given_on: Mapped[date | None] = mapped_column(Date)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)
    # Read only when downloaded (in chunks, see services.attachments.content_chunks).
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    plan: Mapped[Plan] = relationship()
    action: Mapped[Action | None] = relationship()
    review: Mapped[Review | None] = relationship()
    observation: Mapped[Observation | None] = relationship()
    meeting: Mapped[Meeting | None] = relationship()
    uploaded_by: Mapped[User] = relationship()

    @property
    def is_restricted(self) -> bool:
        return self.visibility is AttachmentVisibility.RESTRICTED


meeting_attendees = Table(
    "meeting_attendees",
    db.metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Meeting(Model):
    """A meeting about the plan — the supervision that set it up, a review meeting, a formal
    meeting or an appeal hearing — with what the Acas Code asks to be on record: who was there
    and who took the notes, the staff member's companion, the written notice and the evidence
    copies given beforehand, the minutes (what was discussed, the staff member's own account,
    the decisions), when the minutes were shared with the staff member and their answer to them.

    The rules that relate the dates (minutes only once held, shared after the meeting, a
    companion named) are in pip_app/meeting_rules.py; the database keeps the ones that never
    depend on today."""

    __tablename__ = "meetings"
    __table_args__ = (
        Index("ix_meetings_plan_held", "plan_id", "held_on"),
        CheckConstraint(
            "(companion_kind = 'none') = (companion_name IS NULL OR companion_name = '')",
            name="companion_named",
        ),
        CheckConstraint("minutes_shared_on IS NULL OR minutes_shared_on >= held_on", name="shared_after_held"),
        CheckConstraint("notice_given_on IS NULL OR notice_given_on <= held_on", name="notice_before_held"),
        CheckConstraint("minutes_response IS NULL OR minutes_shared_on IS NOT NULL", name="acknowledged_once_shared"),
        CheckConstraint(
            "minutes_response IS NULL OR minutes_response <> 'disagree'"
            " OR (minutes_comment IS NOT NULL AND minutes_comment <> '')",
            name="disagree_has_comment",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    kind: Mapped[MeetingKind] = mapped_column(enum_column(MeetingKind))
    held_on: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[time | None] = mapped_column(Time)
    place: Mapped[str] = mapped_column(String(200), default="")
    other_attendees: Mapped[str] = mapped_column(Text, default="")  # people who are not users, one a line
    note_taker: Mapped[str] = mapped_column(String(200), default="")
    companion_kind: Mapped[CompanionKind] = mapped_column(enum_column(CompanionKind), default=CompanionKind.NONE)
    companion_name: Mapped[str | None] = mapped_column(String(200))
    notice_given_on: Mapped[date | None] = mapped_column(Date)  # told in writing beforehand on
    evidence_copies: Mapped[str] = mapped_column(Text, default="")  # which evidence copies came with it
    discussion: Mapped[str] = mapped_column(Text, default="")
    staff_account: Mapped[str] = mapped_column(Text, default="")  # in the staff member's own words
    decisions: Mapped[str] = mapped_column(Text, default="")
    # The weekly review this meeting was (at most one meeting per review).
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id", ondelete="SET NULL"), unique=True)
    minutes_shared_on: Mapped[date | None] = mapped_column(Date)
    minutes_response: Mapped[AckResponse | None] = mapped_column(enum_column(AckResponse))
    minutes_comment: Mapped[str | None] = mapped_column(Text)
    minutes_acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    plan: Mapped[Plan] = relationship()
    attendees: Mapped[list[User]] = relationship(secondary=meeting_attendees, order_by="User.name")
    review: Mapped[Review | None] = relationship()
    recorded_by: Mapped[User] = relationship()

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def has_minutes(self) -> bool:
        return bool(self.discussion or self.staff_account or self.decisions)


class Support(Model):
    """Support given to the staff member to help them meet the plan — coaching, shadowing,
    training, a buddy, a rota change, equipment — with who provides it, from when, and whether
    and when it was delivered. Training is support, not an action (pip_app/quality.py says so
    and points here)."""

    __tablename__ = "support"
    __table_args__ = (
        Index("ix_support_plan_starts", "plan_id", "starts_on"),
        CheckConstraint("delivered_on IS NULL OR delivered_on >= starts_on", name="delivered_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    kind: Mapped[SupportKind] = mapped_column(enum_column(SupportKind))
    description: Mapped[str] = mapped_column(Text)
    provided_by: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    delivered_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    plan: Mapped[Plan] = relationship()
    recorded_by: Mapped[User] = relationship()

    __mapper_args__ = {"version_id_col": row_version}


class Adjustment(Model):
    """A request for a reasonable adjustment (Equality Act 2010 s.20): who asked, what, the
    decision and why, when it was implemented and when it is reviewed; whether Access to Work
    was suggested. Restricted detail: the staff member, the service's registered managers and
    HR only (policy.can_see_health_detail)."""

    __tablename__ = "adjustments"
    __table_args__ = (
        Index("ix_adjustments_plan_requested", "plan_id", "requested_on"),
        CheckConstraint("implemented_on IS NULL OR implemented_on >= requested_on", name="implemented_after_request"),
        CheckConstraint("implemented_on IS NULL OR decision = 'agreed'", name="implemented_once_agreed"),
        CheckConstraint(
            "decision <> 'not_reasonable' OR (decision_reason IS NOT NULL AND decision_reason <> '')",
            name="refusal_has_reason",
        ),
        CheckConstraint("review_on IS NULL OR review_on >= requested_on", name="review_after_request"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    requested_on: Mapped[date] = mapped_column(Date)
    requested_by: Mapped[str] = mapped_column(String(200))
    request: Mapped[str] = mapped_column(Text)
    decision: Mapped[AdjustmentDecision] = mapped_column(
        enum_column(AdjustmentDecision), default=AdjustmentDecision.PENDING
    )
    decision_reason: Mapped[str | None] = mapped_column(Text)
    implemented_on: Mapped[date | None] = mapped_column(Date)
    review_on: Mapped[date | None] = mapped_column(Date)
    access_to_work: Mapped[bool] = mapped_column(Boolean, default=False)
    # Days the plan's end was moved for this adjustment's delay, when a registered manager
    # accepted the proposal (adjustment_rules.extension_proposal).
    plan_extended_days: Mapped[int | None] = mapped_column(Integer)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    plan: Mapped[Plan] = relationship()
    recorded_by: Mapped[User] = relationship()

    __mapper_args__ = {"version_id_col": row_version}


class AdjustmentDisclosure(Model):
    """A registered manager's choice to print the adjustments' detail (what, the decision, when
    in place) in the closure summary, with why; without one the summary shows only the counted
    line (adjustment_rules.considered_line). At most one per plan, changed in place and audited."""

    __tablename__ = "adjustment_disclosures"
    __table_args__ = (CheckConstraint("reason <> ''", name="reason_given"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), unique=True)
    include_detail: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text)
    chosen_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    chosen_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    plan: Mapped[Plan] = relationship()
    chosen_by: Mapped[User] = relationship()

    __mapper_args__ = {"version_id_col": row_version}


class HealthReferral(Model):
    """An occupational-health referral: when, the questions asked, when the report came back and
    what it recommends. Restricted detail, as Adjustment."""

    __tablename__ = "health_referrals"
    __table_args__ = (
        Index("ix_health_referrals_plan_referred", "plan_id", "referred_on"),
        CheckConstraint(
            "report_received_on IS NULL OR report_received_on >= referred_on", name="report_after_referral"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    referred_on: Mapped[date] = mapped_column(Date)
    questions: Mapped[str] = mapped_column(Text)
    report_received_on: Mapped[date | None] = mapped_column(Date)
    recommendations: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    plan: Mapped[Plan] = relationship()
    recorded_by: Mapped[User] = relationship()

    __mapper_args__ = {"version_id_col": row_version}


class ContributingFactors(Model):
    """What may be getting in the way of the staff member's practice, answered before the plan
    is issued (domain article 003: the root cause): their own account, workload and rota,
    induction and Care Certificate, language or literacy, a health need or disability known or
    suspected (the need, never a diagnosis: restricted detail), caring responsibilities, systems
    and process problems — or "none identified", with why."""

    __tablename__ = "contributing_factors"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), unique=True)
    staff_account: Mapped[str] = mapped_column(Text, default="")
    workload_rota: Mapped[str] = mapped_column(Text, default="")
    induction: Mapped[str] = mapped_column(Text, default="")
    language_literacy: Mapped[str] = mapped_column(Text, default="")
    health_need: Mapped[str] = mapped_column(Text, default="")  # restricted: policy.can_see_health_detail
    caring: Mapped[str] = mapped_column(Text, default="")
    systems: Mapped[str] = mapped_column(Text, default="")
    none_identified_reason: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    plan: Mapped[Plan] = relationship()
    updated_by: Mapped[User] = relationship()

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def answered(self) -> bool:
        """Something is said of what gets in the way, or why nothing was identified."""
        return any((getattr(self, name) or "").strip() for name in (*FACTOR_FIELDS, "none_identified_reason"))


FACTOR_FIELDS = (
    "staff_account",
    "workload_rota",
    "induction",
    "language_literacy",
    "health_need",
    "caring",
    "systems",
)


class NotificationKind(LabelledEnum):
    """What an email is about. Events are written by the operation that causes them; reminders
    and digests by `send-notifications` from the derived flags (pip_app/notifications/)."""

    ACKNOWLEDGE_PLAN = "acknowledge_plan", "Plan issued: please acknowledge"
    ACKNOWLEDGE_REVIEW = "acknowledge_review", "Review recorded: please acknowledge"
    ACKNOWLEDGE_CLOSURE = "acknowledge_closure", "Plan closed: please acknowledge"
    ACK_REMINDER = "ack_reminder", "Acknowledgement reminder (day 2)"
    ACK_OUTSTANDING = "ack_outstanding", "Acknowledgement outstanding (day 3)"
    DISAGREEMENT = "disagreement", "Staff disagreement"
    ESCALATION = "escalation", "Escalation to the registered managers"  # from a review or the plan
    ESCALATION_DECIDED = "escalation_decided", "Escalation decided"
    APPROVAL_REQUESTED = "approval_requested", "Approval requested"
    APPROVAL_DECIDED = "approval_decided", "Approval decided"
    REVIEW_DUE = "review_due", "Weekly review due tomorrow"
    REVIEW_OVERDUE = "review_overdue", "Weekly review overdue"
    PAST_END_DATE = "past_end_date", "Plan past its end date"
    CONTROL_REVIEW_PASSED = "control_review_passed", "Control review date passed"
    CONTROL_NOT_CHECKED = "control_not_checked", "Control not checked for 7 days"
    OBSERVATION_TOMORROW = "observation_tomorrow", "Observed shift tomorrow"
    OBSERVATION_UPDATE = "observation_update", "Observed shift moved"
    OBSERVATION_CANCELLED = "observation_cancelled", "Observed shift cancelled"
    OBSERVATION_OVERDUE = "observation_overdue", "Observed shift not recorded"
    DIGEST = "digest", "Daily digest"
    DISAGREEMENT_RESPONSE = "disagreement_response", "Your disagreement answered"
    LETTER_SENT = "letter_sent", "Formal letter sent: please confirm receipt"
    APPEAL_TO_HEAR = "appeal_to_hear", "Appeal to hear"
    APPEAL_DECIDED = "appeal_decided", "Appeal decided"


class NotificationStatus(LabelledEnum):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"  # claimed by a run of send-notifications, in flight
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"  # refused for good, or out of retries
    SKIPPED = "skipped", "Skipped"  # no longer due, or no longer for this person


class Notification(Model):
    """The outbox: one email to one person about one thing on one occasion. The unique key is
    what makes "never sent twice" true, however many times or places the sender runs."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("recipient_id", "kind", "subject_type", "subject_id", "occasion", name="uq_notifications_key"),
        Index("ix_notifications_status_next_attempt", "status", "next_attempt_at"),
        Index("ix_notifications_subject", "subject_type", "subject_id"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind))
    # The object it is about ("plan", "review", "closure", "acknowledgement", "observation",
    # "control", or "user" for a digest) and the occasion ("v2", "2026-11-23", "day2", …).
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(Integer)
    occasion: Mapped[str] = mapped_column(String(40), default="")
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    # Plain, non-sensitive facts the email is composed from (dates, a version, a sequence):
    # never a risk statement, note, comment or health detail.
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    subject: Mapped[str] = mapped_column(String(200))
    status: Mapped[NotificationStatus] = mapped_column(
        enum_column(NotificationStatus), default=NotificationStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)

    recipient: Mapped[User] = relationship()


class RegulatoryDecision(Model):
    """A registered manager's recorded decision on one regulatory referral (issue 20): when a plan
    moves to a formal stage, closes "not achieved" or because the staff member left, or has
    restricted duties or removal from regulated activity in force (regulatory_rules.triggered), whether the DBS, a professional or workforce
    regulator, or the local authority's safeguarding team were referred to, why, by whom, when,
    and the referral's reference. One per question per plan; corrected in place (audited)."""

    __tablename__ = "regulatory_decisions"
    __table_args__ = (
        UniqueConstraint("plan_id", "question"),
        CheckConstraint("rationale <> ''", name="rationale_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    question: Mapped[RegulatoryQuestion] = mapped_column(enum_column(RegulatoryQuestion))
    answer: Mapped[RegulatoryAnswer] = mapped_column(enum_column(RegulatoryAnswer))
    rationale: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(String(100), default="")
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    plan: Mapped[Plan] = relationship(back_populates="regulatory_decisions")
    decided_by: Mapped[User] = relationship()

    __mapper_args__ = {"version_id_col": row_version}


class Letter(Model):
    """A formal letter to the staff member (issue 20, point 2): built from the plan's structured
    data when drafted, and kept as it was sent.

    - `content` holds everything the letter says, fixed when it is drafted (the concern, the
      improvement required, the support, the meeting's date and place, the appeal's outcome ...),
      so the PDF of a sent letter reads the same for ever. Sending a draft is refused when the
      content built from the plan now would differ (services/letters.changes_since_drafted: a
      changed action, support, review date, stage ...). `plan_row_version` records the plan's
      row_version when it was drafted.
    - A letter is drafted, then sent (`sent_on`; never changed after). Drafting the same kind of
      letter again for the plan makes the next `version`; earlier versions are kept.
    - `expires_on`: when an improvement note or a final written warning expires;
      `appeal_by`: the last day to appeal an outcome letter (APPEAL_WORKING_DAYS after sending).
    - The staff member acknowledges **receipt** (`received_at`), not agreement."""

    __tablename__ = "letters"
    __table_args__ = (
        UniqueConstraint("plan_id", "kind", "version"),
        Index("ix_letters_kind_sent", "kind", "sent_on"),
        CheckConstraint("received_at IS NULL OR sent_on IS NOT NULL", name="received_once_sent"),
        CheckConstraint("(sent_on IS NULL) = (sent_by_id IS NULL)", name="sent_by_someone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    kind: Mapped[LetterKind] = mapped_column(enum_column(LetterKind))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The meeting an invitation invites to, or an outcome letter follows (appeal hearings too).
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    plan_row_version: Mapped[int] = mapped_column(Integer)
    expires_on: Mapped[date | None] = mapped_column(Date)
    appeal_by: Mapped[date | None] = mapped_column(Date)
    drafted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    drafted_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sent_on: Mapped[date | None] = mapped_column(Date)
    received_at: Mapped[datetime | None] = mapped_column(DateTime)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    plan: Mapped[Plan] = relationship(back_populates="letters")
    meeting: Mapped[Meeting | None] = relationship()
    drafted_by: Mapped[User] = relationship(foreign_keys=[drafted_by_id])
    sent_by: Mapped[User | None] = relationship(foreign_keys=[sent_by_id])

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def is_sent(self) -> bool:
        return self.sent_on is not None


class Appeal(Model):
    """The staff member's appeal against a formal outcome letter (issue 20, point 3): lodged by
    them in the app, or recorded by HR, with grounds; within the deadline the letter states
    (`Letter.appeal_by`), or late with the reason HR accepted it. Heard by someone not previously
    involved in decisions on the plan (`hearer`), at an appeal hearing (a Meeting with a
    companion); decided upheld / not upheld / varied, with reasons. The plan is "Under appeal"
    while an appeal has no outcome."""

    __tablename__ = "appeals"
    __table_args__ = (
        Index("ix_appeals_plan", "plan_id"),
        # One appeal awaiting an outcome per plan.
        Index(
            "uq_appeals_one_open",
            "plan_id",
            unique=True,
            sqlite_where=text("outcome IS NULL"),
            postgresql_where=text("outcome IS NULL"),
        ),
        CheckConstraint("grounds <> ''", name="grounds_given"),
        CheckConstraint(
            "outcome IS NULL OR (outcome_reasons IS NOT NULL AND outcome_reasons <> ''"
            " AND decided_on IS NOT NULL AND decided_by_id IS NOT NULL)",
            name="outcome_complete",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id"))  # the outcome appealed against
    grounds: Mapped[str] = mapped_column(Text)
    lodged_on: Mapped[date] = mapped_column(Date)
    lodged_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    late_reason: Mapped[str | None] = mapped_column(Text)  # why HR accepted it after the deadline
    hearer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    outcome: Mapped[AppealOutcome | None] = mapped_column(enum_column(AppealOutcome))
    outcome_reasons: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_utc)
    row_version: Mapped[int] = mapped_column(Integer, default=1)

    plan: Mapped[Plan] = relationship(back_populates="appeals")
    letter: Mapped[Letter] = relationship()
    lodged_by: Mapped[User] = relationship(foreign_keys=[lodged_by_id])
    hearer: Mapped[User | None] = relationship(foreign_keys=[hearer_id])
    meeting: Mapped[Meeting | None] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def is_open(self) -> bool:
        return self.outcome is None


def awaiting_appeal_outcome() -> ColumnElement[bool]:
    """The plan (as correlated) has an appeal without its outcome: "Under appeal" (issue 20, point
    3). Plan.under_appeal on a loaded plan, a column of a list's rows (services/plan_rows)."""
    return exists().where(Appeal.plan_id == Plan.id, Appeal.outcome.is_(None)).correlate_except(Appeal)


# Read with the plan's own row, so the header and lists show "Under appeal" for no statement more.
Plan.under_appeal = column_property(awaiting_appeal_outcome())
