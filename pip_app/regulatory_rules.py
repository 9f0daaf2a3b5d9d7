"""Which regulatory referrals a registered manager must decide on, from plain values (issue 20).

A plan needs recorded decisions when it closed "not achieved" or while an interim control of
restricted duties is in force (sources: /work/shared/domain/fair-process.md §3):

- the DBS referral test (Safeguarding Vulnerable Groups Act 2006): always, once triggered — a
  regulated-activity provider must refer someone it removed (or would have removed) from
  regulated activity because of harm or the risk of harm; not referring is an offence;
- the professional regulator (CQC Regulation 19(5)): when the staff member is on the NMC, HCPC
  or Social Work England register;
- the nation's workforce regulator: the SSSC in Scotland, Social Care Wales in Wales;
- a local-authority safeguarding referral: always, once triggered.

A nation or register not recorded yet is asked about rather than assumed away: the manager may
answer "not applicable" with the reason, but a referral is never silently left out.
"""

from __future__ import annotations

from collections.abc import Iterable

PROFESSIONAL_REGISTERS = {"nmc": "the NMC", "hcpc": "the HCPC", "swe": "Social Work England"}
WORKFORCE_REGULATORS = {"scotland": "the SSSC", "wales": "Social Care Wales"}
RESTRICTED_DUTIES = "restricted_duties"
NOT_ACHIEVED = "not_achieved"
ORDER = ("dbs", "professional", "workforce", "safeguarding")


def _value(x: object) -> str | None:
    return None if x is None else str(getattr(x, "value", x))


def triggered(outcome: object, active_control_kinds: Iterable[object]) -> bool:
    """The plan needs regulatory decisions: it closed "not achieved", or duties are restricted."""
    return _value(outcome) == NOT_ACHIEVED or any(_value(k) == RESTRICTED_DUTIES for k in active_control_kinds)


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
) -> list[str]:
    """The applicable questions not yet answered (empty when none are needed)."""
    if not triggered(outcome, active_control_kinds):
        return []
    done = {_value(q) for q in answered}
    return [q for q in questions(nation, register) if q not in done]


def professional_regulator(register: object) -> str:
    """Who the professional-regulator question is about, in words."""
    return PROFESSIONAL_REGISTERS.get(_value(register) or "", "the NMC, HCPC or Social Work England")


def workforce_regulator(nation: object) -> str:
    """Who the workforce-regulator question is about, in words."""
    return WORKFORCE_REGULATORS.get(_value(nation) or "", "the SSSC (Scotland) or Social Care Wales (Wales)")
