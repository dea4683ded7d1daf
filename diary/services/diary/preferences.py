"""A participant's or caregiver's own preferences: language and reminder time."""

from datetime import datetime, time

from sqlalchemy.orm import Session

from diary.rules.schedule import parse_hhmm
from diary.services import audit


def update_preferences(session: Session, account, locale: str, reminder: str, now: datetime,
                       bounds: tuple[time, time]) -> dict:
    """Save language and reminder time; returns what changed (also audited)."""
    participant = account.participant
    new_time = parse_hhmm(reminder)
    if not bounds[0] <= new_time <= bounds[1]:
        raise ValueError("reminder time outside the allowed hours")
    changes = {}
    if account.locale != locale:
        changes["locale"] = {"before": account.locale, "after": locale}
        account.locale = locale
    if participant.reminder_time != new_time:
        changes["reminder_time"] = {"before": participant.reminder_time.strftime("%H:%M"),
                                    "after": reminder}
        participant.reminder_time = new_time
    if changes:
        audit.record(session, now, "settings.update", account, participant=participant,
                     detail=changes)
    return changes
