"""The diary screens' request handling: read the form, call the screen service, redirect."""

import uuid
from datetime import UTC, date, datetime

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict

from diary import clock
from diary.extensions import db
from diary.rules import answers as reading
from diary.rules import schedule
from diary.services.diary import entries, preferences, progress, screens
from diary.services.diary.entries import Sent
from diary.services.diary.screens import Saved
from diary.web.deployment import rules
from diary.web.forms import ActionForm
from diary.web.signed_in import record_of


def screen(participant, account, day: date, step: str, known: screens.Stored):
    """Show a section, or save it and move on (`known`: the day's entry and draft, read)."""
    to_review = (request.values.get("return") == "review")
    if request.method == "POST" and ActionForm().validate_on_submit():
        locale = request.form.get("locale")
        switching = locale in current_app.config["DIARY_LOCALES"]
        given = screens.Given("language" if switching else request.form.get("action", "next"),
                              request.form)
        outcome = screens.save_screen(db.session, participant, account, day, step, given,
                                      clock.now(), rules(), known)
        if outcome is None:
            abort(404)
        if outcome.status is Saved.HELP:
            _commit_quietly()
            return redirect(_help_url(day, outcome.help))
        if outcome.status is Saved.KEPT and not switching:  # Back or Finish later, taps kept
            db.session.commit()
            return redirect(_leaving_url(day, outcome.screen, given.action, to_review))
        if outcome.status is Saved.KEPT:
            session["locale"] = locale
            preferences.set_language(db.session, record_of(account), locale, clock.now())
            db.session.commit()
            return redirect(_step_url(day, step, to_review))
        if outcome.status is Saved.NEXT:
            db.session.commit()
            following = outcome.screen.next_step
            return redirect(_step_url(day, following, False) if following and not to_review
                            else url_for("participant.review", day=day.isoformat()))
        db.session.commit()  # the valid taps of a screen sent back, kept in the draft
        return _render(participant, account, day, outcome.screen, _as_form(outcome.values),
                       outcome.errors, to_review)
    shown = screens.screen(db.session, participant, day, step, rules().window, known=known)
    if shown is None:
        abort(404)
    unanswered = {} if request.args.get("missing") != "1" else dict.fromkeys(
        reading.missing_items([shown.section], shown.saved), reading.MISSING)
    return _render(participant, account, day, shown, _as_form(shown.saved), unanswered,
                   to_review)


def _step_url(day, step, to_review) -> str:
    return url_for("participant.step", day=day.isoformat(), step=step,
                   **({"return": "review"} if to_review else {}))


def _leaving_url(day, shown: screens.Screen, action: str, to_review: bool) -> str:
    """Back: the screen before (the checking page, when changing from it); else home."""
    if action == "back" and to_review:
        return url_for("participant.review", day=day.isoformat())
    if action == "back" and shown.previous_step:
        return _step_url(day, shown.previous_step, False)
    return url_for("participant.home")


def _render(participant, account, day, shown: screens.Screen, values, errors, to_review):
    ids = [s.id for s in shown.sections]
    blank = len(errors) > 1 and all(e is reading.MISSING for e in errors.values()) and \
        not any(values.get(i.id) for i in shown.section.items)
    return render_template(
        "participant/screen.html", section=shown.section, day=day, values=values, errors=errors,
        blank=blank,
        today=schedule.local_today(clock.now(), participant.timezone),
        number=shown.index + 1, total=len(ids) + 1,
        back=ids[shown.index - 1] if shown.index else None, back_to_review=to_review,
        caregiver=account.kind == "caregiver", missing_message=reading.MISSING,
        has_previous=any(i.id in shown.previous for i in shown.section.items),
        previous_day=shown.previous_day, copied=shown.copied,
        own=(screens.usual_medicines(db.session, participant, day)
             if shown.section.lists_medicines else ()),
        default_who=shown.saved.get("R1") or screens.default_originator(participant,
                                                                        account).value)


def _as_form(values) -> MultiDict:
    return values if isinstance(values, MultiDict) else MultiDict(reading.as_form_pairs(values))


def _commit_quietly() -> None:
    """Commit what a warning sign stored; a twin that stored it first is no error here."""
    try:
        db.session.commit()
    except (IntegrityError, StaleDataError):  # a failing database reaches the 503 page instead
        db.session.rollback()


def warning_on_closed_day(participant, account, day: date):
    """A warning sent just after the day closed still gets help (and a flag); else None."""
    if not ActionForm().validate_on_submit():
        return None
    outcome = screens.report_warning(db.session, participant, account, day, request.form,
                                     clock.now(), rules())
    if outcome is None:
        return None
    _commit_quietly()
    return redirect(_help_url(day, outcome))


def _help_url(day, outcome) -> str:
    kind = "crisis" if outcome.crisis and not outcome.emergency else "emergency"
    return url_for("participant.emergency", day=day.isoformat(), kind=kind,
                   both="1" if outcome.crisis and outcome.emergency else None)


def review(participant, account, day: date, known: screens.Stored):
    """Check every answer, then send once (`known`: the day's entry and draft, read)."""
    if request.method == "POST" and ActionForm().validate_on_submit():
        sending = screens.Sending(_token(), _client_time(), _int(request.form.get("base")))
        sent = screens.send_day(db.session, participant, account, day, sending, clock.now(),
                                rules(), known)
        if sent.missing_step:  # the screen lists its unanswered questions, and leads back
            return redirect(url_for("participant.step", day=day.isoformat(),
                                    step=sent.missing_step, missing="1", **{"return": "review"}))
        try:
            db.session.commit()
            result = sent.result
        except (IntegrityError, StaleDataError):
            db.session.rollback()  # the same tap arrived twice and its twin stored it
            result = entries.replayed(db.session, participant, day, sending.token)
        return _after_submit(day, result)
    asked = screens.sections(participant, day, rules().window)
    _draft, saved = screens.saved_answers(db.session, participant.id, day, known)
    entry = known.entry
    where = progress.of_day(db.session, participant, day, entry, rules().window)
    pending = where.state == "pending"
    return render_template(
        "participant/review.html", sections=asked, day=day, answers=saved,
        changes=reading.changes(asked, entry.answer_map(), saved) if pending else (),
        unanswered=len(reading.missing_items(asked, saved)),
        today=schedule.local_today(clock.now(), participant.timezone),
        token=uuid.uuid4().hex, base=where.base, caregiver=account.kind == "caregiver",
        total=len(asked) + 1, amending=entry is not None, pending=pending,
        late=schedule.is_late(day, participant.timezone, clock.now()))


def _after_submit(day, result):
    if result.status is Sent.CLOSED:
        flash(_("This day is closed. Entries can no longer be added or changed."), "error")
        return redirect(url_for("participant.home"))
    if result.status is Sent.CONFLICT:
        flash(_("This day was already sent from another screen. Here are the answers as they "
                "are now; change them if you need to."), "error")
        return redirect(url_for("participant.review", day=day.isoformat()))
    if result.status is not Sent.DUPLICATE and result.outcome.urgent:
        return redirect(_help_url(day, result.outcome))
    return redirect(url_for("participant.done", day=day.isoformat()))


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
