"""The dashboard: a site's participants sorted by who needs attention first."""

from flask import current_app, render_template, request

from diary import clock
from diary.extensions import db
from diary.services.people import scope
from diary.services.reporting import dashboard
from diary.staff import bp
from diary.staff.common import int_arg, percent
from diary.web.deployment import rules
from diary.web.security import staff_required


@bp.get("/")
@staff_required()
def dashboard_page(staff):
    """Counts at the top, then one page of participants, most in need first."""
    sites = scope.site_choices(db.session, staff)
    site_id = int_arg("site")
    if site_id is not None and site_id not in {s.id for s in sites}:
        site_id = None
    status = request.args.get("status", "active")
    if status not in dashboard.STATUS_FILTERS:
        status = "active"
    board = dashboard.build(db.session, staff, clock.now(), rules(), site_id=site_id,
                            status=status, page=int_arg("page", 1),
                            default_tz=current_app.config["DIARY_DEFAULT_TIMEZONE"])
    return render_template("staff/dashboard.html", board=board, sites=sites, site_id=site_id,
                           status=status, percent=percent, staff=staff,
                           target=current_app.config["DIARY_COMPLIANCE_TARGET"])
