"""Helpers every staff view uses: scoping to the staff member's sites, paging, percentages."""

import re
from datetime import date

from flask import abort, request

from diary.extensions import db
from diary.models import Participant, StaffUser
from diary.rules import schedule
from diary.services.people import scope


def participant_or_404(staff: StaffUser, participant_id: int) -> Participant:
    """The participant if within the staff member's sites; another site's is a 404."""
    participant = scope.participant_for_staff(db.session, staff, participant_id)
    if participant is None:
        abort(404)
    return participant


def day_or_404(value: str) -> date:
    """A diary day from the URL, read by the same rule as the participant's pages."""
    return schedule.day_from_url(value) or abort(404)


def month_arg() -> date | None:
    """The ?month=YYYY-MM the participant page shows, if readable."""
    try:
        return date.fromisoformat((request.args.get("month") or "") + "-01")
    except ValueError:
        return None


def int_arg(name: str, default: int | None = None, maximum: int = scope.MAX_ID) -> int | None:
    """A positive integer query argument; anything unreadable or out of range is the default."""
    value = request.args.get(name, "")
    if not re.fullmatch(r"[0-9]{1,10}", value) or not 0 < int(value) <= maximum:
        return default
    return int(value)


def percent(value: float | None) -> str:
    """A rate as a whole percentage, or a dash."""
    return "—" if value is None else f"{round(value * 100):d} %"

