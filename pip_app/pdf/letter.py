"""A formal letter as a PDF (issue 20, point 2), in the closure summary's style: plain data in
(`letter_rules.LetterFacts`: the letter's content as fixed when drafted), bytes out. A letter
not yet sent says so at the top of its first page and across every page ("Draft — not sent")."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from ..letter_rules import (
    ACCOMPANIED,
    APPEAL_INVITATION,
    APPEAL_OUTCOME,
    APPEALABLE,
    HEARING_OUTCOME,
    IMPROVEMENT_NOTE,
    INVITATION,
    WARNINGS,
    LetterFacts,
)
from .blocks import (
    BOLD_FONT,
    CONFIDENTIAL,
    CONTENT_WIDTH,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    Furniture,
    Styles,
    document,
    fact_table,
    fixed,
    grid_table,
    make_styles,
    markup,
    numbered_canvas,
    para,
    register_fonts,
    when,
)

DRAFT_MARK = "Draft \u2014 not sent"
RECEIPT_NOTE = (
    "Please confirm in the app that you have received this letter. Confirming receipt does not mean "
    "that you agree with it."
)


def _day(value: str | None) -> str:
    return when(date.fromisoformat(value)) if value else "\u2014"


def _meeting_facts(meeting: dict[str, Any], st: Styles) -> list[Flowable]:
    facts = [
        ("Date", _day(meeting.get("date"))),
        ("Time", meeting.get("time") or "To be confirmed"),
        ("Place", meeting.get("place") or "To be confirmed"),
    ]
    return [fact_table(facts, st, columns=1), Spacer(1, 4)]


def _concern(content: dict[str, Any], st: Styles) -> list[Flowable]:
    concern = content.get("concern", {})
    story: list[Flowable] = [fixed("The concern", st["h2"])]
    story.append(fixed(f"<b>Area of practice:</b> {markup(concern.get('risk_area', ''))}", st["body"]))
    story.append(para(concern.get("risk_statement") or "\u2014", st["body"]))
    if concern.get("evidence"):
        story.append(fixed(f"<b>What showed it:</b> {markup(concern['evidence'])}", st["body"]))
    if concern.get("evidence_detail"):
        story.append(para(concern["evidence_detail"], st["body"]))
    if concern.get("baseline"):
        story.append(fixed(f"<b>Where practice stood:</b> {markup(concern['baseline'])}", st["body"]))
    return story


def _right_to_be_accompanied(st: Styles) -> list[Flowable]:
    return [fixed("Your right to be accompanied", st["h2"]), para(ACCOMPANIED, st["body"])]


def _contact(content: dict[str, Any], st: Styles) -> list[Flowable]:
    contact = content.get("contact", {})
    return [
        fixed("Who to contact", st["h2"]),
        fixed(
            f"If you have any questions, or need an adjustment to take part, contact {markup(contact.get('name', ''))}"
            f" ({markup(contact.get('email', ''))}).",
            st["body"],
        ),
    ]


def _improvement(facts: LetterFacts, st: Styles) -> list[Flowable]:
    content = facts.content
    story: list[Flowable] = [fixed("The improvement required", st["h2"])]
    actions = content.get("actions", [])
    if actions:
        rows: list[list[Any]] = [
            [
                fixed(h, st["head"])
                for h in ("Action", "What you will do differently", "How it is checked", "What good looks like")
            ]
        ]
        for a in actions:
            doing = a.get("behaviour", "") + (f"\n({a['when']})" if a.get("when") else "")
            rows.append(
                [
                    para(a.get("ref", ""), st["cellbold"]),
                    para(doing, st["cell"]),
                    para(a.get("check", ""), st["cell"]),
                    para(a.get("success", ""), st["cell"]),
                ]
            )
        story.append(grid_table(rows, [16 * mm, 62 * mm, 42 * mm, CONTENT_WIDTH - 120 * mm], zebra=True))
    else:
        story.append(fixed("No actions are on the plan.", st["body"]))
    story.append(fixed("Timescale and review", st["h2"]))
    review = content.get("next_review")
    text = f"The improvement is to be made and sustained by {escape(_day(content.get('end_date')))}."
    if review:
        text += f" Your progress will next be reviewed on {escape(_day(review))}, and regularly until then."
    story.append(fixed(text, st["body"]))
    story.append(fixed("Support", st["h2"]))
    support = content.get("support", [])
    if support:
        for s in support:
            line = f"{s.get('kind', '')}: {s.get('description', '')} (provided by {s.get('provided_by', '')}, from {_day(s.get('starts_on'))})"
            story.append(para("\u2022 " + line, st["body"]))
    else:
        story.append(fixed("No support is recorded yet. Tell your manager what would help you improve.", st["body"]))
    story.append(fixed("If the improvement is not made", st["h2"]))
    story.append(para(content.get("consequences", ""), st["body"]))
    story.append(fixed("When this expires", st["h2"]))
    story.append(
        fixed(
            f"This {escape(facts.title.lower())} stays on your record until "
            f"<b>{escape(when(facts.expires_on))}</b>, and is disregarded after that date.",
            st["body"],
        )
    )
    return story


def _appeal_right(facts: LetterFacts, st: Styles) -> list[Flowable]:
    contact = facts.content.get("contact", {}).get("name", "")
    if facts.appeal_by is not None:
        deadline = f"by <b>{escape(when(facts.appeal_by))}</b>"
    else:
        deadline = (
            f"within {facts.appeal_working_days} working days of the date this letter is sent "
            "(the date is shown here once it is sent)"
        )
    return [
        fixed("Your right of appeal", st["h2"]),
        fixed(
            f"You may appeal against this decision. Lodge your appeal in the app, or write to {markup(contact)} "
            f"or HR, giving your reasons, {deadline}. Your appeal will be heard by someone not previously "
            "involved in decisions on your plan, and you may be accompanied at the appeal hearing.",
            st["body"],
        ),
    ]


def _body(facts: LetterFacts, st: Styles) -> list[Flowable]:
    content, kind = facts.content, facts.kind
    story: list[Flowable] = [fixed(f"Dear {markup(facts.staff)},", st["body"])]
    if kind == INVITATION:
        story.append(
            fixed(
                "I am writing to invite you to a formal meeting under the capability procedure, to discuss the "
                "concern below about your practice and how it affects people using the service.",
                st["body"],
            )
        )
        story += [fixed("The meeting", st["h2"]), *_meeting_facts(content.get("meeting") or {}, st)]
        story += _concern(content, st)
        story.append(fixed("Evidence enclosed", st["h2"]))
        story.append(
            para(content.get("meeting", {}).get("evidence_enclosed") or "No documents are enclosed.", st["body"])
        )
        story += _right_to_be_accompanied(st)
        story.append(fixed("After the meeting", st["h2"]))
        story.append(
            fixed(
                "You will be able to give your account at the meeting. You will be told the outcome in writing, "
                "and of your right to appeal against it.",
                st["body"],
            )
        )
        story += _contact(content, st)
    elif kind in WARNINGS:
        stage = "formal stage 1" if kind == IMPROVEMENT_NOTE else "formal stage 2"
        what = "an improvement note" if kind == IMPROVEMENT_NOTE else "a final written warning"
        story.append(
            fixed(
                f"This letter confirms the outcome of the formal meeting: you are given {what} under {stage} "
                "of the capability procedure.",
                st["body"],
            )
        )
        story += _concern(content, st)
        story += _improvement(facts, st)
        story += _appeal_right(facts, st)
        story += _contact(content, st)
    elif kind == HEARING_OUTCOME:
        story.append(fixed("This letter confirms the outcome of the capability hearing.", st["body"]))
        story += _concern(content, st)
        story += [fixed("The outcome", st["h2"]), para(content.get("outcome", ""), st["body"])]
        story += _appeal_right(facts, st)
        story += _contact(content, st)
    elif kind in (APPEAL_INVITATION, APPEAL_OUTCOME):
        appeal = content.get("appeal", {})
        against = (appeal.get("against") or "decision").lower()
        hearer = appeal.get("hearer") or "a manager not previously involved in decisions on your plan"
        if kind == APPEAL_INVITATION:
            story.append(
                fixed(
                    f"You appealed on {escape(_day(appeal.get('lodged_on')))} against the {markup(against)}. "
                    f"Your appeal will be heard by {markup(hearer)}, who has not been involved in decisions on your plan.",
                    st["body"],
                )
            )
            story += [fixed("The appeal hearing", st["h2"]), *_meeting_facts(appeal.get("meeting") or {}, st)]
            story += _right_to_be_accompanied(st)
            story += _contact(content, st)
        else:
            story.append(
                fixed(
                    f"Your appeal of {escape(_day(appeal.get('lodged_on')))} against the {markup(against)} was heard by "
                    f"{markup(hearer)}, who decided on {escape(_day(appeal.get('decided_on')))}.",
                    st["body"],
                )
            )
            story += [
                fixed("The outcome", st["h2"]),
                fixed(f"<b>{markup(appeal.get('outcome', ''))}</b>", st["body"]),
                fixed("The reasons", st["h2"]),
                para(appeal.get("reasons", ""), st["body"]),
                fixed("This decision is final: there is no further right of appeal under this procedure.", st["body"]),
            ]
    story += [Spacer(1, 8), fixed("Yours sincerely,", st["body"]), fixed(markup(_sender(facts)), st["body"])]
    story += [Spacer(1, 8), fixed(escape(RECEIPT_NOTE), st["small"])]
    return story


def _sender(facts: LetterFacts) -> str:
    """Who the letter is from: the appeal's hearer for its outcome, else the plan's manager."""
    hearer = facts.content.get("appeal", {}).get("hearer")
    return hearer if facts.kind == APPEAL_OUTCOME and hearer else facts.manager


def _draft_mark(canvas: Any, doc: Any) -> None:
    """Across every page of an unsent letter: "Draft — not sent"."""
    canvas.saveState()
    canvas.setFillColor(colors.Color(0.64, 0.09, 0.1, alpha=0.12))
    canvas.setFont(BOLD_FONT, 54)
    canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
    canvas.rotate(40)
    canvas.drawCentredString(0, 0, DRAFT_MARK)
    canvas.restoreState()


def render_letter(facts: LetterFacts) -> bytes:
    """Build one letter's PDF."""
    register_fonts()
    st = make_styles()
    buffer = BytesIO()
    doc = document(
        buffer,
        title=f"{facts.title} {facts.reference}",
        author=facts.manager,
        subject=f"{facts.title}: {facts.staff}, {facts.service}",
        reference=facts.reference,
    )
    sent = facts.sent_on is not None
    story: list[Flowable] = [
        fixed(escape(facts.title.upper()) + " \u00b7 " + escape(CONFIDENTIAL), st["kicker"]),
        fixed(markup(facts.title), st["title"]),
        fixed(markup(f"To {facts.staff}, {facts.service}"), st["subtitle"]),
    ]
    if not sent:
        story.append(
            fixed(
                f'<font color="#a4161a"><b>{escape(DRAFT_MARK)}.</b></font> '
                f"This letter has not been sent to {markup(facts.staff)}.",
                st["outcome"],
            )
        )
        story.append(Spacer(1, 6))
    facts_rows = [
        ("Plan", facts.reference),
        ("Date", when(facts.sent_on) if sent else "Not sent yet"),
        ("From", _sender(facts)),
        ("Letter version", f"Version {facts.version}, drafted {when(facts.drafted_on)}"),
        ("Stage", facts.content.get("stage", "")),
        ("Plan type", facts.content.get("plan_type", "")),
    ]
    if facts.kind in WARNINGS:
        facts_rows.append(("Expires", when(facts.expires_on)))
    if facts.kind in APPEALABLE:
        facts_rows.append(("Appeal by", when(facts.appeal_by) if facts.appeal_by else "Set when sent"))
    story += [fact_table(facts_rows, st), Spacer(1, 8)]
    story += _body(facts, st)
    status = "sent " + when(facts.sent_on) if sent else DRAFT_MARK.lower()
    furniture = Furniture(
        reference=facts.reference,
        who=f"{facts.staff} \u00b7 {facts.service}",
        footer=f"{facts.title} \u00b7 version {facts.version} \u00b7 {status} \u00b7 printed by {facts.generated_by}",
    )
    page_mark = (lambda canvas, doc: None) if sent else _draft_mark
    doc.build(story, onFirstPage=page_mark, onLaterPages=page_mark, canvasmaker=numbered_canvas(furniture))
    return buffer.getvalue()
