"""The diary screens' orchestration: one section per screen, shortcuts, review, send."""

import uuid
from datetime import UTC, date, datetime

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict

from diary import clock
from diary.extensions import db
from diary.models import Originator
from diary.rules import answers as reading
from diary.rules import schedule, triggers
from diary.rules.instrument import WARNING_SIGNS
from diary.services.diary import drafts, entries
from diary.web.forms import ActionForm


def rules() -> entries.Rules:
    """The window, trigger and flag settings of this deployment."""
    return entries.Rules.from_config(current_app.config)


def default_originator(participant, account) -> str:
    """Who is answering, as the login suggests."""
    if account.kind == "caregiver":
        return Originator.CAREGIVER.value
    if participant.reporting_mode.value == "assisted":
        return Originator.PARTICIPANT_HELPED.value
    return Originator.PARTICIPANT.value


def screen(participant, account, day: date, step: str):
    """Show a section, or save it and move on."""
    sections = drafts.screens(participant, day, rules().window)
    ids = [s.id for s in sections]
    if step not in ids:
        abort(404)
    section = sections[ids.index(step)]
    saved = drafts.load(db.session, participant.id, day)
    previous_day, previous = drafts.last_answers(db.session, participant.id, day)
    form = ActionForm()
    values, errors = MultiDict(reading.as_form_pairs(saved)), {}
    if request.method == "POST" and form.validate_on_submit():
        action = request.form.get("action", "next")
        given, errors = _given(section, action, saved, previous)
        # A warning sign is acted on even if other questions on the screen are unanswered.
        warned = section.id == "warning" and triggers.warning_signs(given).urgent
        if not errors or warned:
            merged = drafts.save(db.session, participant.id, day, section, given, clock.now())
            if warned or _newly_urgent(participant, day, saved, merged):
                reported = frozenset(entries.urgent_codes(triggers.warning_signs(given)))
                return _send_urgent(participant, account, day, merged, reported)
            db.session.commit()
            after = ids.index(step) + 1
            return redirect(url_for("participant.step", day=day.isoformat(), step=ids[after])
                            if after < len(ids) else
                            url_for("participant.review", day=day.isoformat()))
        values = request.form if action == "next" else MultiDict(
            reading.as_form_pairs({**saved, **given}))
    return render_template(
        "participant/screen.html", section=section, day=day, values=values, errors=errors,
        form=form, number=ids.index(step) + 1, total=len(ids) + 1,
        back=ids[ids.index(step) - 1] if ids.index(step) else None,
        caregiver=account.kind == "caregiver",
        has_previous=any(i.id in previous for i in section.items), previous_day=previous_day,
        default_who=saved.get("R1") or default_originator(participant, account))


def _given(section, action, saved, previous) -> tuple[dict, dict]:
    if action == "none" and section.shortcut == "none":
        return dict(section.none_values), {}
    if action == "same" and section.shortcut == "same":
        copied = drafts.copy_section(section, previous)
        missing = reading.missing_items([section], copied)
        if not copied or missing:
            return copied, {m: reading.MISSING for m in missing} or {"": reading.MISSING}
        return copied, {}
    return reading.read_section(section, request.form, saved)


def _newly_urgent(participant, day, saved, merged) -> bool:
    """Whether this screen's answers add an emergency (a fever with chills, a head strike…)."""
    now_codes = entries.urgent_codes(entries.evaluate(db.session, participant, day, merged))
    return bool(set(now_codes) - set(entries.urgent_codes(
        entries.evaluate(db.session, participant, day, saved))))


def _send_urgent(participant, account, day, merged, reported=frozenset()):
    """Store the answers at once, before the rest of the diary, and show what to do now.

    Help is shown whatever happens to the write: a double tap that loses the race to its twin
    must still land on the emergency page, never on an error. A database that fails meanwhile
    reaches the 503 page, which shows the same call to 120 and keeps the answers to resend, so
    the team's flag is not silently lost.
    """
    author = entries.Author(account, Originator(merged.get("R1") or
                                                default_originator(participant, account)))
    try:
        result = entries.submit(db.session, participant, day, merged, author, uuid.uuid4().hex,
                                clock.now(), rules(), reported=reported)
        db.session.commit()
        outcome = result.outcome
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        outcome = entries.evaluate(db.session, participant, day, merged)
    return redirect(_help_url(day, outcome))


def warning_on_closed_day(participant, account, day: date):
    """A warning sent just after the day closed still gets help and a flag; else None."""
    given, _errors = reading.read_section(WARNING_SIGNS, request.form, {})
    if not (ActionForm().validate_on_submit() and triggers.warning_signs(given).urgent):
        return None
    author = entries.Author(account, Originator(default_originator(participant, account)))
    outcome = entries.warn_outside_window(db.session, participant, day, given, author,
                                          clock.now(), rules())
    db.session.commit()
    return redirect(_help_url(day, outcome))


def _help_url(day, outcome) -> str:
    kind = "crisis" if outcome.crisis and not outcome.emergency else "emergency"
    return url_for("participant.emergency", day=day.isoformat(), kind=kind,
                   both="1" if outcome.crisis and outcome.emergency else None)


def review(participant, account, day: date):
    """Check every answer, then send once."""
    sections = drafts.screens(participant, day, rules().window)
    saved = drafts.load(db.session, participant.id, day)
    entry = drafts.entry_for(db.session, participant.id, day)
    form = ActionForm()
    if request.method == "POST" and form.validate_on_submit():
        missing = reading.missing_items(sections, saved)
        if missing:
            flash(_("Some questions still need an answer."), "error")
            return redirect(url_for("participant.step", day=day.isoformat(),
                                    step=_section_of(sections, missing[0])))
        asked = {i.id for s in sections for i in s.items}
        answers = {k: v for k, v in saved.items() if k in asked}
        author = entries.Author(account, Originator(answers.get("R1")))
        token = _token()
        try:
            result = entries.submit(
                db.session, participant, day, answers, author, token, clock.now(), rules(),
                client_at=_client_time(), base=_int(request.form.get("base")))
            db.session.commit()
        except (IntegrityError, StaleDataError):
            db.session.rollback()  # the same tap arrived twice and its twin stored it
            result = entries.replayed(db.session, participant, day, token)
        return _after_submit(day, result)
    return render_template(
        "participant/review.html", sections=sections, day=day, answers=saved, form=form,
        token=uuid.uuid4().hex, base=entries.submission_count(db.session, entry and entry.id),
        caregiver=account.kind == "caregiver", total=len(sections) + 1, amending=entry is not None,
        late=schedule.is_late(day, participant.timezone, clock.now()))


def _after_submit(day, result):
    if result.status == "closed":
        flash(_("This day is closed. Entries can no longer be added or changed."), "error")
        return redirect(url_for("participant.home"))
    if result.status == "conflict":
        flash(_("This day was already sent from another screen. Here are the answers as they "
                "are now; change them if you need to."), "error")
        return redirect(url_for("participant.review", day=day.isoformat()))
    if result.status != "duplicate" and result.outcome.urgent:
        return redirect(_help_url(day, result.outcome))
    return redirect(url_for("participant.done", day=day.isoformat()))


def _section_of(sections, item_id: str) -> str:
    return next(s.id for s in sections if any(i.id == item_id for i in s.items))


def _token() -> str:
    token = (request.form.get("token") or "").strip()
    return token if 16 <= len(token) <= 64 and token.isalnum() else uuid.uuid4().hex


def _int(value) -> int | None:
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 9 \
        else None


def _client_time() -> datetime | None:
    """The phone's claimed time, kept beside the server's; ignored when unreadable."""
    try:
        claimed = datetime.fromisoformat((request.form.get("client_time") or "").replace(
            "Z", "+00:00"))
        return claimed.astimezone(UTC) if claimed.tzinfo else None
    except (ValueError, OverflowError):
        return None

