"""The participant's and caregiver's pages: home, the diary screens, history, settings."""

import uuid
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from diary import clock
from diary.extensions import db
from diary.participant import flow
from diary.participant.forms import SettingsForm
from diary.rules import answers as reading
from diary.rules import schedule
from diary.rules.instrument import is_shown
from diary.services.diary import days, entries, progress, screens
from diary.services.diary.preferences import update_preferences
from diary.services.flags import opening
from diary.web.deployment import rules
from diary.web.forms import reminder_choices
from diary.web.i18n import list_separator
from diary.web.security import diarist_required
from diary.web.signed_in import record_of

bp = Blueprint("participant", __name__)
bp.add_app_template_global(lambda item, value: reading.display(item, value, list_separator()),
                           "answer_text")
bp.add_app_template_global(is_shown, "answer_shown")


@bp.get("/")
@diarist_required
def home(participant, account):
    """Today's diary in one tap, and yesterday's while it is still open."""
    now = clock.now()
    today = schedule.local_today(now, participant.timezone)
    open_days, unsent = days.open_days_and_drafts(db.session, participant, now, rules().window)
    closes = {d.day: schedule.window_closes_at(d.day, participant.timezone, rules().window)
              for d in open_days}
    states = progress.of_days(db.session, participant, [(d.day, d.entry) for d in open_days],
                              rules().window, unsent)
    # Yesterday, while it is open and not done, comes first: it closes first.
    open_days.sort(key=lambda d: (states[d.day].state == "done" or d.day == today,
                                  -d.day.toordinal()))
    return render_template("participant/home.html", participant=participant, account=account,
                           open_days=open_days, closes=closes, progress=states,
                           closing_today={day for day, at in closes.items()
                                          if schedule.local_today(at, participant.timezone)
                                          == today},
                           tokens={d.day: uuid.uuid4().hex for d in open_days},
                           today=today)


@bp.route("/diary/<day>/<step>", methods=["GET", "POST"])
@diarist_required
def step(participant, account, day, step):
    """One screen of the diary: show it, or save it and go on."""
    # A screen shown offers last time's answers: read with the day's own.
    opened = _open_day(participant, day, previous=request.method == "GET")
    if not isinstance(opened, OpenDay):
        late = step == "warning" and request.method == "POST" and flow.warning_on_closed_day(
            participant, account, _parse(day))
        return late or opened
    return flow.screen(participant, account, opened.day, step, opened.known)


@bp.route("/diary/<day>/review", methods=["GET", "POST"])
@diarist_required
def review(participant, account, day):
    """All answers on one page; one tap sends them."""
    opened = _open_day(participant, day)
    if not isinstance(opened, OpenDay):
        return opened
    return flow.review(participant, account, opened.day, opened.known)


@bp.get("/diary/<day>/done")
@diarist_required
def done(participant, account, day):
    """The confirmation after sending."""
    the_day = _parse(day)
    entry = entries.entry_for(db.session, participant.id, the_day)
    if entry is None:
        abort(404)
    return render_template("participant/done.html", entry=entry, day=the_day,
                           flagged=opening.team_looks_at(db.session, entry.id))


@bp.get("/diary/<day>/help")
@diarist_required
def emergency(participant, account, day):
    """What to do now after a warning sign: call 120 (or 12356)."""
    the_day = _parse(day)
    both = request.args.get("both") == "1"  # a stroke sign and thoughts of self-harm at once
    kind = request.args.get("kind")
    return render_template("participant/emergency.html", day=the_day,
                           crisis=kind == "crisis" or both, emergency=kind != "crisis" or both,
                           resume=_resume_url(participant, the_day))


@bp.get("/history")
@diarist_required
def history(participant, account):
    """The last four weeks as a calendar."""
    now = clock.now()
    weeks = days.calendar(db.session, participant, now, rules().window,
                          weeks=current_app.config["DIARY_HISTORY_DAYS"] // 7)
    return render_template("participant/history.html", weeks=weeks,
                           today=schedule.local_today(now, participant.timezone))


@bp.get("/history/<day>")
@diarist_required
def past_day(participant, account, day):
    """A sent day's answers, to read; changed only through the diary while the day is open."""
    the_day = _parse(day)
    entry = entries.entry_for(db.session, participant.id, the_day)
    if entry is None or not entry.answered:
        abort(404)
    return render_template("participant/past_day.html", day=the_day, entry=entry,
                           answers=entry.answer_map(), caregiver=account.kind == "caregiver",
                           sections=screens.sections(participant, the_day, rules().window),
                           editable=isinstance(_open_day(participant, day), OpenDay),
                           today=schedule.local_today(clock.now(), participant.timezone))


@bp.route("/settings", methods=["GET", "POST"])
@diarist_required
def preferences(participant, account):
    """Language and, for the participant, the daily reminder time."""
    form = SettingsForm(locale=account.locale,
                        reminder_time=participant.reminder_time.strftime("%H:%M"))
    bounds = schedule.reminder_bounds(rules().reminders)
    form.reminder_time.choices = reminder_choices(*bounds)
    if form.validate_on_submit():
        update_preferences(db.session, record_of(account), form.locale.data,
                           form.reminder_time.data, clock.now(), bounds)
        db.session.commit()
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("participant.preferences"))
    return render_template("participant/settings.html", form=form, participant=participant,
                           account=account)


def _resume_url(participant, day: date) -> str:
    """Where the diary of that day goes on: its first unanswered screen, or the review."""
    entry = entries.entry_for(db.session, participant.id, day)
    where = progress.of_day(db.session, participant, day, entry, rules().window)
    if where.step == "review":
        return url_for("participant.review", day=day.isoformat())
    return url_for("participant.step", day=day.isoformat(), step=where.step)


def _parse(day: str) -> date:
    """A diary date from the URL; anything else (or absurdly far away) is not found."""
    return schedule.day_from_url(day) or abort(404)


@dataclass(frozen=True)
class OpenDay:
    day: date
    known: screens.Stored  # the day's entry and draft, read once here, handed to the screen


def _open_day(participant, day: str, previous: bool = False):
    """The day (and its entry; with `previous`, the last answered day's answers) if the
    participant may fill it in now, else the page that says why not."""
    the_day = _parse(day)
    now = clock.now()
    if the_day > schedule.local_today(now, participant.timezone):
        abort(404)
    known = screens.stored(db.session, participant.id, the_day, previous=previous)
    status = days.status_of(participant, the_day, known.entry, now, rules().window)
    if schedule.is_open(the_day, participant.timezone, now, rules().window) and status in (
            "open", "on_time", "late"):
        return OpenDay(the_day, known)
    return render_template("participant/closed.html", day=the_day), 200
