"""Enrolling and looking after participants: the page, settings, PINs, status, calls."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from diary import clock
from diary.extensions import db
from diary.models import ReminderRecipients, ReportingMode
from diary.rules import phones, schedule
from diary.services.people import care, enrolment, scope
from diary.services.people.enrolment import EnrolmentError
from diary.services.reporting import participant_page
from diary.staff import bp, calendar
from diary.staff.common import month_arg, participant_or_404, percent
from diary.staff.forms import (
    CaregiverForm,
    EnrolForm,
    OutreachForm,
    SettingsForm,
    StatusForm,
    options,
    parse_date,
    parse_dates,
    parse_visits,
)
from diary.web.deployment import rules
from diary.web.forms import ActionForm, reminder_choices
from diary.web.i18n import language
from diary.web.security import staff_required


def _times(form) -> None:
    form.reminder_time.choices = options(reminder_choices(
        *schedule.reminder_bounds(rules().reminders)))


def _fail(form, error: EnrolmentError) -> None:
    db.session.rollback()
    target = getattr(form, error.field, None)
    if target is None:
        flash(str(error.message), "error")
    else:
        target.errors = [*target.errors, error.message]


@bp.route("/participants/new", methods=["GET", "POST"])
@staff_required()
def enrol(staff):
    """Enrol a participant; the initial PIN is shown once."""
    sites = scope.visible_sites(db.session, staff)
    form = EnrolForm()
    form.site_id.choices = options((s.id, f"{s.code} · {s.name(language())}")
                                   for s in sites)
    _times(form)
    if form.validate_on_submit():
        site = next(s for s in sites if s.id == form.site_id.data)
        data = enrolment.Enrolment(
            study_code=form.study_code.data.strip().upper(), site=site,
            phone=phones.normalize(form.phone.data), locale=form.locale.data,
            timezone=form.timezone.data,
            reminder_time=schedule.parse_hhmm(form.reminder_time.data),
            reminder_recipients=ReminderRecipients(form.reminder_recipients.data),
            reporting_mode=ReportingMode(form.reporting_mode.data),
            diary_start_date=parse_date(form.diary_start_date.data),
            diary_end_date=parse_date(form.diary_end_date.data),
            infusions=parse_dates(form.infusions.data), visits=parse_visits(form.visits.data))
        try:
            participant, pin = enrolment.enrol(db.session, data, staff, clock.now())
        except EnrolmentError as error:
            _fail(form, error)
        else:
            db.session.commit()
            # Shown in the answer to the POST, never stored in a cookie or unhashed.
            return render_template("staff/pin.html", participant=participant, pin=pin,
                                   who=participant.study_code, enrolled=True)
    return render_template("staff/enrol.html", form=form)


@bp.get("/participants/<int:participant_id>")
@staff_required()
def participant(staff, participant_id):
    """Calendar, entries, messages, flags and calls of one participant."""
    person = participant_or_404(staff, participant_id)
    page = participant_page.build(db.session, person, clock.now(), rules(), month_arg())
    return render_template(
        "staff/participant.html", page=page, p=person, staff=staff, percent=percent,
        calendar=calendar.render(page), action=ActionForm(), outreach=OutreachForm(),
        status_form=StatusForm(), transitions=care.TRANSITIONS)


@bp.route("/participants/<int:participant_id>/settings", methods=["GET", "POST"])
@staff_required()
def edit(staff, participant_id):
    """Change phone, language, time zone, reminders, reporting mode and dates."""
    person = participant_or_404(staff, participant_id)
    form = SettingsForm(data=_current(person))
    _times(form)
    for field, value in ((form.timezone, person.timezone),
                         (form.reminder_time, person.reminder_time.strftime("%H:%M"))):
        if value not in {c.value for c in field.choices}:  # set before the lists changed
            field.choices = [*field.choices, *options([(value, value)])]
    if form.validate_on_submit():
        new = care.Settings(
            phone=phones.normalize(form.phone.data), locale=form.locale.data,
            timezone=form.timezone.data,
            reminder_time=schedule.parse_hhmm(form.reminder_time.data),
            reminder_recipients=ReminderRecipients(form.reminder_recipients.data),
            reporting_mode=ReportingMode(form.reporting_mode.data),
            diary_end_date=parse_date(form.diary_end_date.data) or person.diary_end_date,
            infusions=parse_dates(form.infusions.data), visits=parse_visits(form.visits.data))
        try:
            changes = care.update_settings(db.session, person, new, staff,
                                                       clock.now())
        except EnrolmentError as error:
            _fail(form, error)
            person = participant_or_404(staff, participant_id)
        else:
            db.session.commit()
            flash(_("Settings saved.") if changes else _("Nothing was changed."), "success")
            return redirect(url_for("staff.participant", participant_id=person.id))
    return render_template("staff/settings.html", form=form, p=person)


def _current(person) -> dict:
    return {"phone": person.phone, "locale": person.locale, "timezone": person.timezone,
            "reminder_time": person.reminder_time.strftime("%H:%M"),
            "reminder_recipients": person.reminder_recipients.value,
            "reporting_mode": person.reporting_mode.value,
            "diary_end_date": person.diary_end_date.isoformat(),
            "infusions": "\n".join(i.infusion_date.isoformat() for i in person.infusions),
            "visits": "\n".join(f"{v.visit_date.isoformat()} {v.label or ''}".strip()
                                for v in person.visits)}


@bp.route("/participants/<int:participant_id>/caregivers/new", methods=["GET", "POST"])
@staff_required()
def add_caregiver(staff, participant_id):
    """Link a caregiver with their own phone, language and PIN (shown once)."""
    person = participant_or_404(staff, participant_id)
    form = CaregiverForm()
    if form.validate_on_submit():
        data = enrolment.NewCaregiver(form.name.data.strip(), form.relationship_to.data,
                                      phones.normalize(form.phone.data), form.locale.data)
        try:
            carer, pin = enrolment.add_caregiver(db.session, person, data, staff, clock.now())
        except EnrolmentError as error:
            _fail(form, error)
            person = participant_or_404(staff, participant_id)
        else:
            db.session.commit()
            return render_template("staff/pin.html", participant=person, pin=pin,
                                   who=_("Caregiver of %(code)s", code=person.study_code))
    return render_template("staff/caregiver.html", form=form, p=person)


@bp.post("/participants/<int:participant_id>/pin")
@staff_required()
def reset_pin(staff, participant_id):
    """A new PIN for the participant, shown once."""
    person = participant_or_404(staff, participant_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("staff.participant", participant_id=person.id))
    pin = care.reset_pin(db.session, person, staff, clock.now())
    db.session.commit()
    return render_template("staff/pin.html", participant=person, pin=pin,
                           who=person.study_code)


@bp.post("/participants/<int:participant_id>/caregivers/<int:caregiver_id>/pin")
@staff_required()
def reset_caregiver_pin(staff, participant_id, caregiver_id):
    """A new PIN for a caregiver, shown once."""
    person = participant_or_404(staff, participant_id)
    carer = scope.caregiver_for_staff(db.session, staff, person.id, caregiver_id)
    if carer is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("staff.participant", participant_id=person.id))
    pin = care.reset_pin(db.session, carer, staff, clock.now())
    db.session.commit()
    return render_template("staff/pin.html", participant=person, pin=pin,
                           who=_("Caregiver of %(code)s", code=person.study_code))


@bp.post("/participants/<int:participant_id>/unlock")
@staff_required()
def unlock(staff, participant_id):
    """Clear a sign-in lockout after too many wrong PINs."""
    person = participant_or_404(staff, participant_id)
    if ActionForm().validate_on_submit():
        care.unlock(db.session, person, staff, clock.now())
        db.session.commit()
        flash(_("Sign-in is unlocked."), "success")
    return redirect(url_for("staff.participant", participant_id=person.id))


@bp.post("/participants/<int:participant_id>/status/<action>")
@staff_required()
def change_status(staff, participant_id, action):
    """Pause, resume, withdraw (with a reason) or complete."""
    person = participant_or_404(staff, participant_id)
    if action not in care.TRANSITIONS:
        abort(404)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            care.change_status(db.session, person, action, staff, clock.now(),
                                           form.reason.data)
        except EnrolmentError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(_("The participant's status is now: %(status)s.",
                    status=status_label(person.status.value)), "success")
    return redirect(url_for("staff.participant", participant_id=participant_id))


@bp.post("/participants/<int:participant_id>/outreach")
@staff_required()
def outreach(staff, participant_id):
    """Log a call or other contact attempt."""
    person = participant_or_404(staff, participant_id)
    form = OutreachForm()
    if form.validate_on_submit():
        care.log_outreach(db.session, person, staff, form.channel.data,
                                      form.result.data, form.note.data, clock.now())
        db.session.commit()
        flash(_("The contact attempt is logged."), "success")
    else:
        flash(_("The contact attempt could not be logged. Please check the form."), "error")
    return redirect(url_for("staff.participant", participant_id=person.id) + "#outreach")


def status_label(value: str) -> str:
    """A participant status in the reader's language."""
    return {"active": _("active"), "paused": _("paused"), "withdrawn": _("withdrawn"),
            "completed": _("completed")}.get(value, value)
