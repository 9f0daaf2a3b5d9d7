"""Each kind of notification: who it is for, whether the person's digest preference applies,
and whether it is a reminder (skipped when, by the time it goes, it is no longer due)."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import NotificationKind as Kind

# Who a kind is for; the sender checks the person still is that (pip_app/services/outbox.py).
STAFF = "staff"  # the person on the plan, who acknowledges
MANAGER = "manager"  # the plan's line manager (or a senior managing it)
SENIOR = "senior"  # a registered manager of the plan's service
RESPONSIBLE = "responsible"  # the person responsible for an interim control
OBSERVER = "observer"  # the observer of an observed shift
APPROVER = "approver"  # whoever may approve the plan's requests (policy.can_approve)
PLAN_READER = "reader"  # anyone who may still read the plan (the staff member and its manager)
ANYONE = "anyone"  # the digest: whoever it lists things for
HEARER = "hearer"  # whoever was chosen to hear the appeal


@dataclass(frozen=True)
class KindRule:
    audience: str
    # Acknowledgement requests go as they happen whatever the person chose; everything else
    # waits for the digest when the person chose "digest only".
    always_immediate: bool = False
    # Found by send-notifications from the flags (not written by an event).
    reminder: bool = False


RULES: dict[Kind, KindRule] = {
    Kind.ACKNOWLEDGE_PLAN: KindRule(STAFF, always_immediate=True),
    Kind.ACKNOWLEDGE_REVIEW: KindRule(STAFF, always_immediate=True),
    Kind.ACKNOWLEDGE_CLOSURE: KindRule(STAFF, always_immediate=True),
    Kind.ACK_REMINDER: KindRule(STAFF, always_immediate=True, reminder=True),
    Kind.ACK_OUTSTANDING: KindRule(MANAGER, reminder=True),
    Kind.DISAGREEMENT: KindRule(MANAGER),
    Kind.ESCALATION: KindRule(SENIOR),
    Kind.ESCALATION_DECIDED: KindRule(PLAN_READER),
    Kind.APPROVAL_REQUESTED: KindRule(APPROVER),
    Kind.APPROVAL_DECIDED: KindRule(MANAGER),
    Kind.REVIEW_DUE: KindRule(MANAGER, reminder=True),
    Kind.REVIEW_OVERDUE: KindRule(MANAGER, reminder=True),
    Kind.PAST_END_DATE: KindRule(MANAGER, reminder=True),
    Kind.CONTROL_REVIEW_PASSED: KindRule(RESPONSIBLE, reminder=True),
    Kind.CONTROL_NOT_CHECKED: KindRule(RESPONSIBLE, reminder=True),
    Kind.OBSERVATION_TOMORROW: KindRule(OBSERVER, reminder=True),
    Kind.OBSERVATION_UPDATE: KindRule(OBSERVER),
    Kind.OBSERVATION_CANCELLED: KindRule(OBSERVER),
    Kind.OBSERVATION_OVERDUE: KindRule(MANAGER, reminder=True),
    Kind.DIGEST: KindRule(ANYONE, always_immediate=True),
    Kind.DISAGREEMENT_RESPONSE: KindRule(STAFF),
    Kind.LETTER_SENT: KindRule(STAFF, always_immediate=True),
    Kind.APPEAL_TO_HEAR: KindRule(HEARER),
    Kind.APPEAL_DECIDED: KindRule(STAFF),
}


def waits_for_digest(kind: Kind, digest_only: bool) -> bool:
    """Whether this email is left to the person's daily digest instead of going on its own."""
    return digest_only and not RULES[kind].always_immediate
