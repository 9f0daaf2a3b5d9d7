"""The one source of "now" and "today", so tests can move the date and every rule follows."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

LONDON = ZoneInfo("Europe/London")


def now_utc() -> datetime:
    """The current time in UTC as a naive datetime (how the database stores times)."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """Today's date in Europe/London, or the app's FROZEN_TODAY when a test sets one."""
    if has_app_context():
        frozen = current_app.config.get("FROZEN_TODAY")
        if frozen:
            return date.fromisoformat(str(frozen))
    return datetime.now(LONDON).date()


def to_london(moment: datetime) -> datetime:
    """A naive UTC datetime from the database, as an aware Europe/London datetime."""
    return moment.replace(tzinfo=UTC).astimezone(LONDON)
