"""The access matrix, generated from app.url_map: every route × every role × an object of their
own service and one of another → the outcome the policy module promises. A route with no entry
in RULES fails the suite, so nobody adds a page, fragment, export or PDF without deciding who
may use it. Objects someone may not see answer 404 (no existence leak); objects they may see but
not change answer 403."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from pip_app import policy
from pip_app.extensions import db
from pip_app.models import (
    Acknowledgement,
    AckResponse,
    AckSubject,
    Adjustment,
    Appeal,
    Attachment,
    AttachmentVisibility,
    Closure,
    ClosureOutcome,
    Escalation,
    HealthReferral,
    Letter,
    LetterKind,
    Meeting,
    MeetingKind,
    Observation,
    PlanStatus,
    Progress,
    Review,
    ReviewDecision,
    ReviewEntry,
    Support,
    SupportKind,
)
from pip_app.services.plans import issue_plan
from tests.factories import approve_for_issue, make_action, make_control

ALLOW, FORBID, HIDE, LOGIN = "allow", "403", "404", "login"
TODAY = date(2026, 11, 23)
ROLES = ("staff", "manager", "senior", "hr", "admin")


def plan_rule(allowed):
    """404 when the plan is not theirs to see, 403 when they see it but `allowed` says no."""

    def rule(user, objects):
        plan = objects["plan"]
        if not policy.can_view_plan(user, plan):
            return HIDE
        return ALLOW if allowed(user, plan) else FORBID

    return rule


def closure_rule(allowed):
    """As plan_rule, then 404 where the plan has no closure yet."""
    inner = plan_rule(allowed)

    def rule(user, objects):
        result = inner(user, objects)
        return HIDE if result == ALLOW and objects["plan"].closure is None else result

    return rule


def control_rule(allowed):
    """The register is a role's tool (403 for other roles); then as plan_rule for the control's plan."""

    def rule(user, objects):
        control = objects["control"]
        if not policy.can_view_register(user):
            return FORBID
        if not policy.can_view_plan(user, control.plan):
            return HIDE
        return ALLOW if allowed(user, control) else FORBID

    return rule


def attachment_rule(allowed):
    """As plan_rule for the file's plan, then 404 for a file the person may not see (restricted)."""
    inner = plan_rule(allowed)

    def rule(user, objects):
        result = inner(user, objects)
        if result == ALLOW and not policy.can_view_attachment(user, objects["plan"], objects["attachment"]):
            return HIDE
        return result

    return rule


def restricted_rule(allowed):
    """Restricted detail (adjustments, occupational health): as plan_rule, but 404 for anyone who
    may see the plan and not that detail (a line manager who is not a registered manager)."""

    def rule(user, objects):
        plan = objects["plan"]
        if not policy.can_view_plan(user, plan) or not policy.can_see_health_detail(user, plan):
            return HIDE
        return ALLOW if allowed(user, plan) else FORBID

    return rule


def letter_rule(allowed):
    """A letter: 404 where the plan or the letter is not theirs to see (the staff member sees only
    letters sent to them), 403 where they see it but `allowed(user, plan, letter)` says no."""

    def rule(user, objects):
        plan, letter = objects["plan"], objects["letter"]
        if not policy.can_view_plan(user, plan) or not policy.can_read_letter(user, plan, letter):
            return HIDE
        return ALLOW if allowed(user, plan, letter) else FORBID

    return rule


def role_rule(allowed):
    return lambda user, objects: ALLOW if allowed(user) else FORBID


view = plan_rule(lambda u, p: True)
edit = plan_rule(policy.can_edit_plan)
acknowledge = plan_rule(policy.can_acknowledge)
close = plan_rule(policy.can_close_plan)
signed_in = role_rule(lambda u: True)
public = None  # reachable without signing in

RULES = {
    "static": public,
    "main.healthz": public,
    "auth.login": public,
    "auth.reset_password": public,
    "auth.second_factor": public,
    "main.dashboard": signed_in,
    "auth.account": signed_in,
    "auth.change_password": signed_in,
    "auth.two_factor": signed_in,
    "auth.replace_recovery_codes": signed_in,
    "auth.turn_off_two_factor": signed_in,
    "auth.logout": signed_in,
    "auth.sign_out_all": signed_in,
    "auth.notification_preference": signed_in,
    "plans.index": role_rule(policy.can_list_plans),
    "plans.new": role_rule(policy.can_create_plans),
    "plans.open_plans_of": role_rule(policy.can_create_plans),
    "register.index": role_rule(policy.can_view_register),
    "register.export_csv": role_rule(policy.can_view_register),
    "hr.closures": role_rule(policy.can_view_hr_closures),
    "plans.show": view,
    "plans.version": view,
    "plans.history": view,
    "plans.versions": view,
    "plans.acknowledgement_list": view,
    "reviews.earlier": view,
    "reviews.measured_values": view,
    "reviews.recorded_observations": view,
    "closure.plan_pdf": view,
    "closure.pdf": closure_rule(policy.can_download_closure),
    "closure.case_bundle": plan_rule(policy.can_download_case_bundle),
    "plans.acknowledge": acknowledge,
    "reviews.acknowledge_review": acknowledge,
    "closure.acknowledge": closure_rule(policy.can_acknowledge),
    "closure.close": close,
    "register.control": control_rule(lambda u, c: True),
    "register.record_check": control_rule(policy.can_check_control),
    "register.lift": control_rule(policy.can_lift_control),
    # The same people decide whether a control continues; a state that refuses it answers 409.
    "register.continue_control": control_rule(policy.can_lift_control),
    "attachments.index": view,
    "meetings.index": view,
    "meetings.new_meeting": edit,
    "meetings.record": edit,
    "meetings.edit_meeting": edit,
    "meetings.update": edit,
    "meetings.acknowledge_minutes": acknowledge,
    "support.index": view,
    "support.new_support": edit,
    "support.record": edit,
    "support.edit_support": edit,
    "support.update": edit,
    "adjustments.index": restricted_rule(lambda u, p: True),
    "plans.submit_for_approval": edit,
    "decisions.index": view,
    "decisions.comment": plan_rule(policy.can_discuss_approval),
    "decisions.approve": plan_rule(policy.can_approve),
    "decisions.return_request": plan_rule(policy.can_approve),
    "decisions.escalate": plan_rule(policy.can_escalate),
    "decisions.new_escalation": plan_rule(policy.can_escalate),
    "decisions.propose_stage": plan_rule(policy.can_propose_stage),
    "decisions.new_stage": plan_rule(policy.can_propose_stage),
    "decisions.decide": plan_rule(policy.can_decide_escalation),
    "adjustments.choose_disclosure": restricted_rule(policy.can_choose_adjustment_detail),
    "factors.index": view,
    "factors.edit": edit,
    "factors.save": edit,
    "disagreements.index": view,
    "disagreements.respond_form": plan_rule(policy.can_respond_to_disagreement),
    "disagreements.respond": plan_rule(policy.can_respond_to_disagreement),
    "disagreements.mark_read": acknowledge,
    # Regulatory decisions (issue 20): read by whoever reads the issued plan, the staff member
    # included (they are about them); recorded by the service's registered managers.
    "regulatory.index": plan_rule(policy.can_view_regulatory),
    "regulatory.record": plan_rule(policy.can_record_regulatory),
    # Appeals (issue 20, point 3): read by whoever reads the issued plan; lodged by the staff member,
    # recorded by HR; the hearer chosen (and the hearing linked) by HR or the service's registered
    # managers; the outcome recorded by the hearer alone (HR in the matrix's appeal).
    "appeals.index": plan_rule(policy.can_read_appeal),
    "appeals.lodge": plan_rule(policy.can_lodge_appeal),
    "appeals.record": plan_rule(policy.can_record_appeal),
    "appeals.choose_hearer": plan_rule(policy.can_assign_hearer),
    "appeals.link_hearing": plan_rule(policy.can_link_appeal_hearing),
    "appeals.decide": plan_rule(policy.can_decide_appeal),
    "letters.index": plan_rule(policy.can_view_letters),
    "letters.draft": plan_rule(policy.can_draft_letters),
    "letters.pdf": letter_rule(lambda u, p, letter: True),
    "letters.send": letter_rule(policy.can_send_letter),
    "letters.redraft": letter_rule(policy.can_send_letter),
    "letters.delete": letter_rule(policy.can_send_letter),
    "letters.acknowledge_receipt": letter_rule(lambda u, p, letter: policy.can_acknowledge(u, p)),
    "hr.warnings": role_rule(policy.can_view_warnings),
    **{
        f"adjustments.{_endpoint}": restricted_rule(policy.can_record_adjustments)
        for _endpoint in (
            "new_adjustment",
            "record_adjustment",
            "edit_adjustment",
            "update_adjustment",
            "new_referral",
            "record_referral",
            "edit_referral",
            "update_referral",
            "accept_extension",
        )
    },
    "attachments.new_file": plan_rule(policy.can_attach),
    "attachments.upload": plan_rule(policy.can_attach),
    # The matrix's file is restricted (a fit note): the strictest case.
    "attachments.download": attachment_rule(lambda u, p: True),
    "attachments.copy_given": attachment_rule(policy.can_attach),
}
for _endpoint in (
    "actions",
    "add_action",
    "add_control",
    "amend",
    "check_action",
    "controls",
    "edit",
    "edit_action",
    "edit_control",
    "edit_observation",
    "issue",
    "no_control",
    "observations",
    "observations_ics",
    "remove_action",
    "remove_control",
    "remove_observation",
    "schedule",
    "update_action",
    "update_control",
    "update_observation",
    "update_risk",
    "withdraw_action",
):
    RULES[f"plans.{_endpoint}"] = edit
for _endpoint in (
    "action_status_form",
    "cancel_remaining_observations",
    "new_review",
    "observation_outcome_form",
    "pause",
    "record_observation",
    "record_review",
    "resume",
    "set_action_status",
):
    RULES[f"reviews.{_endpoint}"] = edit
ADMIN_ENDPOINTS = {
    "users",
    "set_approver",
    "set_registration",
    "user",
    "audit",
    "change_role",
    "create_reset_link",
    "deactivate",
    "reactivate",
    "reset_two_factor",
    "outbox_list",
    "outbox_message",
}
for _endpoint in ADMIN_ENDPOINTS:
    RULES[f"admin.{_endpoint}"] = role_rule(policy.can_administer)

# Routes that end the caller's session are checked with a client of their own.
SESSION_ENDING = {"auth.logout", "auth.sign_out_all"}


def build_objects(world, make_plan, service, staff, manager, responsible, closed=False):
    plan = make_plan(
        staff=staff,
        manager=manager,
        service=service,
        status=PlanStatus.DRAFT,
        start=TODAY - timedelta(days=14),
        evidence_sources=["audit"],
    )
    control = make_control(plan, responsible)
    # Measured, so that its values (reviews.measured_values) are there to read.
    action = make_action(
        plan, 1, measure_name="MAR compliance", measure_unit="%", measure_baseline=60, measure_target=90
    )
    approve_for_issue(plan)
    issue_plan(manager, plan)
    observation = Observation(plan=plan, scheduled_on=TODAY - timedelta(days=1), observer=responsible)
    review = Review(
        plan=plan,
        review_date=TODAY - timedelta(days=7),
        reviewer=manager,
        summary="s",
        decision=ReviewDecision.CONTINUE,
    )
    review.entries.append(ReviewEntry(action=action, progress=Progress.ON_TRACK))
    attachment = Attachment(
        plan=plan,
        action=action,
        subject_key=f"action-{action.id}",
        filename="fit note.pdf",
        description="Fit note",
        kind="pdf",
        size=9,
        sha256="0" * 64,
        visibility=AttachmentVisibility.RESTRICTED,
        uploaded_by=manager,
        content=b"%PDF-1.4\n",
    )
    meeting = Meeting(
        plan=plan,
        kind=MeetingKind.SUPERVISION,
        held_on=TODAY - timedelta(days=14),
        recorded_by=manager,
        minutes_shared_on=TODAY - timedelta(days=13),
        discussion="d",
    )
    support = Support(
        plan=plan,
        kind=SupportKind.SHADOWING,
        description="Two shadowed medication rounds",
        provided_by="Deputy manager",
        starts_on=TODAY - timedelta(days=10),
        recorded_by=manager,
    )
    adjustment = Adjustment(
        plan=plan,
        requested_on=TODAY - timedelta(days=12),
        requested_by="Staff member",
        request="Written handover notes",
        recorded_by=manager,
    )
    referral = HealthReferral(
        plan=plan, referred_on=TODAY - timedelta(days=12), questions="Is a later start possible?", recorded_by=manager
    )
    escalation = Escalation(plan=plan, reason="At risk in two reviews running.", raised_by=manager)
    disagreement = Acknowledgement(
        plan=plan,
        user=staff,
        subject=AckSubject.REVIEW,
        plan_version=1,
        review=review,
        statement="I have read the review.",
        response=AckResponse.DISAGREE,
        comment="It was not my shift.",
    )
    # A sent improvement note (the staff member may read it and confirm receipt; sending it again is a 409).
    letter = Letter(
        plan=plan,
        kind=LetterKind.IMPROVEMENT_NOTE,
        version=1,
        content={"concern": {"risk_statement": "r"}},
        plan_row_version=plan.row_version,
        expires_on=TODAY + timedelta(days=180),
        appeal_by=TODAY + timedelta(days=7),
        drafted_by=manager,
        sent_by=manager,
        sent_on=TODAY,
    )
    appeal = Appeal(plan=plan, letter=letter, grounds="g", lodged_on=TODAY, lodged_by=staff, hearer=world["hr"])
    db.session.add_all(
        [
            observation,
            review,
            attachment,
            meeting,
            support,
            adjustment,
            referral,
            disagreement,
            escalation,
            letter,
            appeal,
        ]
    )
    if closed:
        plan.status = PlanStatus.CLOSED
        db.session.add(
            Closure(
                plan=plan,
                outcome=ClosureOutcome.ACHIEVED,
                closed_by=manager,
                what_changed="a",
                how_measured="b",
                risk_now_controlled="c",
                ongoing_monitoring="d",
            )
        )
    db.session.commit()
    return dict(
        plan=plan,
        control=control,
        action=action,
        observation=observation,
        review=review,
        attachment=attachment,
        meeting=meeting,
        support=support,
        adjustment=adjustment,
        referral=referral,
        approval=plan.approvals[0],
        escalation=escalation,
        disagreement=disagreement,
        letter=letter,
        version=1,
        user=staff,
    )


def path_values(objects) -> dict[str, object]:
    """A valid value for every path parameter of every route, from `build_objects`' objects."""
    return {
        "plan_id": objects["plan"].id,
        "control_id": objects["control"].id,
        "action_id": objects["action"].id,
        "observation_id": objects["observation"].id,
        "review_id": objects["review"].id,
        "attachment_id": objects["attachment"].id,
        "meeting_id": objects["meeting"].id,
        "support_id": objects["support"].id,
        "adjustment_id": objects["adjustment"].id,
        "referral_id": objects["referral"].id,
        "approval_id": objects["approval"].id,
        "service_id": objects["plan"].service_id,
        "escalation_id": objects["escalation"].id,
        "ack_id": objects["disagreement"].id,
        "letter_id": objects["letter"].id,
        "version": objects["version"],
        "user_id": objects["user"].id,
        "notification_id": 1,
        "filename": "css/app.css",
        "token": "not-a-real-token",
    }


def url_for_rule(rule, values: dict[str, object]) -> str:
    """The rule's URL with `values` (from `path_values`, read once: each request's commit expires
    the objects, so reading them again per route would reload every one)."""
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(values[m.group(1)]), rule.rule)


def outcome(response) -> str:
    if response.status_code in (401,) or (
        response.status_code == 302 and "/login" in response.headers.get("Location", "")
    ):
        return LOGIN
    if response.status_code in (403, 404):
        return str(response.status_code)
    assert response.status_code not in (405, 500), response.status_code
    return ALLOW


@pytest.fixture
def matrix(app, world, make_plan):
    app.config["FROZEN_TODAY"] = TODAY.isoformat()
    w = world
    return {
        "own": build_objects(w, make_plan, w["home"], w["staff"], w["manager"], w["senior"]),
        "other": build_objects(w, make_plan, w["other"], w["other_staff"], w["other_manager"], w["other_senior"]),
        "own closed": build_objects(w, make_plan, w["home"], w["staff"], w["manager"], w["senior"], closed=True),
    }


def test_every_route_has_a_policy_decision(app):
    missing = sorted(r.endpoint for r in app.url_map.iter_rules() if r.endpoint not in RULES)
    assert missing == [], f"routes with no access rule in tests/test_access_matrix.py: {missing}"


@pytest.mark.parametrize("role", ROLES)  # one test per role, so parallel workers share the walk
def test_access_matrix(app, world, matrix, sign_in, role):
    failures = []
    rules = [r for r in app.url_map.iter_rules() if r.endpoint in RULES]
    user = world[role]
    client = sign_in(user)
    for which, objects in matrix.items():
        values = path_values(objects)
        # Session-ending routes last, each with a fresh sign-in (which itself ends older sessions).
        for rule in sorted(rules, key=lambda r: r.endpoint in SESSION_ENDING):
            if RULES[rule.endpoint] is public:
                continue
            expected = RULES[rule.endpoint](user, objects)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                caller = sign_in(user) if rule.endpoint in SESSION_ENDING else client
                url = url_for_rule(rule, values)
                response = caller.get(url) if method == "GET" else caller.post(url, data={})
                got = outcome(response)
                if got != expected:
                    failures.append(
                        f"{role:8} {which:10} {method:4} {url}: expected {expected}, got {got} ({response.status_code})"
                    )
        client = sign_in(user)
    assert failures == [], "\n".join(failures)


def test_signed_out_visitors_are_sent_to_sign_in(app, matrix):
    client = app.test_client()
    values = path_values(matrix["own"])
    for rule in app.url_map.iter_rules():
        if RULES.get(rule.endpoint, "unknown") is public:
            continue
        url = url_for_rule(rule, values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.get(url) if method == "GET" else client.post(url)
            # a POST without a session has no CSRF token either: refused before anything else
            assert outcome(response) == LOGIN or (method == "POST" and response.status_code == 400), (method, url)
