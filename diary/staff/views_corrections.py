"""Staff corrections: enter or correct a day with a reason, or excuse it."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from diary import clock
from diary.extensions import db
from diary.rules import answers as reading
from diary.rules import schedule
from diary.services.diary import corrections, days, entries, screens
from diary.services.diary.corrections import CorrectionError
from diary.staff import bp
from diary.staff.common import day_or_404, participant_or_404
from diary.staff.forms import ReasonForm
from diary.web.deployment import rules
from diary.web.security import staff_required


def _read(sections, form) -> tuple[dict, dict]:
    """Every section's answers from one long form, with skip logic and errors by item."""
    answers, errors = {}, {}
    for section in sections:
        ids = {i.id for i in section.items}
        only = MultiDict([(k, v) for k, v in form.items(multi=True) if k in ids])
        given, problems = reading.read_section(section, only, answers)
        answers.update(given)
        errors.update(problems)
    for item_id in reading.missing_items(sections, answers):
        errors.setdefault(item_id, reading.MISSING)
    return answers, errors


@bp.route("/participants/<int:participant_id>/days/<day>", methods=["GET", "POST"])
@staff_required()
def day_entry(staff, participant_id, day):
    """The day's answers as a form: staff add or correct them with a reason."""
    person = participant_or_404(staff, participant_id)
    the_day = day_or_404(day)
    sections = screens.sections(person, the_day, rules().window)
    entry = entries.entry_for(db.session, person.id, the_day)
    form = ReasonForm()
    values = MultiDict(reading.as_form_pairs(entry.answer_map() if entry is not None else {}))
    errors: dict = {}
    if request.method == "POST":
        values = request.form
        answers, errors = _read(sections, request.form)
        if form.validate_on_submit() and not errors:
            try:
                result = corrections.staff_entry(db.session, person, the_day, answers, staff,
                                                 form.reason.data, clock.now(), rules())
            except CorrectionError as error:
                db.session.rollback()
                flash(str(error.message), "error")
            else:
                db.session.commit()
                flash(_("The entry is saved as staff-entered.") if result.status in (
                    "created", "amended") else _("Nothing was saved."), "success")
                return redirect(url_for("staff.participant", participant_id=person.id,
                                        month=the_day.strftime("%Y-%m")) + f"#d-{day}")
        elif errors:
            flash(_("Some answers need attention."), "error")
    status = days.status_of(person, the_day, entry, clock.now(), rules().window)
    return render_template("staff/day.html", p=person, day=the_day, sections=sections,
                           entry=entry, values=values, errors=errors, form=form,
                           excuse=ReasonForm(prefix="excuse", formdata=None), status=status,
                           future=the_day > schedule.local_today(clock.now(), person.timezone))


@bp.post("/participants/<int:participant_id>/days/<day>/excuse")
@staff_required()
def excuse(staff, participant_id, day):
    """Mark the day excused with a reason; it leaves the compliance denominator."""
    person = participant_or_404(staff, participant_id)
    the_day = day_or_404(day)
    form = ReasonForm(prefix="excuse")
    if not form.validate_on_submit():
        flash(_("Please give a reason."), "error")
        return redirect(url_for("staff.day_entry", participant_id=person.id, day=day))
    try:
        corrections.excuse_day(db.session, person, the_day, staff, form.reason.data, clock.now())
    except CorrectionError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("staff.day_entry", participant_id=person.id, day=day))
    db.session.commit()
    flash(_("The day is excused."), "success")
    return redirect(url_for("staff.participant", participant_id=person.id,
                            month=the_day.strftime("%Y-%m")) + f"#d-{day}")

