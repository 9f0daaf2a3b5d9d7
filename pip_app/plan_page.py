"""The plan page every feature answers with: what it reads, its context, and its `Screen`.

The plan page is shared: the plan's own routes, the weekly-review loop, the control forms opened
from it and the closure panel all re-render one of its panels (with the header and flags
refreshed out of band). So its context lives here, at app level, rather than in one feature.
Templates receive booleans and results (`may_edit`, `control_rights`, `closure_panel`); they
never call the policy themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import defer, joinedload, load_only

from . import policy
from .access import current_person
from .action_details import action_details
from .attachments.panel import attachment_panel
from .conditional import ETAG_READS
from .decisions.panel import DECISION_READS, MEETING_COLUMNS, decisions_panel
from .disagreements.panel import disagreement_panel
from .formatting import format_date
from .forms import ClosureAcknowledgeForm, PlanAcknowledgeForm
from .lifecycle import WEEKDAYS
from .models import (
    Acknowledgement,
    Action,
    Approval,
    ApprovalComment,
    Attachment,
    Closure,
    DisagreementResponse,
    Escalation,
    InterimControl,
    Meeting,
    Observation,
    ObservationStatus,
    Outcome,
    Plan,
    PlanVersion,
    RegulatoryDecision,
    Review,
    Service,
    User,
)
from .plain_rows import Rows
from .plan_header import HEADER, KEPT_FACTS_READS, flags_today, stage_prompt
from .plan_reads import (
    KEPT_CHART,
    KEPT_DRAWING,
    NEWEST_CHECK_NOTE,
    PLAN_AND_ITS_PEOPLE,
    REGULATORY_FLAG_READS,
    PlanReads,
    name_of,
)
from .screens import Screen
from .services import acknowledgements, charts_kept
from .services import closure as closure_ops
from .services.attachments import ATTACHMENT_READS
from .services.controls import last_check_notes
from .services.disagreements import RESPONSE_READS
from .services.plans import unissued_changes
from .services.reviews import review_statement, reviews_in_full, shown_review_ids

# What the plan page reads, in a fixed number of statements whatever the plan's size: the plan's
# row with its people, then one SELECT per collection, with the people each row names joined in.
# Of reviews, acknowledgements and versions only what the flags and counts need: the reviews shown
# are loaded whole on their own (services.reviews.reviews_in_full), the rest open as parts of their
# own (history, versions, acknowledgements, earlier reviews).
PLAN_PAGE_READS = (
    PLAN_AND_ITS_PEOPLE
    + PlanReads(
        collections={
            "actions": (KEPT_CHART,),  # each measured action's chart, as kept drawn (services.charts_kept)
            "reviews": (load_only(Review.plan_id, Review.review_date, Review.created_at, Review.corrects_review_id),),
            "acknowledgements": (defer(Acknowledgement.statement), name_of(Acknowledgement.user)),
            # With its snapshot's digest: whether anything is unissued (services.plans.unissued_changes).
            "versions": (
                load_only(
                    PlanVersion.plan_id, PlanVersion.version, PlanVersion.created_at, PlanVersion.snapshot_digest
                ),
            ),
            # Only what the late-minutes flag and the choice of a formal meeting (decisions) read;
            # the meetings panel loads the meetings whole when opened.
            "meetings": (load_only(*MEETING_COLUMNS),),
        },
    )
    + REGULATORY_FLAG_READS
    + DECISION_READS
    + RESPONSE_READS  # disagreements' responses, in the acknowledgements' SELECT (issue 18)
    + ATTACHMENT_READS  # the evidence files: none to read (no statement) on most plans
    + ETAG_READS  # its last change, for its ETag (conditional.py), in the plan's own SELECT
    + KEPT_FACTS_READS  # its flags' facts as kept (plan_header.flags_today), in the same SELECT
)

# The collections the plan page reads as plain rows when it is only shown (a GET; plain_rows): the
# same rows, with the same people and values, as PLAN_PAGE_READS reads through the ORM for the
# parts that answer a change (tests/test_plain_rows.py renders the page both ways).
PLAN_ROW_SHOWN = Rows(
    Plan,
    whole={
        "staff": Rows(User),
        "manager": Rows(User),
        "service": Rows(Service),
        "closure": Rows(Closure, whole={"closed_by": Rows(User)}),
    },
)
PLAN_PAGE_SHOWN = {
    "controls": Rows(
        InterimControl,
        names=("responsible", "lifted_by", "continued_by"),
        values={"last_check_note": NEWEST_CHECK_NOTE},
    ),
    "actions": Rows(Action, names=("owner",), values={"kept_drawing": KEPT_DRAWING}),
    "observations": Rows(Observation, names=("observer",)),
    "reviews": Rows(Review, only=("plan_id", "review_date", "created_at", "corrects_review_id")),
    "acknowledgements": Rows(
        Acknowledgement,
        omit=("statement",),
        names=("user",),
        whole={"disagreement_response": Rows(DisagreementResponse, names=("responded_by",))},
    ),
    "versions": Rows(PlanVersion, only=("plan_id", "version", "created_at", "snapshot_digest")),
    "meetings": Rows(Meeting, only=tuple(column.key for column in MEETING_COLUMNS)),
    "regulatory_decisions": Rows(RegulatoryDecision),
    # As DECISION_READS and ATTACHMENT_READS read them for the parts.
    "approvals": Rows(
        Approval,
        whole={"requested_by": Rows(User), "decided_by": Rows(User)},
        children={"comments": Rows(ApprovalComment, whole={"author": Rows(User)})},
    ),
    "escalations": Rows(
        Escalation,
        # And the review that raised it ("at the weekly review of …").
        whole={"raised_by": Rows(User), "decided_by": Rows(User), "review": Rows(Review, only=("review_date",))},
    ),
    "attachments": Rows(
        Attachment,
        names=("uploaded_by",),
        whole={
            "action": Rows(Action),
            "review": Rows(Review),
            "observation": Rows(Observation),
            "meeting": Rows(Meeting),
        },
    ),
}

# What the parts opened from the plan page read of the plan itself (each loads its own rows).
PLAN_PART_READS = PlanReads(
    joined=(joinedload(Plan.staff),),
    collections={
        "actions": (),
        "controls": (),
        "reviews": (load_only(Review.plan_id, Review.review_date, Review.corrects_review_id),),
        "acknowledgements": (defer(Acknowledgement.statement), name_of(Acknowledgement.user)),
    },
)

# What the recorded observed shifts, opened from the plan page, read: the shifts with their observers
# and what each observed (the plan's actions).
RECORDED_OBSERVATION_READS = PLAN_PART_READS + PlanReads(
    collections={"actions": (), "observations": (name_of(Observation.observer),)},
    links=(Observation.focus,),
)


def plan_page_context(plan: Plan, **overrides: Any) -> dict[str, Any]:
    """The plan page's context; `overrides` carry a form being corrected or a row being edited."""
    drawn = charts_kept.drawings(plan, plan.actions)
    details = {action.id: action_details(action, drawn.get(action.id)) for action in plan.actions}
    me = current_person()
    may_edit = policy.can_edit_plan(me, plan)
    may_acknowledge = policy.can_acknowledge(me, plan)
    ack_due = acknowledgements.plan_acknowledgement_due(plan)
    staff_reading = me.id == plan.staff_id  # their own plan: a summary first, "you"
    waiting_on = me if may_acknowledge else None
    flags = flags_today(plan)  # first: worked out, they read the entries of the newest review too
    shown = reviews_in_full(shown_review_ids(plan, waiting_on), plan)
    context = dict(
        plan=plan,
        flags=flags,
        action_details=details,
        **review_marks(plan),
        shown_reviews=shown,
        earlier_reviews=len(plan.reviews) - len(shown),
        last_notes=last_check_notes(plan.controls),
        review_statement=review_statement,
        # Built only for the person asked to acknowledge now (a form being corrected comes in overrides).
        ack_form=PlanAcknowledgeForm(formdata=None, version=plan.version) if ack_due and may_acknowledge else None,
        ack_due=ack_due,
        staff_reading=staff_reading,
        since_acknowledged=acknowledgements.changes_since_acknowledged(plan) if staff_reading and ack_due else None,
        ack_statement=acknowledgements.plan_statement(plan),
        unissued=unissued_changes(plan) if may_edit else [],
        weekday=WEEKDAYS[plan.review_weekday],
        stage_prompt=stage_prompt(plan),
        may_edit=may_edit,
        may_acknowledge=may_acknowledge,
        may_view_register=policy.can_view_register(me),
        may_see_health=policy.can_see_health_detail(me, plan),
        control_rights=policy.control_rights(me, plan.controls, plan),
        closure_panel=closure_panel(plan, may_acknowledge, ClosureAcknowledgeForm),
        observations=observation_panel(plan.observations),
        attachments=attachment_panel(plan, form_on_demand=True),
        decisions=decisions_panel(plan),
        disagreement_panel=disagreement_panel(plan),
        editing=None,
        edit_form=None,
        saved=None,
        conflict=None,
        section_error=None,
    )
    if staff_reading:
        context["waiting_for_you"] = waiting_for_staff(plan, may_acknowledge, ack_due, context["closure_panel"])
    context.update(overrides)
    context["observations_in_full"] = observations_in_full(context)
    return context


@dataclass(frozen=True)
class ObservationPanel:
    """The observed shifts still planned (the panel shows them: each outcome is recorded there) and
    those recorded (opened on demand), with how many were done and met."""

    planned: list[Observation]
    recorded: list[Observation]
    done: int
    met: int


def observation_panel(observations: list[Observation]) -> ObservationPanel:
    planned = [o for o in observations if o.status is ObservationStatus.PLANNED]
    recorded = [o for o in observations if o.status is not ObservationStatus.PLANNED]
    done = [o for o in recorded if o.status is ObservationStatus.DONE]
    return ObservationPanel(planned, recorded, len(done), sum(o.outcome is Outcome.MET for o in done))


def observations_in_full(context: dict[str, Any]) -> bool:
    """Whether the observations panel shows the recorded shifts at once: when it answers one of its
    own forms (an outcome being recorded or corrected, a change saved or refused, the remaining
    shifts cancelled), so that what was just done is in view. On a first load they open on demand."""
    editing = context["editing"]
    return bool(
        (editing is not None and editing[0] == "observation")
        or "observations" in (context["saved"], context["conflict"])
        or context.get("cancel_form")
    )


def waiting_for_staff(
    plan: Plan, may_acknowledge: bool, ack_due: bool, closure: dict[str, Any] | None
) -> list[tuple[str, str]]:
    """What the staff member reading their own plan still has to answer, as (what, anchor): the
    same forms the page then shows them."""
    waiting = []
    if ack_due and may_acknowledge:
        waiting.append((f"Read and acknowledge version {plan.version} of your plan", "acknowledge"))
    answered = {a.review_id for a in plan.acknowledgements if a.review_id and a.user_id == plan.staff_id}
    for review in sorted(plan.reviews, key=lambda r: (r.review_date, r.id)):
        if may_acknowledge and review.id not in answered:
            waiting.append(
                (f"Read and acknowledge the weekly review of {format_date(review.review_date)}", f"review-{review.id}")
            )
    if closure and closure["may_acknowledge"]:
        waiting.append(("Respond to the closure of your plan", "closure-acknowledge"))
    return waiting


def review_marks(plan: Plan) -> dict[str, Any]:
    """What each review shown says beside it: its acknowledgement, and whether it was corrected."""
    return dict(
        acked_reviews={a.review_id: a for a in plan.acknowledgements if a.review_id},
        corrected={r.corrects_review_id for r in plan.reviews if r.corrects_review_id},
    )


def closure_panel(plan: Plan, may_acknowledge: bool, form_class: type) -> dict[str, Any] | None:
    """What the plan page's closure panel shows this person (None on a draft: no panel)."""
    if plan.is_draft:
        return None
    state = closure_ops.closure_ack_state(plan)
    # Not yet answered: a leaver was not asked, but may still respond (ClosureAckState.not_asked).
    due = state is not None and state.acknowledgement is None and may_acknowledge
    me = current_person()
    to_staff = me.id == plan.staff_id  # their own plan: "you", not their name
    return dict(
        closure=plan.closure,
        state=state,
        to_staff=to_staff,
        ack_sentence=(state.sentence_to_staff() if to_staff else state.sentence(plan.staff.name)) if state else "",
        can_close=policy.can_close_plan(me, plan),
        can_download=policy.can_download_closure(me, plan),
        can_download_bundle=policy.can_download_case_bundle(me, plan),
        may_acknowledge=due,
        statement=closure_ops.closure_statement(plan) if plan.closure else "",
        form=form_class(formdata=None) if due else None,
    )


PANELS = {
    "reviews": "reviews/_panel.html",
    "observations": "plans/_observations_panel.html",
    "actions": "plans/_actions_panel.html",
    "acks": "plans/_acks_panel.html",
    "controls": "plans/_controls_panel.html",
    "acknowledge": "plans/_acknowledge.html",
    "closure": "closure/_panel.html",
}

# The header (status and version, next review date, flags, the pause banner): any answer on the
# plan page may find it moved (a pause, a review, an outcome, a check, an acknowledgement, or
# someone else's change behind a 409), and it holds no form, so it is refreshed beside every part.

# What a saved change answered with one panel shows in the other panels (the header aside). A
# weekly review moves the progress charts and action statuses, may lift controls and is
# acknowledged (the acknowledgements panel counts them); it, and a pause or resume (answered in the
# reviews panel too), changes the status the closure panel speaks of.
AFFECTS: dict[str, tuple[str, ...]] = {
    "reviews": ("actions", "controls", "closure", "acks"),
}


def refreshed_beside(panel: str, changed: bool) -> list[str]:
    """The templates refreshed out of band beside a panel: the header always, and after a saved
    change the panels it affects (`AFFECTS`) — only then, so an open form elsewhere is not reset
    by merely opening or correcting this one."""
    return [HEADER, *(PANELS[other] for other in AFFECTS.get(panel, ()) if changed)]


PLAN_PAGE = Screen("plans/show.html", PANELS, plan_page_context, refreshed_beside)
