"""Exports: CSV files and CDISC ODM, site-scoped, streamed, each one an audit event."""

from datetime import timedelta

from flask import Response, abort, current_app, render_template, stream_with_context

from diary import clock
from diary.extensions import db
from diary.rules import schedule
from diary.services.people import scope
from diary.services.reporting import exports, odm
from diary.staff import bp
from diary.staff.common import int_arg
from diary.web.security import staff_required


def _site(staff) -> int | None:
    site_id = int_arg("site")
    if site_id is not None and not scope.can_see_site(db.session, staff, site_id):
        abort(404)
    return site_id


@bp.get("/exports")
@staff_required()
def exports_page(staff):
    """The list of exports, for all of the staff member's sites or one."""
    return render_template("staff/exports.html", sites=scope.visible_sites(db.session, staff),
                           kinds=exports.KINDS)


@bp.get("/exports/<kind>.csv")
@staff_required()
def export_csv(staff, kind):
    """One CSV file, streamed row by row."""
    if kind not in exports.KINDS:
        abort(404)
    site_id = _site(staff)
    now = clock.now()
    exports.record_export(db.session, staff, f"{kind}.csv", now, site_id)
    db.session.commit()
    session = db.session
    if kind == "items":
        header, rows = exports.ITEM_HEADER, exports.item_rows(session, staff, site_id)
    elif kind == "days":
        header, rows = exports.day_header(), exports.day_rows(session, staff, site_id)
    elif kind == "revisions":
        header, rows = exports.REVISION_HEADER, exports.revision_rows(session, staff, site_id)
    elif kind == "compliance":
        since = schedule.local_today(now, current_app.config["DIARY_DEFAULT_TIMEZONE"]) - \
            timedelta(days=7)
        header, rows = exports.COMPLIANCE_HEADER, exports.compliance_rows(session, staff, since,
                                                                         site_id)
    elif kind == "audit":
        header, rows = exports.AUDIT_HEADER, exports.audit_rows(session, staff, site_id)
    else:
        header, rows = exports.DICTIONARY_HEADER, exports.dictionary_rows()
    return _download(stream_with_context(exports.to_csv(header, rows)), "text/csv",
                     f"diary-{kind}-{now:%Y%m%d}.csv")


@bp.get("/exports/odm.xml")
@staff_required()
def export_odm(staff):
    """CDISC ODM 1.3.2 with metadata, clinical data and audit records."""
    site_id = _site(staff)
    now = clock.now()
    exports.record_export(db.session, staff, "odm.xml", now, site_id)
    db.session.commit()
    chunks = stream_with_context(odm.document(db.session, staff, now, site_id))
    return _download(chunks, "application/xml", f"diary-odm-{now:%Y%m%d}.xml")


def _download(chunks, mimetype: str, filename: str) -> Response:
    response = Response(chunks, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
