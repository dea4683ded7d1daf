"""Names of codes (statuses, kinds, results) in the reader's language, for staff templates."""

import re
from datetime import datetime
from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import pgettext

from diary.rules import instrument
from diary.staff import bp
from diary.staff.calendar import day_status_names
from diary.staff.forms import (
    CHANNELS,
    MODES,
    RECIPIENTS,
    RELATIONSHIPS,
    RESOLUTIONS,
    RESULTS,
    ZONE_NAMES,
)
from diary.staff.forms_admin import PASSWORD_RULE, ROLES
from diary.web.i18n import date_and_time, language


def flag_kinds() -> dict[str, str]:
    """Flag kinds, in the reader's language."""
    return {"safety_urgent": _("Safety: urgent"), "safety_same_day": _("Safety: same day"),
            "missed_streak": _("Missed days in a row"), "low_compliance": _("Low compliance"),
            "unreachable": _("Unreachable")}


def participant_statuses() -> dict[str, str]:
    """Participant statuses (and the 'all' filter), in the reader's language."""
    return {"active": _("Active"), "paused": _("Paused"), "withdrawn": _("Withdrawn"),
            "completed": _("Completed"), "all": _("All")}


def originators() -> dict[str, str]:
    """Who answered a diary day, in the reader's language."""
    return {"participant": _("Participant"), "participant_helped": _("Participant with help"),
            "caregiver": _("Caregiver"), "staff": _("Staff")}


def message_statuses() -> dict[str, str]:
    """SMS delivery statuses and the steps in a message's history, in the reader's language."""
    return {"pending": _("Waiting"), "sending": _("Sending"), "unknown": _("Unknown"),
            "queued": _("Queued"), "sent": _("Sent"), "delivered": _("Delivered"),
            "undelivered": _("Not delivered"), "failed": _("Failed"),
            # Translators: a reminder the rules chose not to send (too late, limit reached…).
            "dropped": _("Not sent, by the rules"),
            "suppressed": _("Not sent (opted out or invalid)"), "accepted": _("Queued"),
            "read": _("Delivered"), "retry": _("Will retry"), "opted_out": _("Opted out"),
            "invalid": _("Invalid number"), "found": _("Found at the provider"),
            "not_found": _("Not found at the provider; queued again"),
            "lost_race": _("Taken by another worker")}


def message_event(name: str) -> str:
    """One step of a message's history, e.g. "dropped:stale", in the reader's language."""
    reasons = {"stale": _("too late after an outage"), "done": _("the diary was already sent"),
               "cap": _("daily limit reached"), "repeat": _("same text sent within 24 hours"),
               "quiet": _("quiet hours"), "inactive": _("participant not active")}
    status, _sep, reason = name.partition(":")
    label = message_statuses().get(status, status)
    return _("%(status)s: %(reason)s", status=label, reason=reasons.get(reason, reason)) \
        if reason else label


def reply_kinds() -> dict[str, str]:
    """What a reply to our SMS asked for, in the reader's language."""
    return {"stop": _("Stop (opted out)"), "start": _("Start again"), "help": _("Help"),
            "other": _("Message")}


def message_kinds() -> dict[str, str]:
    """Which SMS it was, in the reader's language."""
    return {"daily": _("Daily reminder"), "daily_missed": _("Reminder after a missed day"),
            "last_call": _("Last call next morning"), "visit": _("Clinic visit tomorrow"),
            "visit_daily": _("Clinic visit tomorrow and diary reminder"),
            "on_call": _("On-call safety alert"), "help": _("Help reply")}


def flag_statuses() -> dict[str, str]:
    """Where a flag stands, in the reader's language."""
    return {"open": pgettext("flag status", "Open"), "acknowledged": _("Acknowledged"),
            "resolved": _("Resolved")}


def audit_actions() -> dict[str, str]:
    """What an audit event records, in the reader's language (unknown codes show as they are)."""
    return {
        "sign_in": _("Signed in"), "sign_in.failed": _("Sign-in failed"),
        "sign_in.locked": _("Sign-in refused: locked"), "sign_in.unlock": _("Sign-in unlocked"),
        "sign_out": _("Signed out"), "entry.create": _("Diary day sent"),
        "entry.amend": _("Diary day changed"), "entry.excuse": _("Day excused"),
        "settings.update": _("Own settings changed"), "settings.language": _("Language changed"),
        "participant.enrol": _("Participant enrolled"),
        "participant.settings": _("Participant settings changed"),
        "participant.status": _("Participant status changed"), "pin.reset": _("PIN reset"),
        "caregiver.add": _("Caregiver added"), "flag.open": _("Flag opened"),
        "flag.acknowledge": _("Flag acknowledged"), "flag.resolve": _("Flag resolved"),
        "outreach.log": _("Contact attempt logged"), "export": _("Data exported"),
        "staff.create": _("Staff account created"), "staff.update": _("Staff account changed"),
        "site.create": _("Site created"), "site.update": _("Site changed"),
        "sms.reply_seen": _("SMS reply read"),
        "sms.opt_out": _("Opted out of SMS"), "sms.opt_in": _("SMS resumed"),
        "sms.invalid_number": _("Phone number reported invalid"),
        "entry.missed": _("Day closed as missed"),
        "entry.excuse_paused": _("Days of a pause excused"),
    }


def trigger_names() -> dict[str, str]:
    """Same-day and emergency triggers that are not a single question, in the reader's language."""
    return {"fever": _("Fever"), "high_fever": _("High fever with chills or breathlessness"),
            "breathless": _("Short of breath after the infusion"),
            "head_strike_anticoagulant": _("Hit the head in a fall, on an anticoagulant"),
            "fall_anticoagulant": _("Fall while on an anticoagulant"),
            "fall_injury": _("Fall injury that needed a doctor"),
            "hospital": _("Emergency visit or hospital admission"),
            "infusion_reaction": _("Reaction at or after the infusion"),
            "choking_fever": _("Choking when eating or drinking, with fever"),
            "worse_days": _("Worse than the day before, three days running"),
            "new_antidepressant": _("Started an antidepressant"),
            "new_antispastic": _("Started an antispastic drug or botulinum toxin")}


def flag_detail(detail: str | None) -> str:
    """A flag's causes as words: question labels for warning signs, names for other triggers."""
    names, parts = trigger_names(), []
    for code in (detail or "").split(","):
        item_id = code.split(":")[1] if code.startswith("symptom_jump:") else code
        if code.startswith(("missed_days:", "recent:", "unreachable:")):
            parts.append(_scheduler_detail(code))
        elif code.startswith("symptom_jump:") and item_id in instrument.ITEMS:
            parts.append(_("%(symptom)s much worse than usual",
                           symptom=instrument.ITEMS[item_id].label))
        elif code in instrument.ITEMS:
            parts.append(f"{code} {instrument.ITEMS[code].label}")
        elif code:
            parts.append(names.get(code, code))
    return "; ".join(parts)


def _scheduler_detail(code: str) -> str:
    """Details the scheduler writes: missed_days:N, recent:A/B, unreachable:WHO:WHY."""
    kind, _sep, rest = code.partition(":")
    if kind == "missed_days" and rest.isdigit():
        return _("%(n)d days missed in a row", n=int(rest))
    if kind == "recent" and re.fullmatch(r"\d+/\d+", rest):
        answered, expected = (int(n) for n in rest.split("/"))
        return _("%(answered)d of the last %(expected)d days answered", answered=answered,
                 expected=expected)
    who, _sep, why = rest.partition(":")
    reasons = {"opted_out": _("opted out of SMS"), "invalid": _("the number is invalid"),
               "undelivered": _("messages are not delivered")}
    whose = _("Caregiver") if who == "caregiver" else _("Participant")
    return _("%(who)s: %(why)s", who=whose, why=reasons.get(why, why))


def entry_reason(reason: str | None) -> str:
    """Why a day was excused or changed: typed by staff, or a code the system stored."""
    return {"paused": _("The participant was paused")}.get(reason or "", reason or "")


def audit_actor(row) -> str:
    """Who did an audited thing, in the reader's language (a review row of the audit page)."""
    event = row.event
    if event.actor_type == "system":
        # Translators: who did it, in the audit trail: the diary itself, e.g. its scheduler.
        return _("System")
    if event.actor_type == "caregiver":
        code = row.actor_code or row.study_code
        return _("Caregiver of %(code)s", code=code) if code else _("Caregiver")
    if event.actor_type == "participant":
        return row.actor_code or event.actor_label or _("Participant")
    if event.actor_type == "staff":
        return event.actor_label or f"staff:{event.actor_id}"
    return event.actor_label or event.actor_type


def audit_marks() -> dict[str, str]:
    """Why an audit row is highlighted, in the reader's language."""
    return {"burst": _("Several diary days sent within minutes"),
            "odd_hour": _("Sent at an unusual local hour"),
            "clock_skew": _("Phone clock far from the server's")}


def _choices(choices) -> dict[str, str]:
    return {code: str(label) for code, label in choices}


def duration(seconds: int) -> str:
    """Time left before a flag is overdue, or how long it has been overdue."""
    minutes = abs(seconds) // 60
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        text = _("%(d)d d %(h)d h", d=days, h=hours)
    elif hours:
        text = _("%(h)d h %(m)d min", h=hours, m=minutes)
    else:
        text = _("%(m)d min", m=minutes)
    return _("overdue by %(t)s", t=text) if seconds < 0 else _("%(t)s left", t=text)


def zone_name(tz: str) -> str:
    """A time zone as the reader says it: 北京时间, Beijing time."""
    return str(ZONE_NAMES.get(tz, tz))


def local_time(at: datetime | None, tz: str) -> str:
    """An instant in a participant's own time zone."""
    if at is None:
        return "—"
    return date_and_time(at, tz)


@bp.context_processor
def labels() -> dict:
    """Every staff template gets the label tables and formatters."""
    return {**_tables(language()), "message_event": message_event,
            "audit_actor": audit_actor, "entry_reason": entry_reason, "flag_detail": flag_detail,
            "duration": duration, "local_time": local_time, "items": instrument.ITEMS,
            "zone_name": zone_name, "password_rule": PASSWORD_RULE}


@lru_cache(maxsize=8)
def _tables(locale: str) -> dict:
    """The label tables of one language, translated once (the catalogues never change)."""
    return {"flag_kinds": flag_kinds(), "participant_statuses": participant_statuses(),
            "day_statuses": day_status_names(), "originators": originators(),
            "message_statuses": message_statuses(), "audit_marks": audit_marks(),
            "flag_statuses": flag_statuses(), "audit_actions": audit_actions(),
            "reply_kinds": reply_kinds(), "message_kinds": message_kinds(),
            "roles": _choices(ROLES), "resolutions": _choices(RESOLUTIONS),
            "channels": _choices(CHANNELS), "results": _choices(RESULTS),
            "recipients": _choices(RECIPIENTS), "modes": _choices(MODES),
            "relationships": _choices(RELATIONSHIPS)}
