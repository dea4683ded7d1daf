"""The flag queue: urgent first, time left before overdue, acknowledge and resolve."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from diary import clock
from diary.extensions import db
from diary.services.flags import actions
from diary.services.flags.actions import FlagActionError
from diary.services.people import scope
from diary.staff import bp
from diary.staff.common import int_arg
from diary.staff.forms import AcknowledgeForm, ResolveForm
from diary.web.security import staff_required


@bp.get("/flags")
@staff_required()
def flags(staff):
    """Open and acknowledged flags (or the recently resolved ones)."""
    resolved = request.args.get("show") == "resolved"
    sites = scope.site_choices(db.session, staff)
    site_id = int_arg("site")
    if site_id not in {s.id for s in sites}:
        site_id = None
    rows = actions.queue(db.session, staff, clock.now(), resolved=resolved, site_id=site_id)
    return render_template("staff/flags.html", rows=rows, resolved=resolved, sites=sites,
                           site_id=site_id, ack=AcknowledgeForm(formdata=None),
                           resolve=ResolveForm(formdata=None))


def _flag_or_404(staff, flag_id: int):
    flag = actions.flag_of(db.session, staff, flag_id)
    if flag is None:
        abort(404)
    return flag


@bp.post("/flags/<int:flag_id>/acknowledge")
@staff_required()
def acknowledge(staff, flag_id):
    """Say someone is on it."""
    flag = _flag_or_404(staff, flag_id)
    form = AcknowledgeForm()
    if form.validate_on_submit():
        try:
            actions.acknowledge(db.session, flag, staff, clock.now(), form.note.data)
        except FlagActionError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(_("Flag acknowledged."), "success")
    return redirect(url_for("staff.flags") + f"#flag-{flag_id}")


@bp.route("/flags/<int:flag_id>/resolve", methods=["GET", "POST"])
@staff_required()
def resolve(staff, flag_id):
    """Close the flag with a resolution code and a note."""
    flag = _flag_or_404(staff, flag_id)
    form = ResolveForm()
    if form.validate_on_submit():
        try:
            actions.resolve(db.session, flag, staff, form.code.data, form.note.data,
                                 clock.now())
        except FlagActionError as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return redirect(url_for("staff.flags"))
        db.session.commit()
        flash(_("Flag resolved."), "success")
        return redirect(url_for("staff.flags"))
    return render_template("staff/resolve.html", flag=flag, form=form,
                           participant=scope.participant_for_staff(db.session, staff,
                                                                   flag.participant_id),
                           now=clock.now())
