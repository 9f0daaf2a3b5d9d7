"""Notifications: what reaches people by email, as rules over plain values (no Flask request, no
database session, no templates).

- `kinds`     each kind: who it is for, whether it waits for the digest, where its link goes;
- `due`       what has become due on a day, from the derived flags (pip_app/flags.py), and what
              is still waiting on each person (the digest); UK working days; retry backoff;
- `content`   the email itself: subject, plain text + HTML, an absolute link, nothing sensitive;
- `calendar`  the .ics invitation of an observed shift (REQUEST / CANCEL, a stable UID);
- `mailer`    SMTP (the standard library's smtplib) from the PIP_MAIL_* settings.

The operations that write and send the outbox are in pip_app/services/notifications.py (events,
in the transaction of the change), services/reminders.py (what the command finds due) and
services/outbox.py (claim, send, retry, audit).
"""
