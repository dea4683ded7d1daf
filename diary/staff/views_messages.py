"""Replies that people sent to our SMS: read them, mark them seen."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from diary import clock
from diary.extensions import db
from diary.services.messaging import inbound
from diary.services.people import scope
from diary.staff import bp
from diary.web.forms import ActionForm
from diary.web.security import staff_required


@bp.get("/replies")
@staff_required()
def replies(staff):
    """Unread replies first; all recent ones on request."""
    include_seen = request.args.get("show") == "all"
    rows = inbound.replies_for_staff(db.session, scope.participant_ids(staff), include_seen)
    return render_template("staff/replies.html", rows=rows, include_seen=include_seen,
                           form=ActionForm(formdata=None))


@bp.post("/replies/<int:message_id>/seen")
@staff_required()
def reply_seen(staff, message_id):
    """Mark one reply as read."""
    message = scope.reply_for_staff(db.session, staff, message_id)
    if message is None:
        abort(404)
    if ActionForm().validate_on_submit():
        inbound.mark_seen(db.session, staff, message, clock.now())
        db.session.commit()
        flash(_("Marked as read."), "success")
    return redirect(url_for("staff.replies"))
