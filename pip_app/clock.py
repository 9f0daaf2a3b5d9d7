"""The one source of "now" and "today", so tests can move the date and every rule follows."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

LONDON = ZoneInfo("Europe/London")


def now_utc() -> datetime:
    """The current time in UTC as a naive datetime (how the database stores times). When a test
    freezes today (FROZEN_TODAY), it is this time of day on that day in Europe/London, so what is
    recorded now and the rules that read today agree whatever the machine's date: a decision
    recorded "today" once came before the escalation raised "now", on the day after the frozen one."""
    frozen = _frozen_day()
    if frozen is None:
        return datetime.now(UTC).replace(tzinfo=None)
    on_that_day = datetime.combine(frozen, datetime.now(LONDON).time(), tzinfo=LONDON)
    return on_that_day.astimezone(UTC).replace(tzinfo=None)


def today() -> date:
    """Today's date in Europe/London, or the app's FROZEN_TODAY when a test sets one."""
    return _frozen_day() or datetime.now(LONDON).date()


def _frozen_day() -> date | None:
    """The app's FROZEN_TODAY (tests only), if one is set."""
    if has_app_context():
        frozen = current_app.config.get("FROZEN_TODAY")
        if frozen:
            return date.fromisoformat(str(frozen))
    return None


def to_london(moment: datetime) -> datetime:
    """A naive UTC datetime from the database, as an aware Europe/London datetime."""
    return moment.replace(tzinfo=UTC).astimezone(LONDON)
