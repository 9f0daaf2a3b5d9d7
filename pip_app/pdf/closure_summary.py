"""The closure's parts of the closure summary PDF: the outcome box on the first page, and the
closure section (the four evidence sections and the final measures)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from ..regulatory_rules import NONE_NEEDED
from ..summaries import CLOSURE_SECTIONS, ClosureSummary, PlanSummary
from .blocks import (
    ALERT,
    BRAND,
    CONTENT_WIDTH,
    INK,
    OK,
    WARN,
    WASH,
    Styles,
    fixed,
    format_value,
    grid_table,
    markup,
    met_text,
    para,
    target_text,
    when,
)
from .fair_process import fair_process_parts


def outcome_box(closure: ClosureSummary, st: Styles) -> Table:
    """The outcome, coloured by how it went, with the staff member's acknowledgement under it."""
    colour = {"achieved": OK, "partly": WARN, "not_achieved": ALERT}.get(closure.outcome_code, BRAND)
    box = Table(
        [
            [fixed("Outcome", st["label"])],
            [fixed(markup(closure.outcome), st["outcome"])],
            [fixed(markup(closure.acknowledgement), st["small"])],
        ],
        colWidths=[CONTENT_WIDTH],
        hAlign="LEFT",
    )
    box.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), WASH),
                ("LINEBEFORE", (0, 0), (0, -1), 4, colour),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, 0), 6),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 7),
            ]
        )
    )
    return box


def closure_section(summary: PlanSummary, st: Styles, number: int) -> list[Flowable]:
    """The closure: its outcome, who closed it and when, the four sections and the final measures."""
    closure = summary.closure
    assert closure is not None
    story: list[Flowable] = [
        fixed(f"{number}. Closure: the evidence summary", st["h1"]),
        fixed(
            f"Outcome: <b>{markup(closure.outcome)}</b>. Closed on {when(closure.closed_at)} by "
            f"{markup(closure.closed_by)}.",
            st["body"],
        ),
    ]
    for key, heading in CLOSURE_SECTIONS:
        story.append(fixed(escape(heading), st["h2"]))
        story.append(para(getattr(closure, key), st["body"]))
    measured = [a for a in summary.actions if a.measure]
    if measured:
        story.append(fixed("Final measures", st["h2"]))
        rows = [[fixed(h, st["head"]) for h in ("Action", "Measure", "Baseline", "Final", "Target", "Met")]]
        for action in measured:
            m = action.measure
            assert m is not None  # `measured` holds only actions with a measure
            rows.append(
                [
                    fixed(markup(action.ref), st["cellbold"]),
                    para(m.name, st["cell"]),
                    para(format_value(m.baseline, m.unit), st["cell"]),
                    para(format_value(m.final, m.unit), st["cell"]),
                    para(target_text(m), st["cell"]),
                    fixed(met_text(m.met), st["cell"]),
                ]
            )
        story.append(grid_table(rows, [14 * mm, 52 * mm, 22 * mm, 22 * mm, 40 * mm, CONTENT_WIDTH - 150 * mm]))
    story += fair_process_parts(summary.fair_process, st)
    story += decision_parts(summary, st)
    story += regulatory_parts(summary, st)
    return story


def regulatory_parts(summary: PlanSummary, st: Styles) -> list[Flowable]:
    """The registered manager's regulatory decisions (issue 20): why they were asked for, then each
    question, the decision, the rationale, who decided and when, the reference."""
    story: list[Flowable] = [fixed("Regulatory considerations", st["h2"])]
    if not summary.regulatory:
        return story + [
            fixed(
                f"None were needed: {NONE_NEEDED}.",
                st["body"],
            )
        ]
    if summary.regulatory_why:
        story.append(para(f"Asked for: the plan {summary.regulatory_why}.", st["body"]))
    rows = [[fixed(h, st["head"]) for h in ("Question", "Decision", "Rationale", "Decided by", "Reference")]]
    for r in summary.regulatory:
        decided = f"{r.decided_by}, {when(r.decided_on)}" if r.decided_on else "\u2014"
        rows.append(
            [
                para(r.question, st["cell"]),
                para(r.answer, st["cell"]),
                para(r.rationale or "\u2014", st["cell"]),
                para(decided, st["cell"]),
                para(r.reference or "\u2014", st["cell"]),
            ]
        )
    story.append(grid_table(rows, [38 * mm, 22 * mm, 58 * mm, 32 * mm, CONTENT_WIDTH - 150 * mm], zebra=True))
    return story


def decision_parts(summary: PlanSummary, st: Styles) -> list[Flowable]:
    """Decisions that needed a second person (issue 18): approvals and escalations."""
    story: list[Flowable] = [fixed("Approvals and escalations", st["h2"])]
    if not summary.decisions:
        return story + [fixed("No approvals or escalations are on record.", st["body"])]
    rows = [[fixed(h, st["head"]) for h in ("Decision", "Asked by", "Decided", "Comment or rationale")]]
    for d in summary.decisions:
        rows.append(
            [
                para(d.what, st["cell"]),
                para(d.asked, st["cell"]),
                para(d.decided, st["cell"]),
                para(d.detail or "\u2014", st["cell"]),
            ]
        )
    story.append(grid_table(rows, [40 * mm, 36 * mm, 40 * mm, CONTENT_WIDTH - 116 * mm], zebra=True))
    return story


def versions_section(summary: PlanSummary, st: Styles, number: int) -> list[Flowable]:
    """Each issued version: who issued it, when, the changes in plain words, the staff member's
    response; then why the plan was issued with actions not fully measurable, if it was."""
    story: list[Flowable] = [fixed(f"{number}. Versions and changes", st["h1"])]
    if not summary.versions:
        story.append(fixed("No issued versions are on record.", st["body"]))
    else:
        rows = [[fixed(h, st["head"]) for h in ("Version", "Issued", "What changed", "Staff member’s response")]]
        for v in summary.versions:
            changed = "\n".join(filter(None, [v.change_summary, *("• " + c for c in v.changes)])) or "\u2014"
            rows.append(
                [
                    fixed(f"Version {v.version}", st["cellbold"]),
                    para(f"{when(v.issued_at)}\nby {v.issued_by}", st["cell"]),
                    para(changed, st["cell"]),
                    para(v.response, st["cell"]),
                ]
            )
        story.append(grid_table(rows, [20 * mm, 32 * mm, 78 * mm, CONTENT_WIDTH - 130 * mm], zebra=True))
    flagged = [a for a in summary.actions if a.findings]
    if summary.quality_override_reason or flagged:
        story.append(fixed("Issued with actions not yet fully measurable", st["h2"]))
        if summary.quality_override_reason:
            story.append(fixed(f"<b>Reason given:</b> {markup(summary.quality_override_reason)}", st["body"]))
        for action in flagged:
            story.append(
                fixed(
                    f"<b>{markup(action.ref)}</b> “{markup(action.behaviour)}”: {markup('; '.join(action.findings))}",
                    st["body"],
                )
            )
    return story


def outstanding_section(summary: PlanSummary, st: Styles, number: int) -> list[Flowable]:
    """What the staff member was asked to acknowledge and did not, and for how long."""
    story: list[Flowable] = [fixed(f"{number}. Not acknowledged", st["h1"])]
    if not summary.outstanding:
        story.append(fixed(f"{markup(summary.staff)} acknowledged everything they were asked to.", st["body"]))
        return story
    story.append(
        fixed(
            f"{markup(summary.staff)} was asked to acknowledge these and had not when this summary was made "
            f"({when(summary.generated_at)}).",
            st["intro"],
        )
    )
    rows = [[fixed(h, st["head"]) for h in ("Not acknowledged", "Asked on", "Waiting")]]
    for item in summary.outstanding:
        rows.append(
            [
                para(item.subject, st["cell"]),
                fixed(when(item.since), st["cell"]),
                fixed(f"{item.days} day{'s' if item.days != 1 else ''}", st["cell"]),
            ]
        )
    story.append(grid_table(rows, [90 * mm, 40 * mm, CONTENT_WIDTH - 130 * mm], zebra=True))
    return story


def evidence_section(summary: PlanSummary, st: Styles, number: int) -> list[Flowable]:
    """Every attached file: what it is, what it is attached to, when and by whom, whether the
    staff member had a copy, and its SHA-256 (so any copy can be checked against the record)."""
    story: list[Flowable] = [
        fixed(f"{number}. Evidence index", st["h1"]),
        fixed(
            "The files kept with this plan. The SHA-256 fingerprint identifies each exactly: a copy whose "
            "fingerprint differs is not the file on record.",
            st["intro"],
        ),
    ]
    if not summary.evidence:
        story.append(fixed("No files are attached to this plan.", st["body"]))
    else:
        rows = [[fixed(h, st["head"]) for h in ("#", "File and SHA-256", "Attached to", "Added", "Copy given")]]
        for n, e in enumerate(summary.evidence, start=1):
            restricted = " <font color='#a4161a'>(restricted)</font>" if e.restricted else ""
            rows.append(
                [
                    fixed(str(n), st["cell"]),
                    fixed(
                        f"<b>{markup(e.filename)}</b>{restricted}<br/>{markup(e.description)}<br/>"
                        f"<font size='7' color='#4f5560'>{markup(e.kind)}, {markup(e.size)}</font><br/>"
                        f"<font name='Courier' size='6.5'>{e.sha256}</font>",
                        st["cell"],
                    ),
                    para(e.attached_to, st["cell"]),
                    para(f"{when(e.uploaded_at)}\nby {e.uploaded_by}", st["cell"]),
                    fixed(when(e.copy_given_on) if e.copy_given_on else "No", st["cell"]),
                ]
            )
        story.append(grid_table(rows, [8 * mm, 92 * mm, 30 * mm, 26 * mm, CONTENT_WIDTH - 156 * mm], zebra=True))
    if summary.evidence_withheld:
        story.append(
            fixed(
                f"{summary.evidence_withheld} restricted file{'s are' if summary.evidence_withheld != 1 else ' is'} "
                "held for the registered managers and HR and not listed here.",
                st["small"],
            )
        )
    return story


def signatures_section(summary: PlanSummary, st: Styles, number: int) -> list[Flowable]:
    """Signature lines for the closing manager and the registered manager."""
    closure = summary.closure
    closer = closure.closed_by if closure else summary.manager
    rows = [
        [fixed("Closing manager", st["label"]), fixed("Registered manager", st["label"])],
        [para(closer, st["body"]), para(summary.registered_manager or "\u2014", st["body"])],
        [Spacer(1, 14 * mm), Spacer(1, 14 * mm)],
        [fixed("Signature", st["small"]), fixed("Signature", st["small"])],
        [Spacer(1, 8 * mm), Spacer(1, 8 * mm)],
        [fixed("Date", st["small"]), fixed("Date", st["small"])],
    ]
    half = (CONTENT_WIDTH - 10 * mm) / 2
    table = Table(rows, colWidths=[half + 5 * mm, half + 5 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 12),
                ("LINEABOVE", (0, 3), (-1, 3), 0.8, INK),
                ("LINEABOVE", (0, 5), (-1, 5), 0.8, INK),
            ]
        )
    )
    return [
        KeepTogether(
            [
                fixed(f"{number}. Signatures", st["h1"]),
                fixed("Signed to confirm this summary is a true record of the plan and how it closed.", st["intro"]),
                table,
            ]
        )
    ]
