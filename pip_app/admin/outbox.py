"""The outbox, for the system administrator: every email the app has sent, will send, skipped or
could not send, and the message itself (which holds no plan content: references and links only)."""

from flask import abort, current_app, render_template, request

from ..clock import now_utc
from ..extensions import db
from ..models import NotificationStatus
from ..notifications.mailer import MailSettings
from ..params import page_arg, text_arg
from ..services import delivery, outbox
from . import bp

FILTER_LABELS = {
    "": "All",
    "pending": "Waiting to be sent",
    outbox.RETRYING: "Retrying after a failure",
    "sending": "Being sent",
    "sent": "Sent",
    "failed": "Failed",
    "skipped": "Skipped",
}


@bp.get("/outbox")
def outbox_list():
    """Recipient, subject, status and times of each notification, newest first, by status."""
    status = text_arg(request.args, "status", 20)
    status = status if status in outbox.FILTERS else ""
    page = page_arg(request.args)
    rows, total = outbox.outbox_page(status or None, page)
    settings = MailSettings.from_config(current_app.config)
    return render_template(
        "admin/outbox.html",
        rows=rows,
        total=total,
        page=page,
        pages=max((total + outbox.PAGE_SIZE - 1) // outbox.PAGE_SIZE, 1),
        status=status,
        filters=FILTER_LABELS,
        counts=outbox.outbox_counts(),
        mail_server=settings.server,
        sending=NotificationStatus,
    )


@bp.get("/outbox/<int:notification_id>")
def outbox_message(notification_id: int):
    """One notification: its state and history, and the email as it is (or was) sent."""
    row = outbox.notification(notification_id)
    if row is None:
        abort(404)
    settings = MailSettings.from_config(current_app.config)
    message = delivery.message_for(row, row.recipient, settings, row.sent_at or now_utc())
    parts = {}
    for part in message.walk():
        if part.get_content_maintype() == "multipart":
            continue
        kind = part.get_content_type()
        if part.get_filename():
            kind = f"attachment {part.get_filename()} ({kind})"
        if part.get_content_maintype() == "text":
            parts[kind] = part.get_content()
        else:
            payload = part.get_payload(decode=True)
            parts[kind] = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
    db.session.rollback()  # composing read the plan's reference: nothing to keep
    return render_template(
        "admin/outbox_message.html", row=row, message=message, parts=parts, headers=list(message.items())
    )
