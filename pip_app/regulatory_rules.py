"""Which regulatory referrals a registered manager must decide on, from plain values (issue 20).

A plan needs recorded decisions once any of these is true (`triggered`; `reasons` says which, in
words; sources: /work/shared/domain/fair-process.md §3):

- it moved to a formal stage (its stage is no longer "informal");
- it closed "not achieved", or ended because the staff member left during the procedure (the DBS
  duty holds whether the person was dismissed, moved or left);
- an interim control of restricted duties, or of removal from regulated activity, is in force.

The checklist then asks about:

- the DBS referral test (Safeguarding Vulnerable Groups Act 2006): always, once triggered — a
  regulated-activity provider must refer someone it removed (or would have removed) from
  regulated activity because of harm or the risk of harm; not referring is an offence;
- the professional regulator (CQC Regulation 19(5)): when the staff member is on the NMC, HCPC
  or Social Work England register;
- the nation's workforce regulator: the SSSC in Scotland, Social Care Wales in Wales, the NISCC
  in Northern Ireland;
- a local-authority safeguarding referral: always, once triggered.

A nation or register not recorded yet is asked about rather than assumed away: the manager may
answer "not applicable" with the reason, but a referral is never silently left out.
"""

from __future__ import annotations

from collections.abc import Iterable

PROFESSIONAL_REGISTERS = {"nmc": "the NMC", "hcpc": "the HCPC", "swe": "Social Work England"}
WORKFORCE_REGULATORS = {"scotland": "the SSSC", "wales": "Social Care Wales", "northern_ireland": "the NISCC"}
# What sets the checklist off, as stored values (ClosureOutcome, ControlKind, PlanStage), each with
# the words the checklist uses to say why it is asked.
TRIGGER_OUTCOMES = {
    "not_achieved": "closed “not achieved”",
    "left": "ended because the staff member left during the procedure",
}
TRIGGER_CONTROLS = {
    "restricted_duties": "has an interim control of restricted duties in force",
    "removed_from_regulated_activity": "has an interim control removing the staff member from regulated activity",
}
INFORMAL = "informal"
# When the checklist is asked for, in the words of the plan page and the closure summary.
WHEN_NEEDED = (
    "when a plan moves to a formal stage, closes “not achieved” or because the staff member left during "
    "the procedure, or has an interim control of restricted duties or of removal from regulated activity in force"
)
NONE_NEEDED = (
    "the plan stayed informal, did not close “not achieved” or because the staff member left, and had no "
    "restricted duties or removal from regulated activity in force"
)
ORDER = ("dbs", "professional", "workforce", "safeguarding")


def _value(x: object) -> str | None:
    return None if x is None else str(getattr(x, "value", x))


def reasons(outcome: object, active_control_kinds: Iterable[object], *, stage: object) -> list[str]:
    """Why the plan needs regulatory decisions, in words (empty: it does not). `outcome`: the
    closure's, or None while open; `active_control_kinds`: the kinds of its controls in force;
    `stage`: its stage (None is informal)."""
    found = []
    if (_value(stage) or INFORMAL) != INFORMAL:
        found.append("moved to a formal stage")
    outcome_value = _value(outcome)
    if outcome_value in TRIGGER_OUTCOMES:
        found.append(TRIGGER_OUTCOMES[outcome_value])
    kinds = {_value(k) for k in active_control_kinds}
    found += [words for kind, words in TRIGGER_CONTROLS.items() if kind in kinds]
    return found


def in_words(found: list[str]) -> str:
    """The reasons as one phrase: "moved to a formal stage and closed “not achieved”"."""
    if len(found) < 2:
        return "".join(found)
    return ", ".join(found[:-1]) + " and " + found[-1]


def triggered(outcome: object, active_control_kinds: Iterable[object], *, stage: object) -> bool:
    """The plan needs regulatory decisions: a formal stage, a closure "not achieved" or because the
    staff member left, or restricted duties or removal from regulated activity in force."""
    return bool(reasons(outcome, active_control_kinds, stage=stage))


def questions(nation: object, register: object) -> list[str]:
    """The questions that apply to this staff member, in order (the trigger aside)."""
    nation, register = _value(nation), _value(register)
    applies = {
        "dbs": True,
        "professional": register is None or register in PROFESSIONAL_REGISTERS,
        "workforce": nation is None or nation in WORKFORCE_REGULATORS,
        "safeguarding": True,
    }
    return [q for q in ORDER if applies[q]]


def outstanding(
    outcome: object,
    active_control_kinds: Iterable[object],
    nation: object,
    register: object,
    answered: Iterable[object],
    *,
    stage: object,
) -> list[str]:
    """The applicable questions not yet answered (empty when none are needed)."""
    if not triggered(outcome, active_control_kinds, stage=stage):
        return []
    done = {_value(q) for q in answered}
    return [q for q in questions(nation, register) if q not in done]


def professional_regulator(register: object) -> str:
    """Who the professional-regulator question is about, in words."""
    return PROFESSIONAL_REGISTERS.get(_value(register) or "", "the NMC, HCPC or Social Work England")


def workforce_regulator(nation: object) -> str:
    """Who the workforce-regulator question is about, in words."""
    return WORKFORCE_REGULATORS.get(
        _value(nation) or "", "the SSSC (Scotland), Social Care Wales (Wales) or the NISCC (Northern Ireland)"
    )
