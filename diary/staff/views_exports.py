"""Exports: CSV files and CDISC ODM, site-scoped, streamed, each one an audit event."""

from collections.abc import Iterator

from flask import Response, abort, current_app, render_template, stream_with_context
from flask_babel import get_locale
from sqlalchemy.orm import Session

from diary import clock
from diary.extensions import db
from diary.services.people import scope
from diary.services.reporting import exports
from diary.staff import bp
from diary.staff.common import int_arg
from diary.web.deployment import rules
from diary.web.forms import ActionForm
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
    return render_template("staff/exports.html", sites=scope.site_choices(db.session, staff),
                           exports=exports.EXPORTS, form=ActionForm())


@bp.post("/exports/<name>")
@staff_required()
def export(staff, name):
    """One file, streamed; a POST, because each download is an audit event."""
    chosen = exports.EXPORTS.get(name) or abort(404)
    site_id = _site(staff)
    now = clock.now()
    selection = exports.Selection.of(staff, site_id, now,
                                     current_app.config["DIARY_DEFAULT_TIMEZONE"],
                                     rules().recent_days)
    exports.record_export(db.session, staff, name, now, site_id)
    db.session.commit()
    get_locale()  # settled now, while the staff member is at hand: the body streams without them
    stem, extension = name.rsplit(".", 1)
    return _download(_streamed(chosen, selection), chosen.mimetype,
                     f"diary-{stem}-{now:%Y%m%d}.{extension}")


def _streamed(chosen: exports.Export, selection: exports.Selection) -> Iterator[str]:
    """The body on a session of its own: the request's session is closed before it streams."""

    @stream_with_context
    def body():
        with Session(db.engine) as session:
            yield from chosen.body(session, selection)

    return body()


def _download(chunks, mimetype: str, filename: str) -> Response:
    response = Response(chunks, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
