"""The email: a subject, what is needed, by when, the plan reference and an absolute link — in
plain text and HTML, and nothing else.

Everything an email says is built here from a closed set of plain values (the kind, the plan
reference, dates, a version, a shift) and the recipient's own name. There is no way for a risk
statement, a review note, a health detail or a disagreement's text to reach an email: none of
them is ever an input. The link opens the app, which asks the person to sign in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from html import escape
from typing import Any

from ..formatting import format_date
from ..models import NotificationKind as Kind
from ..models import Shift
from .kinds import RULES

DETAILS_NOTE = "For privacy this email holds no details of the plan. Open the link and sign in to read them."
PREFERENCE_NOTE = "To get one email a day instead of one each time, change your email settings on your account page:"


@dataclass(frozen=True)
class Note:
    """One outbox row, as plain values."""

    id: int
    kind: Kind
    plan_id: int | None
    reference: str
    details: Mapping[str, Any]


@dataclass(frozen=True)
class Content:
    subject: str
    greeting: str
    paragraphs: tuple[str, ...]
    by: str | None
    link_text: str
    link: str
    items: tuple[tuple[str, str], ...] = ()  # a digest's lines: (text, link)
    more: int = 0
    footer: tuple[str, ...] = ()


def _day(details: Mapping[str, Any], key: str = "date") -> str:
    value = details.get(key)
    return format_date(date.fromisoformat(value)) if value else "—"


def _shift(details: Mapping[str, Any]) -> str:
    try:
        return Shift(details.get("shift", "")).label.lower()
    except ValueError:
        return "observed"


def _ack_thing(details: Mapping[str, Any]) -> str:
    what = details.get("what")
    if what == "review":
        return f"the weekly review of {_day(details, 'review_date')}"
    if what == "closure":
        return "the closure of the plan"
    return f"version {details.get('version', 1)} of the plan"


def _sentence(text: str) -> str:
    """The text as a sentence's start: its first letter a capital, the rest as it was ("The weekly
    review of 20 Nov 2026", where str.capitalize() gave "20 nov 2026")."""
    return text[:1].upper() + text[1:]


def _request(details: Mapping[str, Any]) -> str:
    return {"closure": "the closure of", "stage": "a move to a formal stage of"}.get(
        details.get("what", ""), "the draft of"
    )


def headline(kind: Kind, reference: str, details: Mapping[str, Any]) -> str:
    """What happened and what is needed, in one sentence (also a digest's line)."""
    d = details
    headlines = {
        Kind.ACKNOWLEDGE_PLAN: f"Version {d.get('version', 1)} of your improvement plan {reference} has been issued. Please read it and acknowledge it.",
        Kind.ACKNOWLEDGE_REVIEW: f"A weekly review of {_day(d, 'review_date')} has been recorded on your improvement plan {reference}. Please read it and acknowledge it.",
        Kind.ACKNOWLEDGE_CLOSURE: f"Your improvement plan {reference} has been closed. Please read the closure and acknowledge it.",
        Kind.ACK_REMINDER: f"Please read and acknowledge {_ack_thing(d)} ({reference}).",
        Kind.ACK_OUTSTANDING: f"{_sentence(_ack_thing(d))} ({reference}) has not been acknowledged since it was asked for on {_day(d, 'requested_on')}.",
        Kind.DISAGREEMENT: f"The staff member has disagreed with {_ack_thing(d)} ({reference}). Please read their comment in the app and discuss it with them.",
        Kind.ESCALATION: (
            f"The weekly review of {_day(d, 'review_date')} on {reference} was escalated. Please decide what happens next."
            if d.get("review_date")
            else f"{reference} was escalated to the registered managers. Please decide what happens next."
        ),
        Kind.ESCALATION_DECIDED: f"A registered manager has decided what happens next on the improvement plan {reference}. Open it to read the decision.",
        Kind.APPROVAL_REQUESTED: f"Your approval is asked for {_request(d)} improvement plan {reference}. Please approve it or return it with comments.",
        Kind.APPROVAL_DECIDED: (
            f"Your request for approval of {_request(d)} {reference} was "
            f"{'approved' if d.get('status') == 'approved' else 'returned with comments'}."
        ),
        Kind.REVIEW_DUE: f"The weekly review of {reference} is due {d.get('due', 'tomorrow')}, {_day(d)}.",
        Kind.REVIEW_OVERDUE: f"The weekly review of {reference} has been overdue since {_day(d)}.",
        Kind.PAST_END_DATE: f"{reference} passed its planned end date of {_day(d)} and is still open: close it, extend it or escalate.",
        Kind.CONTROL_REVIEW_PASSED: f"An interim control on {reference} was due for review on {_day(d)}. Please review it.",
        Kind.CONTROL_NOT_CHECKED: f"An interim control on {reference} has not been checked for 7 days (since {_day(d)}). Please record a check.",
        Kind.OBSERVATION_TOMORROW: f"You are observing a shift on {reference}: {_day(d)}, {_shift(d)} shift.",
        Kind.OBSERVATION_UPDATE: f"An observed shift on {reference} you are observing has changed: it is now {_day(d)}, {_shift(d)} shift.",
        Kind.OBSERVATION_CANCELLED: f"The observed shift on {reference} on {_day(d)} ({_shift(d)} shift) has been cancelled.",
        Kind.OBSERVATION_OVERDUE: f"The observed shift on {reference} of {_day(d)} has passed without an outcome. Please record it.",
        Kind.DIGEST: f"What is waiting for you on {_day(d)}.",
        Kind.DISAGREEMENT_RESPONSE: f"Your disagreement with {_ack_thing(d)} ({reference}) has been answered. Please read the response in the app.",
        Kind.LETTER_SENT: f"A formal letter about your improvement plan {reference} has been sent to you. Please read it and confirm that you have received it.",
        Kind.APPEAL_TO_HEAR: (
            f"An appeal on the improvement plan {reference} is waiting for someone to hear it. Please choose who hears it."
            if d.get("hearer") == "to choose"  # a digest's line: the hearer is still to be chosen
            else f"You have been chosen to hear an appeal on the improvement plan {reference}. Please read the grounds and arrange the hearing."
        ),
        Kind.APPEAL_DECIDED: f"The outcome of your appeal on the improvement plan {reference} has been recorded. Open it to read the outcome and the reasons.",
    }
    return headlines[kind]


def _digest_count(details: Mapping[str, Any]) -> int:
    return len(details.get("items", [])) + int(details.get("more", 0))


def subject_line(kind: Kind, reference: str, details: Mapping[str, Any]) -> str:
    """The subject: what it is about and the reference (never a name, never a note)."""
    d = details
    subjects = {
        Kind.ACKNOWLEDGE_PLAN: f"Please acknowledge your improvement plan {reference} (version {d.get('version', 1)})",
        Kind.ACKNOWLEDGE_REVIEW: f"Please acknowledge your weekly review of {_day(d, 'review_date')} ({reference})",
        Kind.ACKNOWLEDGE_CLOSURE: f"Please acknowledge the closure of your improvement plan {reference}",
        Kind.ACK_REMINDER: f"Reminder: please acknowledge {_ack_thing(d)} ({reference})",
        Kind.ACK_OUTSTANDING: f"Not yet acknowledged: {reference}",
        Kind.DISAGREEMENT: f"A staff member disagrees: {reference}",
        Kind.ESCALATION: f"Escalated: {reference}",
        Kind.ESCALATION_DECIDED: f"Escalation decided: {reference}",
        Kind.APPROVAL_REQUESTED: f"Approval needed: {reference}",
        Kind.APPROVAL_DECIDED: f"{'Approved' if d.get('status') == 'approved' else 'Returned with comments'}: {reference}",
        Kind.REVIEW_DUE: f"Weekly review due tomorrow: {reference}",
        Kind.REVIEW_OVERDUE: f"Weekly review overdue: {reference}",
        Kind.PAST_END_DATE: f"Past its planned end date: {reference}",
        Kind.CONTROL_REVIEW_PASSED: f"Interim control due for review: {reference}",
        Kind.CONTROL_NOT_CHECKED: f"Interim control not checked for 7 days: {reference}",
        Kind.OBSERVATION_TOMORROW: f"Observed shift tomorrow, {_day(d)}: {reference}",
        Kind.OBSERVATION_UPDATE: f"Observed shift changed to {_day(d)}: {reference}",
        Kind.OBSERVATION_CANCELLED: f"Observed shift cancelled, {_day(d)}: {reference}",
        Kind.OBSERVATION_OVERDUE: f"Observed shift not recorded: {reference}",
        Kind.DIGEST: f"Your improvement plan tasks for {_day(d)}: {_digest_count(d)} waiting",
        Kind.DISAGREEMENT_RESPONSE: f"Your disagreement has been answered: {reference}",
        Kind.LETTER_SENT: f"A letter has been sent to you: {reference}",
        Kind.APPEAL_TO_HEAR: f"Appeal to hear: {reference}",
        Kind.APPEAL_DECIDED: f"Your appeal has been decided: {reference}",
    }
    return subjects[kind][:200]


def by_when(kind: Kind, details: Mapping[str, Any]) -> str | None:
    """By when the person should act, in words."""
    if kind in (Kind.ACKNOWLEDGE_PLAN, Kind.ACKNOWLEDGE_REVIEW, Kind.ACKNOWLEDGE_CLOSURE, Kind.ACK_REMINDER):
        return f"By {_day(details, 'by')}" if details.get("by") else None
    if kind is Kind.REVIEW_DUE:
        return f"By {_day(details)}"
    if kind is Kind.OBSERVATION_TOMORROW or kind is Kind.OBSERVATION_UPDATE:
        return f"On {_day(details)}, {_shift(details)} shift"
    if kind in (
        Kind.REVIEW_OVERDUE,
        Kind.PAST_END_DATE,
        Kind.CONTROL_REVIEW_PASSED,
        Kind.CONTROL_NOT_CHECKED,
        Kind.OBSERVATION_OVERDUE,
        Kind.ACK_OUTSTANDING,
        Kind.ESCALATION,
        Kind.DISAGREEMENT,
        Kind.APPROVAL_REQUESTED,
        Kind.APPEAL_TO_HEAR,
    ):
        return "As soon as you can"
    return None


def path(kind: Kind, plan_id: int | None, details: Mapping[str, Any]) -> str:
    """Where the link goes (tests/test_notifications_content.py holds each to its route)."""
    if kind is Kind.DIGEST or plan_id is None:
        return "/"
    if kind in (Kind.CONTROL_REVIEW_PASSED, Kind.CONTROL_NOT_CHECKED):
        return f"/register/controls/{details['control_id']}"
    anchors = {
        Kind.ACKNOWLEDGE_PLAN: "your-plan",  # the plan in brief, then the statement
        Kind.ACKNOWLEDGE_CLOSURE: "closure-panel",
        Kind.DISAGREEMENT: "acks-panel",
        Kind.ESCALATION: "decisions",
        Kind.ESCALATION_DECIDED: "decisions",
        Kind.APPROVAL_REQUESTED: "decisions",
        Kind.APPROVAL_DECIDED: "decisions",
        Kind.REVIEW_DUE: "reviews-panel",
        Kind.REVIEW_OVERDUE: "reviews-panel",
        Kind.PAST_END_DATE: "reviews-panel",
        Kind.OBSERVATION_TOMORROW: "observations-panel",
        Kind.OBSERVATION_UPDATE: "observations-panel",
        Kind.OBSERVATION_CANCELLED: "observations-panel",
        Kind.OBSERVATION_OVERDUE: "observations-panel",
        Kind.ACK_OUTSTANDING: "acks-panel",
        Kind.DISAGREEMENT_RESPONSE: f"disagreement-{details.get('acknowledgement_id')}",
        Kind.LETTER_SENT: "letters",
        Kind.APPEAL_TO_HEAR: "appeal",
        Kind.APPEAL_DECIDED: "appeal",
    }
    anchor = anchors.get(kind)
    if kind in (Kind.ACKNOWLEDGE_REVIEW, Kind.ACK_REMINDER):
        what = details.get("what", "review")
        anchor = {"plan": "your-plan", "closure": "closure-panel"}.get(what) or (f"review-{details.get('review_id')}")
    return f"/plans/{plan_id}" + (f"#{anchor}" if anchor else "")


def absolute(base_url: str, where: str) -> str:
    return base_url.rstrip("/") + where


def compose(note: Note, recipient_name: str, base_url: str) -> Content:
    """The content of one email."""
    details = note.details
    footer: tuple[str, ...] = (DETAILS_NOTE,)
    if note.kind is Kind.DIGEST:
        items = tuple(
            (
                headline(Kind(item["kind"]), item["reference"], item["details"]),
                absolute(base_url, path(Kind(item["kind"]), item["plan_id"], item["details"])),
            )
            for item in details.get("items", [])
        )
        count = _digest_count(details)
        return Content(
            subject=subject_line(note.kind, "", details),
            greeting=f"Hello {recipient_name},",
            paragraphs=(
                f"{count} thing{'s' if count != 1 else ''} in the improvement plans app {'are' if count != 1 else 'is'} waiting for you.",
            ),
            by=None,
            link_text="Open your dashboard",
            link=absolute(base_url, "/"),
            items=items,
            more=int(details.get("more", 0)),
            footer=(DETAILS_NOTE, "You get this digest each morning while something is waiting for you."),
        )
    if not RULES[note.kind].always_immediate:
        footer += (f"{PREFERENCE_NOTE} {absolute(base_url, '/account')}",)
    return Content(
        subject=subject_line(note.kind, note.reference, details),
        greeting=f"Hello {recipient_name},",
        paragraphs=(headline(note.kind, note.reference, details),),
        by=by_when(note.kind, details),
        link_text=f"Open {note.reference}" if note.reference else "Open the app",
        link=absolute(base_url, path(note.kind, note.plan_id, details)),
        footer=footer,
    )


def plain_text(content: Content) -> str:
    lines = [content.greeting, ""]
    for paragraph in content.paragraphs:
        lines += [paragraph, ""]
    if content.by:
        lines += [f"When: {content.by}", ""]
    for text, link in content.items:
        lines += [f"- {text}", f"  {link}"]
    if content.more:
        lines += [f"- and {content.more} more on your dashboard"]
    if content.items:
        lines.append("")
    lines += [f"{content.link_text} (you will be asked to sign in):", content.link, ""]
    lines += ["--", *content.footer]
    return "\n".join(lines) + "\n"


def html(content: Content) -> str:
    e = escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        f"<title>{e(content.subject)}</title></head>",
        '<body style="font-family: Arial, Helvetica, sans-serif; font-size: 16px; line-height: 1.5; color: #0b0c0c;">',
        f"<p>{e(content.greeting)}</p>",
        *(f"<p>{e(p)}</p>" for p in content.paragraphs),
    ]
    if content.by:
        parts.append(f"<p><strong>When:</strong> {e(content.by)}</p>")
    if content.items:
        parts.append("<ul>")
        parts += [f'<li><a href="{e(link)}">{e(text)}</a></li>' for text, link in content.items]
        if content.more:
            parts.append(f"<li>and {content.more} more on your dashboard</li>")
        parts.append("</ul>")
    parts.append(
        f'<p><a href="{e(content.link)}" style="font-weight: bold;">{e(content.link_text)}</a> (you will be asked to sign in)</p>'
    )
    parts.append(
        '<hr><p style="font-size: 14px; color: #505a5f;">' + "<br>".join(e(f) for f in content.footer) + "</p>"
    )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def message_id(note_id: int, created: str, sender: str) -> str:
    """The same Message-ID however often the row is sent, so a copy sent twice (a run killed in
    flight) is recognisably the same message."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return f"<pip-notification-{note_id}-{created}@{domain}>"


def build_email(
    content: Content,
    *,
    sender: str,
    to_name: str,
    to_address: str,
    message_id_value: str,
    sent_at: Any,
    calendar: bytes | None = None,
    calendar_method: str = "REQUEST",
) -> EmailMessage:
    """A multipart message: text/plain and text/html alternatives (and, for an observed shift, a
    text/calendar alternative with the method, plus the same invitation attached as a file, as
    calendar servers send them)."""
    message = EmailMessage()
    message["Subject"] = content.subject
    message["From"] = sender
    local, _, domain = to_address.rpartition("@")
    message["To"] = Address(display_name=to_name, username=local, domain=domain)
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = message_id_value
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies, please
    message.set_content(plain_text(content))
    message.add_alternative(html(content), subtype="html")
    if calendar is not None:
        text = calendar.decode("utf-8")
        message.add_alternative(text, subtype="calendar", params={"method": calendar_method})
        message.add_attachment(calendar, maintype="application", subtype="ics", filename="observation.ics")
    return message
