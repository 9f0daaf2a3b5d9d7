"""The plan PDF: a PlanSummary in, PDF bytes out; with a closure it is the closure summary
(the closure's own parts are in closure_summary.py), without one the plan as issued so far."""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, Spacer, Table, TableStyle

from ..formatting import format_baseline
from ..summaries import ActionRow, PlanSummary
from .blocks import (
    CONFIDENTIAL,
    CONTENT_WIDTH,
    LINE,
    WASH,
    Flowing,
    Furniture,
    KeepOnPage,
    Styles,
    document,
    fact_table,
    fixed,
    format_value,
    grid_table,
    make_styles,
    markup,
    measure_chart,
    met_text,
    numbered_canvas,
    para,
    register_fonts,
    target_text,
    unpack,
    when,
)
from .closure_summary import (
    closure_section,
    evidence_section,
    outcome_box,
    outstanding_section,
    signatures_section,
    versions_section,
)

# --- Sections ---------------------------------------------------------------------------------


def header_block(summary: PlanSummary, st: Styles) -> list[Flowable]:
    story = [
        fixed(escape(summary.document_title.upper()) + " \u00b7 " + escape(CONFIDENTIAL), st["kicker"]),
        fixed(markup(summary.reference), st["title"]),
        fixed(markup(f"{summary.staff}, {summary.service}"), st["subtitle"]),
    ]
    facts = [
        ("Staff member", summary.staff),
        ("Service", summary.service),
        ("Line manager", summary.manager),
        ("Plan dates", f"{when(summary.start_date)} to {when(summary.planned_end_date)}"),
        ("Risk area", summary.risk_area),
        ("Stage", f"{summary.stage} ({summary.plan_type.lower()} plan)"),
        ("Plan version", f"Version {summary.version}"),
    ]
    if summary.closure:
        facts += [("Closed", when(summary.closure.closed_at)), ("Closed by", summary.closure.closed_by)]
    else:
        facts += [("Status", summary.status), ("Reviews held", str(len(summary.reviews)))]
    story.append(fact_table(facts, st))
    story.append(Spacer(1, 6))
    if summary.closure:
        story.append(outcome_box(summary.closure, st))
    return story


def risk_section(summary: PlanSummary, st: Styles) -> list[Flowable]:
    story = [fixed("1. Risk to people using the service", st["h1"])]
    story.append(fixed("Risk statement", st["h2"]))
    story.append(para(summary.risk_statement or "\u2014", st["body"]))
    story.append(fixed("Evidence base", st["h2"]))
    sources = ", ".join(summary.evidence_sources) or "\u2014"
    story.append(fixed(f"<b>What showed it:</b> {markup(sources)}", st["body"]))
    if summary.evidence_detail:
        story.append(para(summary.evidence_detail, st["body"]))
    story.append(
        fixed(f"<b>CQC key questions affected:</b> {markup(', '.join(summary.key_questions) or '—')}", st["body"])
    )
    baseline = format_baseline(summary.baseline_text, summary.baseline_figure)
    story.append(fixed(f"<b>Baseline:</b> {markup(baseline)}", st["body"]))
    return story


def controls_section(summary: PlanSummary, st: Styles, number: int) -> list[Flowable]:
    story = [
        fixed(f"{number}. Interim controls", st["h1"]),
        fixed("How people were protected while practice changed.", st["intro"]),
    ]
    if not summary.controls:
        reason = summary.no_control_reason or "No interim control was recorded."
        story.append(fixed(f"<b>No interim control was needed because:</b> {markup(reason)}", st["body"]))
        return story
    rows = [[fixed(h, st["head"]) for h in ("Control", "Responsible", "Started", "Review by", "Status and rationale")]]
    for c in summary.controls:
        status = f"<b>{markup(c.status)}</b>"
        if c.lifted_on:
            status += f" on {when(c.lifted_on)}"
            if c.lifted_by:
                status += f" by {markup(c.lifted_by)}"
            if c.lift_rationale:
                status += f": {markup(c.lift_rationale)}"
        elif c.last_checked_on:
            status += f"; last checked {when(c.last_checked_on)}"
        if c.continued:
            status += f"<br/>{markup(c.continued)}"
        rows.append(
            [
                fixed(f"<b>{markup(c.kind)}</b><br/>{markup(c.detail)}", st["cell"]),
                para(c.responsible, st["cell"]),
                para(when(c.start_date), st["cell"]),
                para(when(c.review_by_date), st["cell"]),
                fixed(status, st["cell"]),
            ]
        )
    story.append(grid_table(rows, [52 * mm, 26 * mm, 22 * mm, 22 * mm, CONTENT_WIDTH - 122 * mm]))
    return story


def actions_section(summary: PlanSummary, st: Styles, number: int) -> list[Flowable]:
    story = [
        fixed(f"{number}. Actions and measures", st["h1"]),
        fixed(
            "Each action: what the person does differently, when, how it is checked and what good "
            "looks like. <i>Completed</i> means it was done; <i>assured</i> means evidence showed practice "
            "changed.",
            st["intro"],
        ),
    ]
    if not summary.actions:
        story.append(fixed("No actions were recorded.", st["body"]))
    for action in summary.actions:
        flag = " \u00b7 <font color='#a4161a'>flagged: not fully measurable</font>" if action.findings else ""
        heading = fixed(f"{markup(action.ref)} \u00b7 {markup(action.status)}{flag}", st["h2"])
        parts = [
            ("What changes", action.behaviour),
            ("When", action.when),
            ("How it is checked", action.check_method),
            ("What good looks like", action.success_criterion),
        ]
        owner = action.owner or "\u2014"
        if action.due_date:
            owner += f", due {when(action.due_date)}"
        parts.append(("Owner", owner))
        if action.completion_evidence:
            parts.append(("Completion evidence", action.completion_evidence))
        if action.assurance_evidence:
            parts.append(("Assurance evidence", action.assurance_evidence))
        if action.status_reason:
            parts.append(("Reason for status", action.status_reason))
        if action.findings:
            parts.append(("Flagged as not fully measurable", "\n".join(action.findings)))
        rows = [[fixed(escape(label), st["label"]), para(text or "\u2014", st["cell"])] for label, text in parts]
        table = Table(rows, colWidths=[34 * mm, CONTENT_WIDTH - 34 * mm], hAlign="LEFT", splitInRow=1)
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                    ("LINEBELOW", (0, 0), (-1, -2), 0.3, LINE),
                ]
            )
        )
        block = [heading, table]
        if action.measure:
            m = action.measure
            facts = (
                f"<b>{markup(m.name)}</b><br/>"
                f"Baseline {markup(format_value(m.baseline, m.unit))} \u2192 final "
                f"<b>{markup(format_value(m.final, m.unit))}</b><br/>"
                f"Target: {markup(target_text(m))}<br/>"
                f"{met_text(m.met)}"
                f"{' (' + str(len(m.values)) + ' measured check' + ('s' if len(m.values) != 1 else '') + ')' if m.values else ''}"
            )
            chart_table = Table(
                [[fixed(facts, st["cell"]), measure_chart(m)]],
                colWidths=[CONTENT_WIDTH - 82 * mm, 82 * mm],
                hAlign="LEFT",
            )
            chart_table.setStyle(
                TableStyle(
                    [
                        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                        ("BACKGROUND", (0, 0), (-1, -1), WASH),
                        ("LEFTPADDING", (0, 0), (-1, -1), 8),
                        ("TOPPADDING", (0, 0), (-1, -1), 5),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                    ]
                )
            )
            block += [Spacer(1, 3), chart_table]
        if action is summary.actions[0] and _short(action):
            # The section heading stays on the page of its first action; if the action does not
            # fit in what is left of the page, it flows on from here rather than leave the rest
            # of the page empty (page 1 of a plan was once half empty for this).
            story = [KeepOnPage(story + block)]
        else:
            story.append(KeepOnPage(block) if _short(action) else Flowing(block))
        story.append(Spacer(1, 6))
    return story


def _short(action: ActionRow) -> bool:
    """Whether an action is short enough to keep on one page (long text is allowed to flow)."""
    text = [
        action.behaviour,
        action.check_method,
        action.success_criterion,
        action.completion_evidence,
        action.assurance_evidence,
        action.status_reason,
    ]
    return sum(len(t or "") for t in text) < 1500


def observations_section(summary: PlanSummary, st: Styles, number: int) -> list[Flowable]:
    counts = summary.observation_counts
    story = [fixed(f"{number}. Observed practice", st["h1"])]
    line = (
        f"<b>{counts.scheduled}</b> observed shift{'s' if counts.scheduled != 1 else ''} planned; "
        f"<b>{counts.done}</b> done (met {counts.met}, partly met {counts.partly_met}, not met {counts.not_met}); "
        f"missed {counts.missed}; cancelled {counts.cancelled}; still planned {counts.still_planned}."
    )
    story.append(fixed(line, st["body"]))
    if summary.observations:
        rows = [[fixed(h, st["head"]) for h in ("Date", "Shift", "Observer", "Focus", "Status", "Outcome and notes")]]
        for o in summary.observations:
            outcome = markup(o.outcome) if o.outcome else "\u2014"
            if o.notes:
                outcome = f"<b>{outcome}</b>: {markup(o.notes)}" if o.outcome else markup(o.notes)
            rows.append(
                [
                    para(when(o.scheduled_on), st["cell"]),
                    para(o.shift, st["cell"]),
                    para(o.observer, st["cell"]),
                    para(o.focus or "\u2014", st["cell"]),
                    para(o.status, st["cell"]),
                    fixed(outcome, st["cell"]),
                ]
            )
        story.append(
            grid_table(rows, [23 * mm, 15 * mm, 28 * mm, 14 * mm, 18 * mm, CONTENT_WIDTH - 98 * mm], zebra=True)
        )
    return story


def reviews_section(summary: PlanSummary, st: Styles, number: int) -> list[Flowable]:
    story = [fixed(f"{number}. Weekly reviews", st["h1"])]
    if not summary.reviews:
        story.append(fixed("No weekly reviews were recorded.", st["body"]))
        return story
    first, last = summary.reviews[0].review_date, summary.reviews[-1].review_date
    story.append(
        fixed(
            f"{len(summary.reviews)} review{'s' if len(summary.reviews) != 1 else ''} from "
            f"{when(first)} to {when(last)}.",
            st["intro"],
        )
    )
    rows = [[fixed(h, st["head"]) for h in ("Date", "Reviewer", "Progress by action", "Summary and decision")]]
    for r in summary.reviews:
        progress = (
            "<br/>".join(
                f"<b>{markup(e.ref)}</b> {markup(e.progress)}"
                + (f", {markup(e.value)}" if e.value else "")
                + (f": {markup(e.note)}" if e.note else "")
                for e in r.entries
            )
            or "\u2014"
        )
        text = markup(r.summary) if r.summary else ""
        decision = f"<b>Decision:</b> {markup(r.decision)}"
        if r.next_review_date:
            decision += f"; next review {when(r.next_review_date)}"
        text = f"{text}<br/>{decision}" if text else decision
        if r.staff_comment:
            text += f"<br/><b>Staff comment:</b> {markup(r.staff_comment)}"
        if r.from_meeting:
            text += f"<br/><i>{markup(r.from_meeting)}</i>"
        date_cell = when(r.review_date)
        if r.superseded:
            date_cell += "<br/><i>(corrected by a later entry)</i>"
        rows.append(
            [
                fixed(date_cell, st["cell"]),
                para(r.reviewer, st["cell"]),
                fixed(progress, st["cell"]),
                fixed(text, st["cell"]),
            ]
        )
    story.append(grid_table(rows, [24 * mm, 28 * mm, 56 * mm, CONTENT_WIDTH - 108 * mm], zebra=True))
    return story


def acks_section(summary: PlanSummary, st: Styles, number: int) -> list[Flowable]:
    story = [fixed(f"{number}. Acknowledgements by the staff member", st["h1"])]
    if summary.closure:
        story.append(fixed(f"<b>Closure:</b> {markup(summary.closure.acknowledgement)}", st["body"]))
    if not summary.acknowledgements:
        story.append(fixed("No acknowledgements were recorded.", st["body"]))
        return story
    rows = [[fixed(h, st["head"]) for h in ("When", "Who", "What", "Response", "Comment")]]
    for a in summary.acknowledgements:
        rows.append(
            [
                para(when(a.at), st["cell"]),
                para(a.who, st["cell"]),
                para(a.subject, st["cell"]),
                fixed(f"<b>{markup(a.response)}</b>", st["cell"]),
                fixed(
                    markup(a.comment or "\u2014") + (f"<br/><b>Response:</b> {markup(a.answer)}" if a.answer else ""),
                    st["cell"],
                ),
            ]
        )
    story.append(grid_table(rows, [34 * mm, 28 * mm, 34 * mm, 22 * mm, CONTENT_WIDTH - 118 * mm], zebra=True))
    return story


def furniture(summary: PlanSummary, title: str) -> Furniture:
    """Every page's header (the reference, the staff member and service) and footer line."""
    return Furniture(
        reference=summary.reference,
        who=f"{summary.staff} \u00b7 {summary.service}",
        footer=f"{title} \u00b7 plan version {summary.version} \u00b7 generated "
        f"{when(summary.generated_at)} (UK time) by {summary.generated_by}",
    )


def render_plan_pdf(summary: PlanSummary) -> bytes:
    """Build the PDF for one plan: the closure summary if it carries a closure, else the plan."""
    register_fonts()
    st = make_styles()
    buffer = BytesIO()
    doc = document(
        buffer,
        title=f"{summary.document_title} {summary.reference}",
        author=summary.closure.closed_by if summary.closure else summary.manager,
        subject=f"Performance improvement plan {summary.document_title.lower()}: {summary.staff}, {summary.service}",
        reference=summary.reference,
    )
    story = header_block(summary, st)
    story += risk_section(summary, st)
    number = 2
    if summary.closure:
        story += closure_section(summary, st, number)
        number += 1
    sections = [controls_section, actions_section, observations_section, reviews_section, acks_section]
    if summary.closure:
        sections = [versions_section, *sections, outstanding_section, evidence_section, signatures_section]
    for section in sections:
        story.append(CondPageBreak(45 * mm))
        story += section(summary, st, number)
        number += 1
    story.append(Spacer(1, 10))
    story.append(
        fixed(
            f"End of {escape(summary.document_title.lower())} for {markup(summary.reference)}. "
            f"{escape(CONFIDENTIAL)}: share only with people who need it.",
            st["small"],
        )
    )
    doc.build(unpack(story), canvasmaker=numbered_canvas(furniture(summary, summary.document_title)))
    return buffer.getvalue()
